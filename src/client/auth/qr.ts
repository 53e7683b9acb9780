/**
 * Logging in by QR code (core.telegram.org/api/qr-login): the app exports a login token and
 * shows it as a `tg://login?token=…` QR code; a phone where the account is logged in scans it
 * (`auth.acceptLoginToken`); the server pushes `updateLoginToken`, and exporting again gives
 * the login (`auth.loginTokenSuccess`), or `auth.loginTokenMigrateTo` the account's DC, where
 * `auth.importLoginToken` gives it. A 2FA account answers SESSION_PASSWORD_NEEDED and goes on
 * with the password (SRP), as the phone login does. Expired codes are replaced, a bounded
 * number of times.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Api } from "../../tl/index.ts"
import { type ClientError, DcError, LoginError, type SessionPasswordNeeded } from "../errors.ts"
import { checkPassword, type LoginContext, type LoginFailure, userOf } from "./login.ts"
import { loginUrl, QrTokenTracker } from "./qrToken.ts"

/**
 * One QR code to show: `url` is what it encodes. The URL is a short-lived secret meant for
 * the screen: show it, don't log it.
 */
export interface QrToken {
  /** `tg://login?token=` followed by the token in base64url, without padding. */
  readonly url: string
  /** When the code expires (local clock); the next one arrives through `onToken` then. */
  readonly expires: Date
}

/** What `client.startQr` takes. Only `onToken` is required. */
export interface QrLogin {
  /** Shows a QR code: called with the first one and again each time it is replaced. */
  readonly onToken: (token: QrToken) => Effect.Effect<void>
  /** The 2FA password, asked only when the account has one (after the scan). */
  readonly password?: Effect.Effect<Redacted.Redacted<string>> | undefined
  /** Wrong passwords accepted before giving up (default 3). */
  readonly maxAttempts?: number | undefined
  /** Accounts already logged in on this app, which must not log in again by scanning (`except_ids`). */
  readonly exceptIds?: ReadonlyArray<bigint> | undefined
  /** New codes after the first one expires unscanned, before failing with `QrLoginError` "Expired" (default 10). */
  readonly maxRefreshes?: number | undefined
  /** Longest wait for a scan, over all codes; then `QrLoginError` "Timeout". The 2FA step after the scan is not counted. */
  readonly timeout?: Duration.DurationInput | undefined
}

/** QR login gave up: no scan before the last code expired ("Expired"), or before `timeout` ("Timeout"). */
export class QrLoginError extends Data.TaggedError("QrLoginError")<{
  readonly reason: "Expired" | "Timeout"
  /** QR codes shown. */
  readonly tokens: number
}> {
  override get message(): string {
    const codes = `${this.tokens} QR code${this.tokens === 1 ? "" : "s"}`
    return this.reason === "Expired"
      ? `QR login: no scan before the last of ${codes} expired`
      : `QR login: no scan before the timeout (${codes} shown)`
  }
}

/** What `startQr` can fail with. */
export type QrLoginFailure = LoginFailure | QrLoginError

/** What the QR flow needs from the client besides calls on the home DC. */
export interface QrContext extends LoginContext {
  /** The update stream, subscribed for the life of the scope (`updateLoginToken` comes there). */
  readonly updates: Effect.Effect<Stream.Stream<Api.Update, ClientError>, never, Scope.Scope>
  /** Makes `dc` the home DC (`auth.loginTokenMigrateTo`). */
  readonly setHomeDc: (dc: number) => Effect.Effect<void, ClientError>
  /** The home DC's clock minus the local one, in seconds (token expiries are server time). */
  readonly timeOffset: Effect.Effect<number>
}

/** How many `auth.loginTokenMigrateTo` in a row are followed. */
const MAX_MIGRATIONS = 3

type Answer = Api.auth.LoginToken | { readonly _tag: "PasswordNeeded" }

/** SESSION_PASSWORD_NEEDED becomes an answer: the password step follows. */
const passwordNeeded = <A>(call: Effect.Effect<A, ClientError>): Effect.Effect<A | Answer, ClientError> =>
  Effect.catchIf(
    call,
    (e): e is SessionPasswordNeeded => e._tag === "SessionPasswordNeeded",
    () => Effect.succeed({ _tag: "PasswordNeeded" } as const)
  )

