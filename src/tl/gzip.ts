import { gzipSync, Inflate, inflateSync } from "fflate"
import { crc32 } from "node:zlib"
import { TlDecodeError } from "./errors.ts"
import { MtId } from "./generated/ids.ts"

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


const refuse = (offset: number, reason: string): TlDecodeError => {
  // No stack: rejecting hostile input should be cheap (see `decodeError` in reader.ts).
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new TlDecodeError({ offset, constructorId: MtId.gzip_packed, reason: `gzip_packed: ${reason}` })
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Where the deflate data of a gzip member starts (RFC 1952: the fixed header, then the optional
 * extra field, file name, comment and header CRC the flags announce), or -1 if the header runs
 * past the trailer.
 */
const deflateStart = (data: Uint8Array): number => {
  const flags = data[3]!
  const end = data.length - 8
  let p = 10
  if (flags & 4) p += 2 + (data[10]! | (data[11]! << 8))
  if (flags & 8) while (p < end && data[p++] !== 0);
  if (flags & 16) while (p < end && data[p++] !== 0);
  if (flags & 2) p += 2
  return p <= end ? p : -1
}

/**
 * Deflate expands at most ~1032:1. Members with up to ONE_CALL bytes of deflate data are inflated
 * in one call into a buffer one byte longer than announced (a lie shows as that byte written; the
 * work is bounded by the short input: ~64 MiB of output at worst). Longer ones are inflated STEP
 * bytes at a time, stopping once the output passes the announced size: at most ~16 MiB beyond it,
 * however long the member.
 */
const ONE_CALL = 64 * 1024
const STEP = 16 * 1024

/**
 * Inflates one gzip member, charging its size to `budget` (a number is a fresh budget of that
 * many bytes). Throws {@link TlDecodeError} for data that is not one valid gzip member (bad
 * header, broken deflate data, CRC32 or size mismatch), or whose inflated size would exceed what
 * is left.
 *
 * Bounded in memory and time by what is left: a trailer that announces more is refused before
 * any work, and inflating stops one step after the output passes the announced size; a member
 * refused after inflating is charged what it produced. (A one-shot inflate of the whole data
 * trusts the data's end, not its size: fflate's `gunzipSync` kept inflating 16 MiB of data into
 * nothing for ~30 s to yield 16 bytes. node:zlib's sync API stops at `maxOutputLength` but leaks
 * ~16 KiB of native memory per invalid input.)
 */
export const inflateCapped = (data: Uint8Array, offset: number, budget: InflateBudget | number = MAX_INFLATED_SIZE): Uint8Array => {
  const b = typeof budget === "number" ? makeInflateBudget(budget) : budget
  const n = data.length
  if (isZlibStream(data)) return inflateZlib(data, offset, b)
  if (n < 18 || data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 8) throw refuse(offset, "not gzip data")
  const isize = (data[n - 4]! | (data[n - 3]! << 8) | (data[n - 2]! << 16) | (data[n - 1]! << 24)) >>> 0
  if (isize > b.left) throw refuse(offset, `inflated size ${isize} exceeds the ${b.left} bytes left of the message's inflate budget`)
  const start = deflateStart(data)
  if (start < 0) throw refuse(offset, "truncated gzip header")
  const deflated = data.subarray(start, n - 8)
  let out: Uint8Array
  try {
    out = deflated.length <= ONE_CALL ? inflateSync(deflated, { out: new Uint8Array(isize + 1) }) : inflateSteps(deflated, isize)
  } catch (e) {
    throw e instanceof TlDecodeError ? e : refuse(offset, e instanceof Error ? e.message : String(e))
  }
  if (out.length > isize) {
    b.left = Math.max(0, b.left - out.length)
    throw refuse(offset, "inflates past its declared size")
  }
  const crc = (data[n - 8]! | (data[n - 7]! << 8) | (data[n - 6]! << 16) | (data[n - 5]! << 24)) >>> 0
  if (out.length !== isize || crc32(out) >>> 0 !== crc) throw refuse(offset, "size or CRC32 mismatch")
  b.left -= isize
  return out
}

/**
 * A zlib stream (RFC 1950: CMF/FLG header with deflate and a valid check, no preset dictionary).
 * Telegram takes these as `gzip_packed` too (mtcute sends its requests so), so TestDc must.
 */
const isZlibStream = (data: Uint8Array): boolean => {
  if (data.length < 6) return false
  const cmf = data[0]!
  const flg = data[1]!
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0 && (flg & 0x20) === 0
}

/**
 * Inflates a zlib stream. It announces no size, so the budget left is the bound: inflating stops
 * one step after the output passes it (charged, then refused), and the Adler-32 is checked.
 */
const inflateZlib = (data: Uint8Array, offset: number, b: InflateBudget): Uint8Array => {
  const n = data.length
  let out: Uint8Array
  try {
    out = inflateSteps(data.subarray(2, n - 4), b.left)
  } catch (e) {
    throw refuse(offset, e instanceof Error ? e.message : String(e))
  }
  if (out.length > b.left) {
    const left = b.left
    b.left = 0
    throw refuse(offset, `inflates past the ${left} bytes left of the message's inflate budget`)
  }
  const check = ((data[n - 4]! << 24) | (data[n - 3]! << 16) | (data[n - 2]! << 8) | data[n - 1]!) >>> 0
  if (adler32(out) !== check) throw refuse(offset, "Adler-32 mismatch")
  b.left -= out.length
  return out
}

/** Adler-32 (RFC 1950), in runs short enough that the sums cannot overflow before the modulo. */
const adler32 = (bytes: Uint8Array): number => {
  let a = 1
  let c = 0
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + 3800)
    for (; i < end; i++) {
      a += bytes[i]!
      c += a
    }
    a %= 65521
    c %= 65521
  }
  return ((c << 16) | a) >>> 0
}

/** Streaming inflate, a step at a time; stops (returning more than `isize` bytes) once the output passes `isize`. */
const inflateSteps = (deflated: Uint8Array, isize: number): Uint8Array => {
  const chunks: Array<Uint8Array> = []
  let total = 0
  const inflater = new Inflate((chunk) => {
    total += chunk.length
    chunks.push(chunk)
  })
  for (let at = 0; total <= isize; at += STEP) {
    const end = Math.min(deflated.length, at + STEP)
    inflater.push(deflated.subarray(at, end), end === deflated.length)
    if (end === deflated.length) break
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let p = 0
  for (const c of chunks) {
    out.set(c, p)
    p += c.length
  }
  return out
}

/** Gzip-compresses a serialized body for `gzip_packed`. */
export const gzip = (data: Uint8Array): Uint8Array => gzipSync(data, { level: 6, mtime: 0 })
