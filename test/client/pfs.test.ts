/**
 * Perfect forward secrecy against a TestDc cluster over TCP: with `pfs` every call runs under a
 * temporary key bound to the permanent one (the permanent key carries no RPC), the login lives
 * on the permanent key across temporary keys, keys are renewed before they expire, and the
 * TestDc refuses an unbound temporary key's RPCs as Telegram does.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { makeCluster, makeDc, senderOn } from "../support/dc.ts"
import { memoryClient, rightCode, storedKeyId } from "./support/harness.ts"

const PHONE = "+15550001"

describe("Client with pfs", () => {
  it.scopedLive("every call runs under a bound temporary key; the login lives on the permanent key", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const dc = cluster.dc(1)
      const { client, storage } = yield* memoryClient(cluster, { pfs: true })
      const me = yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      assert.strictEqual(me._tag, "user")
      const perm = (yield* storedKeyId(storage, 1))!
      const keys = [...dc.authKeys.values()]
      const temp = keys.filter((k) => k.temp)
      assert.strictEqual(temp.length, 1)
      assert.strictEqual(temp[0]!.boundTo, perm)
      // The permanent key made no session: nothing was sent under it.
      assert.strictEqual(dc.authKeys.get(perm)!.sessionIds.length, 0)
      assert.isTrue(cluster.world.userOfKey(perm) !== undefined)
      assert.strictEqual((yield* client.getMe).id, me.id)
    }))

  it.scopedLive("a short-lived temporary key is renewed before it expires; calls go on under the new one, still logged in", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const dc = cluster.dc(1)
      const { client } = yield* memoryClient(cluster, { pfs: { lifetime: "3 seconds" } })
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      const first = [...dc.authKeys.values()].find((k) => k.temp)!.id
      yield* Effect.sleep("3500 millis")
      const me = yield* client.getMe
      assert.strictEqual(me._tag, "user")
      const bound = [...dc.authKeys.values()].filter((k) => k.temp && k.boundTo !== undefined)
      assert.strictEqual(bound.length, 1)
      assert.notStrictEqual(bound[0]!.id, first)
    }), 20_000)
})

describe("TestDc and temporary keys", () => {
  it.scopedLive("an unbound temporary key may call help.getNearestDc but nothing else (401 AUTH_KEY_PERM_EMPTY)", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const { sender, authKeyId } = yield* senderOn(dc, { handshake: { tempKeyExpiresIn: 600 } })
      assert.isTrue(dc.authKeys.get(authKeyId)!.temp)
      assert.strictEqual((yield* sender.invoke({ _tag: "help.getNearestDc" }))._tag, "nearestDc")
      const error = yield* Effect.flip(sender.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] }))
      assert.strictEqual(error._tag, "RpcError")
      assert.strictEqual((error as { message: string }).message, "AUTH_KEY_PERM_EMPTY")
      // A binding that does not decrypt under a permanent key the DC knows is refused.
      const bogus = yield* Effect.flip(sender.invoke({
        _tag: "auth.bindTempAuthKey",
        perm_auth_key_id: 1n,
        nonce: 2n,
        expires_at: 2_000_000_000,
        encrypted_message: new Uint8Array(104)
      }))
      assert.strictEqual((bogus as { message: string }).message, "ENCRYPTED_MESSAGE_INVALID")
    }))
})
