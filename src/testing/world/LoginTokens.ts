/**
 * QR-code login in the emulated world (core.telegram.org/api/qr-login): the tokens a key that
 * is not logged in exports (`auth.exportLoginToken`), their acceptance by a logged-in user
 * (the World helper {@link WorldLoginTokens.acceptLoginToken}, or `auth.acceptLoginToken`
 * from another client), and the tokens that move such a login to the user's home DC
 * (`auth.loginTokenMigrateTo` → `auth.importLoginToken`).
 *
 * Plain synchronous state, like the rest of the World; the handlers in `handlers/qr.ts` turn
 * it into RPC answers, and each DC pushes `updateLoginToken` to the exporting key when a
 * token is accepted (it listens with {@link WorldLoginTokens.onLoginTokenAccepted}).
 */
import { Buffer } from "node:buffer"
import { type RandomBytes, toHex } from "../../crypto/index.ts"
import type { WorldUser } from "./World.ts"

/**
 * The app that exported a token, as its `initConnection` described it: what the accepting
 * user sees in the `authorization` answer.
 */
export interface LoginTokenDevice {
  readonly deviceModel: string
  readonly systemVersion: string
  readonly appVersion: string
}

/**
 * A token exported by `auth.exportLoginToken`: shown as a QR code by the app that wants to
 * log in, scanned by an app that is logged in.
 */
export interface LoginToken {
  readonly token: Uint8Array
  /** The DC and auth key (16 hex digits, wire order) that exported it: the login goes to that key. */
  readonly dcId: number
  readonly authKeyId: string
  readonly apiId: number
  /** Users that must not accept it (already logged in on that app). */
  readonly exceptIds: ReadonlyArray<bigint>
  readonly device: LoginTokenDevice
  /** Unix seconds; refused with AUTH_TOKEN_EXPIRED from then on. */
  readonly expiresAt: number
  /** The user who accepted it, once one has. */
  acceptedBy: bigint | undefined
  /** The exporting key got the accepted login (it stays known, for AUTH_TOKEN_ALREADY_ACCEPTED). */
  used: boolean
}

/**
 * A token of `auth.loginTokenMigrateTo`: the accepted login, to be imported on `dcId`.
 */
export interface MigrationToken {
  readonly token: Uint8Array
  readonly userId: bigint
  readonly dcId: number
  readonly expiresAt: number
}

/**
 * Why a token was refused (Telegram's error messages, all with code 400). `AUTH_TOKEN_EXCEPTION`:
 * the accepting user is among the exporter's `except_ids` (TestDc's choice for that case).
 */
export type LoginTokenRejection =
  | "AUTH_TOKEN_INVALID"
  | "AUTH_TOKEN_EXPIRED"
  | "AUTH_TOKEN_ALREADY_ACCEPTED"
  | "AUTH_TOKEN_EXCEPTION"

/**
 * What accepting a token did.
 */
export type LoginTokenAcceptance =
  | { readonly _tag: "Accepted"; readonly token: LoginToken }
  | { readonly _tag: "Rejected"; readonly error: LoginTokenRejection }

/**
 * What exporting a token needs to know about the caller.
 */
export interface LoginTokenRequest {
  readonly authKeyId: string
  readonly dcId: number
  readonly apiId: number
  readonly exceptIds: ReadonlyArray<bigint>
  readonly device: LoginTokenDevice
}

/**
 * The QR-login part of the {@link World}.
 */
export interface WorldLoginTokens {
  /** Seconds an exported token stays valid (default 30, as Telegram's); settable. */
  loginTokenLifetimeSeconds: number
  /** Exported tokens by their bytes in hex (expired ones are forgotten a minute after they expire). */
  readonly loginTokens: Map<string, LoginToken>
  /** Tokens of `auth.loginTokenMigrateTo` by their bytes in hex, until imported or expired. */
  readonly migrationTokens: Map<string, MigrationToken>
  /**
   * The token of the caller's key: the one it has while that is valid and not accepted,
   * else a new one valid for {@link loginTokenLifetimeSeconds} from `now`.
   */
  readonly exportLoginToken: (request: LoginTokenRequest, now: number) => LoginToken
  /** The last token key `authKeyId` of DC `dcId` exported, if the World still has it. */
  readonly loginTokenOf: (authKeyId: string, dcId: number) => LoginToken | undefined
  /**
   * "Scans" a token as the logged-in user `userId`, as the phone app does with the QR code:
   * `token` is the bytes, the `tg://login?token=…` URL, or its base64url part. The exporting
   * key gets `updateLoginToken`. `now` is unix seconds (default: the system clock). Throws
   * for a user the World does not have (a test bug).
   */
  readonly acceptLoginToken: (userId: bigint, token: Uint8Array | string, now?: number) => LoginTokenAcceptance
  /** Calls `listener` for every accepted token (each DC pushes `updateLoginToken`); returns a function that removes it. */
  readonly onLoginTokenAccepted: (listener: (token: LoginToken) => void) => () => void
  /** Consumes an accepted token, making a token that imports the login on DC `dcId`. */
  readonly issueMigrationToken: (userId: bigint, dcId: number, now: number) => MigrationToken
}

