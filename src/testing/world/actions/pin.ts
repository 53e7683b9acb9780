/**
 * Pinning and unpinning a message. Each copy's owner (only the actor with `pmOneside`) gets
 * `updatePinnedMessages` with pts +1; in a channel, the channel's pts advances by 1
 * (`updatePinnedChannelMessages`). Pinning for everyone also posts the
 * `messageActionPinMessage` service message, as Telegram does.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { hasRight } from "../Channel.ts"
import { readable, visibleMessage } from "../inputs.ts"
import { apiPeer, type WorldPeer } from "../peers.ts"
import { boxOf, fail, type MessageStore, type Origin } from "../Store.ts"
import { addUpdates, announce } from "./announce.ts"
import { checkCanPost, post } from "./post.ts"

/** How a message is pinned or unpinned (silently, for one side of a private chat). */
export interface PinOptions {
  readonly unpin?: boolean | undefined
  readonly silent?: boolean | undefined
  /** Private chats: pin for the actor only. */
  readonly pmOneside?: boolean | undefined
}

/**
 * `user` pins (or unpins) message `id` of `peer`.
 */
export const pinMessage = (
  store: MessageStore,
  user: WorldUser,
  peer: WorldPeer,
  id: number,
  options: PinOptions,
  date: number,
  origin: Origin
): Api.Updates => {
  const pinned = options.unpin !== true
  const channel = peer.kind === "channel" ? store.channels.get(peer.id) : undefined
  if (channel !== undefined) {
    readable(channel, user.id)
    if (!hasRight(channel, user.id, "pin_messages")) return fail(400, "CHAT_ADMIN_REQUIRED")
  }
  const msg = visibleMessage(store, user.id, peer, id)
  if (msg === undefined || msg.action !== undefined) return fail(400, "MESSAGE_ID_INVALID")
  const oneSide = options.pmOneside === true && peer.kind === "user"
  const announceIt = pinned && !oneSide
  if (announceIt) checkCanPost(store, user, peer)

  const perUser = new Map<bigint, Array<Api.Update>>()
  if (channel !== undefined) {
    msg.pinned = pinned
    const update = channel.log.advance(date, 1, (pts) => ({
      _tag: "updatePinnedChannelMessages",
      ...(pinned ? { pinned: true } : {}),
      channel_id: channel.id,
      messages: [id],
      pts,
      pts_count: 1
    }))
    for (const member of channel.members.keys()) addUpdates(perUser, member, update)
  } else {
    const copies = oneSide ? new Map([[user.id, id]]) : store.copies.get(msg.globalId) ?? new Map<bigint, number>()
    for (const [owner, copyId] of copies) {
      const box = boxOf(store, owner)
      const copy = box.messages.get(copyId)
      if (copy === undefined) continue
      copy.pinned = pinned
      addUpdates(perUser, owner, box.log.advance(date, 1, (pts) => ({
        _tag: "updatePinnedMessages",
        ...(pinned ? { pinned: true } : {}),
        peer: apiPeer(copy.peer),
        messages: [copyId],
        pts,
        pts_count: 1
      })))
    }
  }
  if (announceIt) {
    const posted = post(store, user, peer, [{
      text: "",
      entities: [],
      action: { _tag: "messageActionPinMessage" },
      replyToId: id,
      silent: options.silent
    }], date)
    for (const [u, list] of posted.perUser) addUpdates(perUser, u, ...list)
  }
  return announce(store, user.id, perUser, date, origin)
}
