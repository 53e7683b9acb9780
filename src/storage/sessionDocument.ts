/**
 * The JSON document of a session file (`layerFile`), validated with `effect/Schema`. Loaded by
 * `SessionFile.ts` when a file is first opened, so that clients without a session file never
 * load `effect/Schema`.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { PeerEntry } from "./PeerCache.ts"
import { markedPeerId } from "./PeerCache.ts"
import { AUTH_KEY_LENGTH, type DcSession, type SessionData } from "./SessionData.ts"
import { DOCUMENT_KIND, DOCUMENT_VERSION } from "./SessionFile.ts"
import { SessionStorageError } from "./SessionStorageError.ts"

const AuthKey = Schema.Redacted(
  Schema.Uint8ArrayFromBase64.pipe(
    Schema.filter((b) => b.length === AUTH_KEY_LENGTH || `an auth key has ${AUTH_KEY_LENGTH} bytes`)
  )
)

const PeerKindSchema = Schema.Literal("user", "chat", "channel")

/**
 * The on-disk document (version 1): bigints are decimal strings, the auth keys base64.
 */
export const SessionDocument = Schema.Struct({
  kind: Schema.Literal(DOCUMENT_KIND),
  version: Schema.Literal(DOCUMENT_VERSION),
  homeDc: Schema.NullOr(Schema.Int),
  dcs: Schema.Array(Schema.Struct({
    id: Schema.Int,
    authKey: Schema.optional(AuthKey),
    salt: Schema.BigInt,
    timeOffset: Schema.Int
  })),
  user: Schema.NullOr(Schema.Struct({
    id: Schema.BigInt,
    bot: Schema.Boolean,
    username: Schema.optional(Schema.String)
  })),
  updateState: Schema.NullOr(Schema.Struct({
    pts: Schema.Int,
    qts: Schema.Int,
    date: Schema.Int,
    seq: Schema.Int,
    // Optional so that documents written before channels were tracked still load; builds
    // that predate it ignore the extra key.
    channels: Schema.optional(Schema.Array(Schema.Struct({ id: Schema.BigInt, pts: Schema.Int })))
  })),
  peers: Schema.Array(Schema.Struct({
    id: Schema.BigInt,
    kind: PeerKindSchema,
    accessHash: Schema.optional(Schema.BigInt),
    min: Schema.Boolean,
    username: Schema.optional(Schema.String),
    usernames: Schema.optional(Schema.Array(Schema.String)),
    phone: Schema.optional(Schema.String),
    updatedAt: Schema.Number
  }))
})

type Document = typeof SessionDocument.Type

// Omits absent optional values: `exactOptionalPropertyTypes` forbids `{ x: undefined }`.
const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

const toDocument = (data: SessionData): Document => ({
  kind: DOCUMENT_KIND,
  version: DOCUMENT_VERSION,
  homeDc: data.homeDc ?? null,
  dcs: Array.from(data.dcs, ([id, dc]) => ({
    id,
    ...opt("authKey", dc.authKey),
    salt: dc.salt,
    timeOffset: dc.timeOffset
  })),
  user: data.user === undefined ? null : {
    id: data.user.id,
    bot: data.user.bot,
    ...opt("username", data.user.username)
  },
  updateState: data.updateState === undefined ? null : {
    pts: data.updateState.pts,
    qts: data.updateState.qts,
    date: data.updateState.date,
    seq: data.updateState.seq,
    ...opt("channels", data.updateState.channels && Array.from(data.updateState.channels, ([id, pts]) => ({ id, pts })))
  },
  peers: Array.from(data.peers.values(), (p) => ({
    id: p.id,
    kind: p.kind,
    ...opt("accessHash", p.accessHash),
    min: p.min,
    ...opt("username", p.username),
    ...opt("usernames", p.usernames),
    ...opt("phone", p.phone),
    updatedAt: p.updatedAt
  }))
})

const fromDocument = (doc: Document): SessionData => ({
  homeDc: doc.homeDc ?? undefined,
  dcs: new Map(doc.dcs.map((dc): [number, DcSession] => [dc.id, {
    ...opt("authKey", dc.authKey),
    salt: dc.salt,
    timeOffset: dc.timeOffset
  }])),
  user: doc.user ?? undefined,
  updateState: doc.updateState === null ? undefined : {
    pts: doc.updateState.pts,
    qts: doc.updateState.qts,
    date: doc.updateState.date,
    seq: doc.updateState.seq,
    ...opt("channels", doc.updateState.channels && new Map(doc.updateState.channels.map((c): [bigint, number] => [c.id, c.pts])))
  },
  peers: new Map(doc.peers.map((p): [bigint, PeerEntry] => [markedPeerId(p.kind, p.id), {
    ...p,
    accessHash: p.accessHash
  }]))
})

const encodeDocument = Schema.encodeSync(SessionDocument)
const decodeDocument = Schema.decodeUnknownEither(SessionDocument)

/**
 * Serializes a session as the JSON text of a version-1 document.
 */
export const encodeJson = (data: SessionData): string => JSON.stringify(encodeDocument(toDocument(data)), null, 2) + "\n"

/**
 * Parses the JSON text of a session document: `Corrupt` for bad JSON or a schema failure,
 * `Foreign` without our `kind` marker, `UnsupportedVersion` for a newer format.
 */
export const decodeJson = (text: string, path?: string): Either.Either<SessionData, SessionStorageError> => {
  const fail = (reason: SessionStorageError["reason"], detail: string, cause?: unknown) =>
    Either.left(new SessionStorageError({ reason, detail, ...opt("path", path), ...opt("cause", cause) }))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return fail("Corrupt", "not valid JSON", cause)
  }
  if (typeof json !== "object" || json === null || (json as { kind?: unknown }).kind !== DOCUMENT_KIND) {
    return fail("Foreign", `not an ${DOCUMENT_KIND} document`)
  }
  const version = (json as { version?: unknown }).version
  if (typeof version === "number" && version > DOCUMENT_VERSION) {
    return fail("UnsupportedVersion", `document version ${version}, this build reads ${DOCUMENT_VERSION}`)
  }
  return Either.match(decodeDocument(json), {
    onLeft: (issue) => fail("Corrupt", ParseResult.TreeFormatter.formatErrorSync(issue)),
    onRight: (doc) => Either.right(fromDocument(doc))
  })
}

