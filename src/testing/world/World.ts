/**
 * The emulated Telegram state behind a {@link TestDc} (or a whole cluster of them): users
 * with phones, names, usernames and 2FA passwords, bots with tokens, which auth key is logged
 * in as whom, pending login codes, exported authorizations, and the common update sequence.
 *
 * Kept apart from the protocol code: handlers read and change it, the MTProto layers never
 * touch it. JavaScript runs one handler step at a time, so a plain mutable structure with
 * one owner (the TestDc, or the cluster whose DCs share it) is safe; handlers change it
 * inside `Effect.sync`.
 *
 * ```ts
 * const world = makeWorld()
 * world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 2, password: "secret" })
 * world.addBot({ token: "123456:ABCdef", username: "ada_bot" })
 * // after the client's auth.sendCode:
 * world.lastCode("+15550001") // "48213"
 * ```
 */
import { bigIntToBytes, randomBytes, type RandomBytes, srpVerifier, TELEGRAM_DH_PRIME, toHex } from "../../crypto/index.ts"
import { makeFiles, type WorldFiles } from "./Files.ts"
import { makeMessaging, type WorldMessaging } from "./Messaging.ts"
import { makeStore, type MessageStore } from "./Store.ts"
import { makeLoginTokens, type WorldLoginTokens } from "./LoginTokens.ts"
import { makeBots, type WorldBots } from "./Bots.ts"

/**
 * A 2FA password as the server keeps it: the SRP verifier and the salts, never the password.
 */
export interface WorldPassword {
  /** Salt 1 of passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow. */
  readonly salt1: Uint8Array
  readonly salt2: Uint8Array
  /** v = g^x mod p, 256 bytes big-endian. */
  readonly verifier: Uint8Array
  readonly hint?: string | undefined
}

/**
 * A user (or bot) known to the emulated DCs.
 */
export interface WorldUser {
  readonly id: bigint
  readonly accessHash: bigint
  readonly firstName: string
  readonly lastName?: string | undefined
  readonly username?: string | undefined
  /** Digits only, as Telegram returns it (`15550001`). */
  readonly phone?: string | undefined
  readonly bot?: boolean | undefined
  /** The DC the account lives on; `undefined`: whichever DC it is asked on. */
  readonly homeDc?: number | undefined
  readonly password?: WorldPassword | undefined
}

/**
 * What {@link World.addUser} takes. `password` is the plain 2FA password: only its SRP
 * verifier is stored.
 */
export interface NewUser {
  readonly id?: bigint | undefined
  readonly accessHash?: bigint | undefined
  readonly firstName: string
  readonly lastName?: string | undefined
  readonly username?: string | undefined
  readonly phone?: string | undefined
  readonly bot?: boolean | undefined
  readonly homeDc?: number | undefined
  readonly password?: string | undefined
  readonly passwordHint?: string | undefined
}

/**
 * What {@link World.addBot} takes. The bot's user id is the token's number, as in Telegram.
 */
export interface NewBot {
  /** `123456:ABC-def...`. */
  readonly token: string
  readonly username: string
  readonly firstName?: string | undefined
  readonly homeDc?: number | undefined
}

/**
 * Who an auth key is logged in as. `passwordPending`: the code was right but the account
 * has 2FA, so only `account.getPassword` / `auth.checkPassword` are allowed yet.
 */
export interface Authorization {
  readonly userId: bigint
  /** The DC whose key this is. */
  readonly dcId: number
  readonly passwordPending: boolean
}

/**
 * A login code sent by `auth.sendCode`.
 */
export interface PendingCode {
  /** Digits only. */
  readonly phone: string
  readonly code: string
  readonly phoneCodeHash: string
  /** Unix seconds; the code is refused with PHONE_CODE_EXPIRED from then on. */
  expiresAt: number
}

/**
 * An `auth.exportAuthorization` result waiting to be imported on `dcId`.
 */
export interface ExportedAuthorization {
  readonly userId: bigint
  readonly dcId: number
  readonly bytes: Uint8Array
}

/**
 * The server half of one `account.getPassword` answer: the secret b behind `srp_B`.
 */
export interface SrpSession {
  readonly userId: bigint
  readonly b: Uint8Array
  readonly B: Uint8Array
}

/**
 * Where one DC of the world listens (filled by a cluster; `help.getConfig` lists them).
 */
export interface WorldDc {
  readonly id: number
  readonly host: string
  readonly port: number
  /** Where its media-only listener is (`dcOption` with `media_only`), if it has one. */
  readonly mediaPort?: number | undefined
}

/**
 * The emulated state. Tests read it directly (`dc.world.users.get(id)`,
 * `dc.world.stateOf(id).pts`, `dc.world.lastCode(phone)`) and act through it
 * (`dc.world.sendMessage(from, to, text)`).
 */