/** How long a forgotten (expired) token is still answered with AUTH_TOKEN_EXPIRED. */
const EXPIRED_MEMORY_SECONDS = 60

/** Token bytes from the bytes themselves, a `tg://login?token=` URL, or the base64url text. */
export const loginTokenBytes = (token: Uint8Array | string): Uint8Array => {
  if (token instanceof Uint8Array) return token
  const match = /^tg:\/\/login\?token=([A-Za-z0-9_-]*)$/.exec(token)
  const text = match === null ? token : match[1]!
  return /^[A-Za-z0-9_-]*$/.test(text) ? new Uint8Array(Buffer.from(text, "base64url")) : new Uint8Array(0)
}

/**
 * The QR-login state of a new world. `lifetime` reads the world's current
 * `loginTokenLifetimeSeconds` (settable after the world is made).
 */
export const makeLoginTokens = (
  users: ReadonlyMap<bigint, WorldUser>,
  random: RandomBytes,
  lifetime: () => number
): Omit<WorldLoginTokens, "loginTokenLifetimeSeconds"> => {
  const loginTokens = new Map<string, LoginToken>()
  const migrationTokens = new Map<string, MigrationToken>()
  // The latest token of each key, by `${dcId}:${authKeyId}`.
  const latest = new Map<string, LoginToken>()
  const listeners = new Set<(token: LoginToken) => void>()

  const forgetOld = (now: number) => {
    for (const [hex, t] of loginTokens) if (t.expiresAt + EXPIRED_MEMORY_SECONDS <= now) loginTokens.delete(hex)
    for (const [hex, t] of migrationTokens) if (t.expiresAt <= now) migrationTokens.delete(hex)
    for (const [key, t] of latest) if (!loginTokens.has(toHex(t.token))) latest.delete(key)
  }

  return {
    loginTokens,
    migrationTokens,
    exportLoginToken: (request, now) => {
      forgetOld(now)
      const key = `${request.dcId}:${request.authKeyId}`
      const current = latest.get(key)
      if (current !== undefined && current.acceptedBy === undefined && now < current.expiresAt) return current
      const token: LoginToken = { ...request, token: random(32), expiresAt: now + lifetime(), acceptedBy: undefined, used: false }
      loginTokens.set(toHex(token.token), token)
      latest.set(key, token)
      return token
    },
    loginTokenOf: (authKeyId, dcId) => latest.get(`${dcId}:${authKeyId}`),
    acceptLoginToken: (userId, input, now = Math.floor(Date.now() / 1000)) => {
      if (!users.has(userId)) throw new Error(`acceptLoginToken: the world has no user ${userId}`)
      const token = loginTokens.get(toHex(loginTokenBytes(input)))
      const reject = (error: LoginTokenRejection): LoginTokenAcceptance => ({ _tag: "Rejected", error })
      if (token === undefined) return reject("AUTH_TOKEN_INVALID")
      if (token.acceptedBy !== undefined) return reject("AUTH_TOKEN_ALREADY_ACCEPTED")
      if (now >= token.expiresAt) return reject("AUTH_TOKEN_EXPIRED")
      if (token.exceptIds.includes(userId)) return reject("AUTH_TOKEN_EXCEPTION")
      token.acceptedBy = userId
      for (const l of listeners) l(token)
      return { _tag: "Accepted", token }
    },
    onLoginTokenAccepted: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    issueMigrationToken: (userId, dcId, now) => {
      const migration: MigrationToken = { token: random(32), userId, dcId, expiresAt: now + lifetime() }
      migrationTokens.set(toHex(migration.token), migration)
      return migration
    }
  }
}
