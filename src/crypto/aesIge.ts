/**
 * AES-256-IGE, the MTProto message cipher.
 *
 * IV layout (OpenSSL `AES_ige_encrypt`, MTProto): `iv[0..16)` is c₋₁ (the "previous
 * ciphertext block"), `iv[16..32)` is p₋₁ (the "previous plaintext block").
 * Encrypt: c_i = E(p_i ⊕ c_{i-1}) ⊕ p_{i-1}. Decrypt: p_i = D(c_i ⊕ p_{i-1}) ⊕ c_{i-1}.
 *
 * Encryption of large buffers goes through ONE native AES-256-CBC call. With
 * d_i := c_i ⊕ p_{i-1} = E(p_i ⊕ c_{i-1}) and c_{i-1} = d_{i-1} ⊕ p_{i-2}:
 *
 *   d_i = E((p_i ⊕ p_{i-2}) ⊕ d_{i-1})
 *
 * which is CBC over q_i = p_i ⊕ p_{i-2} with IV d₋₁ = c₋₁, taking p₋₂ = 0 (so q_0 = p_0,
 * q_1 = p_1 ⊕ p₋₁). Then c_i = d_i ⊕ p_{i-1}. Two XOR passes plus native AES-NI.
 *
 * Decryption has no such shortcut (each block's input needs the previous plaintext, which
 * is an output), and small encryptions are dominated by createCipheriv's setup cost: both
 * run the table-driven AES of `aesBlock.ts`, compiled to WebAssembly by `aesWasm.ts`
 * (about 2x the JIT'd TypeScript loop, which remains the fallback without WebAssembly).
 * Measured candidates (bench/crypto.ts, 1 MiB decrypt): WASM tables ~205 MB/s, TS tables
 * ~90 MB/s, native ECB with one reusable decipher and one update per block ~15 MB/s
 * (per-call overhead). @noble/ciphers' block primitive is the same T-table idea as the TS
 * loop. The size threshold is the measured crossover of the WASM and CBC encrypt paths
 * (~1.3 KiB: CBC pays ~3.5 µs of createCipheriv setup, WASM ~80 ns per block).
 *
 * @module
 */
import { Buffer } from "node:buffer"
import { createCipheriv, createDecipheriv } from "node:crypto"
import { expandKeyDec, expandKeyEnc, igeDecryptWords, igeEncryptWords, LITTLE_ENDIAN } from "./aesBlock.ts"
import { igeDecryptWasm, igeEncryptWasm, wasmAvailable } from "./aesWasm.ts"
import { CryptoError } from "./errors.ts"

/** WebAssembly tables need a little-endian host for the `Int32Array` table upload too. */
const USE_WASM = LITTLE_ENDIAN && wasmAvailable()

/** Encryptions of at least this many bytes use the native CBC path (measured crossover). */
export const IGE_NATIVE_ENCRYPT_THRESHOLD = 1280

const check = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): void => {
  if (key.length !== 32) {
    throw new CryptoError({ reason: "BadKeyLength", message: `AES-256-IGE key must be 32 bytes, got ${key.length}` })
  }
  if (iv.length !== 32) {
    throw new CryptoError({ reason: "BadIvLength", message: `AES-256-IGE iv must be 32 bytes, got ${iv.length}` })
  }
  if (data.length % 16 !== 0) {
    throw new CryptoError({
      reason: "BadDataLength",
      message: `AES-256-IGE data length must be a multiple of 16, got ${data.length}`
    })
  }
}

/** An `Int32Array` over `bytes`, copying only when the offset is not 4-aligned. */
const words = (bytes: Uint8Array): Int32Array =>
  bytes.byteOffset % 4 === 0
    ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    : new Int32Array(bytes.slice().buffer, 0, bytes.length >>> 2)

const IV_SCRATCH = new Int32Array(8)
const IV_SCRATCH_BYTES = new Uint8Array(IV_SCRATCH.buffer)
/** The iv as 8 little-endian words, in a module-level scratch array (valid until the next call). */
const ivWords = (iv: Uint8Array): Int32Array => {
  IV_SCRATCH_BYTES.set(iv)
  return IV_SCRATCH
}

/**
 * A fresh output array. Small outputs are carved out of a shared 64 KiB pool (like
 * Buffer.allocUnsafe, minus its bookkeeping: ~25 ns instead of ~65 ns per call; V8 allocates
 * typed arrays over 64 bytes off-heap, which costs ~200 ns). Offsets stay 8-aligned so
 * Int32Array views work. Large outputs get their own uninitialised Buffer. The bytes are
 * fully overwritten by the caller.
 */
