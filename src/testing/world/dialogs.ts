/**
 * A user's dialog list as `messages.getDialogs` pages through it: pinned dialogs first (in pin
 * order), then the others by their last message, newest first. Ties at the same date are
 * broken by message id and then by peer, so the order is total and paging by
 * (offset_date, offset_id, offset_peer) never repeats or skips a dialog.
 */
import type { Api } from "../../tl/index.ts"
import type { WorldChannel } from "./Channel.ts"
import { apiPeer, peerKey, type PeerKey, peerOfKey, type WorldPeer } from "./peers.ts"
import { Refs, renderMessage, vectors } from "./render.ts"
import { boxOf, type MessageStore } from "./Store.ts"
import type { StoredMessage } from "./StoredMessage.ts"
import type { UserBox } from "./UserBox.ts"

/**
 * One dialog of a user.
 */
export interface DialogEntry {
  readonly peer: WorldPeer
  readonly key: PeerKey
  readonly top: StoredMessage
  readonly folderId: number
  /** Position among the pinned dialogs, if pinned. */
  readonly pinIndex: number | undefined
}

/** A total order key of a peer for ties (the Bot API's marked ids). */
const peerRank = (peer: WorldPeer): bigint =>
  peer.kind === "user" ? peer.id : peer.kind === "chat" ? -peer.id : -(1_000_000_000_000n + peer.id)

/** Compares two (date, id, peer) positions: negative when `a` comes first (is newer). */
const compareKeys = (a: readonly [number, number, bigint], b: readonly [number, number, bigint]): number =>
  a[0] !== b[0] ? b[0] - a[0] : a[1] !== b[1] ? b[1] - a[1] : a[2] === b[2] ? 0 : a[2] > b[2] ? -1 : 1

const keyOf = (d: DialogEntry) => [d.top.date, d.top.id, peerRank(d.peer)] as const

/** The dialog of `key` in `box`, if it has messages. */
export const dialogEntry = (store: MessageStore, box: UserBox, peer: WorldPeer): DialogEntry | undefined => {
  const key = peerKey(peer)
  let top: StoredMessage | undefined
  if (peer.kind === "channel") {
    const channel = store.channels.get(peer.id)
    const id = channel?.ids[channel.ids.length - 1]
    top = id === undefined ? undefined : channel!.messages.get(id)
  } else {
    const ids = box.idsByPeer.get(key)
    const id = ids?.[ids.length - 1]
    top = id === undefined ? undefined : box.messages.get(id)
  }
  if (top === undefined) return undefined
  const pin = box.pinned.indexOf(key)
  return { peer, key, top, folderId: box.dialogs.get(key)?.folderId ?? 0, pinIndex: pin < 0 ? undefined : pin }
}

/**
 * Every dialog of `userId` in folder `folderId` (0: main list, 1: archive), in list order.
 */
export const dialogList = (store: MessageStore, userId: bigint, folderId: number): ReadonlyArray<DialogEntry> => {
  const box = boxOf(store, userId)
  const all: Array<DialogEntry> = []
  for (const [key, ids] of box.idsByPeer) {
    if (ids.length === 0) continue
    const entry = dialogEntry(store, box, peerOfKey(key))
    if (entry !== undefined && entry.folderId === folderId) all.push(entry)
  }
  for (const channel of store.channels.values()) {
    if (!channel.members.has(userId)) continue
    const entry = dialogEntry(store, box, channel)
    if (entry !== undefined && entry.folderId === folderId) all.push(entry)
  }
  const pinned = all.filter((d) => d.pinIndex !== undefined).sort((a, b) => a.pinIndex! - b.pinIndex!)
  const rest = all.filter((d) => d.pinIndex === undefined).sort((a, b) => compareKeys(keyOf(a), keyOf(b)))
  return [...pinned, ...rest]
}

/** Incoming messages after the read mark. */
const unreadCount = (store: MessageStore, box: UserBox, entry: DialogEntry, readInbox: number): number => {
  let n = 0
  if (entry.peer.kind === "channel") {
    const channel = store.channels.get(entry.peer.id)!
    for (let i = channel.ids.length - 1; i >= 0 && channel.ids[i]! > readInbox; i--) {
      if (channel.messages.get(channel.ids[i]!)!.authorId !== box.userId) n++
    }
    return n
  }
  const ids = box.idsByPeer.get(entry.key) ?? []
  for (let i = ids.length - 1; i >= 0 && ids[i]! > readInbox; i--) if (!box.messages.get(ids[i]!)!.out) n++
  return n
}

