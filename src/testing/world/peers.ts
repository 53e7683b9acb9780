/**
 * How the World names a chat: a user (private chat), a basic group or a channel (supergroup
 * or broadcast), and the keys its maps use. User, chat and channel ids are separate number
 * spaces, so a key carries the kind.
 */
import type { Api } from "../../tl/index.ts"

/** What a World peer is: a user, a basic group or a channel. */
export type WorldPeerKind = "user" | "chat" | "channel"

/**
 * A peer of the World: `{ kind: "user", id }` for a private chat with that user, `"chat"` for a
 * basic group, `"channel"` for a supergroup or broadcast channel. `WorldChat` and
 * `WorldChannel` objects are themselves WorldPeers.
 */
export interface WorldPeer {
  readonly kind: WorldPeerKind
  readonly id: bigint
}

/**
 * What the World's acting functions take for a peer: a user id, a user (anything with an
 * `id` and no `kind`), or a {@link WorldPeer} (a chat or channel object works as is).
 */
export type PeerRef = bigint | { readonly id: bigint; readonly kind?: WorldPeerKind | undefined }

/**
 * The {@link WorldPeer} a {@link PeerRef} names.
 */
export const toWorldPeer = (ref: PeerRef): WorldPeer =>
  typeof ref === "bigint" ? { kind: "user", id: ref } : { kind: ref.kind ?? "user", id: ref.id }

/** A map key for a peer: `u1`, `c2`, `h3` (cHannel). */
export type PeerKey = string

const PREFIX = { user: "u", chat: "c", channel: "h" } as const

/** The map key of a peer. */
export const peerKey = (peer: WorldPeer): PeerKey => `${PREFIX[peer.kind]}${peer.id}`

/** The peer a key names. */
export const peerOfKey = (key: PeerKey): WorldPeer => ({
  kind: key[0] === "u" ? "user" : key[0] === "c" ? "chat" : "channel",
  id: BigInt(key.slice(1))
})

/** The wire `Peer` of a World peer. */
export const apiPeer = (peer: WorldPeer): Api.Peer =>
  peer.kind === "user"
    ? { _tag: "peerUser", user_id: peer.id }
    : peer.kind === "chat"
    ? { _tag: "peerChat", chat_id: peer.id }
    : { _tag: "peerChannel", channel_id: peer.id }
