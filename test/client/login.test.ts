/**
 * The Client's login, log-out and DC migration end to end: a real Client over TCP against a
 * TestDc cluster on 127.0.0.1 (issue 7). Phone login (wrong, expired and too many codes),
 * 2FA, sign-up, bots, log-out, a stored session, USER/NETWORK_MIGRATE after login,
 * FLOOD_WAIT during login, and a session file that does not load.
 *
 * (2FA through PHONE_MIGRATE plus FILE_MIGRATE is in test/testing/cluster.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { layerFile, SessionStorage } from "../../src/storage/index.ts"
import {
  asker,
  buildClient,
  keyCount,
  memoryClient,
  never,
  recordCalls,
  rightCode,
  secret,
  storedKeyId,
  wrongCode
} from "./support/harness.ts"
import { makeCluster } from "../support/dc.ts"
import { captureLogs } from "../support/logs.ts"

const PHONE = "+15550001"

describe("Client login", () => {
  it.scopedLive("phone login without 2FA: start returns the user, isAuthorized, getMe", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", username: "ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      const phone = asker([Effect.succeed(PHONE)])
      const code = asker([rightCode(cluster, PHONE)])
      assert.isFalse(yield* client.isAuthorized)

      const user = yield* client.start({ phone: phone.ask, code: code.ask, password: never("password"), signUp: never("signUp") })
      assert.strictEqual(user._tag, "user")
      assert.strictEqual(user.id, ada.id)
      assert.deepStrictEqual([phone.asked, code.asked], [1, 1])
      assert.isTrue(yield* client.isAuthorized)
      const me = yield* client.getMe
      assert.strictEqual(me.id, ada.id)
      if (me._tag === "user") assert.isTrue(me.self)
      // The session knows who it is and where it lives; the DC knows the key is logged in.
      const session = yield* storage.load
      assert.deepStrictEqual([session.user?.id, session.user?.bot, session.user?.username, session.homeDc], [ada.id, false, "ada", 1])
      const keyId = yield* storedKeyId(storage, 1)
      assert.strictEqual(cluster.world.authorizations.get(keyId!)?.userId, ada.id)
    }))

  it.scopedLive("a wrong code, then the right one: the code is asked again", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const code = asker([wrongCode, rightCode(cluster, PHONE)])
      const user = yield* client.start({ phone: Effect.succeed(PHONE), code: code.ask })
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(code.asked, 2)
      // One code was sent; the same hash is used for both tries.
      assert.deepStrictEqual(
        calls.filter((c) => c.method.startsWith("auth.")).map((c) => c.method),
        ["auth.sendCode", "auth.signIn", "auth.signIn"]
      )
    }))

  it.scopedLive("too many wrong codes or passwords fail with LoginError TooManyAttempts", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster()
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      cluster.world.addUser({ phone: "+15550002", firstName: "Bea", homeDc: 1, password: "right" })

      const { client } = yield* memoryClient(cluster)
      const code = asker([wrongCode])
      const error = yield* Effect.flip(client.start({ phone: Effect.succeed(PHONE), code: code.ask, maxAttempts: 2 }))
      // (chai's instanceOf overflows the stack printing an Effect error, so tags are compared)
      assert.strictEqual(error._tag, "LoginError")
      if (error._tag === "LoginError") assert.strictEqual(error.reason, "TooManyAttempts")
      assert.strictEqual(code.asked, 2)
      assert.isFalse(yield* client.isAuthorized)

      const { client: other } = yield* memoryClient(cluster)
      const password = asker([secret("wrong")])
      const failed = yield* Effect.flip(
        other.start({ phone: Effect.succeed("+15550002"), code: rightCode(cluster, "+15550002"), password: password.ask })
      )
      assert.strictEqual(failed._tag, "LoginError")
      if (failed._tag === "LoginError") assert.strictEqual(failed.reason, "TooManyAttempts")
      // maxAttempts defaults to 3.
      assert.strictEqual(password.asked, 3)
      assert.isFalse(yield* other.isAuthorized)
    }))

  it.scopedLive("an expired code: the client sends auth.resendCode, asks again and logs in; it is not a wrong code", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const first = asker([rightCode(cluster, PHONE)])
      // First answer: the right code, but it has expired by the time it is checked. Then a
      // wrong one: with maxAttempts 2 it is the first wrong code (the expired one does not count).
      const code = asker([
        Effect.tap(first.ask, () => cluster.expireCode(PHONE)),
        wrongCode,
        rightCode(cluster, PHONE)
      ])
      const user = yield* client.start({ phone: Effect.succeed(PHONE), code: code.ask, maxAttempts: 2 })
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(code.asked, 3)
      assert.deepStrictEqual(
        calls.filter((c) => c.method.startsWith("auth.")).map((c) => c.method),
        ["auth.sendCode", "auth.signIn", "auth.resendCode", "auth.signIn", "auth.signIn"]
      )
    }))

  it.scopedLive("2FA: the right password is asked once", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1, password: "s3cret" })
      const { client } = yield* memoryClient(cluster)
      const password = asker([secret("s3cret")])
      const user = yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE), password: password.ask })
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(password.asked, 1)
      assert.isTrue(yield* client.isAuthorized)
      assert.strictEqual((yield* client.getMe).id, ada.id)
    }))

  it.scopedLive("2FA: a wrong password, then the right one (asked twice, a fresh SRP each time)", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1, password: "s3cret" })
      const { client } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const password = asker([secret("guess"), secret("s3cret")])
      const user = yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE), password: password.ask })
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(password.asked, 2)
      assert.deepStrictEqual(
        calls.map((c) => c.method).filter((m) => m !== "auth.sendCode" && m !== "auth.signIn"),
        // After the login, updates.getState starts the update state.
        ["account.getPassword", "auth.checkPassword", "account.getPassword", "auth.checkPassword", "updates.getState"]
      )
      assert.strictEqual((yield* client.getMe).id, ada.id)
    }))

  it.scopedLive("sign-up for an unknown number: the name is asked, the account is created", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const { client } = yield* memoryClient(cluster)
      const signUp = asker([Effect.succeed({ firstName: "Nea", lastName: "Newcomer" })])
      const user = yield* client.start({
        phone: Effect.succeed("+15550009"),
        code: rightCode(cluster, "+15550009"),
        password: never("password"),
        signUp: signUp.ask
      })
      assert.strictEqual(signUp.asked, 1)
      const created = cluster.world.userByPhone("+15550009")
      assert.isDefined(created)
      assert.deepStrictEqual([created?.firstName, created?.lastName, created?.homeDc], ["Nea", "Newcomer", 1])
      assert.strictEqual(user.id, created?.id)
      assert.isTrue(yield* client.isAuthorized)
      assert.strictEqual((yield* client.getMe).id, created?.id)
    }))

  it.scopedLive("bot login with a token, through USER_MIGRATE to the bot's DC; a bad token is an RpcError", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const bot = cluster.world.addBot({ token: "4242:good-token", username: "far_bot", homeDc: 3 })

      const { client: bad } = yield* memoryClient(cluster)
      const error = yield* Effect.flip(bad.start({ botToken: Redacted.make("4242:wrong-token") }))
      assert.strictEqual(error._tag, "RpcError")
      if (error._tag === "RpcError") assert.deepStrictEqual([error.code, error.message], [400, "ACCESS_TOKEN_INVALID"])
      assert.isFalse(yield* bad.isAuthorized)

      const { client, storage } = yield* memoryClient(cluster)
      const user = yield* client.start({ botToken: Redacted.make("4242:good-token") })
      assert.strictEqual(user.id, bot.id)
      if (user._tag === "user") assert.isTrue(user.bot)
      assert.strictEqual(yield* client.homeDc, 3)
      const session = yield* storage.load
      assert.deepStrictEqual([session.homeDc, session.user?.id, session.user?.bot], [3, bot.id, true])
      assert.strictEqual((yield* client.getMe).id, bot.id)
    }))

  it.scopedLive("log-out: not authorized, the storage is cleared, the DC forgot the key's authorization", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      const keyId = (yield* storedKeyId(storage, 1))!
      assert.strictEqual(cluster.world.authorizations.get(keyId)?.userId, ada.id)

      yield* client.logOut
      assert.isFalse(yield* client.isAuthorized)
      const session = yield* storage.load
      assert.deepStrictEqual(
        [session.homeDc, session.dcs.size, session.user, session.updateState, session.peers.size],
        [undefined, 0, undefined, undefined, 0]
      )
      assert.isFalse(cluster.world.authorizations.has(keyId))
      assert.strictEqual(cluster.world.authorizations.size, 0)

      // The client goes on with a new key, not logged in, and can log in again.
      const keys = keyCount(cluster)
      const error = yield* Effect.flip(client.getMe)
      assert.strictEqual(error._tag, "AuthKeyUnregistered")
      assert.strictEqual(keyCount(cluster), keys + 1)
      const again = yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      assert.strictEqual(again.id, ada.id)
      assert.notStrictEqual(yield* storedKeyId(storage, 1), keyId)
    }))

  it.scopedLive("a stored authorized session skips login: start asks for nothing, no handshake", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 2 })
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      const keys = keyCount(cluster)

      // A second client over the same session (the first one keeps running).
      const second = yield* buildClient(cluster, Layer.succeed(SessionStorage, storage))
      assert.isTrue(yield* second.isAuthorized)
      const user = yield* second.start({ phone: never("phone"), code: never("code"), password: never("password") })
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(yield* second.homeDc, 2)
      assert.strictEqual(keyCount(cluster), keys)
    }))

  it.scopedLive("USER_MIGRATE after login: the login moves along (export/import), the home DC moves (persisted)", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      const calls = yield* recordCalls(cluster)

      yield* cluster.injectError("users.getUsers", { code: 303, message: "USER_MIGRATE_3", times: 1 }, 1)
      const me = yield* client.getMe
      assert.strictEqual(me.id, ada.id)
      assert.strictEqual(yield* client.homeDc, 3)
      assert.strictEqual((yield* storage.load).homeDc, 3)
      assert.deepStrictEqual(calls.splice(0).map((c) => `${c.dc}:${c.method}`), [
        "1:auth.exportAuthorization",
        "3:auth.importAuthorization",
        "3:users.getUsers"
      ])
    }))

  it.scopedLive("USER_MIGRATE after login to a DC holding the authorization: the call succeeds there", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      // A FILE_MIGRATE first makes the client import its authorization on DC 3.
      yield* cluster.injectError("users.getUsers", { code: 303, message: "FILE_MIGRATE_3", times: 1 }, 1)
      yield* client.getMe
      const calls = yield* recordCalls(cluster)
      yield* cluster.injectError("users.getUsers", { code: 303, message: "USER_MIGRATE_3", times: 1 }, 1)
      const me = yield* client.getMe
      assert.strictEqual(me.id, ada.id)
      assert.strictEqual(yield* client.homeDc, 3)
      assert.strictEqual((yield* storage.load).homeDc, 3)
      assert.deepStrictEqual(calls.splice(0), [{ dc: 3, method: "users.getUsers" }])
      // Later calls go to DC 3 directly.
      yield* client.getMe
      assert.deepStrictEqual(calls, [{ dc: 3, method: "users.getUsers" }])
    }))

  it.scopedLive("NETWORK_MIGRATE on an unauthorized call: the home DC moves and the call succeeds there", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const { client, storage } = yield* memoryClient(cluster)
      yield* cluster.injectError("help.getNearestDc", { code: 303, message: "NETWORK_MIGRATE_2", times: 1 }, 1)
      const nearest = yield* client.invoke({ _tag: "help.getNearestDc" })
      assert.strictEqual(nearest.this_dc, 2)
      assert.strictEqual(yield* client.homeDc, 2)
      assert.strictEqual((yield* storage.load).homeDc, 2)
      assert.isFalse(yield* client.isAuthorized)
    }))

  it.scopedLive("FLOOD_WAIT_1 on auth.sendCode is slept through (real clock) and login goes on", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      yield* cluster.injectError("auth.sendCode", { code: 420, message: "FLOOD_WAIT_1", times: 1 }, 1)
      const started = yield* Clock.currentTimeMillis
      const user = yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      const elapsed = (yield* Clock.currentTimeMillis) - started
      assert.strictEqual(user.id, ada.id)
      assert.isAtLeast(elapsed, 1000)
      assert.deepStrictEqual(calls.map((c) => c.method).slice(0, 2), ["auth.sendCode", "auth.signIn"])
    }))

  it.scopedLive("FLOOD_WAIT_3600 on auth.sendCode fails at once with FloodWait", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster)
      yield* cluster.injectError("auth.sendCode", { code: 420, message: "FLOOD_WAIT_3600", times: 1 }, 1)
      const started = yield* Clock.currentTimeMillis
      const error = yield* Effect.flip(client.start({ phone: Effect.succeed(PHONE), code: never("code") }))
      assert.strictEqual(error._tag, "FloodWait")
      if (error._tag === "FloodWait") assert.deepStrictEqual([error.seconds, error.method], [3600, "auth.sendCode"])
      assert.isBelow((yield* Clock.currentTimeMillis) - started, 5000)
      assert.isFalse(yield* client.isAuthorized)
    }))

  it.scopedLive("a session file that does not load fails the layer with SessionStorageError and is left untouched", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const dir = mkdtempSync(join(tmpdir(), "effect-mtproto-login-"))
      const cases = [
        ["not-json.json", "{ this is not json", "Corrupt"],
        [
          "bad-key.json",
          JSON.stringify({ kind: "effect-mtproto-session", version: 1, homeDc: 1, dcs: [{ id: 1, authKey: "AAAA", salt: "0", timeOffset: 0 }], user: null, updateState: null, peers: [] }),
          "Corrupt"
        ],
        ["foreign.json", JSON.stringify({ hello: "world" }), "Foreign"]
      ] as const
      for (const [name, text, reason] of cases) {
        const path = join(dir, name)
        writeFileSync(path, text, { mode: 0o600 })
        const error = yield* Effect.flip(Effect.scoped(buildClient(cluster, layerFile(path))))
        assert.strictEqual(error._tag, "SessionStorageError")
        if (error._tag !== "SessionStorageError") return
        assert.strictEqual(error.reason, reason)
        assert.strictEqual(error.path, path)
        assert.strictEqual(readFileSync(path, "utf8"), text)
        // The lock taken while loading is released again.
        assert.isFalse(existsSync(`${path}.lock`))
      }
      assert.strictEqual(yield* cluster.dc(1).connections, 0)
    }))
})
