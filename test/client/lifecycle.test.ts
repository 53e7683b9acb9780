/**
 * The auth key lifecycle and the engine options of the Client, end to end against a TestDc
 * cluster over TCP: a key the server forgot (transport error -404) heals with a new key in
 * seconds before login and revokes a logged-in session with a typed `SessionRevoked`;
 * AUTH_KEY_DUPLICATED drops the key; a string session exported before login carries the keys;
 * `requestTimeout` and `reconnect` reach every connection.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { SenderError } from "../../src/client/index.ts"
import { decodeStringSession, layerString, SessionStorage, StringSession } from "../../src/storage/index.ts"
import { captureLogs } from "../support/logs.ts"
import { makeCluster } from "../support/dc.ts"
import { buildClient, keyCount, memoryClient, rightCode, storedKeyId } from "./support/harness.ts"

const PHONE = "+15550001"
const nearest = { _tag: "help.getNearestDc" } as const

describe("Client: auth key lifecycle", () => {
  it.scopedLive("the server forgot the key before login (-404): the key is dropped, a new one made, the call answered within seconds", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster([1])
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.invoke(nearest)
      const oldKey = (yield* storedKeyId(storage, 1))!
      yield* cluster.dc(1).dropAuthKey(oldKey)
      yield* cluster.dc(1).dropConnections
      const start = Date.now()
      assert.strictEqual((yield* client.invoke(nearest)).this_dc, 1)
      assert.isBelow(Date.now() - start, 5000)
      const newKey = yield* storedKeyId(storage, 1)
      assert.isDefined(newKey)
      assert.notStrictEqual(newKey, oldKey)
      assert.isTrue(cluster.dc(1).authKeys.has(newKey!))
    }))

  it.scopedLive("the server forgot a logged-in key: SessionRevoked (typed, readable), login and key gone from storage, start logs in again", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      yield* cluster.dc(1).dropAuthKey((yield* storedKeyId(storage, 1))!)
      yield* cluster.dc(1).dropConnections
      const error = yield* Effect.flip(client.getMe)
      assert.strictEqual(error._tag, "SessionRevoked")
      assert.match(error.message, /revoked.*log in again/)
      assert.isFalse(yield* client.isAuthorized)
      assert.isUndefined(yield* storedKeyId(storage, 1))
      // The caller decides: here it logs in again, on a fresh key.
      const me = yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      assert.strictEqual(me._tag, "user")
      assert.isDefined(yield* storedKeyId(storage, 1))
    }))

  it.scopedLive("AUTH_KEY_UNREGISTERED on a session believed logged in is SessionRevoked; before login it is the plain answer", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      const before = yield* Effect.flip(client.getMe)
      assert.strictEqual(before._tag, "AuthKeyUnregistered")
      assert.isDefined(yield* storedKeyId(storage, 1)) // a key that was never logged in is kept
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      yield* cluster.injectError("users.getUsers", { code: 401, message: "AUTH_KEY_UNREGISTERED", times: 1 }, 1)
      const after = yield* Effect.flip(client.getMe)
      assert.strictEqual(after._tag, "SessionRevoked")
      assert.isFalse(yield* client.isAuthorized)
    }))

  it.scopedLive("AUTH_KEY_DUPLICATED: a typed AuthKeyDuplicated, the key dropped; the next call makes a new one", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster([1])
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.invoke(nearest)
      const keys = keyCount(cluster)
      yield* cluster.injectError("help.getNearestDc", { code: 406, message: "AUTH_KEY_DUPLICATED", times: 1 }, 1)
      const error = yield* Effect.flip(client.invoke(nearest))
      assert.strictEqual(error._tag, "AuthKeyDuplicated")
      assert.isUndefined(yield* storedKeyId(storage, 1))
      assert.strictEqual((yield* client.invoke(nearest)).this_dc, 1)
      assert.strictEqual(keyCount(cluster), keys + 1)
    }))

  it.scopedLive("a string session exported before login carries the key and the home DC: the next client does no handshake", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2])
      const exported = yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(layerString())
        const client = yield* buildClient(cluster, Layer.succeedContext(context), { defaultDc: 2 })
        yield* client.invoke(nearest)
        return yield* Context.get(context, StringSession).export
      }))
      const data = Either.getOrThrow(decodeStringSession(exported))
      assert.strictEqual(data.homeDc, 2)
      assert.isDefined(data.dcs.get(2)?.authKey)
      const keys = keyCount(cluster)
      const client = yield* buildClient(cluster, Layer.succeedContext(yield* Layer.build(layerString(exported))))
      assert.strictEqual((yield* client.invoke(nearest)).this_dc, 2)
      assert.strictEqual(keyCount(cluster), keys)
      assert.isAbove(Redacted.value(exported).length, 300)
    }))
})

describe("Client: engine options", () => {
  it.scopedLive("requestTimeout: a call on a stalled DC ends with SenderError Timeout in time", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { client } = yield* memoryClient(cluster, { requestTimeout: "700 millis", retry: Schedule.stop })
      yield* client.invoke(nearest)
      yield* cluster.dc(1).faults.stall
      const start = Date.now()
      const error = (yield* Effect.flip(client.invoke(nearest))) as SenderError
      assert.deepStrictEqual([error._tag, error.reason], ["SenderError", "Timeout"])
      assert.isBelow(Date.now() - start, 3000)
    }))

  it.scopedLive("reconnect: a Schedule that ends makes a refusing DC's calls fail with ConnectionFailed", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster([1])
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.invoke(nearest)
      // The same stored key, but DC 1 now at a port nobody listens on: every connect is refused.
      const dead = { ...cluster.dcOptions[0]!, port: 1 }
      const lost = yield* buildClient(cluster, Layer.succeed(SessionStorage, storage), {
        dcs: [dead],
        reconnect: Schedule.spaced("40 millis").pipe(Schedule.intersect(Schedule.recurs(2))),
        retry: Schedule.stop
      })
      const start = Date.now()
      const error = (yield* Effect.flip(lost.invoke(nearest))) as SenderError
      assert.deepStrictEqual([error._tag, error.reason], ["SenderError", "ConnectionFailed"])
      assert.match(error.message, /no connection to the DC could be opened/)
      assert.isBelow(Date.now() - start, 3000)
      // The stopped Sender is not kept: the next call tries the DC again (two more spaced
      // attempts, not an instant failure), and fails the same way.
      const second = Date.now()
      const again = (yield* Effect.flip(lost.invoke(nearest))) as SenderError
      assert.strictEqual(again.reason, "ConnectionFailed")
      assert.isAtLeast(Date.now() - second, 70)
    }))
})
