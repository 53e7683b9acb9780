// TestDc's knobs for client tests: the layer, ping_delay_disconnect, dropping keys and
// connections, extra handlers at run time, and the World handlers work on.
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { generateRsaKeyPair, toHex } from "../../src/crypto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { type Api, serialize } from "../../src/tl/index.ts"
import { logCapture } from "../support/logs.ts"
import { handshake, isResultFor, resultOf, session } from "../support/bareClient.ts"
import { openChannel } from "../support/dc.ts"

// The DC's WARN about the key dropped on purpose (below) is kept, not printed.
const dcLogs = logCapture()

// Real clock and sockets: the test services (TestClock) are left out.
layer(TestDc.layer({ dcId: 5 }).pipe(Layer.provide(dcLogs.layer)), { excludeTestServices: true })("TestDc controls", (it) => {
  it.scoped("the layer provides a running DC", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.TestDc
      assert.strictEqual(dc.dcId, 5)
      const ch = yield* openChannel(dc)
      yield* handshake(ch, dc)
      assert.isAtLeast(dc.authKeys.size, 1)
    }))

  it.scoped("handlers added at run time see the World", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.TestDc
      const user = dc.world.addUser({ firstName: "Ada", username: "ada" })
      yield* dc.addHandlers({
        "contacts.resolveUsername": (request, ctx) =>
          Effect.suspend(() => {
            const found = [...ctx.world.users.values()].find((u) => u.username === request.username)
            if (found === undefined) return Effect.fail(new TestDc.RpcFailure({ code: 400, message: "USERNAME_NOT_OCCUPIED" }))
            return Effect.succeed({
              _tag: "contacts.resolvedPeer",
              peer: { _tag: "peerUser", user_id: found.id },
              chats: [],
              users: [{ _tag: "user", id: found.id, access_hash: found.accessHash, first_name: found.firstName, username: found.username }]
            } satisfies Api.contacts.resolvedPeer)
          })
      })
      const ch = yield* openChannel(dc)
      const s = session(ch, yield* handshake(ch, dc))
      const id = yield* s.send(serialize({ _tag: "contacts.resolveUsername", username: "ada" }))
      const resolved = resultOf(yield* s.until(isResultFor(id)), id) as Api.contacts.resolvedPeer
      assert.deepStrictEqual(resolved.peer, { _tag: "peerUser", user_id: user.id })
      const missing = yield* s.send(serialize({ _tag: "contacts.resolveUsername", username: "nobody" }))
      assert.deepStrictEqual(resultOf(yield* s.until(isResultFor(missing)), missing), {
        _tag: "rpc_error", error_code: 400, error_message: "USERNAME_NOT_OCCUPIED"
      })
    }))

  it.scoped("ping_delay_disconnect closes a silent connection; dropConnections and dropAuthKey", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.TestDc
      // ping_delay_disconnect: pong now, hang up after the delay without another ping.
      const ch = yield* openChannel(dc)
      const key = yield* handshake(ch, dc)
      const s = session(ch, key)
      yield* s.send(serialize({ _tag: "ping_delay_disconnect", ping_id: 1n, disconnect_delay: 1 }))
      yield* s.until((m) => m.obj._tag === "pong")
      const closed = yield* Effect.exit(s.until(() => false)).pipe(Effect.timeout("5 seconds"))
      assert.isTrue(Exit.isFailure(closed))

      // dropConnections: the server hangs up on everyone.
      const ch2 = yield* openChannel(dc)
      const s2 = session(ch2, key)
      yield* s2.send(serialize({ _tag: "ping", ping_id: 2n }))
      yield* s2.until((m) => m.obj._tag === "pong")
      yield* dc.dropConnections
      assert.isTrue(Exit.isFailure(yield* Effect.exit(s2.until(() => false)).pipe(Effect.timeout("5 seconds"))))

      // dropAuthKey: the key is unknown from then on (-404).
      assert.isTrue(yield* dc.dropAuthKey(toHex(key.authKey.id)))
      const ch3 = yield* openChannel(dc)
      const s3 = session(ch3, key)
      yield* s3.send(serialize({ _tag: "ping", ping_id: 3n }))
      const gone = yield* Effect.exit(s3.receive)
      const error = Exit.isFailure(gone) && gone.cause._tag === "Fail" ? gone.cause.error : undefined
      assert.deepStrictEqual(error?._tag === "TransportError" && [error.reason, error.code], ["ServerError", -404])
      assert.include(dcLogs.logs.messages("WARN"), "TestDc refused a peer")
    }))
})

describe("TestDc options", () => {
  it.scopedLive("a given RSA key pair is used as is", () =>
    Effect.gen(function*() {
      const first = yield* TestDc.make()
      const pair = generateRsaKeyPair()
      const dc = yield* TestDc.make({ rsaKeyPair: pair, dcId: 1 })
      assert.strictEqual(dc.fingerprint, pair.publicKey.fingerprint)
      assert.notStrictEqual(dc.fingerprint, first.fingerprint)
      assert.strictEqual(dc.rsaPublicKeyPem, pair.publicKeyPem)
      const ch = yield* openChannel(dc)
      yield* handshake(ch, dc)
    }))
})
