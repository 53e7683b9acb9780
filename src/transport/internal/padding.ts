/**
 * Padded intermediate appends 0–15 random bytes to every payload, and its length word counts
 * them. The codec can't tell them apart; the connection framing can, because what it carries
 * is MTProto, whose messages say their own length. Removing them here means every layer above
 * sees exact payloads on every framing, and may reject any byte too many.
 */
import type { FrameCallback } from "../Codec.ts"

/**
 * The MTProto payload inside a padded-intermediate frame: a plain message is 20 bytes plus its
 * message_data_length, an encrypted one 24 bytes plus whole AES blocks. Frames that fit neither
 * (short ones, a length that does not add up) are left whole for the layer above to reject.
 */
export const withoutPadding = (frame: Uint8Array): Uint8Array => {
  const n = frame.length
  if (n < 20) return frame
  const view = new DataView(frame.buffer, frame.byteOffset, n)
  if (view.getUint32(0, true) === 0 && view.getUint32(4, true) === 0) {
    const length = view.getInt32(16, true)
    const end = 20 + length
    return length >= 0 && end <= n && n - end <= 15 ? frame.subarray(0, end) : frame
  }
  return n < 24 ? frame : frame.subarray(0, 24 + ((n - 24) & ~15))
}

/** `onFrame` behind {@link withoutPadding}. */
export const trimmingPadding = (onFrame: FrameCallback): FrameCallback => (frame, quickAck) => onFrame(withoutPadding(frame), quickAck)