/**
 * Exports tokens and shows them until one is scanned: returns the first answer that is not a
 * token. Each wait ends with `updateLoginToken` (a scan) or with the code's expiry.
 */
const awaitScan = (ctx: QrContext, params: QrLogin, scanned: Queue.Queue<void>, tracker: QrTokenTracker) =>
  Effect.gen(function*() {
    const exportToken = passwordNeeded(ctx.invoke({
      _tag: "auth.exportLoginToken",
      api_id: ctx.apiId,
      api_hash: Redacted.value(ctx.apiHash),
      except_ids: params.exceptIds ?? []
    }) as Effect.Effect<Api.auth.LoginToken, ClientError>)
    for (;;) {
      // A push seen before this export is answered by the export itself.
      yield* Queue.takeAll(scanned)
      const answer = yield* exportToken
      if (answer._tag !== "auth.loginToken") return answer
      const step = tracker.onToken(answer.token, answer.expires, yield* Clock.currentTimeMillis, yield* ctx.timeOffset)
      if (step.fresh) {
        yield* Effect.logDebug("QR login code").pipe(Effect.annotateLogs({ code: tracker.tokens, expires: new Date(step.expiresAtMs).toISOString() }))
        yield* params.onToken({ url: loginUrl(answer.token), expires: new Date(step.expiresAtMs) })
      }
      const woke = yield* Effect.raceFirst(
        Effect.as(Queue.take(scanned), "scanned" as const),
        Effect.as(Effect.sleep(step.waitMs), "expired" as const)
      )
      if (woke === "expired" && tracker.onExpired() === "GiveUp") {
        return yield* new QrLoginError({ reason: "Expired", tokens: tracker.tokens })
      }
    }
  })

/** From the answer after the scan to the user: DC moves, `auth.importLoginToken`, the 2FA password. */
const finish = (ctx: QrContext, params: QrLogin, first: Answer) =>
  Effect.gen(function*() {
    let answer = first
    for (let hops = 0;; hops++) {
      switch (answer._tag) {
        case "PasswordNeeded":
          return yield* checkPassword(ctx, params, params.maxAttempts ?? 3)
        case "auth.loginTokenSuccess":
          return yield* userOf(answer.authorization)
        case "auth.loginTokenMigrateTo": {
          if (hops >= MAX_MIGRATIONS) return yield* new DcError({ reason: "TooManyMigrations", dc: answer.dc_id })
          yield* Effect.logInfo("migrating").pipe(Effect.annotateLogs({ to: answer.dc_id, kind: "QR login" }))
          yield* ctx.setHomeDc(answer.dc_id)
          answer = yield* passwordNeeded(
            ctx.invoke({ _tag: "auth.importLoginToken", token: answer.token }) as Effect.Effect<Api.auth.LoginToken, ClientError>
          )
          continue
        }
        case "auth.loginToken":
          return yield* new LoginError({ reason: "Unexpected", detail: "auth.importLoginToken answered with a new token" })
      }
    }
  })

/**
 * QR login from start to end. Listens to the home DC's pushes for `updateLoginToken` (and
 * falls back on each code's expiry), so a scan is seen at once. Interrupting it stops it
 * cleanly: the subscription ends with it and nothing is stored.
 */
export const qrLogin = (ctx: QrContext, params: QrLogin): Effect.Effect<Api.User, QrLoginFailure> =>
  Effect.scoped(Effect.gen(function*() {
    const scanned = yield* Queue.sliding<void>(1)
    // Subscribed before the first export, so the push of a quick scan is not missed.
    const pushes = yield* ctx.updates
    yield* pushes.pipe(
      Stream.filter((u) => u._tag === "updateLoginToken"),
      Stream.runForEach(() => Queue.offer(scanned, undefined)),
      // Without pushes the codes' expiries still drive the flow.
      Effect.catchAllCause((cause) => Effect.logDebug("QR login: the updates stream ended", cause)),
      Effect.forkScoped
    )
    const tracker = new QrTokenTracker(params.maxRefreshes ?? 10)
    const scan = awaitScan(ctx, params, scanned, tracker)
    const answer = yield* params.timeout === undefined ? scan : Effect.timeoutFail(scan, {
      duration: params.timeout,
      onTimeout: () => new QrLoginError({ reason: "Timeout", tokens: tracker.tokens })
    })
    return yield* finish(ctx, params, answer)
  }))
