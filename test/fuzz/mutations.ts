/**
 * Byte-level mutations of valid encodings: bit flips, bytes and int32s overwritten with
 * values that matter to TL and framing (lengths, counts, constructor ids), truncation,
 * insertion, deletion and duplicated ranges. Positions are taken modulo the input length.
 */
import fc from "fast-check"

export type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "byte"; readonly at: number; readonly value: number }
  | { readonly kind: "int32"; readonly at: number; readonly value: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number; readonly to: number }

/** int32 values worth planting: boundaries, TL length prefixes and ids the decoders branch on. */
const INTERESTING = [
  0, 1, -1, 4, 16, 254, 255, 0xfe, 0xff, 0xffff, 0xffffff, 0x7fffffff, -0x80000000, 0x1000000, 0x10000,
  0x3072cfa1, // gzip_packed
  0x1cb5c415, // vector
  0x997275b5, // boolTrue
  0x73f1f8dc, // msg_container
  0xf35c6d01, // rpc_result
  0x6724abc4 // textBold (recursive)
].map((v) => v | 0)

const position = fc.nat({ max: 1 << 20 })

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("flip" as const), at: position, bit: fc.nat({ max: 7 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("byte" as const), at: position, value: fc.nat({ max: 255 }) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("int32" as const),
      at: position,
      value: fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: -0x80000000, max: 0x7fffffff }))
    }),
    weight: 3
  },
  { arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: position }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("insert" as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("delete" as const), at: position, length: fc.integer({ min: 1, max: 16 }) }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at: position, length: fc.integer({ min: 1, max: 64 }), to: position }),
    weight: 1
  }
)

/** Applies one mutation to a copy of `bytes`. */
export const mutate = (bytes: Uint8Array, m: Mutation): Uint8Array => {
  const n = bytes.length
  if (n === 0) return m.kind === "insert" ? m.bytes.slice() : bytes
  const at = m.at % n
  switch (m.kind) {
    case "flip": {
      const out = bytes.slice()
      out[at]! ^= 1 << m.bit
      return out
    }
    case "byte": {
      const out = bytes.slice()
      out[at] = m.value
      return out
    }
    case "int32": {
      const out = bytes.slice()
      if (n < 4) return out
      // Aligned, as TL fields are.
      new DataView(out.buffer).setInt32(Math.min(at & ~3, n - 4), m.value, true)
      return out
    }
    case "truncate":
      return bytes.slice(0, at)
    case "insert": {
      const out = new Uint8Array(n + m.bytes.length)
      out.set(bytes.subarray(0, at))
      out.set(m.bytes, at)
      out.set(bytes.subarray(at), at + m.bytes.length)
      return out
    }
    case "delete": {
      const end = Math.min(n, at + m.length)
      const out = new Uint8Array(n - (end - at))
      out.set(bytes.subarray(0, at))
      out.set(bytes.subarray(end), at)
      return out
    }
    case "duplicate": {
      const piece = bytes.subarray(at, Math.min(n, at + m.length))
      const to = m.to % (n + 1)
      const out = new Uint8Array(n + piece.length)
      out.set(bytes.subarray(0, to))
      out.set(piece, to)
      out.set(bytes.subarray(to), to + piece.length)
      return out
    }
  }
}

/** Applies mutations in order. */
export const mutateAll = (bytes: Uint8Array, ms: ReadonlyArray<Mutation>): Uint8Array => ms.reduce(mutate, bytes)
