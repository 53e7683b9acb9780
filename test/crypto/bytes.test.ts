/**
 * The byte helpers every layer uses: the little-endian 64-bit `long` read and write (checked
 * against DataView, at every offset of subarrays that start inside a larger buffer) and hex.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { fromHex, randomLong, readInt64LE, toHex, writeInt64LE } from "../../src/crypto/index.ts"

const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })

/** A subarray of a larger buffer (byteOffset > 0), `length` bytes long. */
const sliceOf = (before: number, length: number, fill = 0xa5): Uint8Array =>
  new Uint8Array(before + length + 5).fill(fill).subarray(before, before + length)

describe("readInt64LE / writeInt64LE", () => {
  it("read what DataView reads, at any offset of a subarray", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 40 }), fc.nat(7), fc.nat(40), (bytes, before, at) => {
        const b = sliceOf(before, bytes.length)
        b.set(bytes)
        const offset = at % (bytes.length - 7)
        assert.strictEqual(readInt64LE(b, offset), new DataView(b.buffer, b.byteOffset, b.length).getBigInt64(offset, true))
      })
    )
  })

  it("write what DataView writes, and read back the value (signed, or wrapped modulo 2^64)", () => {
    fc.assert(
      fc.property(fc.oneof(int64, fc.bigInt({ min: -(1n << 70n), max: 1n << 70n })), fc.nat(7), fc.nat(8), (value, before, offset) => {
        const ours = sliceOf(before, 16)
        const theirs = sliceOf(before, 16)
        writeInt64LE(ours, value, offset)
        new DataView(theirs.buffer, theirs.byteOffset, theirs.length).setBigInt64(offset, value, true)
        assert.deepStrictEqual(ours, theirs)
        assert.strictEqual(readInt64LE(ours, offset), BigInt.asIntN(64, value))
      })
    )
  })

  it("know the edges: 0, -1, the signed extremes, a known wire value", () => {
    const b = new Uint8Array(8)
    for (const v of [0n, -1n, (1n << 63n) - 1n, -(1n << 63n), 1n << 32n, (1n << 32n) - 1n]) {
      writeInt64LE(b, v)
      assert.strictEqual(readInt64LE(b), v)
    }
    // The production RSA key's fingerprint, as the last 8 bytes of its SHA-1 hold it.
    assert.strictEqual(readInt64LE(fromHex("85fd64de851d9dd0")), -3414540481677951611n)
  })

  it("refuse to read or write past the end (RangeError), never a silent 0", () => {
    const b = sliceOf(3, 10)
    assert.throws(() => readInt64LE(b, 3), RangeError)
    assert.throws(() => readInt64LE(b, -1), RangeError)
    assert.throws(() => readInt64LE(new Uint8Array(7)), RangeError)
    assert.throws(() => writeInt64LE(b, 1n, 3), RangeError)
    assert.deepStrictEqual([...b], new Array(10).fill(0xa5), "nothing written on a refused write")
  })

  it("randomLong reads 8 bytes of the given source", () => {
    assert.strictEqual(randomLong(() => fromHex("0100000000000080")), -(1n << 63n) + 1n)
    assert.strictEqual(typeof randomLong(), "bigint")
  })
})

describe("toHex / fromHex", () => {
  it("round-trip, and agree with Buffer on subarrays", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(7), (bytes, before) => {
        const b = sliceOf(before, bytes.length)
        b.set(bytes)
        const hex = toHex(b)
        assert.strictEqual(hex, Buffer.from(bytes).toString("hex"))
        assert.deepStrictEqual(fromHex(hex), bytes)
      })
    )
  })

  it("fromHex rejects odd lengths and non-hex digits", () => {
    assert.throws(() => fromHex("abc"), TypeError)
    assert.throws(() => fromHex("zz"), TypeError)
    assert.deepStrictEqual(fromHex("de ad\nbe ef"), Uint8Array.of(0xde, 0xad, 0xbe, 0xef))
  })
})
