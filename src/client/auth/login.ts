/**
 * Logging in (core.telegram.org/api/auth): a user with phone + code (+ 2FA password via
 * SRP, core.telegram.org/api/srp) or sign-up, or a bot with its token. The inputs are
 * Effects, so a CLI prompt, a test or a web form supplies them when asked.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { randomBytes, srpCheck } from "../../crypto/index.ts"
import { requireRedacted, type SecretNotRedacted } from "../../crypto/secret.ts"
import type { Api, TlMethod } from "../../tl/index.ts"
import { type ClientError, LoginError } from "../errors.ts"

/** Phone login. `password` is asked only when the account has 2FA; `signUp` only for a new number. */
export interface UserLogin {
  readonly phone: Effect.Effect<string>
  readonly code: Effect.Effect<Redacted.Redacted<string>>
  readonly password?: Effect.Effect<Redacted.Redacted<string>> | undefined
  readonly signUp?: Effect.Effect<{ readonly firstName: string; readonly lastName?: string | undefined }> | undefined
  /** Wrong codes or passwords accepted before giving up (default 3). */
  readonly maxAttempts?: number | undefined
}

/** Bot login. */
export interface BotLogin {
  readonly botToken: Redacted.Redacted<string>
}

/** What `start` accepts. */
export type LoginParams = UserLogin | BotLogin

/** The calls login needs from the client (typed loosely: the flows below narrow the answers). */
export interface LoginContext {
  readonly invoke: (method: TlMethod) => Effect.Effect<unknown, ClientError>
  readonly apiId: number
  readonly apiHash: Redacted.Redacted<string>
}

/**
 * Login failures: RPC errors the flow does not repair, a LoginError, or a secret (bot token,
 * code, password) given as a plain value instead of a `Redacted` one.
 */
export type LoginFailure = ClientError | LoginError | SecretNotRedacted

/** The user of an `auth.authorization` answer (a sign-up request or anything else is unexpected here). */
export const userOf = (auth: unknown): Effect.Effect<Api.User, LoginError> => {
  const a = auth as Api.auth.Authorization
  if (a._tag === "auth.authorization") return Effect.succeed(a.user)
  return Effect.fail(new LoginError({ reason: "Unexpected", detail: a._tag }))
}

/** Logs a bot in with `auth.importBotAuthorization`. */
export const botLogin = (ctx: LoginContext, params: BotLogin): Effect.Effect<Api.User, LoginFailure> =>
  requireRedacted("botToken", params.botToken).pipe(
    Effect.flatMap((token) =>
      ctx.invoke({
        _tag: "auth.importBotAuthorization",
        flags: 0,
        api_id: ctx.apiId,
        api_hash: Redacted.value(ctx.apiHash),
        bot_auth_token: Redacted.value(token)
      })
    ),
    Effect.flatMap(userOf)
  )

/**
 * The SRP answer for `auth.checkPassword` from `account.getPassword`
 * (algo passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow).
 */
export const passwordCheck = (
  password: Api.account.Password,
  secret: Redacted.Redacted<string>,
  random: (n: number) => Uint8Array = randomBytes
): Effect.Effect<Api.InputCheckPasswordSRP, LoginError> =>
  Effect.gen(function*() {
    const algo = password.current_algo
    if (algo === undefined || password.srp_B === undefined || password.srp_id === undefined) {
      return yield* new LoginError({ reason: "NoPassword" })
    }
    if (algo._tag !== "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow") {
      return yield* new LoginError({ reason: "UnsupportedPasswordAlgo", detail: algo._tag })
    }
    const srpB = password.srp_B
    const check = yield* Effect.try({
      try: () => srpCheck(Redacted.value(secret), algo, srpB, random(256)),
      catch: (cause) => new LoginError({ reason: "Unexpected", detail: "SRP parameters rejected", cause })
    })
    return { _tag: "inputCheckPasswordSRP", srp_id: password.srp_id, A: check.A, M1: check.M1 } as const
  })

