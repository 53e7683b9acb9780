import * as Data from "effect/Data"

/**
 * Why auth key creation failed. Each check of the handshake has its own reason, so callers
 * and tests can tell a hostile server from a network problem.
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

const handshakeReasons: Record<HandshakeFailure, string> = {
  NonceMismatch: "the server's answer carries another nonce",
  ServerNonceMismatch: "the server's answer carries another server_nonce",
  UnknownFingerprint: "the server offers no RSA key this client knows",
  BadPq: "pq is not a product of two primes the client accepts",
  UnexpectedAnswer: "the server answered with an unexpected object",
  ServerDhParamsFail: "the server refused the DH parameters (server_DH_params_fail)",
  BadAnswerHash: "the SHA1 of server_DH_inner_data does not match",
  BadDhPrime: "dh_prime is not a safe 2048-bit prime",
  BadG: "g is not a generator of the right subgroup",
  BadGA: "g_a is outside the safe range",
  BadNewNonceHash: "new_nonce_hash does not match the key",
  DhGenFail: "the server answered dh_gen_fail",
  TooManyRetries: "the server answered dh_gen_retry too often",
  Timeout: "the server did not answer in time",
  BadPlainMessage: "the server's plain message could not be read",
  Transport: "the connection failed",
  Crypto: "a cryptographic step failed on the server's values"
}

/** Creating an auth key failed: `reason` says at which step and why. */
export class HandshakeError extends Data.TaggedError("HandshakeError")<{
  readonly reason: HandshakeFailure
  readonly step?: "req_pq_multi" | "req_DH_params" | "set_client_DH_params"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const step = this.step === undefined ? "" : ` at ${this.step}`
    const detail = this.detail === undefined ? "" : `: ${this.detail}`
    const cause = this.cause instanceof Error && this.cause.message !== "" && this.cause.message !== this.detail
      ? ` (${this.cause.message})`
      : ""
    return `auth key creation failed${step}: ${handshakeReasons[this.reason]}${detail}${cause}`
  }
}

/**
 * Why an encrypted MTProto message was rejected (security guidelines of the spec).
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

const securityReasons: Record<SecurityFailure, string> = {
  AuthKeyIdMismatch: "auth_key_id is not this session's",
  MsgKeyMismatch: "msg_key does not match the decrypted message",
  SessionIdMismatch: "session_id is not this session's",
  BadMsgIdParity: "msg_id has the wrong parity",
  MsgIdTooOld: "msg_id is more than 300 s in the past",
  MsgIdTooNew: "msg_id is more than 30 s in the future",
  DuplicateMsgId: "msg_id was already received (replay)",
  BadLength: "the declared length does not fit the message",
  BadPadding: "the padding is out of bounds",
  Truncated: "the message is shorter than its header"
}

/** A message from the server failed a security check (msg_key, auth_key_id, msg_id, session) and was dropped. */
export class SecurityError extends Data.TaggedError("SecurityError")<{
  readonly reason: SecurityFailure
  readonly detail?: string
}> {
  override get message(): string {
    return `message rejected: ${securityReasons[this.reason]}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }
}
