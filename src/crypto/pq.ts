/**
 * Factorization of the handshake's pq (resPQ) into its two prime factors: Pollard–Brent
 * rho, with the gcd batched over up to 128 steps as in Brent's paper. For pq < 2^63 (all
 * real ones) the arithmetic runs on doubles in Montgomery form, with no BigInt in the loop;
 * a BigInt Montgomery variant measured no faster than plain BigInt `%`, so larger values
 * use plain BigInt.
 *
 * @module
 */
import { checkPrimeSync } from "node:crypto"
import { CryptoError } from "./errors.ts"

const notSemiprime = (pq: bigint, why: string): CryptoError =>
  new CryptoError({ reason: "PqNotSemiprime", message: `pq = ${pq} ${why}` })

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

const isqrt = (n: bigint): bigint => {
  if (n < 2n) return n
  let x = BigInt(Math.floor(Math.sqrt(Number(n))))
  // Newton steps fix the float estimate's error for large n.
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) {
      while (x * x > n) x--
      while ((x + 1n) * (x + 1n) <= n) x++
      return x
    }
    x = y
  }
}

/** Deterministic LCG for the walk's constants: no dependence on global randomness. */
const nextSeed = (s: bigint, n: bigint): bigint =>
  (BigInt.asUintN(64, s * 6364136223846793005n + 1442695040888963407n) % (n - 1n)) + 1n

/** Generic Pollard–Brent on BigInt, for moduli of 2^63 and above (never seen from Telegram). */
const brentBigInt = (n: bigint): bigint => {
  let seed = n
  for (let attempt = 0; attempt < 64; attempt++) {
    seed = nextSeed(seed, n)
    const c = seed
    seed = nextSeed(seed, n)
    let y = seed, x = y, ys = y, g = 1n, r = 1, q = 1n
    while (g === 1n) {
      x = y
      for (let i = 0; i < r; i++) y = (y * y + c) % n
      for (let j = 0; j < r && g === 1n; j += 128) {
        ys = y
        for (let i = 0, steps = Math.min(128, r - j); i < steps; i++) {
          y = (y * y + c) % n
          q = (q * (x > y ? x - y : y - x)) % n
        }
        g = gcd(q, n)
      }
      r *= 2
    }
    if (g === n) {
      do {
        ys = (ys * ys + c) % n
        g = gcd(x > ys ? x - ys : ys - x, n)
      } while (g === 1n)
    }
    if (g !== n) return g
  }
  throw notSemiprime(n, "could not be factored")
}

// Limb arithmetic for n < 2^63: three 23-bit limbs held in doubles (R = 2^69 ≥ 64n). Limb
// products are < 2^48 and every intermediate sum stays below 2^51, so all arithmetic is exact
// and no BigInt is allocated in the inner loop (each BigInt op allocates). Division by the
// radix is a multiplication by 2^-23, which is exact.
const B = 8388608
const INV_B = 1 / B

const limbs = (v: bigint): [number, number, number] => [
  Number(v & 0x7fffffn),
  Number((v >> 23n) & 0x7fffffn),
  Number(v >> 46n)
]

/**
 * Pollard–Brent for odd n < 2^63 with Montgomery multiplication (R = 2^69) over 23-bit
 * limbs. The walk is y ← y·y·R⁻¹ + c (a different polynomial than y² + c, equally
 * pseudo-random), and differences are multiplied in Montgomery form too: both only scale
 * values by powers of R, which is coprime to n, so the gcds are unchanged.
 *
 * Values are never fully reduced: a Montgomery product of inputs a, b is below a·b/R + n,
 * and with R ≥ 64n the walk stays below 2.1n (y < y²/64n + 2n has that fixed point), the
 * differences x − y + 3n lie in (0, 5.1n) and the product q below 1.1n. So no comparison
 * with n is needed in the loop; BigInt sees only the gcd inputs.
 */