export interface World extends WorldMessaging, WorldLoginTokens, WorldBots {
  /** Users (and bots) by id. */
  readonly users: Map<bigint, WorldUser>
  /** Bot user ids by token. */
  readonly botTokens: Map<string, bigint>
  /** Who each auth key (16 hex digits, wire order) is logged in as. */
  readonly authorizations: Map<string, Authorization>
  /** The login code pending for each phone (digits only). */
  readonly codes: Map<string, PendingCode>
  /** Exported authorizations, by their bytes in hex. */
  readonly exported: Map<string, ExportedAuthorization>
  /** Password checks in progress, by srp_id. */
  readonly srpSessions: Map<bigint, SrpSession>
  /** The DCs of this world, by id (empty for a lone TestDc: it then lists only itself). */
  readonly dcs: Map<number, WorldDc>
  /** Seconds a login code stays valid (default 300); settable. */
  codeLifetimeSeconds: number
  /** Seconds a button press or inline query waits for the bot's answer (default 10); settable. */
  botResponseTimeoutSeconds: number
  /** Adds (or replaces) a user and returns it. Computes the SRP verifier (~100 ms) when given a password. */
  readonly addUser: (user: NewUser) => WorldUser
  /** Adds a bot that logs in with `token`; returns its user. */
  readonly addBot: (bot: NewBot) => WorldUser
  /** The user with this phone number (any format: `+1 555-0001` and `15550001` are the same). */
  readonly userByPhone: (phone: string) => WorldUser | undefined
  /** The user an auth key is fully logged in as (not while a 2FA password is pending). */
  readonly userOfKey: (authKeyId: string) => WorldUser | undefined
  /** Logs auth key `authKeyId` of DC `dcId` in as `userId` (optionally waiting for the 2FA password). */
  readonly authorize: (authKeyId: string, dcId: number, userId: bigint, passwordPending?: boolean) => void
  /** Logs an auth key out; `false` if it was not logged in. */
  readonly logOut: (authKeyId: string) => boolean
  /** Makes a new login code for `phone`, valid for {@link codeLifetimeSeconds} from `now`. */
  readonly issueCode: (phone: string, now: number) => PendingCode
  /** The last login code sent to `phone`, if one is pending. */
  readonly lastCode: (phone: string) => string | undefined
  /** Makes the pending code of `phone` expired at once; `false` if there is none. */
  readonly expireCode: (phone: string) => boolean
  /** Calls `listener` for every login code issued (the CLI prints them); returns a function that removes it. */
  readonly onCode: (listener: (phone: string, code: string) => void) => () => void
  /** The world's randomness (codes, hashes, SRP secrets). */
  readonly randomBytes: RandomBytes
  /** The file store: uploads in progress, photos and documents, `upload.getFile` (see `Files.ts`). */
  readonly files: WorldFiles
  /**
   * Gives photo or document `id` a new file reference: `upload.getFile` with the old one is
   * answered FILE_REFERENCE_EXPIRED, and the messages holding the file show the new one.
   * `false` when there is no such file.
   */
  readonly expireFileReference: (id: bigint) => boolean
}

/**
 * Options of {@link makeWorld}.
 */
export interface WorldOptions {
  /** Seconds a login code stays valid (default 300). */
  readonly codeLifetimeSeconds?: number | undefined
  /** Seconds a QR login token stays valid (default 30). */
  readonly loginTokenLifetimeSeconds?: number | undefined
  /** Seconds a button press or inline query waits for the bot's answer (default 10). */
  readonly botResponseTimeoutSeconds?: number | undefined
  /** Randomness source (default: the crypto module's); pin it for reproducible codes. */
  readonly randomBytes?: RandomBytes | undefined
}

/** The SRP group every 2FA password of the world uses: Telegram's 2048-bit prime, g = 3. */
export const SRP_G = 3
/** {@link SRP_G}'s modulus, 256 bytes big-endian. */
export const SRP_P: Uint8Array = bigIntToBytes(TELEGRAM_DH_PRIME, 256)

/** Phone numbers are compared and stored as digits only, as Telegram returns them. */
export const normalizePhone = (phone: string): string => phone.replace(/\D/g, "")

const BOT_TOKEN = /^(\d+):[A-Za-z0-9_-]+$/

/**
 * A fresh, empty world. User ids are assigned from 1000000 up when not given.
 */
