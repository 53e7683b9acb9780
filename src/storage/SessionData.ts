/**
 * The state a client keeps between runs, as plain immutable data. Every storage backend holds
 * one `SessionData` value; the functions here are the pure updates the service applies.
 */
import type * as Redacted from "effect/Redacted"
import { markedPeerId, mergePeer, type PeerEntry, type PeerInfo, samePeerInfo } from "./PeerCache.ts"

/**
 * What the client knows about one data centre.
 */
export interface DcSession {
  /** The permanent auth key (256 bytes), once the handshake has made one. */
  readonly authKey?: Redacted.Redacted<Uint8Array> | undefined
  /** The last server salt (`0n` until the server sent one). */
  readonly salt: bigint
  /** server time − local time, seconds. */
  readonly timeOffset: number
}

/**
 * The logged-in account.
 */
export interface SelfUser {
  readonly id: bigint
  readonly bot: boolean
  readonly username?: string | undefined
}

/**
 * The update state (core.telegram.org/api/updates#fetching-state): the common one
 * (`updates.state`: pts, qts, date, seq), for gap recovery with `updates.getDifference`, and
 * the pts of each channel the client follows, for `updates.getChannelDifference`.
 */
export interface UpdateState {
  readonly pts: number
  readonly qts: number
  readonly date: number
  readonly seq: number
  /** Channel id → the channel's pts. Absent in sessions written before channels were tracked. */
  readonly channels?: ReadonlyMap<bigint, number> | undefined
}

/**
 * Everything a session remembers.
 */
export interface SessionData {
  /** The DC the account lives on; `undefined` before the first connection. */
  readonly homeDc: number | undefined
  /** Per DC id. */
  readonly dcs: ReadonlyMap<number, DcSession>
  /** `undefined` when not logged in. */
  readonly user: SelfUser | undefined
  readonly updateState: UpdateState | undefined
  /** Keyed by marked peer id (see `markedPeerId`). */
  readonly peers: ReadonlyMap<bigint, PeerEntry>
}

/**
 * A session that knows nothing.
 */
export const emptySession: SessionData = {
  homeDc: undefined,
  dcs: new Map(),
  user: undefined,
  updateState: undefined,
  peers: new Map()
}

/**
 * The size every MTProto auth key has.
 */
export const AUTH_KEY_LENGTH = 256

/**
 * Replaces one DC's entry through `f` (it gets `undefined` when the DC is unknown).
 */
export const updateDc = (
  data: SessionData,
  dc: number,
  f: (old: DcSession | undefined) => DcSession | undefined
): SessionData => {
  const next = f(data.dcs.get(dc))
  const dcs = new Map(data.dcs)
  if (next === undefined) dcs.delete(dc)
  else dcs.set(dc, next)
  return { ...data, dcs }
}

/**
 * Merges peers into the cache with `mergePeer`, stamping changed entries with `now`. Returns
 * the same object when nothing changed, so callers can skip a write.
 */
export const mergePeersInto = (data: SessionData, peers: Iterable<PeerInfo>, now: number): SessionData => {
  let copy: Map<bigint, PeerEntry> | undefined
  for (const peer of peers) {
    const key = markedPeerId(peer.kind, peer.id)
    const current = (copy ?? data.peers).get(key)
    const merged = mergePeer<PeerInfo>(current, peer)
    if (current !== undefined && samePeerInfo(current, merged)) continue
    copy ??= new Map(data.peers)
    copy.set(key, { ...merged, updatedAt: now })
  }
  return copy === undefined ? data : { ...data, peers: copy }
}

const normalizeUsername = (username: string): string =>
  (username.startsWith("@") ? username.slice(1) : username).toLowerCase()

/**
 * Username → entry, per peer map: built on the first lookup after the map changed (a change
 * makes a new map), so that sending to `"@username"` again and again costs a lookup, not a scan.
 */
const usernameIndexes = new WeakMap<ReadonlyMap<bigint, PeerEntry>, ReadonlyMap<string, PeerEntry>>()

const usernameIndex = (peers: ReadonlyMap<bigint, PeerEntry>): ReadonlyMap<string, PeerEntry> => {
  let index = usernameIndexes.get(peers)
  if (index === undefined) {
    const built = new Map<string, PeerEntry>()
    const claim = (name: string, peer: PeerEntry) => {
      const key = name.toLowerCase()
      const best = built.get(key)
      if (best === undefined || peer.updatedAt > best.updatedAt) built.set(key, peer)
    }
    for (const peer of peers.values()) {
      if (peer.username !== undefined) claim(peer.username, peer)
      for (const u of peer.usernames ?? []) claim(u, peer)
    }
    usernameIndexes.set(peers, built)
    index = built
  }
  return index
}

/**
 * The peer with this username (case-insensitive, a leading `@` ignored; collectible usernames
 * count). Usernames move between peers, so when several entries claim one the most recently
 * updated wins.
 */
export const findPeerByUsername = (data: SessionData, username: string): PeerEntry | undefined =>
  usernameIndex(data.peers).get(normalizeUsername(username))