/** Runs `auth.checkPassword`, asking again after a wrong password up to `attempts` times. */
export const checkPassword = (
  ctx: LoginContext,
  params: Pick<UserLogin, "password">,
  attempts: number
): Effect.Effect<Api.User, LoginFailure> =>
  Effect.gen(function*() {
    if (params.password === undefined) return yield* new LoginError({ reason: "NoPassword" })
    for (let attempt = 1;; attempt++) {
      const password = (yield* ctx.invoke({ _tag: "account.getPassword" })) as Api.account.Password
      const secret = yield* Effect.flatMap(params.password, (p) => requireRedacted("password", p))
      const srp = yield* passwordCheck(password, secret)
      const result = yield* ctx.invoke({ _tag: "auth.checkPassword", password: srp }).pipe(
        Effect.map((auth) => ({ ok: true as const, auth })),
        Effect.catchIf(
          (e): e is Extract<ClientError, { _tag: "PasswordHashInvalid" }> => e._tag === "PasswordHashInvalid",
          () => Effect.succeed({ ok: false as const })
        )
      )
      if (result.ok) return yield* userOf(result.auth)
      if (attempt >= attempts) return yield* new LoginError({ reason: "TooManyAttempts", detail: "2FA password" })
      yield* Effect.logWarning("wrong 2FA password").pipe(Effect.annotateLogs({ attempt }))
    }
  })

/**
 * Phone login: `auth.sendCode` → `auth.signIn` (asking for the code again after a wrong
 * one, sending a new code after `PHONE_CODE_EXPIRED`) → `auth.checkPassword` on
 * `SESSION_PASSWORD_NEEDED` → `auth.signUp` when the number is new.
 */
export const userLogin = (ctx: LoginContext, params: UserLogin): Effect.Effect<Api.User, LoginFailure> =>
  Effect.gen(function*() {
    const attempts = params.maxAttempts ?? 3
    const phone = yield* params.phone
    const sendCode = ctx.invoke({
      _tag: "auth.sendCode",
      phone_number: phone,
      api_id: ctx.apiId,
      api_hash: Redacted.value(ctx.apiHash),
      settings: { _tag: "codeSettings" }
    })
    let sent = (yield* sendCode) as Api.auth.SentCode
    let expiredResends = 0
    // Wrong codes count against `maxAttempts`; expired ones are re-sent (bounded apart).
    let wrongCodes = 0
    for (;;) {
      if (sent._tag !== "auth.sentCode") return yield* new LoginError({ reason: "Unexpected", detail: sent._tag })
      const hash = sent.phone_code_hash
      const code = yield* Effect.flatMap(params.code, (c) => requireRedacted("code", c))
      const outcome = yield* ctx.invoke({
        _tag: "auth.signIn",
        phone_number: phone,
        phone_code_hash: hash,
        phone_code: Redacted.value(code)
      }).pipe(
        Effect.map((auth) => ({ _tag: "auth" as const, auth })),
        Effect.catchIf(
          (e) =>
            e._tag === "SessionPasswordNeeded" || e._tag === "PhoneCodeInvalid" ||
            (e._tag === "PhoneCodeExpired" && expiredResends < attempts),
          (e) => Effect.succeed({ _tag: e._tag })
        )
      )
      switch (outcome._tag) {
        case "SessionPasswordNeeded":
          return yield* checkPassword(ctx, params, attempts)
        case "PhoneCodeInvalid":
          wrongCodes++
          yield* Effect.logWarning("wrong login code").pipe(Effect.annotateLogs({ attempt: wrongCodes }))
          if (wrongCodes >= attempts) return yield* new LoginError({ reason: "TooManyAttempts", detail: "login code" })
          continue
        case "PhoneCodeExpired":
          expiredResends++
          sent = (yield* ctx.invoke({ _tag: "auth.resendCode", phone_number: phone, phone_code_hash: hash })) as Api.auth.SentCode
          continue
        case "auth": {
          const auth = outcome.auth as Api.auth.Authorization
          if (auth._tag === "auth.authorizationSignUpRequired") {
            if (params.signUp === undefined) return yield* new LoginError({ reason: "Unexpected", detail: "sign-up required" })
            const name = yield* params.signUp
            return yield* Effect.flatMap(
              ctx.invoke({
                _tag: "auth.signUp",
                phone_number: phone,
                phone_code_hash: hash,
                first_name: name.firstName,
                last_name: name.lastName ?? ""
              }),
              userOf
            )
          }
          return yield* userOf(auth)
        }
        default: // not reached: the catch above passes on only the tags handled here
          return yield* new LoginError({ reason: "Unexpected", detail: outcome._tag })
      }
    }
  })
