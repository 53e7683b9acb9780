/**
 * RSA for the MTProto handshake: public keys and their fingerprints, RSA_PAD (the
 * current req_DH_params encryption of core.telegram.org/mtproto/auth_key), and the server
 * side of it for TestDc (key generation, raw private decryption, RSA_PAD undo + check).
 *
 * @module
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, privateDecrypt } from "node:crypto"
import { bigIntToBytes, bytesToBigInt, concatBytes, constantTimeEqual, readInt64LE, xorBytes } from "./bytes.ts"
import { aesIgeDecrypt, aesIgeEncrypt } from "./aesIge.ts"
import { modPow } from "./dh.ts"
import { CryptoError } from "./errors.ts"
import { sha1, sha256, sha256Concat } from "./hash.ts"
import type { RandomBytes } from "./random.ts"

/**
 * An RSA public key as numbers. `fingerprint` is the key's MTProto fingerprint as a
 * **signed** 64-bit bigint — the value of the `long` in resPQ.server_public_key_fingerprints
 * and req_DH_params.public_key_fingerprint as a TL decoder reads it (8 little-endian bytes,
 * two's complement). Production key: -3414540481677951611n (u64 0xd09d1d85de64fd85).
 */
export interface RsaPublicKey {
  readonly n: bigint
  readonly e: bigint
  readonly fingerprint: bigint
}

/** An RSA key pair for the server side (TestDc): PEMs in PKCS#1 form plus the public numbers. */
export interface RsaKeyPair {
  readonly publicKey: RsaPublicKey
  /** `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1), the form Telegram publishes. */
  readonly publicKeyPem: string
  /** `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1). */
  readonly privateKeyPem: string
}

/** TL `bytes` encoding (length prefix, then padding to a multiple of 4), written inline here. */
const tlBytes = (b: Uint8Array): Uint8Array => {
  const head = b.length <= 253 ? 1 : 4
  const total = (head + b.length + 3) & ~3
  const out = new Uint8Array(total)
  if (head === 1) out[0] = b.length
  else out[0] = 254, out[1] = b.length & 0xff, out[2] = (b.length >> 8) & 0xff, out[3] = (b.length >> 16) & 0xff
  out.set(b, head)
  return out
}

/**
 * MTProto fingerprint of (n, e): the lower 64 bits of SHA1(TL bytes(n) ‖ TL bytes(e)), with
 * n and e as minimal big-endian magnitudes; i.e. the last 8 digest bytes read as a
 * little-endian **signed** int64 (see {@link RsaPublicKey}).
 */
export const rsaFingerprint = (n: bigint, e: bigint): bigint => {
  const h = sha1(concatBytes(tlBytes(bigIntToBytes(n)), tlBytes(bigIntToBytes(e))))
  return readInt64LE(h, 12)
}

/** The public numbers of a key given n and e (computes the fingerprint). */
export const rsaPublicKey = (n: bigint, e: bigint): RsaPublicKey => ({ n, e, fingerprint: rsaFingerprint(n, e) })

const b64uToBigInt = (s: string): bigint => bytesToBigInt(new Uint8Array(Buffer.from(s, "base64url")))

/**
 * Parses an RSA public key PEM, PKCS#1 (`BEGIN RSA PUBLIC KEY`) or SPKI (`BEGIN PUBLIC KEY`),
 * and computes its fingerprint. Throws {@link CryptoError} `BadPem` if it is not an RSA public key.
 */
export const parseRsaPublicKeyPem = (pem: string): RsaPublicKey => {
  let jwk: { kty?: string; n?: string; e?: string }
  try {
    const type = pem.includes("BEGIN RSA PUBLIC KEY") ? "pkcs1" : "spki"
    jwk = createPublicKey({ key: pem, format: "pem", type }).export({ format: "jwk" })
  } catch (cause) {
    throw new CryptoError({ reason: "BadPem", message: `not an RSA public key PEM: ${String(cause)}` })
  }
  if (jwk.kty !== "RSA" || jwk.n === undefined || jwk.e === undefined) {
    throw new CryptoError({ reason: "BadPem", message: "not an RSA public key" })
  }
  return rsaPublicKey(b64uToBigInt(jwk.n), b64uToBigInt(jwk.e))
}

/**
 * A fresh 2048-bit RSA key pair with e = 65537, for a server (TestDc). Takes ~50–200 ms.
 */
export const generateRsaKeyPair = (): RsaKeyPair => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicExponent: 65537,
    publicKeyEncoding: { type: "pkcs1", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" }
  })
  return { publicKey: parseRsaPublicKeyPem(publicKey), publicKeyPem: publicKey, privateKeyPem: privateKey }
}

const ZERO_IV = new Uint8Array(32)

