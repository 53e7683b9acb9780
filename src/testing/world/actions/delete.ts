/**
 * Deleting messages. In private chats and basic groups a user deletes copies in their own box
 * (`revoke`: everyone's copies, for their own messages, any message of a private chat, or as a
 * group's creator or admin); each owner's pts advances by the number of their copies deleted
 * (`updateDeleteMessages`). In a channel the messages go for everyone and the channel's pts
 * advances by their number (`updateDeleteChannelMessages`).
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { hasRight, type WorldChannel } from "../Channel.ts"
import { readable } from "../inputs.ts"
import { peerKey } from "../peers.ts"
import { boxOf, fail, type MessageStore, type Origin } from "../Store.ts"
import type { StoredMessage } from "../StoredMessage.ts"
import { removeId } from "../UserBox.ts"
import { addUpdates, announce } from "./announce.ts"

/** Whether `user` may delete `msg` (from `user`'s box) for everyone. */
const mayRevoke = (store: MessageStore, user: bigint, msg: StoredMessage): boolean => {
  if (msg.out || msg.peer.kind === "user") return true
  const chat = store.chats.get(msg.peer.id)
  return chat !== undefined && (chat.creatorId === user || chat.participants.get(user)?.admin === true)
}

/**
 * `user` deletes messages `ids` of their box.
 */
export const deleteMessages = (
  store: MessageStore,
  user: WorldUser,
  ids: ReadonlyArray<number>,
  revoke: boolean,
  date: number,
  origin: Origin
): Api.messages.affectedMessages => {
  const box = boxOf(store, user.id)
  // Owner → ids of their copies to delete.
  const doomed = new Map<bigint, Array<number>>()
  const add = (owner: bigint, id: number) => {
    const list = doomed.get(owner)
    if (list === undefined) doomed.set(owner, [id])
    else if (!list.includes(id)) list.push(id)
  }
  for (const id of ids) {
    const msg = box.messages.get(id)
    if (msg === undefined) continue
    add(user.id, id)
    if (!revoke || !mayRevoke(store, user.id, msg)) continue
    for (const [owner, copyId] of store.copies.get(msg.globalId) ?? []) add(owner, copyId)
  }
  const perUser = new Map<bigint, Array<Api.Update>>()
  for (const [owner, list] of doomed) {
    const ownerBox = boxOf(store, owner)
    for (const id of list) {
      const msg = ownerBox.messages.get(id)!
      ownerBox.messages.delete(id)
      const peerIds = ownerBox.idsByPeer.get(peerKey(msg.peer))
      if (peerIds !== undefined) removeId(peerIds, id)
      const copies = store.copies.get(msg.globalId)
      copies?.delete(owner)
      if (copies?.size === 0) store.copies.delete(msg.globalId)
    }
    addUpdates(perUser, owner, ownerBox.log.advance(date, list.length, (pts) => ({
      _tag: "updateDeleteMessages",
      messages: list,
      pts,
      pts_count: list.length
    })))
  }
  announce(store, user.id, perUser, date, origin)
  return { _tag: "messages.affectedMessages", pts: box.log.pts, pts_count: doomed.get(user.id)?.length ?? 0 }
}

/**
 * `user` deletes messages `ids` of `channel` for everyone: their own, or any with the
 * delete_messages right (MESSAGE_DELETE_FORBIDDEN otherwise, and for the creation message).
 */
export const deleteChannelMessages = (
  store: MessageStore,
  user: WorldUser,
  channel: WorldChannel,
  ids: ReadonlyArray<number>,
  date: number,
  origin: Origin
): Api.messages.affectedMessages => {
  readable(channel, user.id)
  const found = [...new Set(ids)].filter((id) => channel.messages.has(id))
  for (const id of found) {
    const msg = channel.messages.get(id)!
    const own = msg.authorId === user.id && channel.members.has(user.id)
    if (msg.action?._tag === "messageActionChannelCreate" || !(own || hasRight(channel, user.id, "delete_messages"))) {
      return fail(403, "MESSAGE_DELETE_FORBIDDEN")
    }
  }
  if (found.length === 0) return { _tag: "messages.affectedMessages", pts: channel.log.pts, pts_count: 0 }
  for (const id of found) {
    channel.messages.delete(id)
    removeId(channel.ids, id)
  }
  const update = channel.log.advance(date, found.length, (pts) => ({
    _tag: "updateDeleteChannelMessages",
    channel_id: channel.id,
    messages: found,
    pts,
    pts_count: found.length
  }))
  const perUser = new Map<bigint, Array<Api.Update>>()
  for (const member of channel.members.keys()) addUpdates(perUser, member, update)
  announce(store, user.id, perUser, date, origin)
  return { _tag: "messages.affectedMessages", pts: update.pts, pts_count: found.length }
}
