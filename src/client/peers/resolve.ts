/**
 * The resolution behind `Peers.resolve` (see there), untraced so that the module functions
 * that resolve their peers (`Messages.send` ...) pay for one span, not two.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { PeerEntry, PeerKind } from "../../storage/index.ts"
import type { Api } from "../../tl/index.ts"
import { Client, type ClientShape } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import { inputPeerOfEntity, inputPeerOfEntry } from "./inputPeers.ts"
import type { KnownPeers } from "./KnownPeers.ts"
import { PeerNotFound, type PeerNotFoundReason } from "./PeerNotFound.ts"
import { describeRef, parseRef, type PeerRef } from "./ref.ts"

/** How deep the chain of "seen in" contexts may go (a min user seen in a chat known only as min ...). */
const MAX_CONTEXT_DEPTH = 3

/** The InputPeer of a cached entry, through the message it was seen in when it is min. */
const fromCache = (known: KnownPeers, kind: PeerKind, id: bigint, depth = 0): Effect.Effect<Api.InputPeer | undefined> =>
  Effect.flatMap(known.get(kind, id), (entry: Option.Option<PeerEntry>) => {
    if (Option.isNone(entry)) return Effect.succeed(undefined)
    const direct = inputPeerOfEntry(entry.value)
    if (direct !== undefined || kind === "chat" || depth >= MAX_CONTEXT_DEPTH) return Effect.succeed(direct)
    const context = known.seenIn(kind, id)
    if (context === undefined) return Effect.succeed(undefined)
    const chat = context.chat
    const chatKind: PeerKind = chat._tag === "peerUser" ? "user" : chat._tag === "peerChat" ? "chat" : "channel"
    const chatId = chat._tag === "peerUser" ? chat.user_id : chat._tag === "peerChat" ? chat.chat_id : chat.channel_id
    return Effect.map(fromCache(known, chatKind, chatId, depth + 1), (peer): Api.InputPeer | undefined =>
      peer === undefined
        ? undefined
        : kind === "user"
        ? { _tag: "inputPeerUserFromMessage", peer, msg_id: context.msgId, user_id: id }
        : { _tag: "inputPeerChannelFromMessage", peer, msg_id: context.msgId, channel_id: id })
  })

/** inputPeerSelf for the logged-in user's own id. */
const selfOr = (known: KnownPeers, peer: Api.InputPeer): Effect.Effect<Api.InputPeer> =>
  Effect.map(known.selfId, (self): Api.InputPeer =>
    self !== undefined && peer._tag === "inputPeerUser" && peer.user_id === self ? { _tag: "inputPeerSelf" } : peer)

/** Runs a resolving call; the errors that mean "nobody" become PeerNotFound. */
const asking = <A>(
  call: Effect.Effect<A, ClientError>,
  ref: PeerRef,
  reason: PeerNotFoundReason,
  nobody: ReadonlyArray<string>
): Effect.Effect<A, ClientError | PeerNotFound> =>
  Effect.catchIf(
    call,
    (e): e is ClientError => e._tag === "RpcError" && nobody.includes(e.message),
    () => Effect.fail(new PeerNotFound({ ref: describeRef(ref), reason }))
  )

/** The first User/Chat of an answer as an InputPeer, or PeerNotFound. */
const firstOf = (
  entities: ReadonlyArray<Api.User | Api.Chat>,
  ref: PeerRef,
  reason: PeerNotFoundReason,
  wanted?: (e: Api.User | Api.Chat) => boolean
): Effect.Effect<Api.InputPeer, PeerNotFound> => {
  for (const e of entities) {
    if (wanted !== undefined && !wanted(e)) continue
    const peer = inputPeerOfEntity(e)
    if (peer !== undefined) return Effect.succeed(peer)
  }
  return Effect.fail(new PeerNotFound({ ref: describeRef(ref), reason }))
}

