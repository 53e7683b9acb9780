import { assert, describe, it } from "@effect/vitest"
import {
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  DhCheckError,
  modPow,
  pbkdf2Sha512,
  randomBytes,
  sha256,
  SrpError,
  srpCheck,
  type SrpParams,
  srpServerB,
  srpServerVerify,
  srpVerifier,
  TELEGRAM_DH_PRIME,
  toHex
} from "../../src/crypto/index.ts"

const params: SrpParams = {
  salt1: randomBytes(40),
  salt2: randomBytes(16),
  g: 3,
  p: bigIntToBytes(TELEGRAM_DH_PRIME, 256)
}

const errorOf = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return assert.fail("expected an error")
}

describe("SRP (2FA)", () => {
  const password = "correct horse battery staple ✓"
  const v = srpVerifier(password, params)

  it("verifier is g^x mod p with x from the spec's PH2", () => {
    // An independent recomputation of the spec formulas, directly from the primitives.
    const H = (...parts: Array<Uint8Array>) => sha256(concatBytes(...parts))
    const SH = (d: Uint8Array, s: Uint8Array) => H(s, d, s)
    const ph1 = SH(SH(new TextEncoder().encode(password), params.salt1), params.salt2)
    const x = bytesToBigInt(SH(pbkdf2Sha512(ph1, params.salt1, 100000), params.salt2))
    assert.strictEqual(toHex(v), toHex(bigIntToBytes(modPow(3n, x, TELEGRAM_DH_PRIME), 256)))
    assert.strictEqual(v.length, 256)
  })

  it("client and server agree (3 runs), and M1 matches an independent computation", () => {
    for (let i = 0; i < 3; i++) {
      const b = randomBytes(256), a = randomBytes(256)
      const B = srpServerB(v, b, params)
      const { A, M1 } = srpCheck(password, params, B, a)
      assert.strictEqual(A.length, 256)
      assert.strictEqual(M1.length, 32)
      srpServerVerify({ verifier: v, b, B, A, M1 }, params)
      // Byte and bigint secrets give the same answer.
      assert.strictEqual(toHex(srpCheck(password, params, B, bytesToBigInt(a)).M1), toHex(M1))
    }
  })

  it("a wrong password fails the server check with BadM1", () => {
    const b = randomBytes(256)
    const B = srpServerB(v, b, params)
    const { A, M1 } = srpCheck("wrong", params, B, randomBytes(256))
    const e = errorOf(() => srpServerVerify({ verifier: v, b, B, A, M1 }, params))
    assert.instanceOf(e, SrpError)
    assert.strictEqual((e as SrpError).reason, "BadM1")
  })

  it("a tampered M1 fails", () => {
    const b = randomBytes(256)
    const B = srpServerB(v, b, params)
    const { A, M1 } = srpCheck(password, params, B, randomBytes(256))
    const bad = M1.slice()
    bad[0]! ^= 1
    assert.instanceOf(errorOf(() => srpServerVerify({ verifier: v, b, B, A, M1: bad }, params)), SrpError)
  })

  it("bad srp_B is refused before any hashing", () => {
    const p = TELEGRAM_DH_PRIME
    for (const [B, reason] of [
      [0n, "PublicValueOutOfRange"],
      [1n, "PublicValueOutOfRange"],
      [p, "PublicValueOutOfRange"],
      [p - 1n, "PublicValueOutOfRange"],
      [2n, "PublicValueUnsafeRange"],
      [p - 2n, "PublicValueUnsafeRange"]
    ] as const) {
      const e = errorOf(() => srpCheck(password, params, bigIntToBytes(B, 256), randomBytes(256)))
      assert.instanceOf(e, DhCheckError)
      assert.strictEqual((e as DhCheckError).reason, reason)
      assert.strictEqual((e as DhCheckError).value, "srp_B")
    }
  })

  it("bad group parameters are refused (wrong g residue, non-prime p)", () => {
    const B = srpServerB(v, randomBytes(256), params)
    const e1 = errorOf(() => srpCheck(password, { ...params, g: 2 }, B, randomBytes(256)))
    assert.strictEqual((e1 as DhCheckError).reason, "GeneratorResidue")
    const e2 = errorOf(() => srpCheck(password, { ...params, g: 4, p: bigIntToBytes(TELEGRAM_DH_PRIME + 2n, 256) }, B, randomBytes(256)))
    assert.strictEqual((e2 as DhCheckError).reason, "PrimeNotPrime")
  })

  it("server refuses an out-of-range A", () => {
    const b = randomBytes(256)
    const B = srpServerB(v, b, params)
    const e = errorOf(() => srpServerVerify({ verifier: v, b, B, A: bigIntToBytes(1n, 256), M1: new Uint8Array(32) }, params))
    assert.strictEqual((e as DhCheckError).value, "srp_A")
  })
})