const brentLimbs = (n: bigint): bigint => {
  // A gcd costs ~40 BigInt divisions; batching 512 steps makes it negligible, and an
  // overshoot (factor found mid-batch together with n) is replayed step by step below.
  const BATCH = 512
  const [n0, n1, n2] = limbs(n)
  // -n⁻¹ mod 2^23 by Newton iteration on the 2-adic inverse.
  let inv = 1n
  for (let i = 0; i < 5; i++) inv = BigInt.asUintN(23, inv * (2n - n * inv))
  const ni = Number(BigInt.asUintN(23, -inv))

  // Result registers of mul(), so the hot loop allocates nothing.
  let r0 = 0, r1 = 0, r2 = 0
  /** r ≡ a·b·R⁻¹ (mod n), limbs normalised to [0, B). Limbs of `a` may be negative if its value is not. */
  const mul = (a0: number, a1: number, a2: number, b0: number, b1: number, b2: number): void => {
    let t0 = a0 * b0, t1 = a0 * b1, t2 = a0 * b2
    let m = t0 - Math.floor(t0 * INV_B) * B
    m *= ni
    m -= Math.floor(m * INV_B) * B
    t0 = t1 + m * n1 + (t0 + m * n0) * INV_B
    t1 = t2 + m * n2
    t0 += a1 * b0, t1 += a1 * b1, t2 = a1 * b2
    m = t0 - Math.floor(t0 * INV_B) * B
    m *= ni
    m -= Math.floor(m * INV_B) * B
    t0 = t1 + m * n1 + (t0 + m * n0) * INV_B
    t1 = t2 + m * n2
    t0 += a2 * b0, t1 += a2 * b1, t2 = a2 * b2
    m = t0 - Math.floor(t0 * INV_B) * B
    m *= ni
    m -= Math.floor(m * INV_B) * B
    t0 = t1 + m * n1 + (t0 + m * n0) * INV_B
    t1 = t2 + m * n2
    // value = t0 + t1·B (< 6n < 2^66): split into three limbs.
    const c0 = Math.floor(t0 * INV_B)
    r0 = t0 - c0 * B
    t1 += c0
    r2 = Math.floor(t1 * INV_B)
    r1 = t1 - r2 * B
  }
  const toBig = (x0: number, x1: number, x2: number): bigint =>
    ((BigInt(x2) << 46n) + (BigInt(x1) << 23n) + BigInt(x0)) % n

  let seed = n
  for (let attempt = 0; attempt < 64; attempt++) {
    seed = nextSeed(seed, n)
    const [c0, c1, c2] = limbs(seed)
    seed = nextSeed(seed, n)
    let [y0, y1, y2] = limbs(seed)
    let x0 = y0, x1 = y1, x2 = y2, s0 = y0, s1 = y1, s2 = y2
    let q0 = 1, q1 = 0, q2 = 0
    let g = 1n, r = 1
    while (g === 1n) {
      x0 = y0, x1 = y1, x2 = y2
      for (let i = 0; i < r; i++) {
        mul(y0, y1, y2, y0, y1, y2)
        y0 = r0 + c0, y1 = r1 + c1, y2 = r2 + c2
      }
      for (let j = 0; j < r && g === 1n; j += BATCH) {
        s0 = y0, s1 = y1, s2 = y2
        for (let i = 0, steps = Math.min(BATCH, r - j); i < steps; i++) {
          mul(y0, y1, y2, y0, y1, y2)
          y0 = r0 + c0, y1 = r1 + c1, y2 = r2 + c2
          // x − y + 3n is positive (both are below 2.1n): no comparison or borrow needed.
          mul(x0 - y0 + 3 * n0, x1 - y1 + 3 * n1, x2 - y2 + 3 * n2, q0, q1, q2)
          q0 = r0, q1 = r1, q2 = r2
        }
        g = gcd(toBig(q0, q1, q2), n)
      }
      r *= 2
    }
    if (g === n) {
      // The batch overshot: replay it one step at a time from its start.
      const x = toBig(x0, x1, x2)
      do {
        mul(s0, s1, s2, s0, s1, s2)
        s0 = r0 + c0, s1 = r1 + c1, s2 = r2 + c2
        const ys = toBig(s0, s1, s2)
        g = gcd(x > ys ? x - ys : ys - x, n)
      } while (g === 1n)
    }
    if (g !== n) return g
  }
  throw notSemiprime(n, "could not be factored")
}

/** One nontrivial factor of an odd composite `n` that is not a perfect square. */
const brent = (n: bigint): bigint => (n < 1n << 63n ? brentLimbs(n) : brentBigInt(n))

const SMALL_PRIMES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n]

/**
 * Splits `pq` (the resPQ value, normally a ~63-bit product of two ~31-bit primes) into its
 * two prime factors, smaller first. Also accepts an even pq of the form 2·prime and a square
 * of a prime. Throws {@link CryptoError} `PqNotSemiprime` for values below 4, primes, and
 * numbers with more than two prime factors.
 */
export const factorizePq = (pq: bigint): readonly [bigint, bigint] => {
  if (pq < 4n) throw notSemiprime(pq, "is too small")
  let p: bigint | undefined
  for (const sp of SMALL_PRIMES) {
    if (pq % sp === 0n) {
      p = sp
      break
    }
  }
  if (p === undefined) {
    if (checkPrimeSync(pq)) throw notSemiprime(pq, "is prime")
    const s = isqrt(pq)
    p = s * s === pq ? s : brent(pq)
  }
  const q = pq / p
  const [lo, hi] = p < q ? [p, q] : [q, p]
  if (!(lo === 2n || lo === 3n ? true : checkPrimeSync(lo)) || !(hi < 4n ? hi >= 2n : checkPrimeSync(hi))) {
    throw notSemiprime(pq, "is not a product of two primes")
  }
  return [lo, hi] as const
}
