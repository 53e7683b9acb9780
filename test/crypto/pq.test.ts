import { assert, describe, it } from "@effect/vitest"
import { generatePrimeSync } from "node:crypto"
import { CryptoError, factorizePq } from "../../src/crypto/index.ts"
import { hasVector, loadVector } from "./vectors.ts"

const rejects = (pq: bigint): void => {
  try {
    factorizePq(pq)
  } catch (e) {
    assert.instanceOf(e, CryptoError)
    assert.strictEqual((e as CryptoError).reason, "PqNotSemiprime")
    return
  }
  assert.fail(`expected ${pq} to be rejected`)
}

describe.skipIf(!hasVector("pq.json"))("factorizePq known answers (pq.json)", () => {
  const cases = hasVector("pq.json") ? loadVector("pq.json").cases : []
  for (const c of cases as Array<{ pq: string; p: string; q: string; q_is_prime: boolean; note?: string }>) {
    it(`${c.pq.slice(0, 24)} ${c.note ?? ""}`, () => {
      if (!c.q_is_prime) return rejects(BigInt(c.pq)) // the flagged non-MTProto case
      const [p, q] = factorizePq(BigInt(c.pq))
      assert.strictEqual(p, BigInt(c.p))
      assert.strictEqual(q, BigInt(c.q))
    })
  }
})

describe("factorizePq", () => {
  it("200 random products of ~31/32-bit primes", () => {
    for (let i = 0; i < 200; i++) {
      const a = generatePrimeSync(i % 2 === 0 ? 32 : 31, { bigint: true }) as bigint
      const b = generatePrimeSync(31 + (i % 3 === 0 ? 1 : 0), { bigint: true }) as bigint
      const [p, q] = factorizePq(a * b)
      assert.strictEqual(p * q, a * b)
      assert.isTrue(p <= q)
      assert.deepStrictEqual([p, q], a < b ? [a, b] : [b, a])
    }
  })
  it("squares of primes and unbalanced products", () => {
    assert.deepStrictEqual(factorizePq(1000003n * 1000003n), [1000003n, 1000003n])
    assert.deepStrictEqual(factorizePq(101n * 4294967311n), [101n, 4294967311n])
    assert.deepStrictEqual(factorizePq(3n * 7n), [3n, 7n])
  })
  it("values at and above 2^63 use the BigInt path", () => {
    const a = generatePrimeSync(33, { bigint: true }) as bigint
    const b = generatePrimeSync(33, { bigint: true }) as bigint
    const [p, q] = factorizePq(a * b)
    assert.strictEqual(p * q, a * b)
  })
  it("rejects 1, small values, primes, and numbers with more than two factors", () => {
    for (const v of [0n, 1n, 2n, 3n, 4294967311n, 2305843009213693951n, 8n, 30n, 1000003n * 1000033n * 3n]) rejects(v)
  })
  it("even pq: 2·prime is split (as in pq.json), 2·composite is rejected", () => {
    assert.deepStrictEqual(factorizePq(2n * 1000000007n), [2n, 1000000007n])
    rejects(2n * 1000003n * 1000033n)
  })
})
