/**
 * SRP for 2FA passwords (core.telegram.org/api/srp), algorithm
 * passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow: the client proof
 * (`srpCheck` → inputCheckPasswordSRP's A and M1), the verifier (`srpVerifier`, stored by the
 * server when a password is set), and the server side for TestDc (`srpServerB`,
 * `srpServerVerify`). Numbers on the wire are 256-byte big-endian.
 *
 * @module
 */
import { bigIntToBytes, bytesToBigInt, constantTimeEqual, xorBytes } from "./bytes.ts"
import { checkDhPrime, checkGA, modPow } from "./dh.ts"
import { SrpError } from "./errors.ts"
import { pbkdf2Sha512, sha256, sha256Concat } from "./hash.ts"

/** The algorithm parameters from account.password's current_algo (or new_algo). */
export interface SrpParams {
  readonly salt1: Uint8Array
  readonly salt2: Uint8Array
  readonly g: number
  /** The 2048-bit safe prime, big-endian (256 bytes). */
  readonly p: Uint8Array
}

/** The client's answer: inputCheckPasswordSRP.A and .M1. */
export interface SrpCheck {
  readonly A: Uint8Array
  readonly M1: Uint8Array
}

const encoder = new TextEncoder()
const pad = (n: bigint): Uint8Array => bigIntToBytes(n, 256)
const toBig = (v: Uint8Array | bigint): bigint => (typeof v === "bigint" ? v : bytesToBigInt(v))

/** SH(data, salt) = SHA256(salt ‖ data ‖ salt). */
const sh = (data: Uint8Array, salt: Uint8Array): Uint8Array => sha256Concat(salt, data, salt)

/** x = PH2(password, salt1, salt2) as a big-endian number (~80 ms: PBKDF2 with 100 000 rounds). */
const passwordHash = (password: string | Uint8Array, salt1: Uint8Array, salt2: Uint8Array): bigint => {
  const pw = typeof password === "string" ? encoder.encode(password) : password
  const ph1 = sh(sh(pw, salt1), salt2)
  return bytesToBigInt(sh(pbkdf2Sha512(ph1, salt1, 100000), salt2))
}

/** Checks the group and returns (p, g, k = H(p ‖ g padded)). */
const group = (params: SrpParams): { p: bigint; g: bigint; k: bigint } => {
  const p = bytesToBigInt(params.p)
  checkDhPrime(p, params.g)
  const g = BigInt(params.g)
  return { p, g, k: bytesToBigInt(sha256Concat(pad(p), pad(g))) }
}

const proof = (
  params: SrpParams,
  p: bigint,
  g: bigint,
  A: Uint8Array,
  B: Uint8Array,
  s: bigint
): Uint8Array =>
  sha256Concat(
    xorBytes(sha256(pad(p)), sha256(pad(g))),
    sha256(params.salt1),
    sha256(params.salt2),
    A,
    B,
    sha256(pad(s))
  )

/**
 * The password verifier v = g^x mod p (256 bytes), what a server stores for the password.
 * Throws `DhCheckError` if (p, g) is not a valid group.
 */
export const srpVerifier = (password: string | Uint8Array, params: SrpParams): Uint8Array => {
  const { p, g } = group(params)
  return pad(modPow(g, passwordHash(password, params.salt1, params.salt2), p))
}

/**
 * The client side: A = g^a and M1 for the server's srp_B, with the client secret `a`
 * (2048 random bits; pass `randomBytes(256)`). Checks p and g as DH parameters, srp_B as a
 * DH public value (1 < B < p − 1, 2^1984 ≤ B ≤ p − 2^1984) and u ≠ 0.
 * Throws `DhCheckError` or {@link SrpError} (`ZeroU`).
 */
export const srpCheck = (
  password: string | Uint8Array,
  params: SrpParams,
  srpB: Uint8Array,
  a: Uint8Array | bigint
): SrpCheck => {
  const { p, g, k } = group(params)
  const B = bytesToBigInt(srpB)
  checkGA(B, p, "srp_B")
  const aN = toBig(a)
  const A = pad(modPow(g, aN, p))
  const Bb = pad(B)
  const u = bytesToBigInt(sha256Concat(A, Bb))
  if (u === 0n) throw new SrpError({ reason: "ZeroU", message: "SRP u = H(A | B) is zero" })
  const x = passwordHash(password, params.salt1, params.salt2)
  const v = modPow(g, x, p)
  const t = (((B - k * v) % p) + p) % p
  // p is a verified prime, so exponents reduce mod p − 1 (Fermat) and stay 2048-bit.
  const s = modPow(t, (aN + u * x) % (p - 1n), p)
  return { A, M1: proof(params, p, g, A, Bb, s) }
}

/**
 * The server's public value B = (k·v + g^b) mod p (256 bytes) for verifier `v` and server
 * secret `b` (2048 random bits). For TestDc's account.getPassword.
 */
export const srpServerB = (verifier: Uint8Array, b: Uint8Array | bigint, params: SrpParams): Uint8Array => {
  const { p, g, k } = group(params)
  return pad((k * bytesToBigInt(verifier) + modPow(g, toBig(b), p)) % p)
}

/**
 * The server side of the check (TestDc's auth.checkPassword): recomputes
 * s = (A·v^u)^b mod p and the expected M1, and compares it with the client's in constant
 * time. Throws `DhCheckError` (A out of range) or {@link SrpError} (`ZeroU`, `BadM1`).
 */
export const srpServerVerify = (
  input: {
    readonly verifier: Uint8Array
    readonly b: Uint8Array | bigint
    readonly B: Uint8Array
    readonly A: Uint8Array
    readonly M1: Uint8Array
  },
  params: SrpParams
): void => {
  const { p, g } = group(params)
  const A = bytesToBigInt(input.A)
  checkGA(A, p, "srp_A")
  const Ab = pad(A), Bb = pad(bytesToBigInt(input.B))
  const u = bytesToBigInt(sha256Concat(Ab, Bb))
  if (u === 0n) throw new SrpError({ reason: "ZeroU", message: "SRP u = H(A | B) is zero" })
  const v = bytesToBigInt(input.verifier)
  const s = modPow((A * modPow(v, u, p)) % p, toBig(input.b), p)
  if (!constantTimeEqual(proof(params, p, g, Ab, Bb, s), input.M1)) {
    throw new SrpError({ reason: "BadM1", message: "SRP M1 does not match (wrong password)" })
  }
}
