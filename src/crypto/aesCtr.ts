/**
 * AES-256-CTR as a streaming state, for the obfuscated2 transport (one state per direction
 * for the life of the connection).
 *
 * @module
 */
import { createCipheriv } from "node:crypto"
import { CryptoError } from "./errors.ts"

/** A running AES-256-CTR keystream: each `update` continues where the previous one stopped. */
export interface AesCtr {
  /** XOR `data` (any length) with the next `data.length` keystream bytes; returns a fresh array. */
  readonly update: (data: Uint8Array) => Uint8Array
}

/**
 * A new AES-256-CTR state for a 32-byte `key` and a 16-byte initial counter block `iv`
 * (big-endian counter, as OpenSSL and obfuscated2 use). Throws {@link CryptoError} on bad lengths.
 */
export const createAesCtr = (key: Uint8Array, iv: Uint8Array): AesCtr => {
  if (key.length !== 32) {
    throw new CryptoError({ reason: "BadKeyLength", message: `AES-256-CTR key must be 32 bytes, got ${key.length}` })
  }
  if (iv.length !== 16) {
    throw new CryptoError({ reason: "BadIvLength", message: `AES-256-CTR iv must be 16 bytes, got ${iv.length}` })
  }
  const cipher = createCipheriv("aes-256-ctr", key, iv)
  return {
    update: (data) => {
      const out = cipher.update(data)
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    }
  }
}
