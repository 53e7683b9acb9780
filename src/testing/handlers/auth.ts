/**
 * The login flows of core.telegram.org/api/auth over the {@link World}: phone code
 * (`auth.sendCode` → `auth.signIn` / `auth.signUp`), 2FA with SRP (`account.getPassword` →
 * `auth.checkPassword`), bots (`auth.importBotAuthorization`), moving an authorization to
 * another DC (`auth.exportAuthorization` → `auth.importAuthorization`), `auth.logOut`, and
 * Errors are Telegram's, with its codes.
 */
import * as Effect from "effect/Effect"
import { randomLong, srpServerB, srpServerVerify, toHex } from "../../crypto/index.ts"
import type { Api } from "../../tl/index.ts"
import { normalizePhone, SRP_G, SRP_P, type WorldUser } from "../world/World.ts"
import { apiUser } from "../world/render.ts"
import { authorizationProblem, type HandlerContext, type Handlers, RpcFailure } from "./core.ts"

const fail = (code: number, message: string) => Effect.fail(new RpcFailure({ code, message }))

/**
 * The logged-in user of the calling key, or the 401 Telegram answers (AUTH_KEY_UNREGISTERED,
 * or SESSION_PASSWORD_NEEDED while the 2FA password is pending). For custom handlers that
 * should behave like Telegram's authorized-only methods.
 */
export const requireUser = (ctx: HandlerContext): Effect.Effect<WorldUser, RpcFailure> =>
  Effect.suspend(() => {
    const problem = authorizationProblem(ctx)
    if (problem !== undefined) return Effect.fail(problem)
    const user = ctx.world.userOfKey(ctx.authKeyId)
    return user === undefined ? fail(401, "AUTH_KEY_UNREGISTERED") : Effect.succeed(user)
  })

/** The `auth.authorization` answer for `user` (the account itself). */
export const authorization = (user: WorldUser): Api.auth.authorization => ({ _tag: "auth.authorization", user: apiUser(user, true) })

/** Logs the calling key in as `user` on this DC. */
const logIn = (ctx: HandlerContext, user: WorldUser): Api.auth.authorization => {
  ctx.world.authorize(ctx.authKeyId, ctx.dcId, user.id)
  return authorization(user)
}

/**
 * Logs the calling key in as `user`, or, when the account has a 2FA password, leaves it
 * waiting for `auth.checkPassword` and answers SESSION_PASSWORD_NEEDED.
 */
export const logInOrAskPassword = (ctx: HandlerContext, user: WorldUser): Effect.Effect<Api.auth.authorization, RpcFailure> => {
  if (user.password === undefined) return Effect.succeed(logIn(ctx, user))
  ctx.world.authorize(ctx.authKeyId, ctx.dcId, user.id, true)
  return fail(401, "SESSION_PASSWORD_NEEDED")
}

/** The pending code behind (phone, hash), or PHONE_CODE_EXPIRED as Telegram answers for a stale hash. */
const pendingCode = (ctx: HandlerContext, phone: string, hash: string) => {
  if (hash === "") return fail(400, "PHONE_CODE_HASH_EMPTY")
  const pending = ctx.world.codes.get(phone)
  if (pending === undefined || pending.phoneCodeHash !== hash || ctx.now >= pending.expiresAt) {
    return fail(400, "PHONE_CODE_EXPIRED")
  }
  return Effect.succeed(pending)
}

const sentCode = (hash: string): Api.auth.sentCode => ({
  _tag: "auth.sentCode",
  type: { _tag: "auth.sentCodeTypeApp", length: 5 },
  phone_code_hash: hash
})

/** The algorithm a client uses to set a new password: salt1 is 8 bytes, the client appends 32. */
const newAlgo = (ctx: HandlerContext): Api.passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow => ({
  _tag: "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow",
  salt1: ctx.world.randomBytes(8),
  salt2: ctx.world.randomBytes(16),
  g: SRP_G,
  p: SRP_P
})

/**
 * The auth handlers every TestDc has.
 */
