/**
 * QR-code login end to end: a real Client over TCP against a TestDc cluster on 127.0.0.1
 * (issue 18). The World (or another logged-in client) scans the code; the client learns it
 * from the pushed updateLoginToken. Without and with 2FA, through loginTokenMigrateTo, expiry
 * and refresh of codes, the timeout, cancellation, and a session that is logged in already.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import type { QrToken } from "../../src/client/index.ts"
import { toHex } from "../../src/crypto/index.ts"
import type * as TestDc from "../../src/testing/index.ts"
import { captureLogs } from "../support/logs.ts"
import { makeCluster } from "../support/dc.ts"
import { asker, memoryClient, never, recordCalls, rightCode, secret, storedKeyId } from "./support/harness.ts"

const URL_FORM = /^tg:\/\/login\?token=[A-Za-z0-9_-]+$/

/** The QR codes a login showed, in order. */
const shownCodes = () => {
  const codes: Array<QrToken> = []
  return { codes, onToken: (t: QrToken) => Effect.sync(() => void codes.push(t)) }
}

/** Waits (polling, bounded) until `codes` holds `n` codes; dies after 10 s. */
const codeNumber = (codes: ReadonlyArray<QrToken>, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if (codes.length >= n) return codes[n - 1]!
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.dieMessage(`QR code ${n} never came (${codes.length} shown)`)
  })

/** The phone app of `userId` scans `code`; the scan must be accepted. */
const scan = (cluster: TestDc.ClusterShape, userId: bigint, code: QrToken) =>
  Effect.sync(() => {
    const result = cluster.world.acceptLoginToken(userId, code.url)
    assert.strictEqual(result._tag, "Accepted", result._tag === "Rejected" ? result.error : "")
  })

const qrCalls = (calls: ReadonlyArray<{ readonly dc: number; readonly method: string }>) =>
  calls.filter((c) => c.method.includes("LoginToken") || c.method === "account.getPassword" || c.method === "auth.checkPassword")
    .map((c) => `${c.dc}:${c.method}`)