/** The wire `dialog` of an entry (top_message 0 for a chat without messages). */
export const apiDialog = (store: MessageStore, userId: bigint, peer: WorldPeer, entry: DialogEntry | undefined): Api.dialog => {
  const box = boxOf(store, userId)
  const state = box.dialogs.get(peerKey(peer))
  const channel: WorldChannel | undefined = peer.kind === "channel" ? store.channels.get(peer.id) : undefined
  const readInbox = state?.readInboxMaxId ?? 0
  const folderId = state?.folderId ?? 0
  return {
    _tag: "dialog",
    ...(box.pinned.includes(peerKey(peer)) ? { pinned: true } : {}),
    peer: apiPeer(peer),
    top_message: entry?.top.id ?? 0,
    read_inbox_max_id: readInbox,
    read_outbox_max_id: channel !== undefined ? channel.readMaxId : state?.readOutboxMaxId ?? 0,
    unread_count: entry === undefined ? 0 : unreadCount(store, box, entry, readInbox),
    unread_mentions_count: 0,
    unread_reactions_count: 0,
    notify_settings: { _tag: "peerNotifySettings" },
    ...(channel !== undefined ? { pts: channel.log.pts } : {}),
    ...(folderId !== 0 ? { folder_id: folderId } : {})
  }
}

/** The unread count of all of a user's dialogs (updates.state.unread_count). */
export const totalUnread = (store: MessageStore, userId: bigint): number =>
  [...dialogList(store, userId, 0), ...dialogList(store, userId, 1)]
    .reduce((n, d) => n + apiDialog(store, userId, d.peer, d).unread_count, 0)

/**
 * The paging parameters of getDialogs.
 */
export interface DialogsQuery {
  readonly folderId: number
  readonly excludePinned: boolean
  readonly offsetDate: number
  readonly offsetId: number
  /** `undefined` for inputPeerEmpty. */
  readonly offsetPeer: WorldPeer | undefined
  readonly limit: number
}

/** The dialogs, their top messages and the users and chats they mention, for `userId`. */
export const dialogsAnswerParts = (store: MessageStore, userId: bigint, entries: ReadonlyArray<{ readonly peer: WorldPeer; readonly entry: DialogEntry | undefined }>) => {
  const refs = new Refs()
  const dialogs: Array<Api.Dialog> = []
  const messages: Array<Api.Message> = []
  for (const { entry, peer } of entries) {
    dialogs.push(apiDialog(store, userId, peer, entry))
    refs.peer(apiPeer(peer))
    if (entry !== undefined) {
      const message = renderMessage(entry.top, userId)
      messages.push(message)
      refs.message(message)
    }
  }
  return { dialogs, messages, ...vectors(store, userId, refs) }
}

/**
 * `messages.getDialogs` for `userId`. The page continues right after the dialog that
 * `offset_peer` names when its last message is still (offset_date, offset_id); otherwise after
 * the position (offset_date, offset_id, offset_peer) in the date order.
 */
export const getDialogs = (store: MessageStore, userId: bigint, query: DialogsQuery): Api.messages.Dialogs => {
  const list = dialogList(store, userId, query.folderId).filter((d) => !(query.excludePinned && d.pinIndex !== undefined))
  let start = 0
  if (query.offsetDate > 0 || query.offsetId > 0 || query.offsetPeer !== undefined) {
    const at = query.offsetPeer === undefined ? -1 : list.findIndex((d) =>
      d.key === peerKey(query.offsetPeer!) && d.top.date === query.offsetDate && d.top.id === query.offsetId
    )
    if (at >= 0) start = at + 1
    else {
      const offset = [query.offsetDate, query.offsetId, query.offsetPeer === undefined ? -(1n << 62n) : peerRank(query.offsetPeer)] as const
      start = list.findIndex((d) => d.pinIndex === undefined && compareKeys(keyOf(d), offset) > 0)
      if (start < 0) start = list.length
    }
  }
  const limit = Math.min(Math.max(query.limit, 0), 100)
  const pageEntries = list.slice(start, start + limit)
  const parts = dialogsAnswerParts(store, userId, pageEntries.map((entry) => ({ peer: entry.peer, entry })))
  if (start === 0 && pageEntries.length === list.length) return { _tag: "messages.dialogs", ...parts }
  return { _tag: "messages.dialogsSlice", count: list.length, ...parts }
}
