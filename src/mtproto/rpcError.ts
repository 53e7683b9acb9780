/**
 * Errors of RPC calls: the server's `rpc_error` parsed once into tags users match with
 * `Effect.catchTag`, and the Sender's own failures.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"

/** Any `rpc_error` the server returned: `code` (e.g. 400) and `message` (e.g. `PEER_ID_INVALID`). */
export class RpcError extends Schema.TaggedError<RpcError>()("RpcError", {
  code: Schema.Int,
  message: Schema.String,
  method: Schema.String
}) {}

/** FLOOD_WAIT_X, FLOOD_PREMIUM_WAIT_X, SLOWMODE_WAIT_X: retry after `seconds`. */
export class FloodWait extends Schema.TaggedError<FloodWait>()("FloodWait", {
  code: Schema.Int,
  message: Schema.String,
  seconds: Schema.NonNegativeInt,
  method: Schema.String
}) {
  /** How long the server asked us to wait. */
  get duration(): Duration.Duration {
    return Duration.seconds(this.seconds)
  }
}

/** PHONE/NETWORK/USER/FILE/STATS_MIGRATE_X: the call belongs on DC `dc`. */
export class Migrate extends Schema.TaggedError<Migrate>()("Migrate", {
  code: Schema.Int,
  message: Schema.String,
  kind: Schema.Literal("PHONE", "NETWORK", "USER", "FILE", "STATS"),
  dc: Schema.Int,
  method: Schema.String
}) {}

/** The error family an RPC call can fail with. */
export type AnyRpcError = RpcError | FloodWait | Migrate

/** Parses the server's error string once into its tag (pure). */
export const fromRpcError = (code: number, message: string, method: string): AnyRpcError => {
  const flood = /^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_(\d+)$/.exec(message)
  if (flood?.[1] !== undefined) return new FloodWait({ code, message, seconds: Number(flood[1]), method })
  const migrate = /^(PHONE|NETWORK|USER|FILE|STATS)_MIGRATE_(\d+)$/.exec(message)
  if (migrate?.[1] !== undefined && migrate[2] !== undefined) {
    return new Migrate({ code, message, kind: migrate[1] as Migrate["kind"], dc: Number(migrate[2]), method })
  }
  return new RpcError({ code, message, method })
}

/**
 * Why a call ended without an answer from the server: the Sender was closed, the server
 * rejected the message itself (bad_msg_notification codes other than the ones the Sender
 * repairs), or the answer could not be decoded.
 */
export class SenderError extends Data.TaggedError("SenderError")<{
  readonly reason: "Closed" | "BadMsgNotification" | "Decode" | "TooManyResends"
  readonly method: string
  readonly code?: number
  readonly cause?: unknown
}> {}
