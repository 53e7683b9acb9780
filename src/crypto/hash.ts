/**
 * Hash facade: SHA-1, SHA-256, SHA-512 and PBKDF2-HMAC-SHA512. The backend is node:crypto
 * (see bench/crypto.ts: it beats @noble/hashes from 1 KiB up and is within noise at 64 B;
 * PBKDF2 100k is ~12x faster native). Callers never import a backend directly, so it can change.
 *
 * @module
 */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto"

const digest = (algo: string, parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const h = createHash(algo)
  for (const p of parts) h.update(p)
  const out = h.digest()
  // A plain Uint8Array view (no copy): callers compare and slice it, never rely on Buffer methods.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** SHA-1 of `data` (20 bytes). */
export const sha1 = (data: Uint8Array): Uint8Array => digest("sha1", [data])
/** SHA-256 of `data` (32 bytes). */
export const sha256 = (data: Uint8Array): Uint8Array => digest("sha256", [data])
/** SHA-512 of `data` (64 bytes). */
export const sha512 = (data: Uint8Array): Uint8Array => digest("sha512", [data])

/** SHA-1 of the concatenation of `parts`, without building the concatenation. */
export const sha1Concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => digest("sha1", parts)
/** SHA-256 of the concatenation of `parts`, without building the concatenation. */
export const sha256Concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => digest("sha256", parts)

/** HMAC-SHA256 of the concatenation of `parts` under `key` (32 bytes; the MTProxy fake-TLS digests). */
export const hmacSha256 = (key: Uint8Array, ...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const h = createHmac("sha256", key)
  for (const p of parts) h.update(p)
  const out = h.digest()
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** An MD5 computed piece by piece (upload checksums: `md5_checksum` of `inputFile`, as hex). */
export interface Md5 {
  readonly update: (data: Uint8Array) => void
  /** The digest as 32 lowercase hex digits; the hasher is spent afterwards. */
  readonly hex: () => string
}

/** A fresh incremental MD5 (not a security primitive here: Telegram's upload integrity check). */
export const createMd5 = (): Md5 => {
  const h = createHash("md5")
  return { update: (data) => void h.update(data), hex: () => h.digest("hex") }
}

/** MD5 of `data`, as 32 lowercase hex digits. */
export const md5Hex = (data: Uint8Array): string => createHash("md5").update(data).digest("hex")

/** PBKDF2-HMAC-SHA512 with a 64-byte output (the SRP password KDF; native, ~80 ms for 100k). */
export const pbkdf2Sha512 = (password: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array => {
  const out = pbkdf2Sync(password, salt, iterations, 64, "sha512")
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}