export const makeWorld = (options: WorldOptions = {}): World => {
  const random = options.randomBytes ?? randomBytes
  const users = new Map<bigint, WorldUser>()
  const botTokens = new Map<string, bigint>()
  const authorizations = new Map<string, Authorization>()
  const codes = new Map<string, PendingCode>()
  const listeners = new Set<(phone: string, code: string) => void>()
  let nextUserId = 1_000_000n
  const store = makeStore(users)

  const addUser = (user: NewUser): WorldUser => {
    const id = user.id ?? nextUserId++
    const { password, passwordHint, id: _id, accessHash: _hash, ...rest } = user
    let stored: WorldPassword | undefined
    if (password !== undefined) {
      // Telegram's clients append 32 random bytes to the server's salt1 when setting a
      // password; a 40-byte random salt1 stands for the result.
      const salt1 = random(40), salt2 = random(16)
      stored = { salt1, salt2, verifier: srpVerifier(password, { salt1, salt2, g: SRP_G, p: SRP_P }), hint: passwordHint }
    }
    const full: WorldUser = {
      ...rest,
      ...(rest.phone !== undefined ? { phone: normalizePhone(rest.phone) } : {}),
      ...(stored !== undefined ? { password: stored } : {}),
      id,
      // A stable, non-secret access hash derived from the id: tests can predict it.
      accessHash: user.accessHash ?? (id * 7919n) ^ 0x5a5a5a5an
    }
    users.set(id, full)
    return full
  }

  const files = makeFiles(random)

  const world: World = {
    users,
    botTokens,
    authorizations,
    codes,
    exported: new Map(),
    srpSessions: new Map(),
    dcs: new Map(),
    codeLifetimeSeconds: options.codeLifetimeSeconds ?? 300,
    addUser,
    addBot: (bot) => {
      const match = BOT_TOKEN.exec(bot.token)
      if (match === null) throw new Error(`not a bot token (123456:ABC...): ${bot.token}`)
      const user = addUser({
        id: BigInt(match[1]!),
        firstName: bot.firstName ?? bot.username,
        username: bot.username,
        bot: true,
        homeDc: bot.homeDc
      })
      botTokens.set(bot.token, user.id)
      return user
    },
    userByPhone: (phone) => {
      const digits = normalizePhone(phone)
      for (const u of users.values()) if (u.phone === digits) return u
      return undefined
    },
    userOfKey: (authKeyId) => {
      const a = authorizations.get(authKeyId)
      return a === undefined || a.passwordPending ? undefined : users.get(a.userId)
    },
    authorize: (authKeyId, dcId, userId, passwordPending = false) =>
      void authorizations.set(authKeyId, { userId, dcId, passwordPending }),
    logOut: (authKeyId) => authorizations.delete(authKeyId),
    issueCode: (phone, now) => {
      const digits = normalizePhone(phone)
      const r = random(14)
      // 5 decimal digits and an 18-hex-digit hash, the shapes Telegram uses.
      const code = (((r[0]! << 16) | (r[1]! << 8) | r[2]!) % 100000).toString().padStart(5, "0")
      const pending: PendingCode = {
        phone: digits,
        code,
        phoneCodeHash: toHex(r.subarray(3, 12)),
        expiresAt: now + world.codeLifetimeSeconds
      }
      codes.set(digits, pending)
      for (const l of listeners) l(digits, code)
      return pending
    },
    lastCode: (phone) => codes.get(normalizePhone(phone))?.code,
    expireCode: (phone) => {
      const pending = codes.get(normalizePhone(phone))
      if (pending === undefined) return false
      pending.expiresAt = 0
      return true
    },
    onCode: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    randomBytes: random,
    loginTokenLifetimeSeconds: options.loginTokenLifetimeSeconds ?? 30,
    botResponseTimeoutSeconds: options.botResponseTimeoutSeconds ?? 10,
    files,
    expireFileReference: (id) => {
      if (!files.renewReference(id)) return false
      refreshMedia(store, files, id)
      return true
    },
    ...makeMessaging(store, random),
    ...makeBots(store, random, () => world.botResponseTimeoutSeconds),
    ...makeLoginTokens(users, random, () => world.loginTokenLifetimeSeconds)
  }
  return world
}

/** Shows file `id`'s current reference in every message holding it. */
const refreshMedia = (store: MessageStore, files: WorldFiles, id: bigint): void => {
  const file = files.stored.get(id)
  if (file === undefined) return
  const holders = [...[...store.boxes.values()].map((b) => b.messages), ...[...store.channels.values()].map((c) => c.messages)]
  for (const messages of holders) {
    for (const msg of messages.values()) {
      const media = msg.media
      const held = media?._tag === "messageMediaPhoto" ? media.photo : media?._tag === "messageMediaDocument" ? media.document : undefined
      if (held !== undefined && "id" in held && held.id === id) {
        msg.media = files.media(file, { spoiler: (media as { readonly spoiler?: boolean | undefined }).spoiler })
      }
    }
  }
}