/**
 * RSA_PAD (core.telegram.org/mtproto/auth_key, "Presenting proof of work"): encrypts `data`
 * (≤ 144 bytes, e.g. a serialized p_q_inner_data_dc) for `key`, returning 256 bytes.
 *
 * data_with_padding = data ‖ random to 192 bytes; data_pad_reversed = its reverse; then per
 * attempt: temp_key = 32 random bytes; data_with_hash = data_pad_reversed ‖
 * SHA256(temp_key ‖ data_with_padding); aes_encrypted = AES256_IGE(data_with_hash,
 * temp_key, zero iv); key_aes_encrypted = (temp_key XOR SHA256(aes_encrypted)) ‖
 * aes_encrypted; retried with a new temp_key while it is ≥ n as a big-endian number; then
 * raw RSA (x^e mod n) into 256 bytes.
 *
 * `randomBytes` is called first for the padding (192 − data.length bytes, skipped when 0),
 * then once for a 32-byte temp_key per attempt. Throws {@link CryptoError} `DataTooLong`
 * or `BadRsaKey` (modulus not 2048 bits).
 */
export const rsaPadEncrypt = (
  data: Uint8Array,
  key: { readonly n: bigint; readonly e: bigint },
  randomBytes: RandomBytes
): Uint8Array => {
  if (data.length > 144) {
    throw new CryptoError({ reason: "DataTooLong", message: `RSA_PAD data must be at most 144 bytes, got ${data.length}` })
  }
  const bits = key.n.toString(2).length
  if (bits !== 2048) {
    throw new CryptoError({ reason: "BadRsaKey", message: `RSA_PAD needs a 2048-bit modulus, got ${bits} bits` })
  }
  const padding = data.length < 192 ? randomBytes(192 - data.length) : new Uint8Array(0)
  const dataWithPadding = concatBytes(data, padding)
  const dataPadReversed = dataWithPadding.slice().reverse()
  for (;;) {
    const tempKey = randomBytes(32)
    const dataWithHash = concatBytes(dataPadReversed, sha256Concat(tempKey, dataWithPadding))
    const aesEncrypted = aesIgeEncrypt(dataWithHash, tempKey, ZERO_IV)
    const keyAesEncrypted = concatBytes(xorBytes(tempKey, sha256(aesEncrypted)), aesEncrypted)
    const x = bytesToBigInt(keyAesEncrypted)
    if (x >= key.n) continue
    return bigIntToBytes(modPow(x, key.e, key.n), 256)
  }
}

/** A private key accepted by {@link rsaPadDecrypt}. */
export type RsaPrivateKeyInput = string | KeyObject | RsaKeyPair

const privateKeyObject = (k: RsaPrivateKeyInput): KeyObject =>
  k instanceof KeyObject ? k : createPrivateKey(typeof k === "string" ? k : k.privateKeyPem)

/**
 * Raw RSA decryption (c^d mod n) with the private key, 256 bytes big-endian: what both
 * RSA_PAD and the older scheme (SHA1 ‖ data ‖ random, 255 bytes) put under the RSA. For the
 * server side (TestDc). Throws {@link CryptoError} `BadDataLength` or `RsaDecryptFailed`.
 */
export const rsaDecryptRaw = (encrypted: Uint8Array, privateKey: RsaPrivateKeyInput): Uint8Array => {
  if (encrypted.length !== 256) {
    throw new CryptoError({ reason: "BadDataLength", message: `RSA ciphertext must be 256 bytes, got ${encrypted.length}` })
  }
  try {
    return new Uint8Array(privateDecrypt({ key: privateKeyObject(privateKey), padding: constants.RSA_NO_PADDING }, encrypted))
  } catch (cause) {
    throw new CryptoError({ reason: "RsaDecryptFailed", message: `raw RSA decryption failed: ${String(cause)}` })
  }
}

/**
 * The server side of {@link rsaPadEncrypt} (for TestDc): raw RSA decryption with the private
 * key, then undoes RSA_PAD and verifies the SHA256. Returns data_with_padding, 192 bytes:
 * the client's data followed by its random padding (a TL decoder reads the object and
 * ignores the rest). Throws {@link CryptoError} `BadDataLength`, `RsaDecryptFailed` or
 * `RsaHashMismatch`.
 */
export const rsaPadDecrypt = (encrypted: Uint8Array, privateKey: RsaPrivateKeyInput): Uint8Array => {
  if (encrypted.length !== 256) {
    throw new CryptoError({ reason: "BadDataLength", message: `RSA_PAD ciphertext must be 256 bytes, got ${encrypted.length}` })
  }
  const plain = rsaDecryptRaw(encrypted, privateKey)
  const tempKeyXor = plain.subarray(0, 32)
  const aesEncrypted = plain.subarray(32, 256)
  const tempKey = xorBytes(tempKeyXor, sha256(aesEncrypted))
  const dataWithHash = aesIgeDecrypt(aesEncrypted, tempKey, ZERO_IV)
  const dataWithPadding = dataWithHash.slice(0, 192).reverse()
  if (!constantTimeEqual(dataWithHash.subarray(192, 224), sha256Concat(tempKey, dataWithPadding))) {
    throw new CryptoError({ reason: "RsaHashMismatch", message: "RSA_PAD hash check failed" })
  }
  return dataWithPadding
}
