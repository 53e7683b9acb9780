/**
 * The fetches the update machine asks for, made through the Client's `invoke` (home DC,
 * migrations, retry policy, peer cache): `updates.getState`, `updates.getDifference`, and
 * `updates.getChannelDifference` with the channel's access hash from the peer cache. A
 * FLOOD_WAIT longer than the retry policy sleeps through is slept here: an update fetch is
 * never given up for it. Failures are sorted into what the machine retries, channels it stops
 * following, and errors that end the stream.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Api, TlMethod } from "../../tl/index.ts"
import type { ClientError } from "../errors.ts"
import { countFloodWait } from "../observe.ts"
import type { KnownPeers } from "../peers/KnownPeers.ts"
import { type ChannelFailure, channelDifferenceRequest, type Fetch } from "./UpdateMachine.ts"

/**
 * A fetch's answer, for the machine.
 */
export type FetchAnswer =
  | { readonly _tag: "State"; readonly state: Api.updates.State }
  | { readonly _tag: "Difference"; readonly difference: Api.updates.Difference }
  | { readonly _tag: "ChannelDifference"; readonly channelId: bigint; readonly difference: Api.updates.ChannelDifference }

/**
 * What a failed fetch means: the machine tries again later (`Failed`, or a channel it stops
 * following), or the stream ends (`Fatal`: the session is gone); `undefined` when interrupted.
 */
export type FetchFailure =
  | { readonly _tag: "Failed"; readonly channelId: bigint | undefined; readonly reason: ChannelFailure }
  | { readonly _tag: "Fatal" }

/** Errors that end the update stream: the session is gone, retrying cannot help. */
const FATAL = new Set(["SessionRevoked", "AuthKeyUnregistered", "AuthKeyDuplicated", "UserDeactivated"])

/** A channel whose difference cannot be fetched (left, banned, gone): it is no longer followed. */
const CHANNEL_GONE = new Set(["CHANNEL_PRIVATE", "CHANNEL_INVALID", "CHANNEL_PUBLIC_GROUP_NA", "USER_BANNED_IN_CHANNEL"])

/** The Client's policy sleeps short FLOOD_WAITs; a longer one is slept here, never fatal. */
const patient = <A>(call: Effect.Effect<A, ClientError>): Effect.Effect<A, ClientError> =>
  Effect.catchIf(call, (e) => e._tag === "FloodWait", (e) => {
    const { method, seconds } = e as { readonly method: string; readonly seconds: number }
    countFloodWait(method, Math.max(1, seconds))
    return Effect.logWarning("FLOOD_WAIT on an updates fetch: waiting").pipe(
      Effect.annotateLogs({ method, seconds }),
      Effect.zipRight(Effect.sleep(Duration.seconds(Math.max(1, seconds)))),
      Effect.zipRight(Effect.suspend(() => patient(call)))
    )
  })

/**
 * Makes one fetch.
 */
export const runFetch = (
  fetch: Fetch,
  invoke: (method: TlMethod) => Effect.Effect<unknown, ClientError>,
  peers: KnownPeers
): Effect.Effect<FetchAnswer, ClientError> => {
  switch (fetch._tag) {
    case "GetState":
      return Effect.map(patient(invoke({ _tag: "updates.getState" })), (state) => ({ _tag: "State", state: state as Api.updates.State }))
    case "GetDifference":
      return Effect.map(patient(invoke(fetch.request)), (difference) => ({
        _tag: "Difference",
        difference: difference as Api.updates.Difference
      }))
    case "GetChannelDifference":
      return Effect.flatMap(peers.get("channel", fetch.channelId), (entry) => {
        const hash = Option.isSome(entry) && !entry.value.min ? entry.value.accessHash : undefined
        // Without a usable access hash the server answers CHANNEL_INVALID: the channel is dropped.
        const channel: Api.InputChannel = hash === undefined
          ? { _tag: "inputChannelEmpty" }
          : { _tag: "inputChannel", channel_id: fetch.channelId, access_hash: hash }
        return Effect.map(patient(invoke(channelDifferenceRequest(fetch, channel))), (difference) => ({
          _tag: "ChannelDifference",
          channelId: fetch.channelId,
          difference: difference as Api.updates.ChannelDifference
        }))
      })
  }
}

/**
 * What the failure of `fetch` means (see {@link FetchFailure}).
 */
export const fetchFailure = (fetch: Fetch, cause: Cause.Cause<ClientError>): FetchFailure | undefined => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && !FATAL.has(failure.value._tag)) {
    const e = failure.value
    const channelId = fetch._tag === "GetChannelDifference" ? fetch.channelId : undefined
    const gone = e._tag === "RpcError" && CHANNEL_GONE.has(e.message)
    return { _tag: "Failed", channelId, reason: gone ? "Unavailable" : "Failed" }
  }
  return Cause.isInterruptedOnly(cause) ? undefined : { _tag: "Fatal" }
}
