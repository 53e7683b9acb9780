/**
 * Bytes for the tests of the pure codecs and beyond: deterministic randomness, recognisable
 * payloads, joining and splitting byte streams the way a socket delivers them.
 */
import { concatBytes } from "../../src/crypto/index.ts"
import type { FrameCallback } from "../../src/transport/index.ts"

/** A seeded xorshift byte source, so padding and headers are reproducible. */
export const seededRandom = (seed: number) => {
  let s = seed >>> 0 || 1
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      s ^= s << 13
      s >>>= 0
      s ^= s >>> 17
      s ^= s << 5
      s >>>= 0
      out[i] = s & 0xff
    }
    return out
  }
}

/** The parts of an array joined (a download's chunks, a wire stream's frames). */
export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => concatBytes(...parts)

/** Splits `bytes` into chunks of the given sizes (cycled); sizes of 0 become 1. */
export const chunked = (bytes: Uint8Array, sizes: ReadonlyArray<number>): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let off = 0
  let i = 0
  while (off < bytes.length) {
    const size = Math.max(1, sizes.length === 0 ? bytes.length : sizes[i++ % sizes.length]!)
    out.push(bytes.subarray(off, off + size))
    off += size
  }
  return out
}

/** Feeds all chunks to a decode function and collects the frames. */
export const collect = (
  decode: (chunk: Uint8Array, onFrame: FrameCallback) => void,
  chunks: ReadonlyArray<Uint8Array>
): Array<Uint8Array> => {
  const frames: Array<Uint8Array> = []
  for (const c of chunks) decode(c, (f) => frames.push(f))
  return frames
}

/** A payload of `words` int32s with recognisable content. */
export const payloadOf = (words: number, fill: number): Uint8Array => {
  const p = new Uint8Array(words * 4)
  for (let i = 0; i < p.length; i++) p[i] = (fill + i * 7) & 0xff
  return p
}

/** Each value as 4 little-endian bytes, one after the other. */
export const le32 = (...values: ReadonlyArray<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true))
  return out
}
