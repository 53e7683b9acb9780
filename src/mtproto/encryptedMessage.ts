/**
 * MTProto 2.0 encrypted messages (core.telegram.org/mtproto/description), both directions:
 * `x = 0` for client → server, `x = 8` for server → client. Pure functions; the session
 * state (msg_id window, seq_no, salt) lives with the caller.
 *
 * Wire: auth_key_id (8) ‖ msg_key (16) ‖ AES-IGE(salt ‖ session_id ‖ msg_id ‖ seq_no ‖ length ‖ data ‖ padding).
 */
import { aesIgeDecrypt, aesIgeEncrypt, constantTimeEqual, messageKeyIv, msgKey, readInt64LE } from "../crypto/index.ts"
import { SecurityError } from "./errors.ts"

/** An auth key with its id (wire order), computed once. */
export interface AuthKey {
  readonly key: Uint8Array
  readonly id: Uint8Array
}

/** The inner header and body of an encrypted message. */
export interface InnerMessage {
  readonly salt: bigint
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Uint8Array
}

/** 12..1024 bytes of padding are allowed; we add the least that aligns plus 0..3 random blocks. */
const paddingLength = (unpadded: number, random: number): number => 12 + ((16 - ((unpadded + 12) % 16)) % 16) + 16 * (random & 3)
const MAX_PADDING = 12 + 15 + 48

/**
 * Encrypts one message. `x` is 0 when the client sends, 8 when the server does.
 */
export const packMessage = (
  authKey: AuthKey,
  x: 0 | 8,
  message: InnerMessage,
  randomBytes: (n: number) => Uint8Array
): Uint8Array => {
  const unpadded = 32 + message.body.length
  // One draw covers the choice of length and the longest padding (12 + 15 + 48 bytes).
  const random = randomBytes(1 + MAX_PADDING)
  const padLength = paddingLength(unpadded, random[0]!)
  const plain = new Uint8Array(unpadded + padLength)
  const view = new DataView(plain.buffer)
  view.setBigInt64(0, message.salt, true)
  view.setBigInt64(8, message.sessionId, true)
  view.setBigInt64(16, message.msgId, true)
  view.setInt32(24, message.seqNo, true)
  view.setInt32(28, message.body.length, true)
  plain.set(message.body, 32)
  plain.set(random.subarray(1, 1 + padLength), unpadded)
  const key = msgKey(authKey.key, plain, x)
  const { iv, key: aesKey } = messageKeyIv(authKey.key, key, x)
  const encrypted = aesIgeEncrypt(plain, aesKey, iv)
  const out = new Uint8Array(24 + encrypted.length)
  out.set(authKey.id, 0)
  out.set(key, 8)
  out.set(encrypted, 24)
  return out
}

/** The auth_key_id of an encrypted frame, as the 8 wire bytes. */
export const frameAuthKeyId = (frame: Uint8Array): Uint8Array => frame.subarray(0, 8)

/**
 * Decrypts and checks one message: auth_key_id, length (24 bytes plus whole AES blocks, nothing
 * after them), msg_key (constant time), the inner length and the padding bounds. The session id and msg_id checks need session state and
 * are the caller's (see `MsgIdWindow`).
 */
export const unpackMessage = (authKey: AuthKey, x: 0 | 8, frame: Uint8Array): InnerMessage => {
  if (frame.length < 24 + 48) throw new SecurityError({ reason: "Truncated", detail: `encrypted frame of ${frame.length} bytes` })
  if (!constantTimeEqual(frame.subarray(0, 8), authKey.id)) throw new SecurityError({ reason: "AuthKeyIdMismatch" })
  // Exact on every framing: padded intermediate's 0..15 extra bytes are removed by the
  // connection framing before frames get here, so a stray byte is an error, not padding.
  if ((frame.length - 24) % 16 !== 0) {
    throw new SecurityError({ reason: "BadLength", detail: `${(frame.length - 24) % 16} bytes after the last whole AES block` })
  }
  const cipherLength = frame.length - 24
  const key = frame.subarray(8, 24)
  const { iv, key: aesKey } = messageKeyIv(authKey.key, key, x)
  const plain = aesIgeDecrypt(frame.subarray(24, 24 + cipherLength), aesKey, iv)
  if (!constantTimeEqual(msgKey(authKey.key, plain, x), key)) throw new SecurityError({ reason: "MsgKeyMismatch" })
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
  const length = view.getInt32(28, true)
  if (length < 0 || length % 4 !== 0 || length > plain.length - 32 - 12) {
    throw new SecurityError({ reason: "BadLength", detail: `message_data_length ${length} in ${plain.length} bytes` })
  }
  const padding = plain.length - 32 - length
  if (padding < 12 || padding > 1024) throw new SecurityError({ reason: "BadPadding", detail: `${padding} bytes of padding` })
  return {
    salt: readInt64LE(plain, 0),
    sessionId: readInt64LE(plain, 8),
    msgId: readInt64LE(plain, 16),
    seqNo: view.getInt32(24, true),
    body: plain.subarray(32, 32 + length)
  }
}
