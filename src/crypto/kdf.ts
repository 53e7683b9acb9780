/**
 * Key derivations of the MTProto handshake and of MTProto 2.0 message encryption
 * (core.telegram.org/mtproto/auth_key, /mtproto/description). All byte strings in wire order.
 *
 * @module
 */
import { concatBytes } from "./bytes.ts"
import { CryptoError } from "./errors.ts"
import { sha1, sha1Concat, sha256Concat } from "./hash.ts"

const need = (what: string, bytes: Uint8Array, length: number): void => {
  if (bytes.length !== length) {
    throw new CryptoError({ reason: "BadKeyLength", message: `${what} must be ${length} bytes, got ${bytes.length}` })
  }
}

/** An AES-256-IGE key (32 bytes) and iv (32 bytes). */
export interface AesKeyIv {
  readonly key: Uint8Array
  readonly iv: Uint8Array
}

/**
 * The temporary AES key and iv that protect server_DH_inner_data / client_DH_inner_data:
 * tmp_aes_key = SHA1(new_nonce + server_nonce) + SHA1(server_nonce + new_nonce)[0:12];
 * tmp_aes_iv = SHA1(server_nonce + new_nonce)[12:20] + SHA1(new_nonce + new_nonce) + new_nonce[0:4].
 * `serverNonce` is 16 bytes, `newNonce` 32.
 */
export const tmpAesKeyIv = (serverNonce: Uint8Array, newNonce: Uint8Array): AesKeyIv => {
  need("server_nonce", serverNonce, 16)
  need("new_nonce", newNonce, 32)
  const ns = sha1Concat(newNonce, serverNonce)
  const sn = sha1Concat(serverNonce, newNonce)
  const nn = sha1Concat(newNonce, newNonce)
  return {
    key: concatBytes(ns, sn.subarray(0, 12)),
    iv: concatBytes(sn.subarray(12, 20), nn, newNonce.subarray(0, 4))
  }
}

/** auth_key_id: the lower 64 bits (last 8 bytes) of SHA1(auth_key), wire order. */
export const authKeyId = (authKey: Uint8Array): Uint8Array => {
  need("auth_key", authKey, 256)
  return sha1(authKey).slice(12, 20)
}

/** auth_key_aux_hash: the higher 64 bits (first 8 bytes) of SHA1(auth_key). */
export const authKeyAuxHash = (authKey: Uint8Array): Uint8Array => {
  need("auth_key", authKey, 256)
  return sha1(authKey).slice(0, 8)
}

/**
 * new_nonce_hash1/2/3 (for dh_gen_ok / dh_gen_retry / dh_gen_fail): the lower 128 bits of
 * SHA1(new_nonce + [n] + auth_key_aux_hash).
 */
export const newNonceHash = (newNonce: Uint8Array, authKey: Uint8Array, n: 1 | 2 | 3): Uint8Array => {
  need("new_nonce", newNonce, 32)
  return sha1Concat(newNonce, Uint8Array.of(n), authKeyAuxHash(authKey)).slice(4, 20)
}

/** The first server salt: new_nonce[0:8] XOR server_nonce[0:8] (8 bytes, wire order = little-endian long). */
export const initialServerSalt = (newNonce: Uint8Array, serverNonce: Uint8Array): Uint8Array => {
  need("new_nonce", newNonce, 32)
  need("server_nonce", serverNonce, 16)
  const out = new Uint8Array(8)
  for (let i = 0; i < 8; i++) out[i] = newNonce[i]! ^ serverNonce[i]!
  return out
}

/**
 * MTProto 2.0 msg_key = SHA256(auth_key[88+x : 120+x] + plaintext)[8:24], where `plaintext`
 * includes the padding; x = 0 for client→server, 8 for server→client.
 */
export const msgKey = (authKey: Uint8Array, plaintext: Uint8Array, x: 0 | 8): Uint8Array => {
  need("auth_key", authKey, 256)
  return sha256Concat(authKey.subarray(88 + x, 120 + x), plaintext).slice(8, 24)
}

/**
 * MTProto 2.0 message AES key and iv from auth_key and msg_key:
 * a = SHA256(msg_key + auth_key[x:x+36]); b = SHA256(auth_key[40+x:76+x] + msg_key);
 * key = a[0:8] + b[8:24] + a[24:32]; iv = b[0:8] + a[8:24] + b[24:32].
 */
export const messageKeyIv = (authKey: Uint8Array, msgKeyBytes: Uint8Array, x: 0 | 8): AesKeyIv => {
  need("auth_key", authKey, 256)
  need("msg_key", msgKeyBytes, 16)
  const a = sha256Concat(msgKeyBytes, authKey.subarray(x, x + 36))
  const b = sha256Concat(authKey.subarray(40 + x, 76 + x), msgKeyBytes)
  const key = new Uint8Array(32)
  key.set(a.subarray(0, 8), 0), key.set(b.subarray(8, 24), 8), key.set(a.subarray(24, 32), 24)
  const iv = new Uint8Array(32)
  iv.set(b.subarray(0, 8), 0), iv.set(a.subarray(8, 24), 8), iv.set(b.subarray(24, 32), 24)
  return { key, iv }
}

/**
 * MTProto 1.0 message AES key and iv (still used for the auth.bindTempAuthKey binding message):
 * a = SHA1(msg_key + auth_key[x:x+32]); b = SHA1(auth_key[32+x:48+x] + msg_key + auth_key[48+x:64+x]);
 * c = SHA1(auth_key[64+x:96+x] + msg_key); d = SHA1(msg_key + auth_key[96+x:128+x]);
 * key = a[0:8] + b[8:20] + c[4:16]; iv = a[8:20] + b[0:8] + c[16:20] + d[0:8].
 */
export const messageKeyIvV1 = (authKey: Uint8Array, msgKeyBytes: Uint8Array, x: 0 | 8): AesKeyIv => {
  need("auth_key", authKey, 256)
  need("msg_key", msgKeyBytes, 16)
  const a = sha1Concat(msgKeyBytes, authKey.subarray(x, x + 32))
  const b = sha1Concat(authKey.subarray(32 + x, 48 + x), msgKeyBytes, authKey.subarray(48 + x, 64 + x))
  const c = sha1Concat(authKey.subarray(64 + x, 96 + x), msgKeyBytes)
  const d = sha1Concat(msgKeyBytes, authKey.subarray(96 + x, 128 + x))
  return {
    key: concatBytes(a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)),
    iv: concatBytes(a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8))
  }
}
