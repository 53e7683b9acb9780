/**
 * Posting new messages into a chat: the one place that numbers them. A private chat or basic
 * group gets a copy in every participant's box, under that box's next id, each copy advancing
 * its owner's pts by 1; a channel gets one message under its next id, advancing the channel's
 * pts by 1. Used by sending, forwarding and every service message.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { type WorldChannel, hasRight } from "../Channel.ts"
import { peerKey, type WorldPeer } from "../peers.ts"
import { renderMessage } from "../render.ts"
import { boxOf, fail, type MessageStore } from "../Store.ts"
import type { StoredMessage } from "../StoredMessage.ts"

/**
 * One message to post.
 */
export interface Draft {
  readonly text: string
  readonly entities: ReadonlyArray<Api.MessageEntity>
  readonly media?: Api.MessageMedia | undefined
  readonly action?: Api.MessageAction | undefined
  /** The replied-to message, by id as the author sees it. */
  readonly replyToId?: number | undefined
  readonly fwdFrom?: Api.MessageFwdHeader | undefined
  readonly silent?: boolean | undefined
  /** A bot's keyboard (checked by the caller). */
  readonly replyMarkup?: Api.ReplyMarkup | undefined
}

/**
 * What posting did.
 */
export interface Posted {
  /** The author's view of each new message, in order. */
  readonly sent: ReadonlyArray<Api.Message>
  /** The new-message updates (with pts) of every user who got the messages, in order. */
  readonly perUser: Map<bigint, Array<Api.Update>>
}

/** Who gets a copy (private chats and basic groups) or is told (channels). */
const audience = (store: MessageStore, author: bigint, dest: WorldPeer): ReadonlyArray<bigint> => {
  if (dest.kind === "user") return dest.id === author ? [author] : [author, dest.id]
  if (dest.kind === "chat") return [...(store.chats.get(dest.id)?.participants.keys() ?? [])]
  return [...(store.channels.get(dest.id)?.members.keys() ?? [])]
}

/**
 * Fails as Telegram does when `author` may not post into `dest`: a group they are not in
 * (CHAT_WRITE_FORBIDDEN), a broadcast channel without the post right (CHAT_ADMIN_REQUIRED), a
 * bot writing to a bot (USER_IS_BOT).
 */
export const checkCanPost = (store: MessageStore, author: WorldUser, dest: WorldPeer): void => {
  if (dest.kind === "user") {
    const to = store.users.get(dest.id) ?? fail(400, "PEER_ID_INVALID")
    if (author.bot === true && to.bot === true && to.id !== author.id) fail(400, "USER_IS_BOT")
    return
  }
  if (dest.kind === "chat") {
    const chat = store.chats.get(dest.id) ?? fail(400, "CHAT_ID_INVALID")
    if (!chat.participants.has(author.id)) fail(403, "CHAT_WRITE_FORBIDDEN")
    return
  }
  const channel = store.channels.get(dest.id) ?? fail(400, "CHANNEL_INVALID")
  if (!channel.members.has(author.id)) fail(403, "CHAT_WRITE_FORBIDDEN")
  if (channel.broadcast && !hasRight(channel, author.id, "post_messages")) fail(403, "CHAT_ADMIN_REQUIRED")
}

/** The id, in `owner`'s box, of the copy of the message `authorBoxId` of `author`'s box. */
const copyIn = (store: MessageStore, author: bigint, authorBoxId: number | undefined, owner: bigint): number | undefined => {
  if (authorBoxId === undefined) return undefined
  const original = store.boxes.get(author)?.messages.get(authorBoxId)
  return original === undefined ? undefined : store.copies.get(original.globalId)?.get(owner)
}

const postToChannel = (store: MessageStore, author: bigint, channel: WorldChannel, drafts: ReadonlyArray<Draft>, date: number): Posted => {
  const sent: Array<Api.Message> = []
  const perUser = new Map<bigint, Array<Api.Update>>()
  const members = [...channel.members.keys()]
  for (const m of members) perUser.set(m, [])
  for (const d of drafts) {
    const msg: StoredMessage = {
      id: channel.nextId++,
      peer: channel,
      authorId: author,
      out: false,
      date,
      text: d.text,
      entities: d.entities,
      editDate: undefined,
      replyToId: d.replyToId !== undefined && channel.messages.has(d.replyToId) ? d.replyToId : undefined,
      fwdFrom: d.fwdFrom,
      media: d.media,
      action: d.action,
      silent: d.silent === true,
      post: channel.broadcast,
      pinned: false,
      globalId: store.nextGlobalId++,
      replyMarkup: d.replyMarkup
    }
    channel.messages.set(msg.id, msg)
    channel.ids.push(msg.id)
    const logged = channel.log.advance(date, 1, (pts) => ({
      _tag: "updateNewChannelMessage",
      message: renderMessage(msg, undefined),
      pts,
      pts_count: 1
    }))
    for (const m of members) {
      perUser.get(m)!.push({ ...logged, message: renderMessage(msg, m) })
    }
    sent.push(renderMessage(msg, author))
  }
  return { sent, perUser }
}

/**
 * Posts `drafts` from `author` into `dest`, after {@link checkCanPost}. Pure bookkeeping: no
 * pushes (the caller decides the shapes).
 */
export const post = (store: MessageStore, author: WorldUser, dest: WorldPeer, drafts: ReadonlyArray<Draft>, date: number): Posted => {
  checkCanPost(store, author, dest)
  if (dest.kind === "channel") return postToChannel(store, author.id, store.channels.get(dest.id)!, drafts, date)
  const sent: Array<Api.Message> = []
  const perUser = new Map<bigint, Array<Api.Update>>()
  const owners = audience(store, author.id, dest)
  for (const o of owners) perUser.set(o, [])
  for (const d of drafts) {
    const globalId = store.nextGlobalId++
    const copies = new Map<bigint, number>()
    store.copies.set(globalId, copies)
    for (const owner of owners) {
      const box = boxOf(store, owner)
      // In a private chat each side sees the other as the peer (Saved Messages: itself).
      const peer: WorldPeer = dest.kind === "user" && owner !== author.id ? { kind: "user", id: author.id } : dest
      const msg: StoredMessage = {
        id: box.nextId++,
        peer,
        authorId: author.id,
        out: owner === author.id,
        date,
        text: d.text,
        entities: d.entities,
        editDate: undefined,
        replyToId: copyIn(store, author.id, d.replyToId, owner),
        fwdFrom: d.fwdFrom,
        media: d.media,
        action: d.action,
        silent: d.silent === true,
        post: false,
        pinned: false,
        globalId,
        replyMarkup: d.replyMarkup
      }
      box.messages.set(msg.id, msg)
      const key = peerKey(peer)
      const ids = box.idsByPeer.get(key)
      if (ids === undefined) box.idsByPeer.set(key, [msg.id])
      else ids.push(msg.id)
      copies.set(owner, msg.id)
      const update = box.log.advance(date, 1, (pts) => ({
        _tag: "updateNewMessage",
        message: renderMessage(msg, owner),
        pts,
        pts_count: 1
      }))
      perUser.get(owner)!.push(update)
      if (owner === author.id) sent.push(update.message)
    }
  }
  return { sent, perUser }
}
