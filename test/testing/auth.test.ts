// TestDc's login flows over real TCP, driven by the project's own handshake and Sender:
// phone code (right, wrong, expired, resent), sign-up, 2FA with SRP, bots, log-out,
// AUTH_KEY_UNREGISTERED for keys that are not logged in, and injected errors.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { randomBytes, srpCheck } from "../../src/crypto/index.ts"
import type { Api, TlMethod } from "../../src/tl/index.ts"
import { makeDc, senderOn } from "../support/dc.ts"
import { apiCreds, errorOf, sendCode } from "./support/rpc.ts"

const signIn = (phone: string, hash: string, code: string): TlMethod => ({
  _tag: "auth.signIn", phone_number: phone, phone_code_hash: hash, phone_code: code
})
/** The fields a test cares about: the decoder fills in every absent flag. */
const essentials = (u: Api.User) =>
  u._tag === "user"
    ? { id: u.id, access_hash: u.access_hash, self: u.self, bot: u.bot, first_name: u.first_name, last_name: u.last_name, username: u.username, phone: u.phone }
    : { id: u.id }

const getSelf: TlMethod = { _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] }

describe("TestDc auth", () => {
  it.scopedLive("sendCode → signIn with the code from the World; then getUsers(self), getState, logOut", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 2 })
      const ada = dc.world.addUser({ phone: "+1 555 0001", firstName: "Ada", lastName: "L", username: "ada" })
      const logged: Array<string> = []
      dc.world.onCode((phone, code) => logged.push(`${phone}:${code}`))
      const { sender, authKeyId } = yield* senderOn(dc)
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(getSelf)), "401 AUTH_KEY_UNREGISTERED")

      const sent = (yield* sender.invokeUntyped(sendCode("+15550001"))) as Api.auth.sentCode
      assert.deepStrictEqual(sent.type, { _tag: "auth.sentCodeTypeApp", length: 5 })
      const code = dc.world.lastCode("+15550001")!
      assert.match(code, /^\d{5}$/)
      assert.deepStrictEqual(logged, [`15550001:${code}`])
      const auth = (yield* sender.invokeUntyped(signIn("+15550001", sent.phone_code_hash, code))) as Api.auth.authorization
      assert.strictEqual(auth._tag, "auth.authorization")
      assert.deepStrictEqual(essentials(auth.user), {
        self: true, bot: false, id: ada.id, access_hash: ada.accessHash, first_name: "Ada", last_name: "L",
        username: "ada", phone: "15550001"
      })
      assert.deepStrictEqual(dc.world.authorizations.get(authKeyId), { userId: ada.id, dcId: 2, passwordPending: false })
      // The code is used up.
      assert.strictEqual(dc.world.lastCode("+15550001"), undefined)

      const [me] = (yield* sender.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] })) as ReadonlyArray<Api.user>
      assert.strictEqual(me?.id, ada.id)
      assert.isTrue(me?.self)
      const state = yield* sender.invoke({ _tag: "updates.getState" })
      assert.strictEqual(state.pts, dc.world.stateOf(ada.id).pts)

      assert.strictEqual((yield* sender.invoke({ _tag: "auth.logOut" }))._tag, "auth.loggedOut")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(getSelf)), "401 AUTH_KEY_UNREGISTERED")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "auth.logOut" })), "401 AUTH_KEY_UNREGISTERED")
    }))

  it.scopedLive("wrong code, expired code (knob and lifetime), resendCode", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 2 })
      dc.world.addUser({ phone: "15550002", firstName: "Bob" })
      const { sender } = yield* senderOn(dc)
      const sent = (yield* sender.invokeUntyped(sendCode("15550002"))) as Api.auth.sentCode
      const code = dc.world.lastCode("15550002")!
      const wrong = code === "00000" ? "11111" : "00000"
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(signIn("15550002", sent.phone_code_hash, wrong))), "400 PHONE_CODE_INVALID")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(signIn("15550002", sent.phone_code_hash, ""))), "400 PHONE_CODE_EMPTY")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(signIn("15550002", "feedface", code))), "400 PHONE_CODE_EXPIRED")
      assert.isTrue(dc.world.expireCode("+15550002"))
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(signIn("15550002", sent.phone_code_hash, code))), "400 PHONE_CODE_EXPIRED")
      // What a client does after PHONE_CODE_EXPIRED: resend, same hash, a new code.
      const resent = (yield* sender.invokeUntyped({
        _tag: "auth.resendCode", phone_number: "15550002", phone_code_hash: sent.phone_code_hash
      })) as Api.auth.sentCode
      const fresh = dc.world.lastCode("15550002")!
      const auth = yield* sender.invokeUntyped(signIn("15550002", resent.phone_code_hash, fresh))
      assert.strictEqual((auth as Api.auth.Authorization)._tag, "auth.authorization")

      // A lifetime of 0 s: every code is expired as soon as it is sent.
      dc.world.codeLifetimeSeconds = 0
      dc.world.addUser({ phone: "15550003", firstName: "Cy" })
      const other = yield* senderOn(dc)
      const sent3 = (yield* other.sender.invokeUntyped(sendCode("15550003"))) as Api.auth.sentCode
      assert.strictEqual(
        yield* errorOf(other.sender.invokeUntyped(signIn("15550003", sent3.phone_code_hash, dc.world.lastCode("15550003")!))),
        "400 PHONE_CODE_EXPIRED"
      )
    }))

  it.scopedLive("an unknown number signs up after authorizationSignUpRequired", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 4 })
      const { sender } = yield* senderOn(dc)
      const sent = (yield* sender.invokeUntyped(sendCode("+15550009"))) as Api.auth.sentCode
      const code = dc.world.lastCode("+15550009")!
      const answer = yield* sender.invokeUntyped(signIn("+15550009", sent.phone_code_hash, code))
      assert.strictEqual((answer as Api.auth.Authorization)._tag, "auth.authorizationSignUpRequired")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(getSelf)), "401 AUTH_KEY_UNREGISTERED")
      const signUp = (first: string): TlMethod => ({
        _tag: "auth.signUp", phone_number: "+15550009", phone_code_hash: sent.phone_code_hash, first_name: first, last_name: "New"
      })
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(signUp(" "))), "400 FIRSTNAME_INVALID")
      const auth = (yield* sender.invokeUntyped(signUp("Nia"))) as Api.auth.authorization
      const user = dc.world.userByPhone("15550009")!
      assert.deepStrictEqual([user.firstName, user.lastName, user.homeDc], ["Nia", "New", 4])
      assert.strictEqual(auth.user.id, user.id)
      const [me] = (yield* sender.invokeUntyped(getSelf)) as ReadonlyArray<Api.user>
      assert.strictEqual(me?.first_name, "Nia")
    }))

  it.scopedLive("2FA: SESSION_PASSWORD_NEEDED, wrong password, right password (SRP)", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 2 })
      const eve = dc.world.addUser({ phone: "15550005", firstName: "Eve", password: "correct horse", passwordHint: "horse" })
      assert.strictEqual(eve.password?.verifier.length, 256)
      assert.strictEqual(eve.password?.salt1.length, 40)
      const { sender, authKeyId } = yield* senderOn(dc)
      const sent = (yield* sender.invokeUntyped(sendCode("15550005"))) as Api.auth.sentCode
      const code = dc.world.lastCode("15550005")!
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(signIn("15550005", sent.phone_code_hash, code))), "401 SESSION_PASSWORD_NEEDED")
      assert.isTrue(dc.world.authorizations.get(authKeyId)?.passwordPending)
      // Awaiting the password is not logged in.
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(getSelf)), "401 SESSION_PASSWORD_NEEDED")

      const check = (password: string) =>
        Effect.gen(function*() {
          const pw = yield* sender.invoke({ _tag: "account.getPassword" })
          assert.isTrue(pw.has_password)
          assert.strictEqual(pw.hint, "horse")
          const algo = pw.current_algo as Api.passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow
          assert.strictEqual(algo.g, 3)
          const proof = srpCheck(password, algo, pw.srp_B!, randomBytes(256))
          return yield* errorOf(sender.invoke({
            _tag: "auth.checkPassword",
            password: { _tag: "inputCheckPasswordSRP", srp_id: pw.srp_id!, A: proof.A, M1: proof.M1 }
          }))
        })
      assert.strictEqual(yield* check("wrong horse"), "400 PASSWORD_HASH_INVALID")
      assert.isTrue(dc.world.authorizations.get(authKeyId)?.passwordPending)
      assert.strictEqual(yield* check("correct horse"), "")
      assert.deepStrictEqual(dc.world.authorizations.get(authKeyId), { userId: eve.id, dcId: 2, passwordPending: false })
      const [me] = (yield* sender.invokeUntyped(getSelf)) as ReadonlyArray<Api.user>
      assert.strictEqual(me?.id, eve.id)
    }))

  it.scopedLive("bots: importBotAuthorization, bad token", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 2 })
      const bot = dc.world.addBot({ token: "123456:ABCdef_ghi-XYZ", username: "ada_bot" })
      assert.strictEqual(bot.id, 123456n)
      const { sender } = yield* senderOn(dc)
      const login = (token: string): TlMethod => ({ _tag: "auth.importBotAuthorization", flags: 0, ...apiCreds, bot_auth_token: token })
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(login("123456:wrong"))), "400 ACCESS_TOKEN_INVALID")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped(login("garbage"))), "400 ACCESS_TOKEN_INVALID")
      const auth = (yield* sender.invokeUntyped(login("123456:ABCdef_ghi-XYZ"))) as Api.auth.authorization
      assert.deepStrictEqual(essentials(auth.user), {
        self: true, bot: true, id: 123456n, access_hash: bot.accessHash, first_name: "ada_bot", last_name: undefined,
        username: "ada_bot", phone: undefined
      })
      assert.strictEqual(auth.user._tag === "user" && auth.user.bot_info_version, 1)
    }))

  it.scopedLive("keys not logged in: 401 outside auth.*/help.*; injected FLOOD_WAIT and 500", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 2 })
      const { sender } = yield* senderOn(dc)
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "updates.getState" })), "401 AUTH_KEY_UNREGISTERED")
      // No handler either: still 401 first, as Telegram checks the key before the method.
      assert.strictEqual(
        yield* errorOf(sender.invokeUntyped({ _tag: "messages.getDialogs", offset_date: 0, offset_id: 0, offset_peer: { _tag: "inputPeerEmpty" }, limit: 1, hash: 0n })),
        "401 AUTH_KEY_UNREGISTERED"
      )
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "auth.exportAuthorization", dc_id: 1 })), "401 AUTH_KEY_UNREGISTERED")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "help.getAppConfig", hash: 0 })), "400 METHOD_INVALID")
      assert.strictEqual((yield* sender.invoke({ _tag: "help.getNearestDc" })).this_dc, 2)

      // Injected errors come before the handler, for `times` calls, in the order given.
      yield* dc.injectError("help.getNearestDc", { code: 420, message: "FLOOD_WAIT_3", times: 1 })
      yield* dc.injectError("help.getNearestDc", { code: 500, message: "INTERNAL", times: 2 })
      const nearest: TlMethod = { _tag: "help.getNearestDc" }
      const seen = [] as Array<string>
      for (let i = 0; i < 4; i++) seen.push(yield* errorOf(sender.invokeUntyped(nearest)))
      assert.deepStrictEqual(seen, ["420 FLOOD_WAIT_3", "500 INTERNAL", "500 INTERNAL", ""])
      // Without `times`: until cleared. Works for methods without a handler too.
      yield* dc.injectError("help.getAppConfig", { code: 303, message: "FILE_MIGRATE_4" })
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "help.getAppConfig", hash: 0 })), "303 FILE_MIGRATE_4")
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "help.getAppConfig", hash: 0 })), "303 FILE_MIGRATE_4")
      yield* dc.clearInjectedErrors()
      assert.strictEqual(yield* errorOf(sender.invokeUntyped({ _tag: "help.getAppConfig", hash: 0 })), "400 METHOD_INVALID")
    }))
})
