// Several TestDcs sharing one World: help.getConfig lists them all, accounts live on a home
// DC (PHONE_MIGRATE / USER_MIGRATE elsewhere), authorizations move between DCs with
// export/import, errors are injected on one DC or all; and the project's Client logs in
// across the cluster.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestDc from "../../src/testing/index.ts"
import type { Api, TlMethod } from "../../src/tl/index.ts"
import { memoryClient } from "../client/support/harness.ts"
import { makeCluster, senderOn } from "../support/dc.ts"
import { apiCreds, errorOf, sendCode } from "./support/rpc.ts"

const getSelf: TlMethod = { _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] }

describe("TestDc cluster", () => {
  it.scopedLive("three DCs, one key and one World; help.getConfig lists them all", () =>
    Effect.gen(function*() {
      const cluster = yield* TestDc.makeCluster({ dcIds: [1, 2, 3] })
      assert.deepStrictEqual([...cluster.dcs.keys()], [1, 2, 3])
      assert.deepStrictEqual(cluster.dcOptions.map((o) => o.id), [1, 2, 3])
      assert.strictEqual(new Set(cluster.dcOptions.map((o) => o.port)).size, 3)
      for (const dc of cluster.dcs.values()) {
        assert.strictEqual(dc.world, cluster.world)
        assert.strictEqual(dc.fingerprint, cluster.fingerprint)
      }
      for (const id of [1, 3]) {
        const { sender } = yield* senderOn(cluster.dc(id))
        const config = yield* sender.invoke({ _tag: "help.getConfig" })
        assert.strictEqual(config.this_dc, id)
        assert.deepStrictEqual(
          config.dc_options.map((o) => ({ id: o.id, host: o.ip_address, port: o.port })),
          cluster.dcOptions.map((o) => ({ ...o }))
        )
      }
    }))

  it.scopedLive("PHONE_MIGRATE and USER_MIGRATE to the home DC; export on DC 2, import on DC 3", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2, 3])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 2 })
      cluster.world.addBot({ token: "777:bot-token", username: "far_bot", homeDc: 3 })

      const on1 = yield* senderOn(cluster.dc(1))
      assert.strictEqual(yield* errorOf(on1.sender.invokeUntyped(sendCode("+15550001"))), "303 PHONE_MIGRATE_2")
      assert.strictEqual(
        yield* errorOf(on1.sender.invokeUntyped({ _tag: "auth.importBotAuthorization", flags: 0, ...apiCreds, bot_auth_token: "777:bot-token" })),
        "303 USER_MIGRATE_3"
      )

      const on2 = yield* senderOn(cluster.dc(2))
      const sent = (yield* on2.sender.invokeUntyped(sendCode("+15550001"))) as Api.auth.sentCode
      const code = yield* cluster.codeFor("+15550001")
      yield* on2.sender.invokeUntyped({ _tag: "auth.signIn", phone_number: "+15550001", phone_code_hash: sent.phone_code_hash, phone_code: code })
      assert.strictEqual(yield* errorOf(on2.sender.invokeUntyped({ _tag: "auth.exportAuthorization", dc_id: 2 })), "400 DC_ID_INVALID")
      assert.strictEqual(yield* errorOf(on2.sender.invokeUntyped({ _tag: "auth.exportAuthorization", dc_id: 9 })), "400 DC_ID_INVALID")
      const exported = yield* on2.sender.invoke({ _tag: "auth.exportAuthorization", dc_id: 3 })
      assert.strictEqual(exported.id, ada.id)

      // Importing on the wrong DC, or with other bytes, is refused.
      assert.strictEqual(
        yield* errorOf(on1.sender.invokeUntyped({ _tag: "auth.importAuthorization", id: exported.id, bytes: exported.bytes })),
        "400 AUTH_BYTES_INVALID"
      )
      const on3 = yield* senderOn(cluster.dc(3))
      assert.strictEqual(
        yield* errorOf(on3.sender.invokeUntyped({ _tag: "auth.importAuthorization", id: exported.id, bytes: new Uint8Array(128) })),
        "400 AUTH_BYTES_INVALID"
      )
      assert.strictEqual(yield* errorOf(on3.sender.invokeUntyped(getSelf)), "401 AUTH_KEY_UNREGISTERED")
      const imported = (yield* on3.sender.invokeUntyped({ _tag: "auth.importAuthorization", id: exported.id, bytes: exported.bytes })) as Api.auth.authorization
      assert.strictEqual(imported.user.id, ada.id)
      const [me] = (yield* on3.sender.invokeUntyped(getSelf)) as ReadonlyArray<Api.user>
      assert.strictEqual(me?.id, ada.id)
      assert.strictEqual(cluster.world.authorizations.get(on3.authKeyId)?.dcId, 3)
    }))

  it.scopedLive("injected errors on one DC or on all", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2])
      const on1 = yield* senderOn(cluster.dc(1))
      const on2 = yield* senderOn(cluster.dc(2))
      const nearest: TlMethod = { _tag: "help.getNearestDc" }
      yield* cluster.injectError("help.getNearestDc", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
      yield* cluster.injectError("help.getNearestDc", { code: 303, message: "FILE_MIGRATE_1", times: 1 }, 2)
      assert.deepStrictEqual(
        [yield* errorOf(on1.sender.invokeUntyped(nearest)), yield* errorOf(on1.sender.invokeUntyped(nearest))],
        ["420 FLOOD_WAIT_1", ""]
      )
      assert.deepStrictEqual(
        [
          yield* errorOf(on2.sender.invokeUntyped(nearest)),
          yield* errorOf(on2.sender.invokeUntyped(nearest)),
          yield* errorOf(on2.sender.invokeUntyped(nearest))
        ],
        ["420 FLOOD_WAIT_1", "303 FILE_MIGRATE_1", ""]
      )
    }))

  it.scopedLive("the Client logs in with 2FA through PHONE_MIGRATE, then follows FILE_MIGRATE with export/import", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2, 3])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 2, password: "s3cret" })
      const { client } = yield* memoryClient(cluster)
      const user = yield* client.start({
        phone: Effect.succeed("+15550001"),
        code: Effect.map(cluster.codeFor("+15550001"), Redacted.make),
        password: Effect.succeed(Redacted.make("s3cret"))
      })
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(yield* client.homeDc, 2)
      // DC 2 sends users.getUsers to DC 3 once: the client imports its authorization there.
      yield* cluster.injectError("users.getUsers", { code: 303, message: "FILE_MIGRATE_3", times: 1 }, 2)
      const me = yield* client.getMe
      assert.strictEqual(me.id, ada.id)
      assert.deepStrictEqual(
        [...cluster.world.authorizations.values()].map((a) => [a.dcId, a.userId]).sort(),
        [[2, ada.id], [3, ada.id]]
      )
    }))
})
