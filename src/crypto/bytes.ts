/**
 * Byte helpers shared by the whole library: hex, little-endian 64-bit integers (MTProto's
 * `long`), big-endian bigint conversion, XOR, concatenation and a constant-time comparison.
 *
 * @module
 */

import { Buffer } from "node:buffer"

/** Lower-case hex of `bytes`. */
export const toHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")

/** Bytes of a hex string (whitespace ignored). Throws `TypeError` on odd length or non-hex. */
export const fromHex = (hex: string): Uint8Array => {
  const clean = hex.replace(/\s+/g, "")
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new TypeError("invalid hex string")
  return new Uint8Array(Buffer.from(clean, "hex"))
}

/**
 * The signed 64-bit little-endian integer at `offset` (MTProto's `long`: msg_id, auth_key_id,
 * salts, random ids). Reads the bytes directly: no `DataView` to make, and about twice as fast
 * as `DataView.getBigInt64` even on an existing view. Throws `RangeError` past the end.
 */
export const readInt64LE = (bytes: Uint8Array, offset = 0): bigint => {
  if (offset < 0 || offset + 8 > bytes.length) throw new RangeError(`readInt64LE: 8 bytes at ${offset} of ${bytes.length}`)
  const lo = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0
  const hi = bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)
  return BigInt(hi) * 0x1_0000_0000n + BigInt(lo)
}

/**
 * Writes `value` as a 64-bit little-endian integer at `offset`; values outside the signed range
 * wrap modulo 2^64, as `DataView.setBigInt64` does. For a lone field: code that already holds a
 * `DataView` over the buffer writes faster with `setBigInt64`. Throws `RangeError` past the end.
 */
export const writeInt64LE = (bytes: Uint8Array, value: bigint, offset = 0): void => {
  if (offset < 0 || offset + 8 > bytes.length) throw new RangeError(`writeInt64LE: 8 bytes at ${offset} of ${bytes.length}`)
  const lo = Number(BigInt.asUintN(32, value))
  const hi = Number(BigInt.asUintN(32, value >> 32n))
  bytes[offset] = lo
  bytes[offset + 1] = lo >>> 8
  bytes[offset + 2] = lo >>> 16
  bytes[offset + 3] = lo >>> 24
  bytes[offset + 4] = hi
  bytes[offset + 5] = hi >>> 8
  bytes[offset + 6] = hi >>> 16
  bytes[offset + 7] = hi >>> 24
}

/** Unsigned big-endian integer of `bytes` (empty → 0n). */
export const bytesToBigInt = (bytes: Uint8Array): bigint => {
  // Going through hex is the fastest portable route: BigInt parses it natively.
  return bytes.length === 0 ? 0n : BigInt("0x" + toHex(bytes))
}

/** Unsigned little-endian integer of `bytes`. */
export const bytesToBigIntLE = (bytes: Uint8Array): bigint => bytesToBigInt(bytes.slice().reverse())

/**
 * Big-endian bytes of a non-negative `value`. With `length`, left-padded with zeros to exactly
 * that many bytes (throws `RangeError` if it does not fit); without, the minimal encoding
 * (0n → one zero byte).
 */
export const bigIntToBytes = (value: bigint, length?: number): Uint8Array => {
  if (value < 0n) throw new RangeError("bigIntToBytes: negative value")
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = "0" + hex
  const size = length ?? hex.length / 2
  if (hex.length / 2 > size) throw new RangeError(`bigIntToBytes: value does not fit in ${size} bytes`)
  const out = new Uint8Array(size)
  out.set(Buffer.from(hex, "hex"), size - hex.length / 2)
  return out
}

/** Little-endian bytes of a non-negative `value`, padded to `length`. */
export const bigIntToBytesLE = (value: bigint, length: number): Uint8Array => bigIntToBytes(value, length).reverse()

/** Concatenation of `parts` into a fresh array. */
export const concatBytes = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** `a XOR b` into a fresh array; both must have the same length. */
export const xorBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length !== b.length) throw new RangeError("xorBytes: length mismatch")
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/**
 * Equality of two byte arrays in time that depends only on their lengths, for comparing
 * msg_key and other authenticators (an early exit would leak how many leading bytes match).
 */
export const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