const byId = (client: ClientShape, ref: PeerRef, kind: PeerKind, id: bigint) =>
  Effect.gen(function*() {
    const cached = yield* fromCache(client.peers, kind, id)
    if (cached !== undefined) return cached
    // Not cached: ask with access_hash 0, which the server accepts only where it would anyway
    // (e.g. for bots); otherwise the peer is unknown.
    const unknown = ["USER_ID_INVALID", "PEER_ID_INVALID", "CHANNEL_INVALID", "CHANNEL_PRIVATE", "CHAT_ID_INVALID", "MSG_ID_INVALID"]
    if (kind === "user") {
      const users = yield* asking(client.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUser", user_id: id, access_hash: 0n }] }), ref, "Unknown", unknown)
      return yield* firstOf(users, ref, "Unknown", (u) => u.id === id)
    }
    if (kind === "chat") {
      const chats = yield* asking(client.invoke({ _tag: "messages.getChats", id: [id] }), ref, "Unknown", unknown)
      return yield* firstOf(chats.chats, ref, "Unknown", (c) => c.id === id)
    }
    const chats = yield* asking(
      client.invoke({ _tag: "channels.getChannels", id: [{ _tag: "inputChannel", channel_id: id, access_hash: 0n }] }),
      ref,
      "Unknown",
      unknown
    )
    return yield* firstOf(chats.chats, ref, "Unknown", (c) => c.id === id)
  })

/** The peer of the chat a `Peer` names. */
const entityMatches = (wanted: Api.Peer) => (e: Api.User | Api.Chat): boolean =>
  wanted._tag === "peerUser"
    ? e._tag === "user" && e.id === wanted.user_id
    : e._tag !== "user" && e._tag !== "userEmpty" && e.id === (wanted._tag === "peerChat" ? wanted.chat_id : wanted.channel_id)

/**
 * The cached entry found by a lookup, else what `method` (resolveUsername / resolvePhone)
 * answers. (Combinators, not `Effect.gen`: this runs on every send to a `"@username"`.)
 */
const cachedOr = (
  client: ClientShape,
  lookup: Effect.Effect<Option.Option<PeerEntry>>,
  ref: PeerRef,
  reason: PeerNotFoundReason,
  nobody: ReadonlyArray<string>,
  method: Api.contacts.resolveUsername | Api.contacts.resolvePhone
): Effect.Effect<Api.InputPeer, PeerNotFound | ClientError> => {
  const ask = Effect.suspend(() =>
    asking(client.invoke(method), ref, reason, nobody).pipe(
      Effect.flatMap((found) => firstOf([...found.users, ...found.chats], ref, reason, entityMatches(found.peer))),
      Effect.flatMap((peer) => selfOr(client.peers, peer))
    )
  )
  return Effect.flatMap(lookup, (cached) =>
    Option.isNone(cached)
      ? ask
      : Effect.flatMap(fromCache(client.peers, cached.value.kind, cached.value.id), (peer) =>
        peer === undefined ? ask : selfOr(client.peers, peer)))
}

/** `Peers.resolve` without its span. */
export const resolveRef = (ref: PeerRef): Effect.Effect<Api.InputPeer, PeerNotFound | ClientError, Client> =>
  Effect.flatMap(Client, (client): Effect.Effect<Api.InputPeer, PeerNotFound | ClientError> => {
    const parsed = parseRef(ref)
    switch (parsed._tag) {
      case "Malformed":
        return Effect.fail(new PeerNotFound({ ref: describeRef(ref), reason: "Malformed" }))
      case "Self":
        return Effect.succeed({ _tag: "inputPeerSelf" })
      case "Input":
        return Effect.succeed(parsed.input)
      case "Id":
        return Effect.flatMap(byId(client, ref, parsed.kind, parsed.id), (peer) => selfOr(client.peers, peer))
      case "Username":
        return cachedOr(client, client.peers.byUsername(parsed.username), ref, "UsernameNotOccupied", ["USERNAME_NOT_OCCUPIED", "USERNAME_INVALID"], {
          _tag: "contacts.resolveUsername",
          username: parsed.username
        })
      case "Phone":
        return cachedOr(client, client.peers.byPhone(parsed.phone), ref, "PhoneNotOccupied", ["PHONE_NOT_OCCUPIED", "PHONE_NUMBER_INVALID"], {
          _tag: "contacts.resolvePhone",
          phone: parsed.phone
        })
    }
  })
