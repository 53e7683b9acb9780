import { gunzipSync, gzipSync } from "fflate"
import { crc32 } from "node:zlib"
import { TlDecodeError } from "./errors.ts"

/** Largest inflated `gzip_packed` payload accepted (16 MiB); Telegram's are far smaller. */
export const MAX_INFLATED_SIZE = 16 * 1024 * 1024

/**
 * Inflates a gzip member, refusing more than `cap` bytes.
 *
 * The cap is enforced before inflating: fflate's `gunzipSync` allocates its output from
 * the trailer's ISIZE field and never writes past it, so a lying ISIZE cannot make us
 * allocate more than `cap`. A lying (too small) ISIZE truncates the output instead,
 * which the trailer CRC32 check then rejects.
 */
export const inflateCapped = (data: Uint8Array, offset: number, cap = MAX_INFLATED_SIZE): Uint8Array => {
  const n = data.length
  if (n < 18 || data[0] !== 0x1f || data[1] !== 0x8b) {
    throw new TlDecodeError({ offset, constructorId: 0x3072cfa1, reason: "gzip_packed: not gzip data" })
  }
  const isize = (data[n - 4]! | (data[n - 3]! << 8) | (data[n - 2]! << 16) | (data[n - 1]! << 24)) >>> 0
  if (isize > cap) {
    throw new TlDecodeError({ offset, constructorId: 0x3072cfa1, reason: `gzip_packed: inflated size ${isize} exceeds the ${cap}-byte cap` })
  }
  let out: Uint8Array
  try {
    out = gunzipSync(data)
  } catch (e) {
    throw new TlDecodeError({ offset, constructorId: 0x3072cfa1, reason: `gzip_packed: ${e instanceof Error ? e.message : String(e)}` })
  }
  const crc = (data[n - 8]! | (data[n - 7]! << 8) | (data[n - 6]! << 16) | (data[n - 5]! << 24)) >>> 0
  if (out.length !== isize || crc32(out) >>> 0 !== crc) {
    throw new TlDecodeError({ offset, constructorId: 0x3072cfa1, reason: "gzip_packed: size or CRC32 mismatch" })
  }
  return out
}

/** Gzip-compresses a serialized body for `gzip_packed`. */
export const gzip = (data: Uint8Array): Uint8Array => gzipSync(data, { level: 6, mtime: 0 })
