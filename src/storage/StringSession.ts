/**
 * String sessions: every DC's auth key, the home DC and the logged-in user packed into one
 * base64url string a user can keep in an environment variable, and `layerString`, a memory
 * session seeded from such a string that can export its current state back. A string exported
 * before login already carries the keys (and the home DC), so the next run does no handshake.
 *
 * Format, version 2 (all integers little-endian), then base64url without padding:
 *
 * | bytes | field |
 * | --- | --- |
 * | 1 | version = 2 |
 * | 1 | flags: bit 1 user present, bit 2 user is a bot |
 * | 2 | home DC id, int16 (0 = none) |
 * | 1 | number of keys n |
 * | n × (2 + 256 + 8 + 4) | DC id (int16), auth key, server salt (int64), time offset (int32, seconds); home DC first |
 * | 8 | if bit 1: user id (int64) |
 *
 * One key and a user make 283 bytes, 378 characters. Version 1 strings (the home DC's key
 * only, flag bit 0 for it, no count) are still read. The peer cache and the update state are
 * not included: the client rebuilds them from the server.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { requireRedacted, type SecretNotRedacted } from "../crypto/secret.ts"
import { AUTH_KEY_LENGTH, type DcSession, emptySession, type SessionData } from "./SessionData.ts"
import { makeMemory, SessionStorage } from "./SessionStorage.ts"
import { SessionStorageError } from "./SessionStorageError.ts"

/**
 * The format version {@link encodeStringSession} writes.
 */
export const STRING_SESSION_VERSION = 2

const FLAG_KEY = 1
const FLAG_USER = 2
const FLAG_BOT = 4
const HEADER = 4
const KEY_PART = AUTH_KEY_LENGTH + 8 + 4
const USER_PART = 8

/**
 * Packs the home DC (with its key, salt and time offset) and the user id of a session.
 */
export const encodeStringSession = (data: SessionData): Redacted.Redacted<string> => {
  const keyed = [...data.dcs.entries()].filter(([, dc]) => dc.authKey !== undefined)
    // The home DC first: a reader that only wants one key takes that one.
    .sort(([a], [b]) => (a === data.homeDc ? -1 : b === data.homeDc ? 1 : a - b))
    .slice(0, 255)
  const flags = (data.user === undefined ? 0 : FLAG_USER) | (data.user?.bot === true ? FLAG_BOT : 0)
  const bytes = new Uint8Array(HEADER + 1 + keyed.length * (2 + KEY_PART) + (data.user === undefined ? 0 : USER_PART))
  const view = new DataView(bytes.buffer)
  bytes[0] = STRING_SESSION_VERSION
  bytes[1] = flags
  view.setInt16(2, data.homeDc ?? 0, true)
  bytes[HEADER] = keyed.length
  let at = HEADER + 1
  for (const [dcId, dc] of keyed) {
    view.setInt16(at, dcId, true)
    bytes.set(Redacted.value(dc.authKey!), at + 2)
    view.setBigInt64(at + 2 + AUTH_KEY_LENGTH, BigInt.asIntN(64, dc.salt), true)
    view.setInt32(at + 2 + AUTH_KEY_LENGTH + 8, dc.timeOffset, true)
    at += 2 + KEY_PART
  }
  if (data.user !== undefined) view.setBigInt64(at, BigInt.asIntN(64, data.user.id), true)
  return Redacted.make(Buffer.from(bytes).toString("base64url"))
}

const corrupt = (detail: string) =>
  Either.left(new SessionStorageError({ reason: "Corrupt", detail: `string session: ${detail}` }))

