/**
 * The peer cache: what the client remembers about users, basic groups and channels so it can
 * build `InputPeer`s later (an id alone is not enough; most peers need their `access_hash`).
 *
 * Entries are keyed by the *marked* peer id ({@link markedPeerId}) because raw user, chat and
 * channel ids are separate number spaces on the wire and can collide.
 *
 * The merge rule follows core.telegram.org/api/min: a `min` constructor's `access_hash` is only
 * valid together with the message it came in, so it never replaces a full one.
 */
import type { Api } from "../tl/index.ts"
import { walkObjects } from "../tl/walk.ts"

/** What a cached peer is: a user (bots included), a basic group, or a channel/supergroup. */
export type PeerKind = "user" | "chat" | "channel"

/**
 * A peer as extracted from TL objects, before it is stamped and stored.
 */
export interface PeerInfo {
  /** The raw id as in the TL object (`user.id`, `channel.id`, ...). */
  readonly id: bigint
  readonly kind: PeerKind
  /** `undefined` for basic groups (they have none) and when the server sent none. */
  readonly accessHash: bigint | undefined
  /** The access hash came from a `min` constructor (see the module docs). */
  readonly min: boolean
  /** The primary username, without `@`. */
  readonly username?: string | undefined
  /** Every active username, including the primary one (collectible usernames). */
  readonly usernames?: ReadonlyArray<string> | undefined
  /** Users only; digits without `+`. */
  readonly phone?: string | undefined
}

/**
 * A stored peer.
 */
export interface PeerEntry extends PeerInfo {
  /** When this entry last changed, epoch milliseconds (from `Clock`). */
  readonly updatedAt: number
}

// Bot API convention: chats are negated, channels are -(10^12 + id). It is the id format users
// know, and it keeps the three id spaces apart.
const CHANNEL_OFFSET = 1_000_000_000_000n

/**
 * The key of a peer in the cache: users as is, basic groups `-id`, channels `-(10^12 + id)`
 * (the Bot API's "marked" ids).
 */
export const markedPeerId = (kind: PeerKind, id: bigint): bigint =>
  kind === "user" ? id : kind === "chat" ? -id : -(CHANNEL_OFFSET + id)

/**
 * The inverse of {@link markedPeerId}.
 */
export const parseMarkedPeerId = (marked: bigint): { readonly kind: PeerKind; readonly id: bigint } =>
  marked >= 0n
    ? { kind: "user", id: marked }
    : marked > -CHANNEL_OFFSET
    ? { kind: "chat", id: -marked }
    : { kind: "channel", id: -marked - CHANNEL_OFFSET }

