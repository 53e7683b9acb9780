/**
 * `updates.getDifference` and `updates.getChannelDifference` answered from the pts logs, the
 * way core.telegram.org/api/updates describes them:
 *
 * - the common difference holds the events after the client's pts: new messages in
 *   `new_messages`, every other event (edits, deletions, read marks, ...) in `other_updates` with
 *   its pts; past {@link MessageStore.differencePage} events it is a `differenceSlice` whose
 *   `intermediate_state` is where the next call starts; past `pts_total_limit` it is
 *   `differenceTooLong`. Member channels with events since the client's `date` are named in
 *   `other_updates` as `updateChannelTooLong` (with their pts), so a client fetches their
 *   differences;
 * - a channel's difference holds its events after the client's pts, at most
 *   {@link MessageStore.channelDifferencePage} per answer (`final` once none are left); when
 *   `pts + limit < remote pts` it is `channelDifferenceTooLong` with the dialog (its pts is where
 *   the client resumes) and the latest messages.
 *
 * Events are the ones that were pushed (the log keeps them as they were), so a difference
 * shows what the pushes would have shown.
 */
import type { Api } from "../../tl/index.ts"
import type { WorldUser } from "./World.ts"
import type { WorldChannel } from "./Channel.ts"
import { apiDialog, dialogEntry, totalUnread } from "./dialogs.ts"
import { readable } from "./inputs.ts"
import type { PtsEvent } from "./PtsLog.ts"
import { Refs, renderMessage, vectors } from "./render.ts"
import { boxOf, type MessageStore } from "./Store.ts"

/** Most messages a `channelDifferenceTooLong` carries. */
const TOO_LONG_MESSAGES = 100

/**
 * `updates.getDifference` for `userId` at `now` (unix seconds).
 */
export const difference = (store: MessageStore, userId: bigint, request: Api.updates.getDifference, now: number): Api.updates.Difference => {
  const box = boxOf(store, userId)
  const remote = box.log.pts
  if (request.pts_total_limit !== undefined && remote - request.pts > request.pts_total_limit) {
    return { _tag: "updates.differenceTooLong", pts: remote }
  }
  const events = request.pts >= remote ? [] : box.log.since(request.pts)
  const limit = Math.max(1, Math.min(request.pts_limit ?? store.differencePage, store.differencePage))
  const page = events.slice(0, limit)
  const more = events.length > page.length
  const channels = more ? [] : channelsWithNews(store, userId, request.date)
  if (page.length === 0 && channels.length === 0) return { _tag: "updates.differenceEmpty", date: now, seq: box.seq }
  const newMessages: Array<Api.Message> = []
  const other: Array<Api.Update> = []
  const refs = new Refs()
  for (const e of page) {
    refs.update(e.update)
    if (e.update._tag === "updateNewMessage") newMessages.push(e.update.message)
    else other.push(e.update)
  }
  for (const c of channels) {
    refs.channel(c.id)
    other.push({ _tag: "updateChannelTooLong", channel_id: c.id, pts: c.log.pts })
  }
  const last = page[page.length - 1]
  const state: Api.updates.state = {
    _tag: "updates.state",
    pts: more ? last!.pts : remote,
    qts: box.qts,
    date: more ? last!.date : now,
    seq: box.seq,
    unread_count: totalUnread(store, userId)
  }
  const { users, chats } = vectors(store, userId, refs)
  const parts = { new_messages: newMessages, new_encrypted_messages: [], other_updates: other, chats, users }
  return more
    ? { _tag: "updates.differenceSlice", ...parts, intermediate_state: state }
    : { _tag: "updates.difference", ...parts, state }
}

/** The member channels of `userId` with events at or after `date`. */
const channelsWithNews = (store: MessageStore, userId: bigint, date: number): ReadonlyArray<WorldChannel> => {
  const out: Array<WorldChannel> = []
  for (const channel of store.channels.values()) {
    const events = channel.log.events
    if (channel.members.has(userId) && events.length > 0 && events[events.length - 1]!.date >= date) out.push(channel)
  }
  return out
}

/** A channel message of the log as `viewer` sees it (`out` for its author). */
const viewOf = (channel: WorldChannel, message: Api.Message, viewer: bigint): Api.Message => {
  if (message._tag === "messageEmpty") return message
  const stored = channel.messages.get(message.id)
  const author = stored?.authorId ?? (message.from_id?._tag === "peerUser" ? message.from_id.user_id : undefined)
  return author === viewer ? { ...message, out: true } : message
}

/** A logged channel event as `viewer` sees it. */
const eventView = (channel: WorldChannel, e: PtsEvent, viewer: bigint): Api.Update => {
  const u = e.update
  if (u._tag === "updateNewChannelMessage" || u._tag === "updateEditChannelMessage") return { ...u, message: viewOf(channel, u.message, viewer) }
  return u
}

/**
 * `updates.getChannelDifference` for `viewer` (CHANNEL_PRIVATE when it may not read the channel).
 */
export const channelDifference = (
  store: MessageStore,
  viewer: WorldUser,
  channel: WorldChannel,
  request: Api.updates.getChannelDifference
): Api.updates.ChannelDifference => {
  readable(channel, viewer.id)
  const remote = channel.log.pts
  const limit = Math.max(1, Math.min(request.limit, 100_000))
  if (request.pts >= remote) return { _tag: "updates.channelDifferenceEmpty", final: true, pts: remote }
  if (request.pts + limit < remote) {
    // > there are too many updates to be fetched: the dialog's pts is where to resume.
    const ids = channel.ids.slice(-Math.min(limit, TOO_LONG_MESSAGES))
    const messages = ids.map((id) => renderMessage(channel.messages.get(id)!, viewer.id)).reverse()
    const refs = new Refs().channel(channel.id)
    for (const m of messages) refs.message(m)
    const { users, chats } = vectors(store, viewer.id, refs)
    return {
      _tag: "updates.channelDifferenceTooLong",
      final: true,
      dialog: apiDialog(store, viewer.id, channel, dialogEntry(store, boxOf(store, viewer.id), channel)),
      messages,
      chats,
      users
    }
  }
  const events = channel.log.since(request.pts)
  const page = events.slice(0, Math.max(1, store.channelDifferencePage))
  const more = events.length > page.length
  const newMessages: Array<Api.Message> = []
  const other: Array<Api.Update> = []
  const refs = new Refs().channel(channel.id)
  for (const e of page) {
    const u = eventView(channel, e, viewer.id)
    refs.update(u)
    if (u._tag === "updateNewChannelMessage") newMessages.push(u.message)
    else other.push(u)
  }
  const { users, chats } = vectors(store, viewer.id, refs)
  return {
    _tag: "updates.channelDifference",
    final: !more,
    pts: more ? page[page.length - 1]!.pts : remote,
    new_messages: newMessages,
    other_updates: other,
    chats,
    users
  }
}
