/**
 * `Peers`: turning what a user writes (`"me"`, `"@durov"`, `"t.me/durov"`, `"+15550001"`, an
 * id, a `Peer`, an `InputPeer`) into the `InputPeer` API methods take. The session's peer cache
 * answers first; then the right method asks the server (`contacts.resolveUsername`,
 * `contacts.resolvePhone`, `users.getUsers`, `messages.getChats`, `channels.getChannels`), whose
 * answer fills the cache. A peer the client only knows from a min constructor resolves through
 * the message it was seen in (`inputPeerUserFromMessage` / `inputPeerChannelFromMessage`).
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const durov = yield* Peers.resolve("@durov")
 *   const saved = yield* Peers.resolve("me")
 * })
 * ```
 */
import * as Effect from "effect/Effect"
import type { Api } from "../../tl/index.ts"
import { Client } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import { peerOfInput } from "./inputPeers.ts"
import { PeerNotFound } from "./PeerNotFound.ts"
import { describeRef, type PeerRef } from "./ref.ts"
import { resolveRef } from "./resolve.ts"

export { inputChannelOf, inputPeerOfEntity, inputUserOf, peerOfInput, samePeer } from "./inputPeers.ts"
export { PeerNotFound, type PeerNotFoundReason } from "./PeerNotFound.ts"
export { type ParsedRef, parseRef, type PeerRef } from "./ref.ts"

/**
 * The `InputPeer` for `ref`: the peer cache first, then the server.
 *
 * - `"me"` / `"self"` / `inputPeerSelf`: the logged-in account (`inputPeerSelf`).
 * - `"@username"`, `"username"`, `"t.me/username"`: `contacts.resolveUsername`.
 * - `"+15550001"`: `contacts.resolvePhone`.
 * - an id (`number`, `bigint` or digit string, Bot API style: `-123` a basic group, `-100…` a
 *   channel) or an `Api.Peer`: the cache, else `users.getUsers` / `messages.getChats` /
 *   `channels.getChannels`.
 * - an `Api.InputPeer`: itself.
 *
 * Fails with {@link PeerNotFound} when nobody answers to `ref`.
 */
export const resolve: (ref: PeerRef) => Effect.Effect<Api.InputPeer, PeerNotFound | ClientError, Client> = Effect.fn(
  "Peers.resolve"
)((ref: PeerRef) => resolveRef(ref))

/**
 * The `Peer` (`peer_id` form) of a reference: resolves it, then names it by id (the logged-in
 * user's id for `"me"`).
 */
export const resolvePeer: (ref: PeerRef) => Effect.Effect<Api.Peer, PeerNotFound | ClientError, Client> = Effect.fn(
  "Peers.resolvePeer"
)(function*(ref: PeerRef) {
  const client = yield* Client
  const input = yield* resolveRef(ref)
  const self = input._tag === "inputPeerSelf" ? (yield* client.peers.selfId) ?? (yield* client.getMe).id : undefined
  const peer = peerOfInput(input, self)
  return peer ?? (yield* new PeerNotFound({ ref: describeRef(ref), reason: "Malformed" }))
})
