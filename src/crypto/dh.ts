/**
 * Diffie–Hellman for the MTProto handshake and SRP: modular exponentiation on OpenSSL, and
 * the security checks of core.telegram.org/mtproto/auth_key ("DH key exchange complete").
 *
 * @module
 */
import { checkPrimeSync, constants, createPublicKey, publicEncrypt } from "node:crypto"
import { bigIntToBytes, bytesToBigInt } from "./bytes.ts"
import { DhCheckError } from "./errors.ts"

/**
 * The 2048-bit safe prime Telegram servers send as dh_prime (g = 3 in practice). Recognised
 * without the (≈250 ms) primality tests.
 */
export const TELEGRAM_DH_PRIME = BigInt(
  "0xc71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b"
)

const b64url = (n: bigint): string => {
  const b = bigIntToBytes(n)
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url")
}

/** Square-and-multiply on BigInt: for small exponents and moduli OpenSSL's RSA path refuses. */
const modPowBigInt = (base: bigint, exp: bigint, mod: bigint): bigint => {
  if (mod === 1n) return 0n
  let result = 1n
  let b = base % mod
  let e = exp
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod
    b = (b * b) % mod
    e >>= 1n
  }
  return result
}

/**
 * `base^exp mod mod` for non-negative `base`, `exp` and `mod > 0`.
 *
 * Large exponentiations run on OpenSSL through a raw RSA public operation (`publicEncrypt`
 * with `RSA_NO_PADDING` over a key whose "public exponent" is `exp`): about 9x faster than
 * BigInt square-and-multiply for 2048 bits (bench/crypto.ts). `createDiffieHellman` would be
 * the obvious route but runs a full primality check of the modulus on every construction
 * (~280 ms). OpenSSL accepts any exponent size for moduli up to 3072 bits and needs an odd
 * modulus (Montgomery); other cases, and exponents below 2^16, use BigInt. Even RSA's
 * e = 65537 is ~2x faster natively, key import included. Note: OpenSSL's public-key path is not constant-time in the exponent, like
 * the BigInt path.
 */
export const modPow = (base: bigint, exp: bigint, mod: bigint): bigint => {
  if (mod <= 0n || exp < 0n || base < 0n) throw new RangeError("modPow: negative argument or non-positive modulus")
  const bits = mod.toString(2).length
  if (exp < 1n << 16n || (mod & 1n) === 0n || bits > 3072 || bits < 512) return modPowBigInt(base, exp, mod)
  if (exp >= mod) {
    // OpenSSL refuses e ≥ n ("bad e value"): split exp = hi·2^k + lo with 2^k < mod.
    const k = BigInt(bits - 1)
    const hi = modPow(modPow(base, exp >> k, mod), 1n << k, mod)
    return (hi * modPow(base, exp & ((1n << k) - 1n), mod)) % mod
  }
  const size = Math.ceil(bits / 8)
  const key = createPublicKey({ key: { kty: "RSA", n: b64url(mod), e: b64url(exp) }, format: "jwk" })
  const out = publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, bigIntToBytes(base % mod, size))
  return bytesToBigInt(out)
}

/** `modPow` over big-endian bytes, result left-padded to the modulus length. */
export const modPowBytes = (base: Uint8Array, exp: Uint8Array, mod: Uint8Array): Uint8Array =>
  bigIntToBytes(modPow(bytesToBigInt(base), bytesToBigInt(exp), bytesToBigInt(mod)), mod.length)

/**
 * Miller–Rabin probable-prime test (OpenSSL's `BN_check_prime` via node:crypto, with the
 * round count OpenSSL chooses for the size: error < 2^-128).
 */
export const isProbablePrime = (n: bigint): boolean => n >= 2n && checkPrimeSync(n)

const knownSafePrimes = new Set<bigint>([TELEGRAM_DH_PRIME])

const LOW = 1n << 2047n
const HIGH = 1n << 2048n

/**
 * Checks a DH group (dh_prime, g) as the spec requires: 2^2047 < p < 2^2048, p and (p−1)/2
 * prime, g in 2..7 and g a quadratic residue generating the subgroup of order (p−1)/2
 * (g=2: p mod 8 = 7; g=3: p mod 3 = 2; g=4: always; g=5: p mod 5 ∈ {1,4};
 * g=6: p mod 24 ∈ {19,23}; g=7: p mod 7 ∈ {3,5,6}). Telegram's well-known prime skips the
 * primality tests, as do primes already verified in this process.
 * Throws {@link DhCheckError} with reason `PrimeBitLength`, `PrimeNotPrime`, `PrimeNotSafe`,
 * `GeneratorOutOfRange` or `GeneratorResidue`.
 */
export const checkDhPrime = (p: bigint, g: number | bigint): void => {
  if (!(p > LOW && p < HIGH)) {
    throw new DhCheckError({ reason: "PrimeBitLength", value: "p", message: "dh_prime is not a 2048-bit number" })
  }
  const gn = Number(g)
  if (!Number.isInteger(gn) || gn < 2 || gn > 7) {
    throw new DhCheckError({ reason: "GeneratorOutOfRange", value: "g", message: `g must be in 2..7, got ${g}` })
  }
  const residueOk = (() => {
    switch (gn) {
      case 2: return p % 8n === 7n
      case 3: return p % 3n === 2n
      case 4: return true
      case 5: { const r = p % 5n; return r === 1n || r === 4n }
      case 6: { const r = p % 24n; return r === 19n || r === 23n }
      default: { const r = p % 7n; return r === 3n || r === 5n || r === 6n }
    }
  })()
  if (!residueOk) {
    throw new DhCheckError({
      reason: "GeneratorResidue",
      value: "g",
      message: `g = ${gn} does not generate the subgroup of order (p-1)/2 for this prime`
    })
  }
  if (knownSafePrimes.has(p)) return
  if (!isProbablePrime(p)) {
    throw new DhCheckError({ reason: "PrimeNotPrime", value: "p", message: "dh_prime is not prime" })
  }
  if (!isProbablePrime((p - 1n) >> 1n)) {
    throw new DhCheckError({ reason: "PrimeNotSafe", value: "p", message: "(dh_prime - 1) / 2 is not prime" })
  }
  // Bounded so a hostile server cannot grow it without limit.
  if (knownSafePrimes.size < 16) knownSafePrimes.add(p)
}

const SAFETY = 1n << (2048n - 64n)

/**
 * Checks a DH public value (g_a, g_b, or SRP's A/B) against prime `p`: 1 < v < p − 1 and
 * 2^(2048−64) ≤ v ≤ p − 2^(2048−64). Throws {@link DhCheckError} with reason
 * `PublicValueOutOfRange` or `PublicValueUnsafeRange`; `which` names the value in the error.
 */
export const checkGA = (ga: bigint, p: bigint, which: "g_a" | "g_b" | "srp_B" | "srp_A" = "g_a"): void => {
  if (!(ga > 1n && ga < p - 1n)) {
    throw new DhCheckError({ reason: "PublicValueOutOfRange", value: which, message: `${which} is not in (1, p-1)` })
  }
  if (!(ga >= SAFETY && ga <= p - SAFETY)) {
    throw new DhCheckError({
      reason: "PublicValueUnsafeRange",
      value: which,
      message: `${which} is not in [2^1984, p - 2^1984]`
    })
  }
}
