/**
 * QR-code login (core.telegram.org/api/qr-login) over the World's login tokens:
 * `auth.exportLoginToken` (a token while none is accepted; once one is, the login:
 * `auth.loginTokenSuccess`, SESSION_PASSWORD_NEEDED for a 2FA account, or
 * `auth.loginTokenMigrateTo` the user's home DC), `auth.importLoginToken` on that DC, and
 * `auth.acceptLoginToken` from a logged-in client (the World's `acceptLoginToken` does the
 * same from a test). Errors are Telegram's, with its codes.
 */
import * as Effect from "effect/Effect"
import { randomLong, toHex } from "../../crypto/index.ts"
import type { Api } from "../../tl/index.ts"
import type { WorldUser } from "../world/World.ts"
import { authorization, logInOrAskPassword, requireUser } from "./auth.ts"
import { type HandlerContext, type Handlers, RpcFailure } from "./core.ts"

const fail = (code: number, message: string) => Effect.fail(new RpcFailure({ code, message }))

const success = (authorization: Api.auth.authorization): Api.auth.loginTokenSuccess => ({
  _tag: "auth.loginTokenSuccess",
  authorization
})

/** The accepted login on this DC, or a token that moves it to the user's home DC. */
const finishLogin = (ctx: HandlerContext, user: WorldUser): Effect.Effect<Api.auth.LoginToken, RpcFailure> => {
  if (user.homeDc !== undefined && user.homeDc !== ctx.dcId) {
    const migration = ctx.world.issueMigrationToken(user.id, user.homeDc, ctx.now)
    return Effect.succeed({ _tag: "auth.loginTokenMigrateTo", dc_id: migration.dcId, token: migration.token })
  }
  return Effect.map(logInOrAskPassword(ctx, user), success)
}

/**
 * The QR login handlers every TestDc has.
 */
export const qrHandlers: Handlers = {
  "auth.exportLoginToken": (request, ctx) =>
    Effect.suspend(() => {
      if (request.api_id <= 0 || request.api_hash === "") return fail(400, "API_ID_INVALID")
      if (ctx.world.authorizations.get(ctx.authKeyId)?.passwordPending === true) return fail(401, "SESSION_PASSWORD_NEEDED")
      const self = ctx.world.userOfKey(ctx.authKeyId)
      // Logged in already (by this flow or another): the login is the answer.
      if (self !== undefined) return Effect.succeed(success(authorization(self)))
      const current = ctx.world.loginTokenOf(ctx.authKeyId, ctx.dcId)
      if (current?.acceptedBy !== undefined && !current.used) {
        // Used up: an export after this one starts a new QR code.
        current.used = true
        const user = ctx.world.users.get(current.acceptedBy)
        if (user === undefined) return fail(400, "AUTH_TOKEN_INVALID")
        return finishLogin(ctx, user)
      }
      const init = ctx.initConnection
      const token = ctx.world.exportLoginToken({
        authKeyId: ctx.authKeyId,
        dcId: ctx.dcId,
        apiId: request.api_id,
        exceptIds: request.except_ids,
        device: {
          deviceModel: init?.device_model ?? "Unknown",
          systemVersion: init?.system_version ?? "",
          appVersion: init?.app_version ?? ""
        }
      }, ctx.now)
      return Effect.succeed({ _tag: "auth.loginToken", expires: token.expiresAt, token: token.token } satisfies Api.auth.loginToken)
    }),

  "auth.importLoginToken": (request, ctx) =>
    Effect.suspend(() => {
      const hex = toHex(request.token)
      const migration = ctx.world.migrationTokens.get(hex)
      if (migration === undefined || migration.dcId !== ctx.dcId) return fail(400, "AUTH_TOKEN_INVALID")
      ctx.world.migrationTokens.delete(hex)
      if (ctx.now >= migration.expiresAt) return fail(400, "AUTH_TOKEN_EXPIRED")
      const user = ctx.world.users.get(migration.userId)
      if (user === undefined) return fail(400, "AUTH_TOKEN_INVALID")
      return Effect.map(logInOrAskPassword(ctx, user), success)
    }),

  "auth.acceptLoginToken": (request, ctx) =>
    Effect.gen(function*() {
      const user = yield* requireUser(ctx)
      if (user.bot === true) return yield* fail(400, "BOT_METHOD_INVALID")
      const accepted = ctx.world.acceptLoginToken(user.id, request.token, ctx.now)
      if (accepted._tag === "Rejected") return yield* fail(400, accepted.error)
      const t = accepted.token
      // The new session, as the accepting app lists it among the account's authorizations.
      return {
        _tag: "authorization",
        hash: randomLong(ctx.world.randomBytes),
        device_model: t.device.deviceModel,
        platform: "",
        system_version: t.device.systemVersion,
        api_id: t.apiId,
        app_name: "",
        app_version: t.device.appVersion,
        date_created: ctx.now,
        date_active: ctx.now,
        ip: "127.0.0.1",
        country: "",
        region: ""
      } satisfies Api.authorization
    })
}