const POOL_SIZE = 65536
let pool = new ArrayBuffer(POOL_SIZE)
let poolOffset = 0
const allocOut = (n: number): Uint8Array => {
  if (n > 4096) {
    const b = Buffer.allocUnsafeSlow(n)
    return new Uint8Array(b.buffer, b.byteOffset, n)
  }
  if (poolOffset + n > POOL_SIZE) pool = new ArrayBuffer(POOL_SIZE), poolOffset = 0
  const out = new Uint8Array(pool, poolOffset, n)
  poolOffset = (poolOffset + n + 7) & ~7
  return out
}

/** Native CBC path: q_i = p_i ⊕ p_{i-2}, d = CBC(q, iv = c₋₁), c_i = d_i ⊕ p_{i-1}. */
const encryptCbc = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const n = data.length
  const p = words(data)
  const qBytes = allocOut(n)
  const w = n >>> 2
  const q = new Int32Array(qBytes.buffer, qBytes.byteOffset, w)
  const piv = ivWords(iv)
  q.set(p.subarray(0, Math.min(4, w)))
  if (w >= 8) q[4] = p[4]! ^ piv[4]!, q[5] = p[5]! ^ piv[5]!, q[6] = p[6]! ^ piv[6]!, q[7] = p[7]! ^ piv[7]!
  for (let i = 8; i < w; i++) q[i] = p[i]! ^ p[i - 8]!
  const cipher = createCipheriv("aes-256-cbc", key, iv.subarray(0, 16))
  cipher.setAutoPadding(false)
  const d: Buffer = cipher.update(qBytes)
  cipher.final()
  const out = d.byteOffset % 4 === 0 ? d : Buffer.from(d)
  const c = new Int32Array(out.buffer, out.byteOffset, w)
  c[0]! ^= piv[4]!, c[1]! ^= piv[5]!, c[2]! ^= piv[6]!, c[3]! ^= piv[7]!
  for (let i = 4; i < w; i++) c[i]! ^= p[i - 4]!
  return new Uint8Array(out.buffer, out.byteOffset, n)
}

const encryptWasm = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const out = allocOut(data.length)
  igeEncryptWasm(data, key, iv, out)
  return out
}

const decryptWasm = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const out = allocOut(data.length)
  igeDecryptWasm(data, key, iv, out)
  return out
}

const encryptTable = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const out = allocOut(data.length)
  igeEncryptWords(expandKeyEnc(key), words(data), new Int32Array(out.buffer, out.byteOffset, data.length >>> 2), data.length >>> 2, ivWords(iv))
  return out
}

/**
 * Per-block native fallback for big-endian hosts, where the little-endian table code does
 * not apply: one reusable ECB decipher, one `update` per block.
 */
const decryptNativeBlocks = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const decipher = createDecipheriv("aes-256-ecb", key, null)
  decipher.setAutoPadding(false)
  const out = new Uint8Array(data.length)
  const cPrev = iv.slice(0, 16), pPrev = iv.slice(16, 32), block = new Uint8Array(16)
  for (let off = 0; off < data.length; off += 16) {
    for (let j = 0; j < 16; j++) block[j] = data[off + j]! ^ pPrev[j]!
    const x = decipher.update(block)
    for (let j = 0; j < 16; j++) {
      const pj = x[j]! ^ cPrev[j]!
      out[off + j] = pj
      pPrev[j] = pj
      cPrev[j] = data[off + j]!
    }
  }
  return out
}

const decryptTable = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const out = allocOut(data.length)
  igeDecryptWords(expandKeyDec(key), words(data), new Int32Array(out.buffer, out.byteOffset, data.length >>> 2), data.length >>> 2, ivWords(iv))
  return out
}

/**
 * AES-256-IGE encryption. `key` is 32 bytes, `iv` 32 bytes (c₋₁ ‖ p₋₁), `data` a multiple of
 * 16 bytes; returns a fresh array. Throws {@link CryptoError} (`BadKeyLength`, `BadIvLength`,
 * `BadDataLength`) otherwise.
 */
export const aesIgeEncrypt = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  check(data, key, iv)
  if (data.length >= IGE_NATIVE_ENCRYPT_THRESHOLD) return encryptCbc(data, key, iv)
  if (USE_WASM) return encryptWasm(data, key, iv)
  return LITTLE_ENDIAN ? encryptTable(data, key, iv) : encryptCbc(data, key, iv)
}

/**
 * AES-256-IGE decryption; same argument rules as {@link aesIgeEncrypt}.
 */
export const aesIgeDecrypt = (data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  check(data, key, iv)
  if (USE_WASM) return decryptWasm(data, key, iv)
  return LITTLE_ENDIAN ? decryptTable(data, key, iv) : decryptNativeBlocks(data, key, iv)
}

/**
 * The individual implementations, exported for tests and benchmarks only (they skip
 * argument checks). Not part of the public entry point.
 * @internal
 */
export const _igeImpl = { encryptCbc, encryptTable, encryptWasm, decryptTable, decryptWasm, decryptNativeBlocks } as const
