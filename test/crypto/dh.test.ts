import { assert, describe, it } from "@effect/vitest"
import { generatePrimeSync, randomBytes as nodeRandom } from "node:crypto"
import {
  bigIntToBytes,
  bytesToBigInt,
  checkDhPrime,
  checkGA,
  DhCheckError,
  type DhCheckReason,
  modPow,
  modPowBytes,
  TELEGRAM_DH_PRIME
} from "../../src/crypto/index.ts"

const P = TELEGRAM_DH_PRIME

const dhReason = (f: () => unknown): DhCheckReason => {
  try {
    f()
  } catch (e) {
    assert.instanceOf(e, DhCheckError)
    return (e as DhCheckError).reason
  }
  return assert.fail("expected a DhCheckError")
}

const naive = (b: bigint, e: bigint, m: bigint): bigint => {
  let r = 1n
  b %= m
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m
  return r
}
const rand = (bytes: number): bigint => bytesToBigInt(new Uint8Array(nodeRandom(bytes)))

describe("modPow", () => {
  it("agrees with square-and-multiply (native and BigInt paths)", () => {
    for (let i = 0; i < 6; i++) {
      const e = rand(256), b = rand(256) % P
      assert.strictEqual(modPow(b, e, P), naive(b, e, P))
    }
    assert.strictEqual(modPow(3n, 65537n, P), naive(3n, 65537n, P))
    assert.strictEqual(modPow(5n, 3n, 7n), 6n)
    assert.strictEqual(modPow(0n, rand(256), P), 0n)
    assert.strictEqual(modPow(1n, rand(256), P), 1n)
    assert.strictEqual(modPow(P - 1n, 2n * rand(100) + 1n, P), P - 1n)
    const big = rand(300)
    assert.strictEqual(modPow(P + 5n, big, P), naive(5n, big, P))
    assert.strictEqual(modPow(5n, P + 12345n, P), naive(5n, P + 12345n, P))
    const even = (1n << 2047n) + 2n, e = rand(256)
    assert.strictEqual(modPow(7n, e, even), naive(7n, e, even))
    assert.strictEqual(modPow(7n, 0n, 1n), 0n)
  })
  it("bytes form pads to the modulus length", () => {
    const r = modPowBytes(Uint8Array.of(3), bigIntToBytes(rand(256)), bigIntToBytes(P))
    assert.strictEqual(r.length, 256)
  })
})

describe("checkDhPrime", () => {
  it("accepts Telegram's prime with g = 3, 4, and 5 is refused by residue", () => {
    checkDhPrime(P, 3)
    checkDhPrime(P, 4n)
    assert.strictEqual(P % 5n === 1n || P % 5n === 4n ? "ok" : dhReason(() => checkDhPrime(P, 5)), P % 5n === 1n || P % 5n === 4n ? "ok" : "GeneratorResidue")
  })
  it("wrong g residues and g out of 2..7", () => {
    // P mod 8 = 3 and P mod 7 decide g = 2 and g = 7.
    assert.strictEqual(dhReason(() => checkDhPrime(P, 2)), "GeneratorResidue")
    for (const g of [0, 1, 8, 2.5]) assert.strictEqual(dhReason(() => checkDhPrime(P, g)), "GeneratorOutOfRange")
    const r7 = P % 7n
    if (!(r7 === 3n || r7 === 5n || r7 === 6n)) assert.strictEqual(dhReason(() => checkDhPrime(P, 7)), "GeneratorResidue")
    const r24 = P % 24n
    if (!(r24 === 19n || r24 === 23n)) assert.strictEqual(dhReason(() => checkDhPrime(P, 6)), "GeneratorResidue")
  })
  it("size, primality and safety", () => {
    assert.strictEqual(dhReason(() => checkDhPrime(P >> 1n, 4)), "PrimeBitLength")
    assert.strictEqual(dhReason(() => checkDhPrime(P << 1n, 4)), "PrimeBitLength")
    assert.strictEqual(dhReason(() => checkDhPrime(1n << 2047n, 4)), "PrimeBitLength")
    assert.strictEqual(dhReason(() => checkDhPrime(P + 2n, 4)), "PrimeNotPrime")
    // A random 2048-bit prime is almost never safe.
    const notSafe = generatePrimeSync(2048, { bigint: true }) as bigint
    assert.strictEqual(dhReason(() => checkDhPrime(notSafe, 4)), "PrimeNotSafe")
  })
  it("the full Miller–Rabin path agrees on Telegram's prime", async () => {
    // P is recognised by value in checkDhPrime; prove the slow path would accept it too.
    const { isProbablePrime } = await import("../../src/crypto/index.ts")
    assert.isTrue(isProbablePrime(P))
    assert.isTrue(isProbablePrime((P - 1n) / 2n))
  })
})

describe("checkGA", () => {
  const SAFETY = 1n << 1984n
  it("accepts values inside the range, including the bounds", () => {
    checkGA(SAFETY, P)
    checkGA(P - SAFETY, P)
    checkGA(modPow(3n, rand(256), P) | SAFETY, P)
  })
  it("rejects out-of-range and unsafe values", () => {
    for (const v of [0n, 1n, P - 1n, P, P + 1n]) assert.strictEqual(dhReason(() => checkGA(v, P)), "PublicValueOutOfRange")
    for (const v of [2n, SAFETY - 1n, P - SAFETY + 1n, P - 2n]) {
      assert.strictEqual(dhReason(() => checkGA(v, P, "g_b")), "PublicValueUnsafeRange")
    }
  })
})
