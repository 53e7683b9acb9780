/**
 * What feeds the update machine besides `getDifference` answers, as pure functions over decoded
 * TL values: which server objects are updates at all (only the `Updates` constructors; service
 * messages never are), the `Updates` a call's result stands for (`updateShortSentMessage`
 * completed from its request), the pts a call's `messages.affected*` result moves, and the
 * channels a dropped push touched (so their differences can be fetched).
 */
import type { Api, TlMethod } from "../../tl/index.ts"
import { ptsInfo } from "./sequence.ts"
import { expandShortSentMessage } from "./shortUpdates.ts"

const UPDATES_TAGS: ReadonlySet<string> = new Set([
  "updatesTooLong",
  "updateShortMessage",
  "updateShortChatMessage",
  "updateShort",
  "updatesCombined",
  "updates",
  "updateShortSentMessage"
])

const AFFECTED_TAGS: ReadonlySet<string> = new Set([
  "messages.affectedMessages",
  "messages.affectedHistory",
  "messages.affectedFoundMessages"
])

/**
 * Whether a server object is an `Updates` (the only thing that is an update; `msgs_state_info`,
 * `msg_resend_ans_req` and other service messages are not).
 */
export const isUpdates = (value: { readonly _tag: string }): value is Api.Updates => UPDATES_TAGS.has(value._tag)

const tagOf = (value: unknown): string | undefined =>
  typeof value === "object" && value !== null && typeof (value as { _tag?: unknown })._tag === "string"
    ? (value as { _tag: string })._tag
    : undefined

/**
 * The `Updates` a call's result carries, for the update machine: the result itself when it is
 * one (`updateShortSentMessage` completed from a `messages.sendMessage`/`sendMedia` request when
 * `selfId` is known), the `updates` of a `messages.invitedUsers`; otherwise `undefined`.
 */
export const resultUpdates = (method: TlMethod, result: unknown, selfId: bigint | undefined): Api.Updates | undefined => {
  const tag = tagOf(result)
  if (tag === undefined) return undefined
  if (tag === "updateShortSentMessage") {
    const short = result as Api.updateShortSentMessage
    if (selfId === undefined || (method._tag !== "messages.sendMessage" && method._tag !== "messages.sendMedia")) return short
    return expandShortSentMessage(short, method, selfId) ?? short
  }
  if (UPDATES_TAGS.has(tag)) return result as Api.Updates
  if (tag === "messages.invitedUsers") return (result as Api.messages.invitedUsers).updates
  return undefined
}

/**
 * The pts movement of a call's `messages.affectedMessages`/`affectedHistory`/
 * `affectedFoundMessages` result: in the common sequence, or in the channel the request names
 * (`channels.deleteMessages`, `channels.deleteParticipantHistory`, or a method on a channel peer).
 */
export const resultAffected = (
  method: TlMethod,
  result: unknown
): { readonly pts: number; readonly pts_count: number; readonly channelId: bigint | undefined } | undefined => {
  const tag = tagOf(result)
  if (tag === undefined || !AFFECTED_TAGS.has(tag)) return undefined
  const affected = result as Api.messages.affectedMessages
  return { pts: affected.pts, pts_count: affected.pts_count, channelId: requestChannel(method) }
}

/** The channel a request acts on (`channel` field, or a channel `peer`), if any. */
const requestChannel = (method: TlMethod): bigint | undefined => {
  const m = method as { readonly channel?: Api.InputChannel; readonly peer?: Api.InputPeer }
  const channel = m.channel
  if (channel !== undefined && typeof channel === "object") {
    if (channel._tag === "inputChannel" || channel._tag === "inputChannelFromMessage") return channel.channel_id
    return undefined
  }
  const peer = m.peer
  if (peer !== undefined && typeof peer === "object" && (peer._tag === "inputPeerChannel" || peer._tag === "inputPeerChannelFromMessage")) {
    return peer.channel_id
  }
  return undefined
}

/**
 * The channel pts a call's result reports (`messages.dialogs`/`dialogsSlice`/`peerDialogs`,
 * `messages.chatFull` of a channel): where the machine can start following those channels.
 */
export const resultChannelPts = (result: unknown): ReadonlyArray<readonly [bigint, number]> => {
  const tag = tagOf(result)
  if (tag === "messages.dialogs" || tag === "messages.dialogsSlice" || tag === "messages.peerDialogs") {
    const out: Array<readonly [bigint, number]> = []
    for (const d of (result as Api.messages.dialogs).dialogs) {
      if (d._tag === "dialog" && d.pts !== undefined && d.peer._tag === "peerChannel") out.push([d.peer.channel_id, d.pts])
    }
    return out
  }
  if (tag === "messages.chatFull") {
    const full = (result as Api.messages.chatFull).full_chat
    if (full._tag === "channelFull" && full.pts !== undefined) return [[full.id, full.pts]]
  }
  return []
}

/** The updates an `Updates` object holds (none for `updatesTooLong` and the short forms). */
const innerUpdates = (updates: Api.Updates): ReadonlyArray<Api.Update> => {
  switch (updates._tag) {
    case "updates":
    case "updatesCombined":
      return updates.updates
    case "updateShort":
      return [updates.update]
    default:
      return []
  }
}

/**
 * The channels an `Updates` touches, each with the channel pts before its first update there
 * (`updateChannelTooLong` gives its pts when it has one): what a dropped push would have told
 * the machine, so it can fetch those channels' differences instead.
 */
export const channelsTouched = (updates: Api.Updates, into: Map<bigint, number | undefined>): void => {
  for (const update of innerUpdates(updates)) {
    if (update._tag === "updateChannelTooLong") {
      if (!into.has(update.channel_id)) into.set(update.channel_id, update.pts)
      continue
    }
    const info = ptsInfo(update)
    if (info === undefined || typeof info.sequence !== "bigint") continue
    const before = info.pts - info.count
    const seen = into.get(info.sequence)
    if (seen === undefined || before < seen) into.set(info.sequence, before)
  }
}
