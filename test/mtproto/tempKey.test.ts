/**
 * The auth.bindTempAuthKey binding message (MTProto 1.0 encryption under the permanent key):
 * round trip, and every field the server checks.
 */
import { assert, describe, it } from "@effect/vitest"
import { authKeyId, randomBytes } from "../../src/crypto/index.ts"
import { authKeyIdLong, decryptBinding, encryptBinding } from "../../src/mtproto/tempKey.ts"

const key = randomBytes(256)
const perm = { key, id: authKeyId(key) }
const binding = { nonce: 11n, tempAuthKeyId: 22n, permAuthKeyId: authKeyIdLong(perm.id), tempSessionId: 33n, expiresAt: 1_800_000_000 }

describe("bind_auth_key_inner", () => {
  it("encrypts under the permanent key and opens to the same fields, the request's msg_id and seq_no 0", () => {
    const encrypted = encryptBinding(perm, binding, 0x6000000000000004n, randomBytes)
    assert.strictEqual(encrypted.length, 8 + 16 + 80) // 32-byte header + 40-byte object, padded to 80
    assert.deepStrictEqual([...encrypted.subarray(0, 8)], [...perm.id])
    const opened = decryptBinding(perm, encrypted)!
    assert.strictEqual(opened.msgId, 0x6000000000000004n)
    assert.strictEqual(opened.seqNo, 0)
    assert.deepStrictEqual(
      [opened.inner.nonce, opened.inner.temp_auth_key_id, opened.inner.perm_auth_key_id, opened.inner.temp_session_id, opened.inner.expires_at],
      [11n, 22n, binding.permAuthKeyId, 33n, 1_800_000_000]
    )
  })

  it("does not open under another key, nor with a flipped bit anywhere", () => {
    const encrypted = encryptBinding(perm, binding, 4n, randomBytes)
    const other = randomBytes(256)
    assert.isUndefined(decryptBinding({ key: other, id: authKeyId(other) }, encrypted))
    for (const at of [0, 9, 30, 60, 100]) {
      const bad = encrypted.slice()
      bad[at] = bad[at]! ^ 1
      assert.isUndefined(decryptBinding(perm, bad), `bit flipped at ${at}`)
    }
    assert.isUndefined(decryptBinding(perm, encrypted.subarray(0, 50)))
  })
})
