// The few primitives obfuscation needs, straight from node:crypto. src/crypto/ will offer
// createAesCtr too; this private copy keeps the transport independent of it until then.
import * as NodeCrypto from "node:crypto"

/** A stateful AES-256-CTR keystream: each call continues where the previous one stopped. */
export interface CtrCipher {
  readonly update: (data: Uint8Array) => Uint8Array
}

export const aesCtr = (key: Uint8Array, iv: Uint8Array): CtrCipher => {
  const cipher = NodeCrypto.createCipheriv("aes-256-ctr", key, iv)
  return {
    update: (data) => {
      const out = cipher.update(data)
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    }
  }
}

export const sha256 = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const h = NodeCrypto.createHash("sha256")
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** The default source of randomness (padding, obfuscation headers). */
export const defaultRandomBytes = (n: number): Uint8Array => new Uint8Array(NodeCrypto.randomBytes(n))
