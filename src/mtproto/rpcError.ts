/**
 * Errors of RPC calls: the server's `rpc_error` parsed once into tags users match with
 * `Effect.catchTag`, and the Sender's own failures. The catalogue that explains them lives
 * beside this module (`rpcErrors/`), so every layer from here up can describe an error.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import { describeRpcError } from "./rpcErrors/describe.ts"

/** What every RPC error class offers besides its fields. */
export interface Describable {
  /** The error's meaning, from the catalogue of known errors (or a generic text for its code). */
  describe(): string
}

/**
 * The fields every member of the family carries. The members are plain `Data` errors: loading
 * them does not load `effect/Schema` (and the fast-check it brings), which a client that only
 * makes calls never needs.
 */
interface Named {
  /** The server's error code (400, 401, 420, ...). */
  readonly code: number
  /** The server's error string (`PEER_ID_INVALID`, `FLOOD_WAIT_30`, ...). */
  readonly message: string
  /** The method that failed (wrappers are named after their query). */
  readonly method: string
}

/** Any `rpc_error` the server returned: `code` (e.g. 400) and `message` (e.g. `PEER_ID_INVALID`). */
export class RpcError extends Data.TaggedError("RpcError")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}

/** FLOOD_WAIT_X, FLOOD_PREMIUM_WAIT_X, SLOWMODE_WAIT_X: retry after `seconds`. */
export class FloodWait extends Data.TaggedError("FloodWait")<Named & { readonly seconds: number }> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
  /** How long the server asked us to wait. */
  get duration(): Duration.Duration {
    return Duration.seconds(this.seconds)
  }
}

/** PHONE/NETWORK/USER/FILE/STATS_MIGRATE_X: the call belongs on DC `dc`. */
export class Migrate extends Data.TaggedError("Migrate")<Named & {
  readonly kind: "PHONE" | "NETWORK" | "USER" | "FILE" | "STATS"
  readonly dc: number
}> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}

/** SESSION_PASSWORD_NEEDED: the account has 2FA; answer `auth.checkPassword` with an SRP proof. */
export class SessionPasswordNeeded extends Data.TaggedError("SessionPasswordNeeded")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/** AUTH_KEY_UNREGISTERED: the key is not logged in (or was logged out). */
export class AuthKeyUnregistered extends Data.TaggedError("AuthKeyUnregistered")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/**
 * AUTH_KEY_DUPLICATED: the key was used from two places at once and Telegram revoked it. The
 * client drops the key; the login on it is gone.
 */
export class AuthKeyDuplicated extends Data.TaggedError("AuthKeyDuplicated")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/** PHONE_CODE_INVALID / PHONE_CODE_EMPTY: the login code is wrong. */
export class PhoneCodeInvalid extends Data.TaggedError("PhoneCodeInvalid")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/** PHONE_CODE_EXPIRED: the login code expired; send a new one. */
export class PhoneCodeExpired extends Data.TaggedError("PhoneCodeExpired")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/** PASSWORD_HASH_INVALID: the 2FA password is wrong. */
export class PasswordHashInvalid extends Data.TaggedError("PasswordHashInvalid")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/** USER_DEACTIVATED / USER_DEACTIVATED_BAN: the account is gone. */
export class UserDeactivated extends Data.TaggedError("UserDeactivated")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}
/** AUTH_RESTART: restart the login from auth.sendCode. */
export class AuthRestart extends Data.TaggedError("AuthRestart")<Named> implements Describable {
  describe(): string {
    return describeRpcError(this.code, this.message)
  }
}

/** The error family an RPC call can fail with. */
export type AnyRpcError =
  | RpcError
  | FloodWait
  | Migrate
  | SessionPasswordNeeded
  | AuthKeyUnregistered
  | AuthKeyDuplicated
  | PhoneCodeInvalid
  | PhoneCodeExpired
  | PasswordHashInvalid
  | UserDeactivated
  | AuthRestart

const byName: Record<string, new(args: { code: number; message: string; method: string }) => AnyRpcError> = {
  SESSION_PASSWORD_NEEDED: SessionPasswordNeeded,
  AUTH_KEY_UNREGISTERED: AuthKeyUnregistered,
  AUTH_KEY_DUPLICATED: AuthKeyDuplicated,
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

/** True for every member of the RPC error family (for `Effect.catchIf` in generic code). */
export const isRpcError = (e: unknown): e is AnyRpcError =>
  typeof e === "object" && e !== null && "_tag" in e && typeof (e as { code?: unknown }).code === "number" &&
  typeof (e as { method?: unknown }).method === "string" && typeof (e as { describe?: unknown }).describe === "function"

/** Why a call ended without an answer from the server. */
export type SenderErrorReason =
  | "Closed"
  | "BadMsgNotification"
  | "Decode"
  | "TooManyResends"
  | "Timeout"
  | "AuthKeyUnknown"
  | "ResultUnknown"
  | "ConnectionFailed"

const senderReasons: Record<SenderErrorReason, string> = {
  Closed: "the client was closed before the answer came",
  BadMsgNotification: "the server rejected the message (bad_msg_notification)",
  Decode: "the answer could not be decoded",
  TooManyResends: "the call was re-sent too many times without an answer",
  Timeout: "no answer within the request timeout",
  AuthKeyUnknown: "the server does not know this auth key (transport error -404): the key was dropped",
  ResultUnknown: "the connection was lost and the server no longer knows whether the call ran",
  ConnectionFailed: "no connection to the DC could be opened"
}

/** What the spec says a bad_msg_notification code means (core.telegram.org/mtproto/service_messages_about_messages). */
export const badMsgMeaning = (code: number): string => {
  switch (code) {
    case 16: return "msg_id too low (the client's clock is behind)"
    case 17: return "msg_id too high (the client's clock is ahead)"
    case 18: return "msg_id not divisible by 4"
    case 19: return "container msg_id is the same as an earlier message's"
    case 20: return "message too old, the server no longer knows about it"
    case 32: return "msg_seqno too low"
    case 33: return "msg_seqno too high"
    case 34: return "an even msg_seqno expected, odd received"
    case 35: return "an odd msg_seqno expected, even received"
    case 48: return "incorrect server salt"
    case 64: return "invalid container"
    default: return "unknown code"
  }
}

/**
 * Why a call ended without an answer from the server: the Sender was closed, the server
 * rejected the message itself (bad_msg_notification codes other than the ones the Sender
 * repairs), the answer could not be decoded, the request timed out, or the auth key is gone.
 */
export class SenderError extends Data.TaggedError("SenderError")<{
  readonly reason: SenderErrorReason
  readonly method: string
  readonly code?: number
  readonly cause?: unknown
}> {
  override get message(): string {
    const code = this.code === undefined ? "" : this.reason === "BadMsgNotification"
      ? ` (code ${this.code}: ${badMsgMeaning(this.code)})`
      : ` (code ${this.code})`
    return `${this.method}: ${senderReasons[this.reason]}${code}`
  }
}
