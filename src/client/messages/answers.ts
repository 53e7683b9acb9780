/**
 * Finding the messages a send, forward or edit produced in its `Updates` answer (pure).
 * `updateShortSentMessage` carries only the id, pts and date: the message is rebuilt from what
 * was sent. A full `updates` pairs each random_id with its new id (`updateMessageID`) and
 * carries the message itself (`updateNewMessage` / `updateNewChannelMessage`).
 */
import type { Api } from "../../tl/index.ts"
import { samePeer } from "../peers/inputPeers.ts"

/** The updates an answer holds (none for the short and too-long forms). */
export const updatesOf = (answer: Api.Updates): ReadonlyArray<Api.Update> =>
  answer._tag === "updates" || answer._tag === "updatesCombined"
    ? answer.updates
    : answer._tag === "updateShort"
    ? [answer.update]
    : []

/**
 * What was sent, to rebuild the message from an `updateShortSentMessage`.
 */
export interface Sent {
  /** The chat. */
  readonly peer: Api.Peer
  readonly selfId: bigint
  readonly text: string
  /** The entities as the server stores them (mentions as `messageEntityMentionName`). */
  readonly entities: ReadonlyArray<Api.MessageEntity>
  readonly randomId: bigint
  readonly replyTo?: number | undefined
  readonly silent?: boolean | undefined
  readonly replyMarkup?: Api.ReplyMarkup | undefined
}

/**
 * The message a send produced; or only its id (the answer did not carry it); or nothing.
 */
export type Found =
  | { readonly _tag: "Message"; readonly message: Api.Message }
  | { readonly _tag: "Id"; readonly id: number }
  | { readonly _tag: "Missing" }

const NEW_MESSAGE = new Set(["updateNewMessage", "updateNewChannelMessage", "updateNewScheduledMessage"])

/** The new message with `id` in chat `peer` among `updates`. */
const newMessage = (updates: ReadonlyArray<Api.Update>, peer: Api.Peer, id: number): Api.Message | undefined => {
  for (const u of updates) {
    if (!NEW_MESSAGE.has(u._tag)) continue
    const m = (u as Api.updateNewMessage).message
    if (m._tag !== "messageEmpty" && m.id === id && samePeer(m.peer_id, peer)) return m
  }
  return undefined
}

/**
 * The message one `messages.sendMessage` / `sendMedia` produced.
 */
export const sentMessage = (answer: Api.Updates, sent: Sent): Found => {
  if (answer._tag === "updateShortSentMessage") {
    const inGroup = sent.peer._tag !== "peerUser"
    return {
      _tag: "Message",
      message: {
        _tag: "message",
        out: true,
        ...(sent.silent === true ? { silent: true } : {}),
        id: answer.id,
        ...(inGroup ? { from_id: { _tag: "peerUser", user_id: sent.selfId } } : {}),
        peer_id: sent.peer,
        ...(sent.replyTo !== undefined ? { reply_to: { _tag: "messageReplyHeader", reply_to_msg_id: sent.replyTo } } : {}),
        date: answer.date,
        message: sent.text,
        ...(answer.media !== undefined ? { media: answer.media } : {}),
        ...(sent.replyMarkup !== undefined ? { reply_markup: sent.replyMarkup } : {}),
        // The server's entities win: it may have found links the client did not mark.
        ...((answer.entities ?? sent.entities).length > 0 ? { entities: answer.entities ?? sent.entities } : {}),
        ...(answer.ttl_period !== undefined ? { ttl_period: answer.ttl_period } : {})
      }
    }
  }
  const updates = updatesOf(answer)
  const paired = updates.find((u): u is Api.updateMessageID => u._tag === "updateMessageID" && u.random_id === sent.randomId)
  if (paired === undefined) return { _tag: "Missing" }
  const message = newMessage(updates, sent.peer, paired.id)
  return message === undefined ? { _tag: "Id", id: paired.id } : { _tag: "Message", message }
}

/**
 * The messages one `messages.forwardMessages` produced, in the order of `randomIds`.
 */
export const forwardedMessages = (answer: Api.Updates, to: Api.Peer, randomIds: ReadonlyArray<bigint>): ReadonlyArray<Found> => {
  const updates = updatesOf(answer)
  const ids = new Map<bigint, number>()
  for (const u of updates) if (u._tag === "updateMessageID") ids.set(u.random_id, u.id)
  return randomIds.map((r): Found => {
    const id = ids.get(r)
    if (id === undefined) return { _tag: "Missing" }
    const message = newMessage(updates, to, id)
    return message === undefined ? { _tag: "Id", id } : { _tag: "Message", message }
  })
}

/**
 * The edited message `id` of chat `peer` in an `messages.editMessage` answer.
 */
export const editedMessage = (answer: Api.Updates, peer: Api.Peer, id: number): Api.Message | undefined => {
  for (const u of updatesOf(answer)) {
    if (u._tag !== "updateEditMessage" && u._tag !== "updateEditChannelMessage") continue
    if (u.message._tag !== "messageEmpty" && u.message.id === id && samePeer(u.message.peer_id, peer)) return u.message
  }
  return undefined
}
