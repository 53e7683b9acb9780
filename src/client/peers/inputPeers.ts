/**
 * Conversions between the peer forms (pure): the `InputPeer` of a cached entry or of a user or
 * chat object, the `InputUser`/`InputChannel` an `InputPeer` stands for, and the `Peer` a
 * message's `peer_id` would have.
 */
import type { PeerEntry } from "../../storage/index.ts"
import type { Api } from "../../tl/index.ts"

/**
 * The `InputPeer` of a full cache entry (`undefined` for a min or hash-less one).
 */
export const inputPeerOfEntry = (entry: PeerEntry): Api.InputPeer | undefined => {
  if (entry.kind === "chat") return { _tag: "inputPeerChat", chat_id: entry.id }
  if (entry.min || entry.accessHash === undefined) return undefined
  return entry.kind === "user"
    ? { _tag: "inputPeerUser", user_id: entry.id, access_hash: entry.accessHash }
    : { _tag: "inputPeerChannel", channel_id: entry.id, access_hash: entry.accessHash }
}

/**
 * The `InputPeer` of a `User` or `Chat` object (`undefined` for empty, min or hash-less ones).
 */
export const inputPeerOfEntity = (entity: Api.User | Api.Chat, selfId?: bigint): Api.InputPeer | undefined => {
  switch (entity._tag) {
    case "user":
      if (entity.self === true || entity.id === selfId) return { _tag: "inputPeerSelf" }
      return entity.min === true || entity.access_hash === undefined
        ? undefined
        : { _tag: "inputPeerUser", user_id: entity.id, access_hash: entity.access_hash }
    case "chat":
    case "chatForbidden":
      return { _tag: "inputPeerChat", chat_id: entity.id }
    case "channel":
      return entity.min === true || entity.access_hash === undefined
        ? undefined
        : { _tag: "inputPeerChannel", channel_id: entity.id, access_hash: entity.access_hash }
    case "channelForbidden":
      return { _tag: "inputPeerChannel", channel_id: entity.id, access_hash: entity.access_hash }
    default:
      return undefined
  }
}

/**
 * The `InputChannel` an `InputPeer` names, if it is a channel.
 */
export const inputChannelOf = (peer: Api.InputPeer): Api.InputChannel | undefined =>
  peer._tag === "inputPeerChannel"
    ? { _tag: "inputChannel", channel_id: peer.channel_id, access_hash: peer.access_hash }
    : peer._tag === "inputPeerChannelFromMessage"
    ? { _tag: "inputChannelFromMessage", peer: peer.peer, msg_id: peer.msg_id, channel_id: peer.channel_id }
    : undefined

/**
 * The `InputUser` an `InputPeer` names, if it is a user.
 */
export const inputUserOf = (peer: Api.InputPeer): Api.InputUser | undefined =>
  peer._tag === "inputPeerSelf"
    ? { _tag: "inputUserSelf" }
    : peer._tag === "inputPeerUser"
    ? { _tag: "inputUser", user_id: peer.user_id, access_hash: peer.access_hash }
    : peer._tag === "inputPeerUserFromMessage"
    ? { _tag: "inputUserFromMessage", peer: peer.peer, msg_id: peer.msg_id, user_id: peer.user_id }
    : undefined

/**
 * The `Peer` an `InputPeer` names (`selfId` for inputPeerSelf); `undefined` for inputPeerEmpty.
 */
export const peerOfInput = (peer: Api.InputPeer, selfId: bigint | undefined): Api.Peer | undefined => {
  switch (peer._tag) {
    case "inputPeerSelf":
      return selfId === undefined ? undefined : { _tag: "peerUser", user_id: selfId }
    case "inputPeerUser":
    case "inputPeerUserFromMessage":
      return { _tag: "peerUser", user_id: peer.user_id }
    case "inputPeerChat":
      return { _tag: "peerChat", chat_id: peer.chat_id }
    case "inputPeerChannel":
    case "inputPeerChannelFromMessage":
      return { _tag: "peerChannel", channel_id: peer.channel_id }
    case "inputPeerEmpty":
      return undefined
  }
}

/**
 * Whether two `Peer`s are the same chat.
 */
export const samePeer = (a: Api.Peer, b: Api.Peer): boolean =>
  a._tag === "peerUser"
    ? b._tag === "peerUser" && a.user_id === b.user_id
    : a._tag === "peerChat"
    ? b._tag === "peerChat" && a.chat_id === b.chat_id
    : b._tag === "peerChannel" && a.channel_id === b.channel_id
