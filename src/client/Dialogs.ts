/**
 * `Dialogs`: the account's chat list, newest first (pinned dialogs first), as a Stream that
 * fetches a page (`messages.getDialogs`) each time it needs more.
 *
 * ```ts
 * const program = Stream.runForEach(Dialogs.list({ limit: 20 }), (d) =>
 *   Console.log(d.entity._tag === "user" ? d.entity.first_name : d.entity.title))
 * ```
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { markedPeerId } from "../storage/index.ts"
import type { Api } from "../tl/index.ts"
import { Client } from "./Client.ts"
import type { ClientError } from "./errors.ts"
import { inputPeerOfEntity, samePeer } from "./peers/inputPeers.ts"

/**
 * One chat of the list: how to address it, the server's `dialog` (read state, unread count,
 * pinned, folder), the user or chat it is with, and its last message.
 */
export interface Dialog {
  readonly peer: Api.InputPeer
  readonly dialog: Api.dialog
  readonly entity: Api.User | Api.Chat
  readonly topMessage: Api.Message | undefined
}

/**
 * Options of {@link list}.
 */
export interface ListOptions {
  /** At most this many dialogs (default: all). */
  readonly limit?: number | undefined
  /** Dialogs per request (1–100, default 100). */
  readonly pageSize?: number | undefined
  /** The archive (folder 1) instead of the main list. */
  readonly archived?: boolean | undefined
}

/** Where the next page starts: right after the last dialog of this one. */
interface Offset {
  readonly date: number
  readonly id: number
  readonly peer: Api.InputPeer
}

interface Cursor {
  readonly offset: Offset | undefined
  readonly left: number
  /** Marked ids of the dialogs already emitted: none is emitted twice. */
  readonly seen: ReadonlySet<bigint>
}

const keyOf = (peer: Api.Peer): bigint =>
  peer._tag === "peerUser"
    ? markedPeerId("user", peer.user_id)
    : peer._tag === "peerChat"
    ? markedPeerId("chat", peer.chat_id)
    : markedPeerId("channel", peer.channel_id)

/** The dialogs of one page with their entities and top messages (pure). */
export const dialogsOfPage = (page: Exclude<Api.messages.Dialogs, Api.messages.dialogsNotModified>, selfId?: bigint): ReadonlyArray<Dialog> => {
  const entities = new Map<bigint, Api.User | Api.Chat>()
  for (const u of page.users) if (u._tag === "user") entities.set(markedPeerId("user", u.id), u)
  for (const c of page.chats) {
    if (c._tag === "chatEmpty") continue
    const kind = c._tag === "chat" || c._tag === "chatForbidden" ? "chat" : "channel"
    entities.set(markedPeerId(kind, c.id), c)
  }
  const out: Array<Dialog> = []
  for (const d of page.dialogs) {
    if (d._tag !== "dialog") continue // a folder entry (the archive), not a chat
    const entity = entities.get(keyOf(d.peer))
    const peer = entity === undefined ? undefined : inputPeerOfEntity(entity, selfId)
    if (entity === undefined || peer === undefined) continue
    const topMessage = page.messages.find((m) => m._tag !== "messageEmpty" && m.id === d.top_message && samePeer(m.peer_id, d.peer))
    out.push({ peer, dialog: d, entity, topMessage })
  }
  return out
}

/**
 * The account's dialogs in list order: pinned ones first, then by last message, newest first.
 * Pages continue from the last dialog of the page before (its last message's date and id, and
 * its peer), so no dialog comes twice and none is skipped, also when several share a date.
 */
export const list = (options: ListOptions = {}): Stream.Stream<Dialog, ClientError, Client> => {
  const pageSize = Math.min(Math.max(Math.floor(options.pageSize ?? 100), 1), 100)
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  if (limit <= 0) return Stream.empty
  return Stream.paginateChunkEffect<Cursor, Dialog, ClientError, Client>(
    { offset: undefined, left: limit, seen: new Set() },
    (cursor) =>
      Effect.gen(function*() {
        const client = yield* Client
        const asked = Math.min(pageSize, cursor.left)
        const answer = yield* client.invoke({
          _tag: "messages.getDialogs",
          folder_id: options.archived === true ? 1 : 0,
          offset_date: cursor.offset?.date ?? 0,
          offset_id: cursor.offset?.id ?? 0,
          offset_peer: cursor.offset?.peer ?? { _tag: "inputPeerEmpty" },
          limit: asked,
          hash: 0n
        })
        if (answer._tag === "messages.dialogsNotModified") return [Chunk.empty<Dialog>(), Option.none<Cursor>()] as const
        const page = dialogsOfPage(answer, yield* client.peers.selfId)
        const seen = new Set(cursor.seen)
        const fresh: Array<Dialog> = []
        for (const d of page) {
          const key = keyOf(d.dialog.peer)
          if (seen.has(key) || fresh.length >= cursor.left) continue
          seen.add(key)
          fresh.push(d)
        }
        const last = page[page.length - 1]
        const left = cursor.left - fresh.length
        const complete = answer._tag === "messages.dialogs" || answer.dialogs.length < asked ||
          (answer._tag === "messages.dialogsSlice" && seen.size >= answer.count)
        // A page with nothing new, or a last dialog without a message to continue from, ends the list.
        const done = complete || left <= 0 || fresh.length === 0 || last?.topMessage === undefined
        const next: Offset | undefined = last?.topMessage === undefined || last.topMessage._tag === "messageEmpty"
          ? undefined
          : { date: last.topMessage.date, id: last.topMessage.id, peer: last.peer }
        return [Chunk.fromIterable(fresh), done || next === undefined ? Option.none<Cursor>() : Option.some({ offset: next, left, seen })] as const
      })
  ).pipe(Stream.withSpan("Dialogs.list"))
}
