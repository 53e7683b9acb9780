/**
 * Reading a chat's messages the way `messages.getHistory` and `messages.search` page through
 * them (core.telegram.org/api/offsets): newest first; `min_id`/`max_id` bound the ids (both
 * exclusive); the page starts at the first message older than `offset_id` (or sent before
 * `offset_date`), moved by `add_offset` (negative: newer messages), and holds up to `limit`
 * (at most 100) messages.
 */
import type { Api } from "../../tl/index.ts"
import { canRead } from "./inputs.ts"
import { peerKey, type WorldPeer } from "./peers.ts"
import { Refs, renderMessage, vectors } from "./render.ts"
import { boxOf, fail, type MessageStore } from "./Store.ts"
import type { StoredMessage } from "./StoredMessage.ts"

/**
 * The paging parameters of getHistory and search.
 */
export interface PageQuery {
  readonly offsetId: number
  readonly offsetDate: number
  readonly addOffset: number
  readonly limit: number
  readonly maxId: number
  readonly minId: number
}

/** Telegram's page size limit for history and search. */
export const PAGE_MAX = 100

/**
 * One page of `messages` (oldest first, as stored) for `query`: the page newest first, the
 * number of messages within the id bounds, and the position of the page's first message.
 */
export const page = (
  messages: ReadonlyArray<StoredMessage>,
  query: PageQuery
): { readonly page: ReadonlyArray<StoredMessage>; readonly count: number; readonly offset: number } => {
  const newestFirst: Array<StoredMessage> = []
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!
    if ((query.minId <= 0 || m.id > query.minId) && (query.maxId <= 0 || m.id < query.maxId)) newestFirst.push(m)
  }
  let start = 0
  if (query.offsetId > 0 || query.offsetDate > 0) {
    start = newestFirst.findIndex((m) =>
      (query.offsetId <= 0 || m.id < query.offsetId) && (query.offsetDate <= 0 || m.date < query.offsetDate)
    )
    if (start < 0) start = newestFirst.length
  }
  start += query.addOffset
  const limit = Math.min(Math.max(query.limit, 0), PAGE_MAX)
  const end = Math.max(start + limit, 0)
  start = Math.max(start, 0)
  return { page: newestFirst.slice(start, end), count: newestFirst.length, offset: start }
}

/** The messages of chat `peer` as `viewer` holds them, oldest first (CHANNEL_PRIVATE for a channel they may not read). */
export const messagesOf = (store: MessageStore, viewer: bigint, peer: WorldPeer): ReadonlyArray<StoredMessage> => {
  if (peer.kind === "channel") {
    const channel = store.channels.get(peer.id) ?? fail(400, "CHANNEL_INVALID")
    if (!canRead(channel, viewer)) fail(400, "CHANNEL_PRIVATE")
    return channel.ids.map((id) => channel.messages.get(id)!)
  }
  const box = boxOf(store, viewer)
  return (box.idsByPeer.get(peerKey(peer)) ?? []).map((id) => box.messages.get(id)!)
}

/**
 * A `messages.Messages` answer for `viewer`: `channelMessages` (with the channel's pts) for a
 * channel, `messages` when it holds every message there is, `messagesSlice` otherwise.
 */
export const messagesAnswer = (
  store: MessageStore,
  viewer: bigint,
  peer: WorldPeer | undefined,
  list: ReadonlyArray<Api.Message>,
  count: number,
  offset: number
): Api.messages.Messages => {
  const refs = new Refs()
  for (const m of list) refs.message(m)
  const { users, chats } = vectors(store, viewer, refs)
  const channel = peer?.kind === "channel" ? store.channels.get(peer.id) : undefined
  if (channel !== undefined) {
    return { _tag: "messages.channelMessages", pts: channel.log.pts, count, offset_id_offset: offset, messages: list, topics: [], chats, users }
  }
  if (offset === 0 && count === list.length) return { _tag: "messages.messages", messages: list, topics: [], chats, users }
  return { _tag: "messages.messagesSlice", count, offset_id_offset: offset, messages: list, topics: [], chats, users }
}

/**
 * `messages.getHistory` of chat `peer` for `viewer`.
 */
export const getHistory = (store: MessageStore, viewer: bigint, peer: WorldPeer, query: PageQuery): Api.messages.Messages => {
  const result = page(messagesOf(store, viewer, peer), query)
  return messagesAnswer(store, viewer, peer, result.page.map((m) => renderMessage(m, viewer)), result.count, result.offset)
}

/**
 * What `messages.search` filters by besides paging.
 */
export interface SearchFilter {
  /** Case-insensitive substring of the text ("" matches every message with text). */
  readonly q: string
  readonly fromId?: bigint | undefined
  /** Unix seconds, inclusive bounds (0: none). */
  readonly minDate: number
  readonly maxDate: number
  /** Pinned messages only (inputMessagesFilterPinned). */
  readonly pinnedOnly?: boolean | undefined
}

/**
 * `messages.search` in chat `peer` for `viewer` (text messages only: the text filter), or with
 * `peer` undefined in every private chat and basic group of the viewer.
 */
export const search = (
  store: MessageStore,
  viewer: bigint,
  peer: WorldPeer | undefined,
  filter: SearchFilter,
  query: PageQuery
): Api.messages.Messages => {
  const q = filter.q.toLowerCase()
  const source = peer !== undefined ? messagesOf(store, viewer, peer) : [...boxOf(store, viewer).messages.values()].sort((a, b) => a.id - b.id)
  const matching = source.filter((m) =>
    m.action === undefined &&
    (filter.pinnedOnly !== true || m.pinned) &&
    (q === "" || m.text.toLowerCase().includes(q)) &&
    (filter.fromId === undefined || m.authorId === filter.fromId) &&
    (filter.minDate <= 0 || m.date >= filter.minDate) &&
    (filter.maxDate <= 0 || m.date <= filter.maxDate)
  )
  const result = page(matching, query)
  return messagesAnswer(store, viewer, peer, result.page.map((m) => renderMessage(m, viewer)), result.count, result.offset)
}
