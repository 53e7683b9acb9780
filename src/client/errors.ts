/**
 * The errors a Client call can fail with: the RPC error family (parsed into tags once, in
 * `fromRpcError`), the Sender's own failures, and connection-level ones.
 */
import * as Data from "effect/Data"
import type { HandshakeError } from "../mtproto/errors.ts"
import type { AnyRpcError, SenderError } from "../mtproto/rpcError.ts"
import type { SessionStorageError } from "../storage/index.ts"
import type { TlEncodeError } from "../tl/errors.ts"
import type { TransportError } from "../transport/index.ts"

// The RPC error family (parsed once in `fromRpcError`, described from the catalogue).
export * from "../mtproto/rpcError.ts"
export { SecretNotRedacted } from "../crypto/secret.ts"
export { describeRpcError, errorsOfMethod, rpcErrorInfo } from "../mtproto/rpcErrors/describe.ts"

/** A DC the client has no address for, or too many migrations in a row. */
export class DcError extends Data.TaggedError("DcError")<{
  readonly reason: "UnknownDc" | "TooManyMigrations"
  readonly dc: number
}> {
  override get message(): string {
    return this.reason === "UnknownDc"
      ? `no address is known for DC ${this.dc}`
      : `too many DC migrations in a row (last: DC ${this.dc})`
  }
}

/**
 * The server no longer knows the logged-in session (its auth key is gone: transport error
 * -404, AUTH_KEY_UNREGISTERED or AUTH_KEY_DUPLICATED on a key that was logged in). The key
 * and the login were dropped from storage; log in again with `start`.
 */
export class SessionRevoked extends Data.TaggedError("SessionRevoked")<{
  readonly dc: number
  readonly reason: "AuthKeyUnknown" | "AuthKeyUnregistered" | "AuthKeyDuplicated"
  readonly cause?: unknown
}> {
  override get message(): string {
    const why = this.reason === "AuthKeyUnknown"
      ? "the server does not know the auth key any more"
      : this.reason === "AuthKeyDuplicated"
      ? "the auth key was used from two places at once (AUTH_KEY_DUPLICATED)"
      : "the auth key is no longer logged in (AUTH_KEY_UNREGISTERED)"
    return `the session on DC ${this.dc} was revoked: ${why}; the login is gone, log in again`
  }
}

/** Login could not finish: the user gave up, or too many wrong codes or passwords. */
export class LoginError extends Data.TaggedError("LoginError")<{
  readonly reason: "TooManyAttempts" | "NoPassword" | "UnsupportedPasswordAlgo" | "Unexpected"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const what = {
      TooManyAttempts: "too many wrong attempts",
      NoPassword: "the account needs a 2FA password and none was given",
      UnsupportedPasswordAlgo: "the account's password algorithm is not supported",
      Unexpected: "the server answered unexpectedly"
    }[this.reason]
    return `login failed: ${what}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }
}

/**
 * Everything `Client.invoke` can fail with. `TlEncodeError` is a method the codec cannot write
 * (an unknown `_tag`, a constructor where a method goes, a field of the wrong kind): typed
 * code never meets it, casts and data from outside may.
 */
export type ClientError =
  | AnyRpcError
  | SenderError
  | TlEncodeError
  | HandshakeError
  | TransportError
  | SessionStorageError
  | DcError
  | SessionRevoked
