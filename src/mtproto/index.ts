/**
 * `effect-mtproto/mtproto`: the MTProto layer — auth key creation (the DH handshake),
 * encrypted messages and session state, and the Sender that runs calls over one DC
 * connection.
 *
 * @module
 */
export { type FrameChannel, fromConnection } from "./channel.ts"
export { type AuthKey, type InnerMessage, packMessage, unpackMessage } from "./encryptedMessage.ts"
export { HandshakeError, type HandshakeFailure, SecurityError, type SecurityFailure } from "./errors.ts"
export {
  type AuthKeyResult,
  createAuthKey,
  createAuthKeyRetrying,
  type DhParams,
  handshakeRetry,
  isRetriableHandshakeError,
  type HandshakeOptions,
  makePlainSession,
  type PlainSession,
  reqDhParams,
  reqPq,
  setClientDhParams
} from "./handshake.ts"
export { msgIdSeconds, nextClientMsgId, nextServerMsgId } from "./msgId.ts"
export { MsgIdWindow } from "./msgIdWindow.ts"
export { type Call as MtpCall, MtpSession, type MtpSessionOptions, type Outcome, type ReconnectReason } from "./MtpSession.ts"
export * as Pfs from "./pfs.ts"
export { authKeyIdLong, type Binding, decryptBinding, encryptBinding } from "./tempKey.ts"
export { decodePlainMessage, encodePlainMessage, isPlainMessage, type PlainMessage } from "./plainMessage.ts"
export { factorServerPq, MAX_PQ_BYTES, MAX_PQ_FACTOR_BITS, MIN_PQ_FACTOR_BITS, type PqFactors } from "./resPq.ts"
export {
  type AnyRpcError,
  AuthKeyDuplicated,
  AuthKeyUnregistered,
  AuthRestart,
  badMsgMeaning,
  FloodWait,
  fromRpcError,
  isRpcError,
  Migrate,
  PasswordHashInvalid,
  PhoneCodeExpired,
  PhoneCodeInvalid,
  RpcError,
  SenderError,
  type SenderErrorReason,
  SessionPasswordNeeded,
  UserDeactivated
} from "./rpcError.ts"
export * as Sender from "./Sender.ts"
export { type PackedMessage, SessionState } from "./sessionState.ts"
/** Telegram's rules for file parts and getFile ranges (shared by the client and TestDc). */
export * as FileRules from "./fileRules.ts"
