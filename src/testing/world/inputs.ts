/**
 * Resolving what a client names (`InputPeer`, `InputUser`, `InputChannel`) to World objects,
 * with Telegram's checks: the access hash must be the one the viewer was given (a min hash is
 * refused), a `…FromMessage` form must name a message the viewer can see that mentions the
 * peer, and private channels are readable by their members only. Failures throw the
 * `RpcFailure` Telegram answers with.
 */
import type { Api } from "../../tl/index.ts"
import type { WorldUser } from "./World.ts"
import type { WorldChannel } from "./Channel.ts"
import { peerKey, type WorldPeer } from "./peers.ts"
import { Refs, renderMessage } from "./render.ts"
import { boxOf, fail, type MessageStore } from "./Store.ts"
import type { StoredMessage } from "./StoredMessage.ts"

/** The message `id` of chat `peer` as `viewer` can see it. */
export const visibleMessage = (store: MessageStore, viewer: bigint, peer: WorldPeer, id: number): StoredMessage | undefined => {
  if (peer.kind === "channel") {
    const channel = store.channels.get(peer.id)
    if (channel === undefined || !canRead(channel, viewer)) return undefined
    return channel.messages.get(id)
  }
  const msg = boxOf(store, viewer).messages.get(id)
  return msg !== undefined && peerKey(msg.peer) === peerKey(peer) ? msg : undefined
}

/** Whether `viewer` may read `channel`: members always, anyone when it is public. */
export const canRead = (channel: WorldChannel, viewer: bigint): boolean =>
  channel.members.has(viewer) || channel.username !== undefined

/** `channel`, or CHANNEL_PRIVATE when `viewer` may not read it. */
export const readable = (channel: WorldChannel, viewer: bigint): WorldChannel =>
  canRead(channel, viewer) ? channel : fail(400, "CHANNEL_PRIVATE")

/** The refs of message `msgId` in `context` (for the …FromMessage forms), or PEER_ID_INVALID. */
const refsOfMessage = (store: MessageStore, viewer: WorldUser, context: Api.InputPeer, msgId: number): Refs => {
  const peer = resolveInputPeer(store, viewer, context)
  const msg = visibleMessage(store, viewer.id, peer, msgId) ?? fail(400, "PEER_ID_INVALID")
  return new Refs().message(renderMessage(msg, viewer.id))
}

const userFromMessage = (store: MessageStore, viewer: WorldUser, context: Api.InputPeer, msgId: number, userId: bigint): WorldUser => {
  const user = store.users.get(userId)
  if (user === undefined || !refsOfMessage(store, viewer, context, msgId).users.has(userId)) return fail(400, "PEER_ID_INVALID")
  return user
}

const channelFromMessage = (
  store: MessageStore,
  viewer: WorldUser,
  context: Api.InputPeer,
  msgId: number,
  channelId: bigint
): WorldChannel => {
  const channel = store.channels.get(channelId)
  if (channel === undefined || !refsOfMessage(store, viewer, context, msgId).channels.has(channelId)) {
    return fail(400, "CHANNEL_INVALID")
  }
  return channel
}

/**
 * The chat an `InputPeer` names for `viewer`.
 */
export const resolveInputPeer = (store: MessageStore, viewer: WorldUser, input: Api.InputPeer): WorldPeer => {
  switch (input._tag) {
    case "inputPeerEmpty":
      return fail(400, "PEER_ID_INVALID")
    case "inputPeerSelf":
      return { kind: "user", id: viewer.id }
    case "inputPeerUser": {
      const user = store.users.get(input.user_id)
      if (user === undefined || user.accessHash !== input.access_hash) return fail(400, "PEER_ID_INVALID")
      return { kind: "user", id: user.id }
    }
    case "inputPeerChat":
      return store.chats.has(input.chat_id) ? { kind: "chat", id: input.chat_id } : fail(400, "PEER_ID_INVALID")
    case "inputPeerChannel": {
      const channel = store.channels.get(input.channel_id)
      if (channel === undefined || channel.accessHash !== input.access_hash) return fail(400, "CHANNEL_INVALID")
      return channel
    }
    case "inputPeerUserFromMessage":
      return { kind: "user", id: userFromMessage(store, viewer, input.peer, input.msg_id, input.user_id).id }
    case "inputPeerChannelFromMessage":
      return channelFromMessage(store, viewer, input.peer, input.msg_id, input.channel_id)
  }
}

/**
 * The user an `InputUser` names for `viewer`.
 */
export const resolveInputUser = (store: MessageStore, viewer: WorldUser, input: Api.InputUser): WorldUser => {
  switch (input._tag) {
    case "inputUserEmpty":
      return fail(400, "USER_ID_INVALID")
    case "inputUserSelf":
      return viewer
    case "inputUser": {
      const user = store.users.get(input.user_id)
      return user !== undefined && user.accessHash === input.access_hash ? user : fail(400, "USER_ID_INVALID")
    }
    case "inputUserFromMessage":
      return userFromMessage(store, viewer, input.peer, input.msg_id, input.user_id)
  }
}

/**
 * The channel an `InputChannel` names for `viewer`.
 */
export const resolveInputChannel = (store: MessageStore, viewer: WorldUser, input: Api.InputChannel): WorldChannel => {
  switch (input._tag) {
    case "inputChannelEmpty":
      return fail(400, "CHANNEL_INVALID")
    case "inputChannel": {
      const channel = store.channels.get(input.channel_id)
      return channel !== undefined && channel.accessHash === input.access_hash ? channel : fail(400, "CHANNEL_INVALID")
    }
    case "inputChannelFromMessage":
      return channelFromMessage(store, viewer, input.peer, input.msg_id, input.channel_id)
  }
}
