import * as Data from "effect/Data"

/**
 * Why auth key creation failed. Each check of the handshake has its own reason, so callers
 * and tests can tell a hostile server from a network problem.
 *
 * @category errors
 */
export type HandshakeFailure =
  | "NonceMismatch"
  | "ServerNonceMismatch"
  | "UnknownFingerprint"
  | "BadPq"
  | "UnexpectedAnswer"
  | "ServerDhParamsFail"
  | "BadAnswerHash"
  | "BadDhPrime"
  | "BadG"
  | "BadGA"
  | "BadNewNonceHash"
  | "DhGenFail"
  | "TooManyRetries"
  | "Timeout"
  | "BadPlainMessage"
  | "Transport"
  | "Crypto"

/** @category errors */
export class HandshakeError extends Data.TaggedError("HandshakeError")<{
  readonly reason: HandshakeFailure
  readonly step?: "req_pq_multi" | "req_DH_params" | "set_client_DH_params"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `handshake failed: ${this.reason}${this.step === undefined ? "" : ` at ${this.step}`}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }
}

/**
 * Why an encrypted MTProto message was rejected (security guidelines of the spec).
 *
 * @category errors
 */
export type SecurityFailure =
  | "AuthKeyIdMismatch"
  | "MsgKeyMismatch"
  | "SessionIdMismatch"
  | "BadMsgIdParity"
  | "MsgIdTooOld"
  | "MsgIdTooNew"
  | "DuplicateMsgId"
  | "BadLength"
  | "BadPadding"
  | "Truncated"

/** @category errors */
export class SecurityError extends Data.TaggedError("SecurityError")<{
  readonly reason: SecurityFailure
  readonly detail?: string
}> {
  override get message(): string {
    return `message rejected: ${this.reason}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }
}
