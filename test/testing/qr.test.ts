// TestDc's QR login over real TCP, driven by the project's own handshake and Sender:
// exportLoginToken (the same code while valid), updateLoginToken pushed to the exporting key
// only, acceptLoginToken's errors, loginTokenMigrateTo → importLoginToken on the user's DC,
// and SESSION_PASSWORD_NEEDED for a 2FA account.
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { randomBytes, srpCheck } from "../../src/crypto/index.ts"
import type { Sender } from "../../src/mtproto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster, makeDc, senderOn } from "../support/dc.ts"
import { apiCreds, errorOf } from "./support/rpc.ts"


const exportToken = (sender: Sender.Sender, exceptIds: ReadonlyArray<bigint> = []) =>
  sender.invoke({ _tag: "auth.exportLoginToken", ...apiCreds, except_ids: exceptIds })

/** The code of an answer that must be a fresh token. */
const tokenOf = (answer: Api.auth.LoginToken): Api.auth.loginToken => {
  assert.strictEqual(answer._tag, "auth.loginToken")
  return answer as Api.auth.loginToken
}

/** A Sender logged in as `phone` (no 2FA) on `dc`. */
const loggedIn = (dc: TestDc.TestDcShape, phone: string) =>
  Effect.gen(function*() {
    const client = yield* senderOn(dc)
    const sent = (yield* client.sender.invokeUntyped({ _tag: "auth.sendCode", phone_number: phone, ...apiCreds, settings: { _tag: "codeSettings" } })) as Api.auth.sentCode
    yield* client.sender.invoke({ _tag: "auth.signIn", phone_number: phone, phone_code_hash: sent.phone_code_hash, phone_code: dc.world.lastCode(phone)! })
    return client
  })

const accept = (sender: Sender.Sender, token: Uint8Array) => errorOf(sender.invoke({ _tag: "auth.acceptLoginToken", token }))

