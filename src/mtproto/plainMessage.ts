/**
 * Unencrypted messages (core.telegram.org/mtproto/description#unencrypted-message), used only
 * by the handshake: auth_key_id = 0 (8 bytes), message_id (8), message_data_length (4), data.
 */
import { readInt64LE } from "../crypto/index.ts"
import { SecurityError } from "./errors.ts"

/** Frames `body` as a plain message with the given msg_id. */
export const encodePlainMessage = (msgId: bigint, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(20 + body.length)
  const view = new DataView(out.buffer)
  view.setBigInt64(8, msgId, true)
  view.setInt32(16, body.length, true)
  out.set(body, 20)
  return out
}

/** A decoded plain message. */
export interface PlainMessage {
  readonly msgId: bigint
  readonly body: Uint8Array
}

/**
 * Reads a plain message, checking auth_key_id = 0 and that the declared length is exactly what
 * arrived (padded intermediate's padding is removed by the connection framing before this).
 */
export const decodePlainMessage = (frame: Uint8Array): PlainMessage => {
  if (frame.length < 20) throw new SecurityError({ reason: "Truncated", detail: `plain message of ${frame.length} bytes` })
  if (!isPlainMessage(frame)) throw new SecurityError({ reason: "AuthKeyIdMismatch", detail: "plain message with a non-zero auth_key_id" })
  const msgId = readInt64LE(frame, 8)
  const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getInt32(16, true)
  if (length < 0 || length !== frame.length - 20) {
    throw new SecurityError({ reason: "BadLength", detail: `declared ${length}, have ${frame.length - 20}` })
  }
  return { msgId, body: frame.subarray(20, 20 + length) }
}

/** True when the frame is a plain (auth_key_id = 0) message. */
export const isPlainMessage = (frame: Uint8Array): boolean => {
  if (frame.length < 8) return false
  for (let i = 0; i < 8; i++) if (frame[i] !== 0) return false
  return true
}
