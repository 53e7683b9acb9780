/**
 * Binding a temporary auth key to the permanent one (core.telegram.org/api/pfs,
 * /method/auth.bindTempAuthKey): the `encrypted_message` of `auth.bindTempAuthKey` is a
 * `bind_auth_key_inner` encrypted with the permanent key in the MTProto 1.0 way (SHA1 msg_key,
 * SHA1 key derivation, no salt and session: 16 random bytes instead), carrying the msg_id of the
 * request itself. Pure functions, both directions (the server side is TestDc's).
 */
import { aesIgeDecrypt, aesIgeEncrypt, concatBytes, constantTimeEqual, messageKeyIvV1, type RandomBytes, readInt64LE, sha1 } from "../crypto/index.ts"
import { deserialize, type Mt, serialize } from "../tl/index.ts"
import type { AuthKey } from "./encryptedMessage.ts"

/** An auth_key_id (8 wire bytes) as the TL long the API methods take. */
export const authKeyIdLong = (id: Uint8Array): bigint => readInt64LE(id)

/** What the binding message says. */
export interface Binding {
  readonly nonce: bigint
  readonly tempAuthKeyId: bigint
  readonly permAuthKeyId: bigint
  /** The session the `auth.bindTempAuthKey` request is sent in. */
  readonly tempSessionId: bigint
  readonly expiresAt: number
}

/** The `encrypted_message` for `auth.bindTempAuthKey` sent with msg_id `msgId`. */
export const encryptBinding = (perm: AuthKey, binding: Binding, msgId: bigint, random: RandomBytes): Uint8Array => {
  const inner = serialize({
    _tag: "bind_auth_key_inner",
    nonce: binding.nonce,
    temp_auth_key_id: binding.tempAuthKeyId,
    perm_auth_key_id: binding.permAuthKeyId,
    temp_session_id: binding.tempSessionId,
    expires_at: binding.expiresAt
  })
  const header = new Uint8Array(32)
  header.set(random(16), 0)
  const view = new DataView(header.buffer)
  view.setBigInt64(16, msgId, true)
  view.setInt32(24, 0, true) // seq_no 0
  view.setInt32(28, inner.length, true)
  const plain = concatBytes(header, inner)
  const msgKey = sha1(plain).slice(4, 20)
  const padded = concatBytes(plain, random((16 - (plain.length % 16)) % 16))
  const { iv, key } = messageKeyIvV1(perm.key, msgKey, 0)
  return concatBytes(perm.id, msgKey, aesIgeEncrypt(padded, key, iv))
}

/** What the server reads back; `undefined` when the message does not decrypt and check under `perm`. */
export const decryptBinding = (
  perm: AuthKey,
  encrypted: Uint8Array
): { readonly msgId: bigint; readonly seqNo: number; readonly inner: Mt.bind_auth_key_inner } | undefined => {
  if (encrypted.length < 24 + 32 || (encrypted.length - 24) % 16 !== 0) return undefined
  if (!constantTimeEqual(encrypted.subarray(0, 8), perm.id)) return undefined
  const msgKey = encrypted.subarray(8, 24)
  const { iv, key } = messageKeyIvV1(perm.key, msgKey, 0)
  const plain = aesIgeDecrypt(encrypted.subarray(24), key, iv)
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
  const length = view.getInt32(28, true)
  if (length < 0 || 32 + length > plain.length || plain.length - 32 - length > 15) return undefined
  if (!constantTimeEqual(sha1(plain.subarray(0, 32 + length)).subarray(4, 20), msgKey)) return undefined
  let inner: Mt.AnyObject
  try {
    inner = deserialize(plain.subarray(32, 32 + length)) as Mt.AnyObject
  } catch {
    return undefined
  }
  if (inner._tag !== "bind_auth_key_inner") return undefined
  return { msgId: readInt64LE(plain, 16), seqNo: view.getInt32(24, true), inner }
}
