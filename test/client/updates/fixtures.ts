/**
 * Small TL builders for the update-machine tests (only the fields the machine reads are
 * meaningful; the rest are left out).
 */
import type { Api } from "../../../src/tl/index.ts"

export const USER = 7n
export const SELF = 1n

export const peerUser = (user_id: bigint): Api.peerUser => ({ _tag: "peerUser", user_id })
export const peerChannel = (channel_id: bigint): Api.peerChannel => ({ _tag: "peerChannel", channel_id })

export const message = (id: number, peer: Api.Peer = peerUser(USER), text = `m${id}`): Api.message =>
  ({ _tag: "message", id, peer_id: peer, date: 1000 + id, message: text }) as Api.message

export const newMessage = (id: number, pts: number, pts_count = 1): Api.updateNewMessage =>
  ({ _tag: "updateNewMessage", message: message(id), pts, pts_count })

export const deleteMessages = (ids: ReadonlyArray<number>, pts: number, pts_count = ids.length): Api.updateDeleteMessages =>
  ({ _tag: "updateDeleteMessages", messages: ids, pts, pts_count })

export const channelMessage = (channel: bigint, id: number, pts: number, pts_count = 1): Api.updateNewChannelMessage =>
  ({ _tag: "updateNewChannelMessage", message: message(id, peerChannel(channel)), pts, pts_count })

export const deleteChannelMessages = (channel_id: bigint, ids: ReadonlyArray<number>, pts: number): Api.updateDeleteChannelMessages =>
  ({ _tag: "updateDeleteChannelMessages", channel_id, messages: ids, pts, pts_count: ids.length })

export const botStopped = (user_id: bigint, qts: number): Api.updateBotStopped =>
  ({ _tag: "updateBotStopped", user_id, date: 1, stopped: true, qts })

export const userStatus = (user_id: bigint): Api.updateUserStatus =>
  ({ _tag: "updateUserStatus", user_id, status: { _tag: "userStatusRecently" } as Api.UserStatus })

export const user = (id: bigint): Api.user => ({ _tag: "user", id, access_hash: id * 10n }) as Api.user
export const channel = (id: bigint): Api.channel => ({ _tag: "channel", id, access_hash: id * 10n, title: "c" }) as Api.channel

export const short = (update: Api.Update, date = 1): Api.updateShort => ({ _tag: "updateShort", update, date })

export const updates = (
  list: ReadonlyArray<Api.Update>,
  seq = 0,
  date = 1,
  peers: { users?: ReadonlyArray<Api.User>; chats?: ReadonlyArray<Api.Chat> } = {}
): Api.updates => ({ _tag: "updates", updates: list, users: peers.users ?? [], chats: peers.chats ?? [], date, seq })

export const combined = (list: ReadonlyArray<Api.Update>, seq_start: number, seq: number, date = 1): Api.updatesCombined =>
  ({ _tag: "updatesCombined", updates: list, users: [], chats: [], date, seq_start, seq })

export const state = (pts: number, qts = 0, seq = 0, date = 100): Api.updates.state =>
  ({ _tag: "updates.state", pts, qts, date, seq, unread_count: 0 })

export const difference = (
  messages: ReadonlyArray<Api.Message>,
  other: ReadonlyArray<Api.Update>,
  st: Api.updates.state,
  slice = false
): Api.updates.Difference =>
  slice
    ? { _tag: "updates.differenceSlice", new_messages: messages, new_encrypted_messages: [], other_updates: other, chats: [], users: [], intermediate_state: st }
    : { _tag: "updates.difference", new_messages: messages, new_encrypted_messages: [], other_updates: other, chats: [], users: [], state: st }

export const channelDifference = (
  pts: number,
  messages: ReadonlyArray<Api.Message>,
  other: ReadonlyArray<Api.Update> = [],
  final = true
): Api.updates.channelDifference =>
  ({ _tag: "updates.channelDifference", final, pts, new_messages: messages, other_updates: other, chats: [], users: [] })

/** A short readable name for an emitted update (tag and the id/ids it carries). */
export const label = (u: Api.Update): string => {
  switch (u._tag) {
    case "updateNewMessage":
    case "updateNewChannelMessage":
      return `${u._tag === "updateNewMessage" ? "msg" : "cmsg"}:${u.message.id}`
    case "updateDeleteMessages":
    case "updateDeleteChannelMessages":
      return `del:${u.messages.join(",")}`
    case "updateBotStopped":
      return `stop:${u.user_id}`
    case "updateUserStatus":
      return `status:${u.user_id}`
    default:
      return u._tag
  }
}
