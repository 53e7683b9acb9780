/**
 * Errors of RPC calls: the server's `rpc_error` parsed once into tags users match with
 * `Effect.catchTag`, and the Sender's own failures.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
// The catalogue is generated data (no dependencies), shared with the client layer.
import { describeRpcError } from "../client/errors/describe.ts"

/** Any `rpc_error` the server returned: `code` (e.g. 400) and `message` (e.g. `PEER_ID_INVALID`). */
export class RpcError extends Schema.TaggedError<RpcError>()("RpcError", {
  code: Schema.Int,
  message: Schema.String,
  method: Schema.String
}) {}

/** What every RPC error class offers besides its fields. */
export interface Describable {
  /** The error's meaning, from the catalogue of known errors (or a generic text for its code). */
  describe(): string
}
export interface RpcError extends Describable {}

/** FLOOD_WAIT_X, FLOOD_PREMIUM_WAIT_X, SLOWMODE_WAIT_X: retry after `seconds`. */
export interface FloodWait extends Describable {}
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
export interface Migrate extends Describable {}
export class Migrate extends Schema.TaggedError<Migrate>()("Migrate", {
  code: Schema.Int,
  message: Schema.String,
  kind: Schema.Literal("PHONE", "NETWORK", "USER", "FILE", "STATS"),
  dc: Schema.Int,
  method: Schema.String
}) {}

const named = {
  code: Schema.Int,
  message: Schema.String,
  method: Schema.String
}

/** SESSION_PASSWORD_NEEDED: the account has 2FA; answer `auth.checkPassword` with an SRP proof. */
export interface SessionPasswordNeeded extends Describable {}
export class SessionPasswordNeeded extends Schema.TaggedError<SessionPasswordNeeded>()("SessionPasswordNeeded", named) {}
/** AUTH_KEY_UNREGISTERED: the key is not logged in (or was logged out). */
export interface AuthKeyUnregistered extends Describable {}
export class AuthKeyUnregistered extends Schema.TaggedError<AuthKeyUnregistered>()("AuthKeyUnregistered", named) {}
/** PHONE_CODE_INVALID / PHONE_CODE_EMPTY: the login code is wrong. */
export interface PhoneCodeInvalid extends Describable {}
export class PhoneCodeInvalid extends Schema.TaggedError<PhoneCodeInvalid>()("PhoneCodeInvalid", named) {}
/** PHONE_CODE_EXPIRED: the login code expired; send a new one. */
export interface PhoneCodeExpired extends Describable {}
export class PhoneCodeExpired extends Schema.TaggedError<PhoneCodeExpired>()("PhoneCodeExpired", named) {}
/** PASSWORD_HASH_INVALID: the 2FA password is wrong. */
export interface PasswordHashInvalid extends Describable {}
export class PasswordHashInvalid extends Schema.TaggedError<PasswordHashInvalid>()("PasswordHashInvalid", named) {}
/** USER_DEACTIVATED / USER_DEACTIVATED_BAN: the account is gone. */
export interface UserDeactivated extends Describable {}
export class UserDeactivated extends Schema.TaggedError<UserDeactivated>()("UserDeactivated", named) {}
/** AUTH_RESTART: restart the login from auth.sendCode. */
export interface AuthRestart extends Describable {}
export class AuthRestart extends Schema.TaggedError<AuthRestart>()("AuthRestart", named) {}

/** The error family an RPC call can fail with. */
export type AnyRpcError =
  | RpcError
  | FloodWait
  | Migrate
  | SessionPasswordNeeded
  | AuthKeyUnregistered
  | PhoneCodeInvalid
  | PhoneCodeExpired
  | PasswordHashInvalid
  | UserDeactivated
  | AuthRestart

const byName: Record<string, new(args: { code: number; message: string; method: string }) => AnyRpcError> = {
  SESSION_PASSWORD_NEEDED: SessionPasswordNeeded,
  AUTH_KEY_UNREGISTERED: AuthKeyUnregistered,
  PHONE_CODE_INVALID: PhoneCodeInvalid,
  PHONE_CODE_EMPTY: PhoneCodeInvalid,
  PHONE_CODE_EXPIRED: PhoneCodeExpired,
  PASSWORD_HASH_INVALID: PasswordHashInvalid,
  USER_DEACTIVATED: UserDeactivated,
  USER_DEACTIVATED_BAN: UserDeactivated,
  AUTH_RESTART: AuthRestart
}

/** Parses the server's error string once into its tag (pure). */
export const fromRpcError = (code: number, message: string, method: string): AnyRpcError => {
  const flood = /^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_(\d+)$/.exec(message)
  if (flood?.[1] !== undefined) return new FloodWait({ code, message, seconds: Number(flood[1]), method })
  const migrate = /^(PHONE|NETWORK|USER|FILE|STATS)_MIGRATE_(\d+)$/.exec(message)
  if (migrate?.[1] !== undefined && migrate[2] !== undefined) {
    return new Migrate({ code, message, kind: migrate[1] as Migrate["kind"], dc: Number(migrate[2]), method })
  }
  const Named = byName[message]
  if (Named !== undefined) return new Named({ code, message, method })
  return new RpcError({ code, message, method })
}

/** Every RPC error explains itself from the generated catalogue (`describeRpcError`). */
for (const ErrorClass of [RpcError, FloodWait, Migrate, ...new Set(Object.values(byName))]) {
  Object.defineProperty(ErrorClass.prototype, "describe", {
    value(this: { readonly code: number; readonly message: string }): string {
      return describeRpcError(this.code, this.message)
    }
  })
}

/** True for every member of the RPC error family (for `Effect.catchIf` in generic code). */
export const isRpcError = (e: unknown): e is AnyRpcError =>
  typeof e === "object" && e !== null && "_tag" in e && typeof (e as { code?: unknown }).code === "number" &&
  typeof (e as { method?: unknown }).method === "string" && (e as { _tag: string })._tag !== "SenderError"

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