describe("TestDc QR login", () => {
  it.scopedLive("exportLoginToken: a 32-byte code valid 30 s, the same one while valid; API_ID_INVALID", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const { sender, authKeyId } = yield* senderOn(dc)
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const first = tokenOf(yield* exportToken(sender))
      assert.strictEqual(first.token.length, 32)
      assert.closeTo(first.expires, now + 30, 1)
      const again = tokenOf(yield* exportToken(sender))
      assert.deepStrictEqual(again.token, first.token)
      const stored = dc.world.loginTokenOf(authKeyId, 2)
      assert.deepStrictEqual([stored?.authKeyId, stored?.dcId, stored?.apiId], [authKeyId, 2, 1])
      assert.strictEqual(
        yield* errorOf(sender.invoke({ _tag: "auth.exportLoginToken", api_id: 0, api_hash: "", except_ids: [] })),
        "400 API_ID_INVALID"
      )
    }))

  it.scopedLive("a scan pushes updateShort{updateLoginToken} to the exporting key only; the next export is the login", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const a = yield* senderOn(dc)
      const b = yield* senderOn(dc)
      const aUpdates = yield* a.sender.updates
      const bUpdates = yield* b.sender.updates
      const code = tokenOf(yield* exportToken(a.sender))
      yield* exportToken(b.sender)
      assert.deepStrictEqual(dc.world.acceptLoginToken(ada.id, code.token)._tag, "Accepted")
      const pushed = yield* Stream.runHead(aUpdates).pipe(Effect.timeout("5 seconds"))
      assert.isTrue(Option.isSome(pushed))
      const update = Option.getOrThrow(pushed) as Api.updateShort
      assert.deepStrictEqual([update._tag, update.update._tag], ["updateShort", "updateLoginToken"])
      const other = yield* Stream.runHead(bUpdates).pipe(Effect.timeout("300 millis"), Effect.option)
      assert.isTrue(Option.isNone(other))

      const answer = yield* exportToken(a.sender)
      assert.strictEqual(answer._tag, "auth.loginTokenSuccess")
      const auth = (answer as Api.auth.loginTokenSuccess).authorization as Api.auth.authorization
      assert.strictEqual(auth.user.id, ada.id)
      assert.deepStrictEqual(dc.world.authorizations.get(a.authKeyId), { userId: ada.id, dcId: 2, passwordPending: false })
      // Logged in: another export answers with the login again, a used code is refused.
      assert.strictEqual((yield* exportToken(a.sender))._tag, "auth.loginTokenSuccess")
      assert.deepStrictEqual(dc.world.acceptLoginToken(ada.id, code.token), { _tag: "Rejected", error: "AUTH_TOKEN_ALREADY_ACCEPTED" })
      assert.isUndefined(dc.world.authorizations.get(b.authKeyId))
    }))

  it.scopedLive("acceptLoginToken: logged-in users only (not bots); invalid, expired, accepted twice, excepted users", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
      dc.world.addBot({ token: "777:bot-token", username: "qr_bot" })
      const exporter = yield* senderOn(dc)
      const code = tokenOf(yield* exportToken(exporter.sender))

      assert.strictEqual(yield* accept(exporter.sender, code.token), "401 AUTH_KEY_UNREGISTERED")
      const bot = yield* senderOn(dc)
      yield* bot.sender.invoke({ _tag: "auth.importBotAuthorization", flags: 0, ...apiCreds, bot_auth_token: "777:bot-token" })
      assert.strictEqual(yield* accept(bot.sender, code.token), "400 BOT_METHOD_INVALID")

      const phone = yield* loggedIn(dc, "+15550001")
      assert.strictEqual(yield* accept(phone.sender, randomBytes(32)), "400 AUTH_TOKEN_INVALID")
      assert.strictEqual(yield* accept(phone.sender, new Uint8Array(0)), "400 AUTH_TOKEN_INVALID")
      // Codes exported now expire at once.
      dc.world.loginTokenLifetimeSeconds = 0
      const late = yield* senderOn(dc)
      assert.strictEqual(yield* accept(phone.sender, tokenOf(yield* exportToken(late.sender)).token), "400 AUTH_TOKEN_EXPIRED")
      dc.world.loginTokenLifetimeSeconds = 30
      const excepting = yield* senderOn(dc)
      assert.strictEqual(yield* accept(phone.sender, tokenOf(yield* exportToken(excepting.sender, [ada.id])).token), "400 AUTH_TOKEN_EXCEPTION")

      const session = yield* phone.sender.invoke({ _tag: "auth.acceptLoginToken", token: code.token })
      assert.strictEqual(session._tag, "authorization")
      assert.deepStrictEqual([session.api_id, session.device_model], [1, "Unknown"])
      assert.strictEqual(yield* accept(phone.sender, code.token), "400 AUTH_TOKEN_ALREADY_ACCEPTED")
    }))

  it.scopedLive("a user of another DC: loginTokenMigrateTo, importLoginToken accepted there only, once", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2])
      const cid = cluster.world.addUser({ phone: "+15550003", firstName: "Cid", homeDc: 2 })
      const on1 = yield* senderOn(cluster.dc(1))
      const code = tokenOf(yield* exportToken(on1.sender))
      assert.strictEqual(cluster.world.acceptLoginToken(cid.id, code.token)._tag, "Accepted")
      const answer = yield* exportToken(on1.sender)
      assert.strictEqual(answer._tag, "auth.loginTokenMigrateTo")
      const migrate = answer as Api.auth.loginTokenMigrateTo
      assert.strictEqual(migrate.dc_id, 2)
      // DC 1 does not take it; DC 2 does, once.
      assert.strictEqual(yield* errorOf(on1.sender.invoke({ _tag: "auth.importLoginToken", token: migrate.token })), "400 AUTH_TOKEN_INVALID")
      const on2 = yield* senderOn(cluster.dc(2))
      const imported = yield* on2.sender.invoke({ _tag: "auth.importLoginToken", token: migrate.token })
      assert.strictEqual(imported._tag, "auth.loginTokenSuccess")
      assert.deepStrictEqual(cluster.world.authorizations.get(on2.authKeyId), { userId: cid.id, dcId: 2, passwordPending: false })
      assert.isUndefined(cluster.world.authorizations.get(on1.authKeyId))
      assert.strictEqual(yield* errorOf(on2.sender.invoke({ _tag: "auth.importLoginToken", token: migrate.token })), "400 AUTH_TOKEN_INVALID")
    }))

  it.scopedLive("a 2FA account: SESSION_PASSWORD_NEEDED after the scan (and on every export until the password)", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const eve = dc.world.addUser({ phone: "+15550005", firstName: "Eve", password: "pw" })
      const { sender, authKeyId } = yield* senderOn(dc)
      const code = tokenOf(yield* exportToken(sender))
      dc.world.acceptLoginToken(eve.id, `tg://login?token=${Buffer.from(code.token).toString("base64url")}`)
      assert.strictEqual(yield* errorOf(exportToken(sender)), "401 SESSION_PASSWORD_NEEDED")
      assert.strictEqual(yield* errorOf(exportToken(sender)), "401 SESSION_PASSWORD_NEEDED")
      assert.isTrue(dc.world.authorizations.get(authKeyId)?.passwordPending)
      const pw = yield* sender.invoke({ _tag: "account.getPassword" })
      const algo = pw.current_algo as Api.passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow
      const proof = srpCheck("pw", algo, pw.srp_B!, randomBytes(256))
      const auth = yield* sender.invoke({
        _tag: "auth.checkPassword",
        password: { _tag: "inputCheckPasswordSRP", srp_id: pw.srp_id!, A: proof.A, M1: proof.M1 }
      })
      assert.strictEqual(auth._tag, "auth.authorization")
      assert.deepStrictEqual(dc.world.authorizations.get(authKeyId), { userId: eve.id, dcId: 2, passwordPending: false })
      // Logged in: an export answers with the login and leaves it as it is.
      assert.strictEqual((yield* exportToken(sender))._tag, "auth.loginTokenSuccess")
      assert.deepStrictEqual(dc.world.authorizations.get(authKeyId), { userId: eve.id, dcId: 2, passwordPending: false })
    }))
})