describe("Client QR login", () => {
  it.scopedLive("without 2FA: one code, scanned; the push ends the wait at once; the session is stored", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", username: "ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const shown = shownCodes()
      const started = yield* Clock.currentTimeMillis
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken, password: never("password") }))
      const code = yield* codeNumber(shown.codes, 1)
      // The URL: tg://login?token= and base64url without padding, of the token the DC issued.
      assert.match(code.url, URL_FORM)
      const bytes = Buffer.from(code.url.slice("tg://login?token=".length), "base64url")
      const issued = cluster.world.loginTokens.get(toHex(bytes))
      assert.isDefined(issued)
      assert.strictEqual(bytes.length, 32)
      // Expiry: the DC's 30 s, on the local clock.
      assert.strictEqual(code.expires.getTime(), issued!.expiresAt * 1000)
      yield* scan(cluster, ada.id, code)
      const user = yield* Fiber.join(login)
      // Well before the code's expiry: the push (not the timer) ended the wait.
      assert.isBelow((yield* Clock.currentTimeMillis) - started, 10_000)
      assert.strictEqual(user.id, ada.id)
      assert.strictEqual(shown.codes.length, 1)
      assert.deepStrictEqual(qrCalls(calls), ["1:auth.exportLoginToken", "1:auth.exportLoginToken"])
      assert.isTrue(yield* client.isAuthorized)
      assert.strictEqual((yield* client.getMe).id, ada.id)
      const session = yield* storage.load
      assert.deepStrictEqual([session.user?.id, session.user?.username, session.homeDc], [ada.id, "ada", 1])
      const keyId = yield* storedKeyId(storage, 1)
      assert.strictEqual(cluster.world.authorizations.get(keyId!)?.userId, ada.id)
    }))

  it.scopedLive("with 2FA: after the scan the password is asked (a wrong one, then the right one)", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const cluster = yield* makeCluster()
      const bea = cluster.world.addUser({ phone: "+15550002", firstName: "Bea", homeDc: 1, password: "s3cret" })
      const { client } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const shown = shownCodes()
      const password = asker([secret("guess"), secret("s3cret")])
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken, password: password.ask }))
      assert.strictEqual(password.asked, 0)
      yield* scan(cluster, bea.id, yield* codeNumber(shown.codes, 1))
      const user = yield* Fiber.join(login)
      assert.strictEqual(user.id, bea.id)
      assert.strictEqual(password.asked, 2)
      assert.deepStrictEqual(qrCalls(calls), [
        "1:auth.exportLoginToken",
        "1:auth.exportLoginToken",
        "1:account.getPassword",
        "1:auth.checkPassword",
        "1:account.getPassword",
        "1:auth.checkPassword"
      ])
      assert.strictEqual((yield* client.getMe).id, bea.id)
    }))

  it.scopedLive("2FA without a password option fails with LoginError NoPassword and stores no login", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const bea = cluster.world.addUser({ phone: "+15550002", firstName: "Bea", homeDc: 1, password: "s3cret" })
      const { client, storage } = yield* memoryClient(cluster)
      const shown = shownCodes()
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken }))
      yield* scan(cluster, bea.id, yield* codeNumber(shown.codes, 1))
      const exit = yield* Fiber.await(login)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "LoginError")
      if (error._tag === "LoginError") assert.strictEqual(error.reason, "NoPassword")
      assert.isFalse(yield* client.isAuthorized)
      assert.isUndefined((yield* storage.load).user)
    }))

  it.scopedLive("DC migration: loginTokenMigrateTo the user's DC, importLoginToken there; the home DC moves", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const cid = cluster.world.addUser({ phone: "+15550003", firstName: "Cid", homeDc: 3 })
      const { client, storage } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const shown = shownCodes()
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken, password: never("password") }))
      yield* scan(cluster, cid.id, yield* codeNumber(shown.codes, 1))
      const user = yield* Fiber.join(login)
      assert.strictEqual(user.id, cid.id)
      assert.deepStrictEqual(qrCalls(calls), ["1:auth.exportLoginToken", "1:auth.exportLoginToken", "3:auth.importLoginToken"])
      assert.strictEqual(yield* client.homeDc, 3)
      assert.strictEqual((yield* storage.load).homeDc, 3)
      // Logged in on DC 3 with DC 3's key; the migration token is used up.
      const keyId = yield* storedKeyId(storage, 3)
      assert.deepStrictEqual(cluster.world.authorizations.get(keyId!), { userId: cid.id, dcId: 3, passwordPending: false })
      assert.strictEqual(cluster.world.migrationTokens.size, 0)
      assert.strictEqual((yield* client.getMe).id, cid.id)
    }))

  it.scopedLive("DC migration with 2FA: importLoginToken answers SESSION_PASSWORD_NEEDED, the password goes to the new DC", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const dee = cluster.world.addUser({ phone: "+15550004", firstName: "Dee", homeDc: 2, password: "pw" })
      const { client } = yield* memoryClient(cluster)
      const calls = yield* recordCalls(cluster)
      const shown = shownCodes()
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken, password: secret("pw") }))
      yield* scan(cluster, dee.id, yield* codeNumber(shown.codes, 1))
      const user = yield* Fiber.join(login)
      assert.strictEqual(user.id, dee.id)
      assert.deepStrictEqual(qrCalls(calls), [
        "1:auth.exportLoginToken",
        "1:auth.exportLoginToken",
        "2:auth.importLoginToken",
        "2:account.getPassword",
        "2:auth.checkPassword"
      ])
      assert.strictEqual(yield* client.homeDc, 2)
      assert.strictEqual((yield* client.getMe).id, dee.id)
    }))

  it.scopedLive("an expired code is replaced: onToken again with a new URL; scanning the new one logs in, the old one is refused", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      cluster.world.loginTokenLifetimeSeconds = 1
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster)
      const shown = shownCodes()
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken }))
      const first = yield* codeNumber(shown.codes, 1)
      const second = yield* codeNumber(shown.codes, 2)
      assert.notStrictEqual(second.url, first.url)
      assert.match(second.url, URL_FORM)
      assert.isAbove(second.expires.getTime(), first.expires.getTime())
      // The first code is dead: a late scan of it is refused.
      const late = cluster.world.acceptLoginToken(ada.id, first.url)
      assert.deepStrictEqual(late, { _tag: "Rejected", error: "AUTH_TOKEN_EXPIRED" })
      yield* scan(cluster, ada.id, second)
      assert.strictEqual((yield* Fiber.join(login)).id, ada.id)
      assert.isAtLeast(shown.codes.length, 2)
    }))

  it.scopedLive("no scan: QrLoginError Expired after maxRefreshes new codes; nothing is stored", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      cluster.world.loginTokenLifetimeSeconds = 1
      const { client, storage } = yield* memoryClient(cluster)
      const shown = shownCodes()
      const error = yield* Effect.flip(client.startQr({ onToken: shown.onToken, maxRefreshes: 1 }))
      assert.strictEqual(error._tag, "QrLoginError")
      if (error._tag === "QrLoginError") {
        assert.deepStrictEqual([error.reason, error.tokens], ["Expired", 2])
        assert.strictEqual(error.message, "QR login: no scan before the last of 2 QR codes expired")
      }
      assert.strictEqual(shown.codes.length, 2)
      assert.strictEqual(new Set(shown.codes.map((c) => c.url)).size, 2)
      assert.isFalse(yield* client.isAuthorized)
      assert.isUndefined((yield* storage.load).user)
    }))

  it.scopedLive("the timeout option: QrLoginError Timeout while the code is still valid", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const { client } = yield* memoryClient(cluster)
      const shown = shownCodes()
      const error = yield* Effect.flip(client.startQr({ onToken: shown.onToken, timeout: "700 millis" }))
      assert.strictEqual(error._tag, "QrLoginError")
      if (error._tag === "QrLoginError") {
        assert.deepStrictEqual([error.reason, error.tokens], ["Timeout", 1])
        assert.match(error.message, /timeout/)
      }
      assert.strictEqual(shown.codes.length, 1)
    }))

  it.scopedLive("interrupting cancels cleanly: not logged in, and the same client logs in by QR afterwards", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
      const { client, storage } = yield* memoryClient(cluster)
      const shown = shownCodes()
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken }))
      yield* codeNumber(shown.codes, 1)
      const exit = yield* Fiber.interrupt(login)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isFalse(yield* client.isAuthorized)
      assert.isUndefined((yield* storage.load).user)

      const again = shownCodes()
      const second = yield* Effect.fork(client.startQr({ onToken: again.onToken }))
      // The key's code is still valid: the DC shows the same one.
      const code = yield* codeNumber(again.codes, 1)
      assert.strictEqual(code.url, shown.codes[0]!.url)
      yield* scan(cluster, ada.id, code)
      assert.strictEqual((yield* Fiber.join(second)).id, ada.id)
      assert.isTrue(yield* client.isAuthorized)
    }))

  it.scopedLive("another logged-in client scans with auth.acceptLoginToken and sees the new session", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
      const { client: phone } = yield* memoryClient(cluster)
      yield* phone.start({ phone: Effect.succeed("+15550001"), code: rightCode(cluster, "+15550001") })
      const { client: desktop } = yield* memoryClient(cluster, { deviceModel: "Desktop QR" })
      const shown = shownCodes()
      const login = yield* Effect.fork(desktop.startQr({ onToken: shown.onToken }))
      const code = yield* codeNumber(shown.codes, 1)
      const token = new Uint8Array(Buffer.from(code.url.slice("tg://login?token=".length), "base64url"))
      const session = yield* phone.invoke({ _tag: "auth.acceptLoginToken", token })
      assert.strictEqual(session._tag, "authorization")
      assert.deepStrictEqual([session.device_model, session.api_id], ["Desktop QR", 1])
      assert.strictEqual((yield* Fiber.join(login)).id, ada.id)
      // A second scan of the same code is refused.
      const again = yield* Effect.flip(phone.invoke({ _tag: "auth.acceptLoginToken", token }))
      assert.strictEqual(again._tag, "RpcError")
      if (again._tag === "RpcError") assert.strictEqual(again.message, "AUTH_TOKEN_ALREADY_ACCEPTED")
    }))

  it.scopedLive("a session that is logged in already: startQr returns the user without showing a code", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster)
      yield* client.start({ phone: Effect.succeed("+15550001"), code: rightCode(cluster, "+15550001") })
      const calls = yield* recordCalls(cluster)
      const user = yield* client.startQr({ onToken: () => Effect.dieMessage("onToken was called") })
      assert.strictEqual(user.id, ada.id)
      assert.deepStrictEqual(qrCalls(calls), [])
    }))

  it.scopedLive("wrong 2FA passwords after a scan: LoginError TooManyAttempts, and the password is not in the error", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const bea = cluster.world.addUser({ phone: "+15550002", firstName: "Bea", homeDc: 1, password: "s3cret" })
      const { client } = yield* memoryClient(cluster)
      const shown = shownCodes()
      const login = yield* Effect.fork(client.startQr({ onToken: shown.onToken, password: Effect.succeed(Redacted.make("nope")), maxAttempts: 1 }))
      yield* scan(cluster, bea.id, yield* codeNumber(shown.codes, 1))
      const error = yield* Effect.flip(Fiber.join(login))
      assert.strictEqual(error._tag, "LoginError")
      if (error._tag === "LoginError") assert.strictEqual(error.reason, "TooManyAttempts")
      assert.notInclude(String(error), "nope")
    }))
})