const decodeV2 = (bytes: Uint8Array): Either.Either<SessionData, SessionStorageError> => {
  const flags = bytes[1]!
  if ((flags & ~(FLAG_USER | FLAG_BOT)) !== 0) return corrupt("unknown flags")
  if ((flags & FLAG_BOT) !== 0 && (flags & FLAG_USER) === 0) return corrupt("bot flag without a user")
  if (bytes.length < HEADER + 1) return corrupt("too short")
  const count = bytes[HEADER]!
  const expected = HEADER + 1 + count * (2 + KEY_PART) + ((flags & FLAG_USER) !== 0 ? USER_PART : 0)
  if (bytes.length !== expected) return corrupt(`length ${bytes.length}, expected ${expected}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const homeDc = view.getInt16(2, true)
  const dcs = new Map<number, DcSession>()
  let at = HEADER + 1
  for (let i = 0; i < count; i++) {
    const dcId = view.getInt16(at, true)
    if (dcId <= 0 || dcs.has(dcId)) return corrupt(`bad DC id ${dcId}`)
    dcs.set(dcId, {
      authKey: Redacted.make(bytes.slice(at + 2, at + 2 + AUTH_KEY_LENGTH)),
      salt: view.getBigInt64(at + 2 + AUTH_KEY_LENGTH, true),
      timeOffset: view.getInt32(at + 2 + AUTH_KEY_LENGTH + 8, true)
    })
    at += 2 + KEY_PART
  }
  return Either.right({
    ...emptySession,
    homeDc: homeDc === 0 ? undefined : homeDc,
    dcs,
    user: (flags & FLAG_USER) !== 0 ? { id: view.getBigInt64(at, true), bot: (flags & FLAG_BOT) !== 0 } : undefined
  })
}

/**
 * Unpacks a string session. An empty string (or only whitespace) is an empty session; anything
 * that is not a well-formed version-1 or version-2 string fails with `Corrupt` (or `UnsupportedVersion`).
 */
export const decodeStringSession = (
  session: Redacted.Redacted<string>
): Either.Either<SessionData, SessionStorageError> => {
  const text = Redacted.value(session).trim()
  if (text === "") return Either.right(emptySession)
  // Buffer's decoder skips characters it does not know; a typo must not become a different key.
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return corrupt("not base64url")
  const bytes = new Uint8Array(Buffer.from(text, "base64url"))
  if (bytes.length < HEADER) return corrupt("too short")
  if (bytes[0] === 2) return decodeV2(bytes)
  if (bytes[0] !== 1) {
    return Either.left(
      new SessionStorageError({ reason: "UnsupportedVersion", detail: `string session version ${bytes[0]}` })
    )
  }
  const flags = bytes[1]! // within HEADER
  if ((flags & ~(FLAG_KEY | FLAG_USER | FLAG_BOT)) !== 0) return corrupt("unknown flags")
  if ((flags & FLAG_BOT) !== 0 && (flags & FLAG_USER) === 0) return corrupt("bot flag without a user")
  const expected = HEADER + ((flags & FLAG_KEY) !== 0 ? KEY_PART : 0) + ((flags & FLAG_USER) !== 0 ? USER_PART : 0)
  if (bytes.length !== expected) return corrupt(`length ${bytes.length}, expected ${expected}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const homeDc = view.getInt16(2, true)
  if ((flags & FLAG_KEY) !== 0 && homeDc === 0) return corrupt("auth key without a DC")
  let at = HEADER
  const dcs = new Map<number, DcSession>()
  if ((flags & FLAG_KEY) !== 0) {
    dcs.set(homeDc, {
      authKey: Redacted.make(bytes.slice(at, at + AUTH_KEY_LENGTH)),
      salt: view.getBigInt64(at + AUTH_KEY_LENGTH, true),
      timeOffset: view.getInt32(at + AUTH_KEY_LENGTH + 8, true)
    })
    at += KEY_PART
  }
  return Either.right({
    ...emptySession,
    homeDc: homeDc === 0 ? undefined : homeDc,
    dcs,
    user: (flags & FLAG_USER) !== 0 ? { id: view.getBigInt64(at, true), bot: (flags & FLAG_BOT) !== 0 } : undefined
  })
}

/**
 * The export side of {@link layerString}.
 */
export interface StringSessionShape {
  /** The current state as a string session (see the module docs for what it keeps). */
  readonly export: Effect.Effect<Redacted.Redacted<string>>
}

/** Exports and imports a session as one base64url string (every DC's key and the home DC). */
export class StringSession extends Context.Tag("effect-mtproto/StringSession")<StringSession, StringSessionShape>() {}

/**
 * A memory session seeded from a string session (empty without one), with its
 * {@link StringSession} exporter. Fails to build when the string does not decode, or with
 * `SecretNotRedacted` when it is a plain string.
 */
export const layerString = (
  initial?: Redacted.Redacted<string>
): Layer.Layer<SessionStorage | StringSession, SessionStorageError | SecretNotRedacted> =>
  Layer.effectContext(Effect.gen(function*() {
    // It holds auth keys: a plain string is refused before it can end up in a log.
    if (initial !== undefined) yield* requireRedacted("the string session (layerString)", initial)
    const data = initial === undefined ? emptySession : yield* Either.match(decodeStringSession(initial), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    const storage = yield* makeMemory(data)
    return Context.make(SessionStorage, storage).pipe(
      Context.add(StringSession, { export: Effect.map(storage.load, encodeStringSession) })
    )
  }))