export const authHandlers: Handlers = {
  "auth.sendCode": (request, ctx) =>
    Effect.suspend(() => {
      const phone = normalizePhone(request.phone_number)
      if (phone.length < 5 || phone.length > 15) return fail(400, "PHONE_NUMBER_INVALID")
      if (request.api_id <= 0 || request.api_hash === "") return fail(400, "API_ID_INVALID")
      const user = ctx.world.userByPhone(phone)
      if (user?.bot === true) return fail(400, "PHONE_NUMBER_INVALID")
      // A known account is served by its home DC only; a new number signs up where it asks.
      if (user?.homeDc !== undefined && user.homeDc !== ctx.dcId) return fail(303, `PHONE_MIGRATE_${user.homeDc}`)
      return Effect.succeed(sentCode(ctx.world.issueCode(phone, ctx.now).phoneCodeHash))
    }),

  "auth.resendCode": (request, ctx) =>
    Effect.suspend(() => {
      const phone = normalizePhone(request.phone_number)
      if (request.phone_code_hash === "") return fail(400, "PHONE_CODE_HASH_EMPTY")
      const pending = ctx.world.codes.get(phone)
      // An expired code can be resent: that is what the client does after PHONE_CODE_EXPIRED.
      if (pending === undefined || pending.phoneCodeHash !== request.phone_code_hash) return fail(400, "PHONE_CODE_EXPIRED")
      const fresh = ctx.world.issueCode(phone, ctx.now)
      // The hash stays the one the client holds; only the code is new.
      ctx.world.codes.set(phone, { ...fresh, phoneCodeHash: pending.phoneCodeHash })
      return Effect.succeed(sentCode(pending.phoneCodeHash))
    }),

  "auth.signIn": (request, ctx) =>
    Effect.gen(function*() {
      const phone = normalizePhone(request.phone_number)
      if (request.phone_code === undefined || request.phone_code === "") return yield* fail(400, "PHONE_CODE_EMPTY")
      const pending = yield* pendingCode(ctx, phone, request.phone_code_hash)
      if (pending.code !== request.phone_code) return yield* fail(400, "PHONE_CODE_INVALID")
      const user = ctx.world.userByPhone(phone)
      // New number: the code stays valid for auth.signUp.
      if (user === undefined) return { _tag: "auth.authorizationSignUpRequired" } satisfies Api.auth.authorizationSignUpRequired
      if (user.homeDc !== undefined && user.homeDc !== ctx.dcId) return yield* fail(303, `PHONE_MIGRATE_${user.homeDc}`)
      ctx.world.codes.delete(phone)
      return yield* logInOrAskPassword(ctx, user)
    }),

  "auth.signUp": (request, ctx) =>
    Effect.gen(function*() {
      const phone = normalizePhone(request.phone_number)
      yield* pendingCode(ctx, phone, request.phone_code_hash)
      if (ctx.world.userByPhone(phone) !== undefined) return yield* fail(400, "PHONE_NUMBER_OCCUPIED")
      const firstName = request.first_name.trim()
      if (firstName === "" || firstName.length > 64) return yield* fail(400, "FIRSTNAME_INVALID")
      if (request.last_name.length > 64) return yield* fail(400, "LASTNAME_INVALID")
      ctx.world.codes.delete(phone)
      const user = ctx.world.addUser({
        phone,
        firstName,
        ...(request.last_name !== "" ? { lastName: request.last_name } : {}),
        homeDc: ctx.dcId
      })
      return logIn(ctx, user)
    }),

  "account.getPassword": (_request, ctx) =>
    Effect.suspend(() => {
      const a = ctx.world.authorizations.get(ctx.authKeyId)
      if (a === undefined) return fail(401, "AUTH_KEY_UNREGISTERED")
      const user = ctx.world.users.get(a.userId)
      if (user === undefined) return fail(401, "AUTH_KEY_UNREGISTERED")
      const base = {
        _tag: "account.password",
        new_algo: newAlgo(ctx),
        new_secure_algo: { _tag: "securePasswordKdfAlgoSHA512", salt: ctx.world.randomBytes(8) },
        secure_random: ctx.world.randomBytes(32)
      } as const
      const pw = user.password
      if (pw === undefined) return Effect.succeed(base satisfies Api.account.password)
      const params = { salt1: pw.salt1, salt2: pw.salt2, g: SRP_G, p: SRP_P }
      // Each answer has its own secret b; auth.checkPassword finds it by srp_id.
      const b = ctx.world.randomBytes(256)
      const B = srpServerB(pw.verifier, b, params)
      const srpId = randomLong(ctx.world.randomBytes)
      ctx.world.srpSessions.set(srpId, { userId: user.id, b, B })
      return Effect.succeed({
        ...base,
        has_password: true,
        current_algo: { _tag: "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow", ...params },
        srp_B: B,
        srp_id: srpId,
        ...(pw.hint !== undefined ? { hint: pw.hint } : {})
      } satisfies Api.account.password)
    }),

  "auth.checkPassword": (request, ctx) =>
    Effect.suspend(() => {
      const a = ctx.world.authorizations.get(ctx.authKeyId)
      if (a === undefined) return fail(401, "AUTH_KEY_UNREGISTERED")
      const user = ctx.world.users.get(a.userId)
      if (user?.password === undefined) return fail(400, "PASSWORD_HASH_INVALID")
      const input = request.password
      if (input._tag !== "inputCheckPasswordSRP") return fail(400, "PASSWORD_HASH_INVALID")
      const session = ctx.world.srpSessions.get(input.srp_id)
      if (session === undefined || session.userId !== user.id) return fail(400, "SRP_ID_INVALID")
      // One proof per srp_id: a client asks account.getPassword again for the next try.
      ctx.world.srpSessions.delete(input.srp_id)
      const pw = user.password
      try {
        srpServerVerify(
          { verifier: pw.verifier, b: session.b, B: session.B, A: input.A, M1: input.M1 },
          { salt1: pw.salt1, salt2: pw.salt2, g: SRP_G, p: SRP_P }
        )
      } catch {
        return fail(400, "PASSWORD_HASH_INVALID")
      }
      return Effect.succeed(logIn(ctx, user))
    }),

  "auth.importBotAuthorization": (request, ctx) =>
    Effect.suspend(() => {
      const id = ctx.world.botTokens.get(request.bot_auth_token)
      const bot = id === undefined ? undefined : ctx.world.users.get(id)
      if (bot === undefined) return fail(400, "ACCESS_TOKEN_INVALID")
      if (bot.homeDc !== undefined && bot.homeDc !== ctx.dcId) return fail(303, `USER_MIGRATE_${bot.homeDc}`)
      return Effect.succeed(logIn(ctx, bot))
    }),

  "auth.exportAuthorization": (request, ctx) =>
    Effect.gen(function*() {
      const user = yield* requireUser(ctx)
      const known = ctx.world.dcs.size === 0 || ctx.world.dcs.has(request.dc_id)
      if (request.dc_id === ctx.dcId || !known) return yield* fail(400, "DC_ID_INVALID")
      const bytes = ctx.world.randomBytes(128)
      ctx.world.exported.set(toHex(bytes), { userId: user.id, dcId: request.dc_id, bytes })
      return { _tag: "auth.exportedAuthorization", id: user.id, bytes } satisfies Api.auth.exportedAuthorization
    }),

  "auth.importAuthorization": (request, ctx) =>
    Effect.suspend(() => {
      const exported = ctx.world.exported.get(toHex(request.bytes))
      if (exported === undefined || exported.userId !== request.id || exported.dcId !== ctx.dcId) {
        return fail(400, "AUTH_BYTES_INVALID")
      }
      const user = ctx.world.users.get(exported.userId)
      if (user === undefined) return fail(400, "AUTH_BYTES_INVALID")
      return Effect.succeed(logIn(ctx, user))
    }),

  "auth.logOut": (_request, ctx) =>
    Effect.suspend(() =>
      ctx.world.logOut(ctx.authKeyId)
        ? Effect.succeed({ _tag: "auth.loggedOut" } satisfies Api.auth.loggedOut)
        : fail(401, "AUTH_KEY_UNREGISTERED")
    )
}
