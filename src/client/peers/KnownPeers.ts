/**
 * What the Client knows about peers: the session's peer cache (users, basic groups and
 * channels with their access hashes, usernames and phones, persisted with the session), and in
 * memory the last message each user and channel was seen in, for min peers. The Client feeds
 * it every answer and every pushed update.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  markedPeerId,
  type PeerEntry,
  type PeerKind,
  peersFromObjects,
  type SessionStorageShape
} from "../../storage/index.ts"
import { type MessageContext, sightings } from "./messageContexts.ts"

/** The peers a client has seen, by id and username, with the access hashes to address them. */
export interface KnownPeers {
  /** Learns the peers (and where users and channels were seen) in any TL value. */
  readonly remember: (value: unknown) => Effect.Effect<void>
  /** A cached peer by kind and raw id. */
  readonly get: (kind: PeerKind, id: bigint) => Effect.Effect<Option.Option<PeerEntry>>
  /** A cached peer by username (case-insensitive, `@` optional). */
  readonly byUsername: (username: string) => Effect.Effect<Option.Option<PeerEntry>>
  /** A cached user by phone (digits only). */
  readonly byPhone: (phone: string) => Effect.Effect<Option.Option<PeerEntry>>
  /** The logged-in user's id, if logged in. */
  readonly selfId: Effect.Effect<bigint | undefined>
  /** The last message a user or channel was seen in (this run only). */
  readonly seenIn: (kind: Exclude<PeerKind, "chat">, id: bigint) => MessageContext | undefined
}

/** How many message contexts are kept (the oldest are forgotten). */
export const CONTEXT_MEMORY = 10_000

/**
 * A KnownPeers over the session's storage.
 */
export const makeKnownPeers = (storage: SessionStorageShape): KnownPeers => {
  // Owned by this object; JavaScript runs one `remember` at a time.
  const contexts = new Map<bigint, MessageContext>()
  return {
    remember: (value) =>
      Effect.suspend(() => {
        // Within one answer the first sighting wins (histories list the newest message first);
        // a later answer replaces older contexts.
        const fresh = new Set<bigint>()
        for (const s of sightings(value)) {
          const key = markedPeerId(s.kind, s.id)
          if (fresh.has(key)) continue
          fresh.add(key)
          contexts.delete(key) // re-inserted last: most recently seen
          contexts.set(key, s.context)
          if (contexts.size > CONTEXT_MEMORY) contexts.delete(contexts.keys().next().value!)
        }
        const peers = peersFromObjects(value)
        return peers.length === 0 ? Effect.void : Effect.ignoreLogged(storage.upsertPeers(peers))
      }),
    get: storage.getPeer,
    byUsername: storage.peerByUsername,
    byPhone: (phone) =>
      Effect.map(storage.load, (data) => {
        let found: PeerEntry | undefined
        for (const p of data.peers.values()) {
          if (p.kind === "user" && p.phone === phone && (found === undefined || p.updatedAt > found.updatedAt)) found = p
        }
        return Option.fromNullable(found)
      }),
    selfId: Effect.map(storage.load, (data) => data.user?.id),
    seenIn: (kind, id) => contexts.get(markedPeerId(kind, id))
  }
}