const sameStrings = (a: ReadonlyArray<string> | undefined, b: ReadonlyArray<string> | undefined): boolean => {
  if (a === b) return true
  if (a === undefined || b === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Whether two peers carry the same information (`updatedAt` ignored). Used to skip writes when
 * the server sends a peer we already know, which is most of the time.
 */
export const samePeerInfo = (a: PeerInfo, b: PeerInfo): boolean =>
  a.id === b.id && a.kind === b.kind && a.accessHash === b.accessHash && a.min === b.min &&
  a.username === b.username && a.phone === b.phone && sameStrings(a.usernames, b.usernames)

/**
 * Merges a newly seen peer into the known one (pure):
 * - nothing known: the new one;
 * - new is full (not `min`): it replaces the old one, as the schema asks for `user` ("all fields
 *   from the newly received constructor take priority"), except that a missing access hash keeps
 *   the old one (a hash never becomes wrong by the server not repeating it);
 * - new is `min`, old is full: the old access hash stays and the entry stays full; a username or
 *   phone the min constructor does carry is applied, a missing one does not erase (min
 *   constructors omit fields for privacy reasons);
 * - both `min`: the newer min access hash wins.
 */
export const mergePeer = <P extends PeerInfo>(old: P | undefined, incoming: P): P => {
  if (old === undefined) return incoming
  if (!incoming.min) {
    return incoming.accessHash === undefined && old.accessHash !== undefined
      ? { ...incoming, accessHash: old.accessHash, min: old.min }
      : incoming
  }
  const keepOld = !old.min
  const username = incoming.username ?? old.username
  const usernames = incoming.usernames ?? old.usernames
  const phone = incoming.phone ?? old.phone
  // built key by key so absent fields stay absent (no `username: undefined` keys)
  const { username: _u, usernames: _us, phone: _p, ...rest } = { ...old, ...incoming }
  return {
    ...rest,
    accessHash: keepOld ? old.accessHash : incoming.accessHash ?? old.accessHash,
    min: !keepOld,
    ...(username === undefined ? {} : { username }),
    ...(usernames === undefined ? {} : { usernames }),
    ...(phone === undefined ? {} : { phone })
  } as P
}

const activeUsernames = (list: ReadonlyArray<Api.Username> | undefined): ReadonlyArray<string> | undefined => {
  if (list === undefined) return undefined
  const out: Array<string> = []
  for (const u of list) if (u.active === true) out.push(u.username)
  return out.length === 0 ? undefined : out
}

const withNames = (
  base: { readonly id: bigint; readonly kind: PeerKind; readonly accessHash: bigint | undefined; readonly min: boolean },
  username: string | undefined,
  list: ReadonlyArray<Api.Username> | undefined,
  phone?: string
): PeerInfo => {
  const usernames = activeUsernames(list)
  // A user whose usernames are all collectible may have no `username` field; use the first one.
  const primary = username ?? usernames?.[0]
  return {
    ...base,
    ...(primary === undefined ? {} : { username: primary }),
    ...(usernames === undefined ? {} : { usernames }),
    ...(phone === undefined ? {} : { phone })
  }
}

/**
 * The peer entry of one TL `User`/`Chat` constructor, or `undefined` for the ones that carry
 * nothing worth caching (`userEmpty`, `chatEmpty`) and for any other value.
 */
export const peerFromObject = (value: unknown): PeerInfo | undefined => {
  if (typeof value !== "object" || value === null || !("_tag" in value)) return undefined
  const o = value as Api.User | Api.Chat
  switch (o._tag) {
    case "user":
      return withNames(
        { id: o.id, kind: "user", accessHash: o.access_hash, min: o.min === true },
        o.username,
        o.usernames,
        o.phone
      )
    case "channel":
      return withNames(
        { id: o.id, kind: "channel", accessHash: o.access_hash, min: o.min === true },
        o.username,
        o.usernames
      )
    case "channelForbidden":
      return { id: o.id, kind: "channel", accessHash: o.access_hash, min: false }
    case "chat":
    case "chatForbidden":
      return { id: o.id, kind: "chat", accessHash: undefined, min: false }
    default:
      return undefined
  }
}

const PEER_TAGS: ReadonlySet<string> = new Set(["user", "channel", "channelForbidden", "chat", "chatForbidden"])

/**
 * Collects every user and chat found anywhere in a TL value: the result of an `invoke`, an
 * update, or an array of them. Peers seen more than once are merged with {@link mergePeer} in
 * the order met; the result has one entry per marked id.
 *
 * The walk is iterative (no stack limit), visits each object once (safe on shared or cyclic
 * graphs), does not descend into a peer it took, and skips bytes, bigints, strings and numbers.
 */
export const peersFromObjects = (root: unknown): ReadonlyArray<PeerInfo> => {
  const found = new Map<bigint, PeerInfo>()
  walkObjects(root, (value) => {
    const tag = (value as { readonly _tag?: unknown })._tag
    if (typeof tag !== "string" || !PEER_TAGS.has(tag)) return true
    const peer = peerFromObject(value)
    if (peer !== undefined) {
      const key = markedPeerId(peer.kind, peer.id)
      found.set(key, mergePeer(found.get(key), peer))
    }
    return false
  })
  return Array.from(found.values())
}
