import { gzipSync } from "fflate"
import { crc32, gunzipSync } from "node:zlib"
import { TlDecodeError } from "./errors.ts"

/**
 * The default inflate budget of one decoded message (16 MiB): the total number of bytes all
 * its `gzip_packed` members may inflate to, across every member and nesting level. Telegram's
 * messages are far smaller; a message that needs more is refused as a decompression bomb.
 */
export const MAX_INFLATED_SIZE = 16 * 1024 * 1024

/**
 * The default bound on `gzip_packed` nesting (a `gzip_packed` inside the inflated contents of
 * another counts 2). Telegram packs once; a second level is tolerated.
 */
export const MAX_GZIP_DEPTH = 2

/**
 * What the `gzip_packed` members of one message may still cost. One budget is shared by every
 * decode of the same message (a container's inner messages, an `rpc_result`'s result), so
 * repeated and nested members can't multiply it. Mutable: decoders charge it as they inflate.
 */
export interface InflateBudget {
  /** Inflated bytes still allowed. */
  left: number
  /** `gzip_packed` levels open right now (decoders maintain it). */
  depth: number
  /** Deepest nesting allowed; 0 refuses `gzip_packed` altogether. */
  readonly maxDepth: number
}

/**
 * A fresh budget: `maxBytes` inflated bytes in all (default {@link MAX_INFLATED_SIZE}), at most
 * `maxDepth` nested levels (default {@link MAX_GZIP_DEPTH}). `makeInflateBudget(0, 0)` refuses
 * any `gzip_packed` (the handshake's plain messages may never carry one).
 */
export const makeInflateBudget = (maxBytes: number = MAX_INFLATED_SIZE, maxDepth: number = MAX_GZIP_DEPTH): InflateBudget => ({
  left: maxBytes,
  depth: 0,
  maxDepth
})

const GZIP_PACKED = 0x3072cfa1

const refuse = (offset: number, reason: string): TlDecodeError => {
  // No stack: rejecting hostile input should be cheap (see `decodeError` in reader.ts).
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new TlDecodeError({ offset, constructorId: GZIP_PACKED, reason: `gzip_packed: ${reason}` })
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Inflates one gzip member, charging its size to `budget` (a number is a fresh budget of that
 * many bytes). Throws {@link TlDecodeError} for data that is not one valid gzip member, or
 * whose inflated size would exceed what is left.
 *
 * Bounded in memory and time by what is left: a trailer that announces more is refused before
 * any work, and node:zlib stops inflating at the limit (`maxOutputLength`), so a lying trailer
 * costs no more than an honest one. (fflate, which we used before, writes past a lying ISIZE
 * into nothing and keeps inflating: 16 MiB of gzip took ~30 s of CPU to yield 16 bytes.)
 */
export const inflateCapped = (data: Uint8Array, offset: number, budget: InflateBudget | number = MAX_INFLATED_SIZE): Uint8Array => {
  const b = typeof budget === "number" ? makeInflateBudget(budget) : budget
  const n = data.length
  if (n < 18 || data[0] !== 0x1f || data[1] !== 0x8b) throw refuse(offset, "not gzip data")
  const isize = (data[n - 4]! | (data[n - 3]! << 8) | (data[n - 2]! << 16) | (data[n - 1]! << 24)) >>> 0
  if (isize > b.left) throw refuse(offset, `inflated size ${isize} exceeds the ${b.left} bytes left of the message's inflate budget`)
  let out: Uint8Array
  try {
    // One byte over the trailer's size: enough to notice a trailer that lies low.
    out = gunzipSync(data, { maxOutputLength: Math.max(isize + 1, 1) })
  } catch (e) {
    const code = (e as { code?: unknown }).code
    throw refuse(offset, code === "ERR_BUFFER_TOO_LARGE" ? "inflates past its declared size" : e instanceof Error ? e.message : String(e))
  }
  // zlib checked the member's CRC32 and ISIZE; a second member would make the sizes differ.
  if (out.length !== isize || crc32(out) >>> 0 !== ((data[n - 8]! | (data[n - 7]! << 8) | (data[n - 6]! << 16) | (data[n - 5]! << 24)) >>> 0)) {
    throw refuse(offset, "size or CRC32 mismatch")
  }
  b.left -= isize
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** Gzip-compresses a serialized body for `gzip_packed`. */
export const gzip = (data: Uint8Array): Uint8Array => gzipSync(data, { level: 6, mtime: 0 })
