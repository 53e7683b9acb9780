/**
 * Marking a chat read. In a private chat or basic group the reader's pts advances by 1
 * (`updateReadHistoryInbox`), and so does the pts of each author whose messages became read
 * (`updateReadHistoryOutbox`). In a channel nothing advances pts: the reader's other sessions
 * get `updateReadChannelInbox`, the authors `updateReadChannelOutbox`.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import type { WorldChannel } from "../Channel.ts"
import { readable } from "../inputs.ts"
import { apiPeer, peerKey, type WorldPeer } from "../peers.ts"
import { updatesFor } from "../render.ts"
import { boxOf, deliver, type MessageStore, type Origin } from "../Store.ts"
import { dialogState } from "../UserBox.ts"
import { addUpdates, announce } from "./announce.ts"

/** The id read up to: `maxId` (0: everything) capped at the last message. */
const readUpTo = (maxId: number, top: number): number => (maxId <= 0 ? top : Math.min(maxId, top))

/**
 * `reader` reads private chat or basic group `peer` up to `maxId` (0: all).
 */
export const readHistory = (
  store: MessageStore,
  reader: WorldUser,
  peer: WorldPeer,
  maxId: number,
  date: number,
  origin: Origin
): Api.messages.affectedMessages => {
  const box = boxOf(store, reader.id)
  const key = peerKey(peer)
  const ids = box.idsByPeer.get(key) ?? []
  const upTo = readUpTo(maxId, ids[ids.length - 1] ?? 0)
  const state = dialogState(box, key)
  const unchanged = { _tag: "messages.affectedMessages", pts: box.log.pts, pts_count: 0 } as const
  if (upTo <= state.readInboxMaxId) return unchanged
  const before = state.readInboxMaxId
  state.readInboxMaxId = upTo
  // The newly read incoming messages, and for each author the highest copy id of theirs read.
  let stillUnread = 0
  const readByAuthor = new Map<bigint, number>()
  for (let i = ids.length - 1; i >= 0 && ids[i]! > before; i--) {
    const msg = box.messages.get(ids[i]!)!
    if (msg.out) continue
    if (msg.id > upTo) {
      stillUnread++
      continue
    }
    const copyId = store.copies.get(msg.globalId)?.get(msg.authorId)
    if (copyId !== undefined) readByAuthor.set(msg.authorId, Math.max(readByAuthor.get(msg.authorId) ?? 0, copyId))
  }
  const perUser = new Map<bigint, Array<Api.Update>>()
  addUpdates(perUser, reader.id, box.log.advance(date, 1, (pts) => ({
    _tag: "updateReadHistoryInbox",
    peer: apiPeer(peer),
    max_id: upTo,
    still_unread_count: stillUnread,
    pts,
    pts_count: 1
  })))
  for (const [author, copyId] of readByAuthor) {
    const authorBox = boxOf(store, author)
    const seenFromAuthor: WorldPeer = peer.kind === "user" ? { kind: "user", id: reader.id } : peer
    const authorState = dialogState(authorBox, peerKey(seenFromAuthor))
    if (copyId <= authorState.readOutboxMaxId) continue
    authorState.readOutboxMaxId = copyId
    addUpdates(perUser, author, authorBox.log.advance(date, 1, (pts) => ({
      _tag: "updateReadHistoryOutbox",
      peer: apiPeer(seenFromAuthor),
      max_id: copyId,
      pts,
      pts_count: 1
    })))
  }
  announce(store, reader.id, perUser, date, origin)
  return { _tag: "messages.affectedMessages", pts: box.log.pts, pts_count: 1 }
}

/**
 * `reader` reads `channel` up to `maxId` (0: all).
 */
export const readChannelHistory = (
  store: MessageStore,
  reader: WorldUser,
  channel: WorldChannel,
  maxId: number,
  date: number,
  origin: Origin
): void => {
  readable(channel, reader.id)
  if (!channel.members.has(reader.id)) return
  const box = boxOf(store, reader.id)
  const upTo = readUpTo(maxId, channel.ids[channel.ids.length - 1] ?? 0)
  const state = dialogState(box, peerKey(channel))
  if (upTo <= state.readInboxMaxId) return
  state.readInboxMaxId = upTo
  let stillUnread = 0
  for (let i = channel.ids.length - 1; i >= 0 && channel.ids[i]! > upTo; i--) {
    if (channel.messages.get(channel.ids[i]!)!.authorId !== reader.id) stillUnread++
  }
  deliver(store, reader.id, updatesFor(store, reader.id, [{
    _tag: "updateReadChannelInbox",
    channel_id: channel.id,
    max_id: upTo,
    still_unread_count: stillUnread,
    pts: channel.log.pts
  }], date), origin)
  if (upTo <= channel.readMaxId) return
  const authors = new Set<bigint>()
  for (let i = channel.ids.length - 1; i >= 0 && channel.ids[i]! > channel.readMaxId; i--) {
    const msg = channel.messages.get(channel.ids[i]!)!
    if (msg.id <= upTo && msg.authorId !== reader.id && channel.members.has(msg.authorId)) authors.add(msg.authorId)
  }
  channel.readMaxId = upTo
  for (const author of authors) {
    deliver(store, author, updatesFor(store, author, [{ _tag: "updateReadChannelOutbox", channel_id: channel.id, max_id: upTo }], date), origin)
  }
}
