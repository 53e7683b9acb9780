/**
 * Sending and forwarding messages, with random_id de-duplication: the same random_id from the
 * same user again gets the first answer and posts nothing.
 *
 * Answers and pushes follow Telegram: in a private chat or basic group the sender's call is
 * answered with `updateShortSentMessage`, the sender's other sessions and the other
 * participants get `updateShortMessage`/`updateShortChatMessage` (or `updates` when they need
 * users or chats); in a channel everyone gets `updates` with `updateNewChannelMessage`, the
 * sender's answer also holding `updateMessageID`. Forwards are answered with `updates`.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { visibleMessage } from "../inputs.ts"
import { apiPeer, type WorldPeer } from "../peers.ts"
import { renderMessage, updatesFor } from "../render.ts"
import { newMessageUpdates } from "../shortForms.ts"
import { boxOf, deliver, fail, type MessageStore, type Origin } from "../Store.ts"
import type { StoredMessage } from "../StoredMessage.ts"
import { acceptedMarkup } from "../markup.ts"
import { checkText } from "../text.ts"
import { rememberSent, type SentRecord } from "../UserBox.ts"
import { checkCanPost, type Draft, post, type Posted } from "./post.ts"

/**
 * What a send takes besides the text.
 */
export interface SendOptions {
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  /** The message replied to, by id as the sender sees it (dropped if it does not exist). */
  readonly replyToId?: number | undefined
  readonly silent?: boolean | undefined
  /** De-duplication key; the World picks a fresh one when absent. */
  readonly randomId?: bigint | undefined
  /** A media message (`text` is then its caption and may be empty). */
  readonly media?: Api.MessageMedia | undefined
  /** A keyboard: kept for bots (checked as Telegram does), dropped for users. */
  readonly replyMarkup?: Api.ReplyMarkup | undefined
}

/**
 * What a send did: the answer the sender's call gets, and the new messages as the sender sees them.
 */
export interface SendResult {
  readonly answer: Api.Updates
  readonly messages: ReadonlyArray<Api.Message>
}

/** The sender's current view of what a random_id posted. */
const replay = (store: MessageStore, sender: bigint, record: SentRecord): SendResult => {
  const messages = record.ids.map((id): Api.Message => {
    const msg: StoredMessage | undefined = record.peer.kind === "channel"
      ? store.channels.get(record.peer.id)?.messages.get(id)
      : store.boxes.get(sender)?.messages.get(id)
    return msg === undefined ? { _tag: "messageEmpty", id, peer_id: apiPeer(record.peer) } : renderMessage(msg, sender)
  })
  return { answer: record.answer, messages }
}

/** Tells every participant but the sender about posted messages (one `Updates` each). */
const tellOthers = (store: MessageStore, sender: bigint, posted: Posted, date: number, origin: Origin): void => {
  for (const [userId, list] of posted.perUser) {
    if (userId === sender || list.length === 0) continue
    deliver(store, userId, list.length === 1 ? newMessageUpdates(store, userId, list[0]!, date) : updatesFor(store, userId, list, date), origin)
  }
}

/**
 * `sender` sends `text` to `dest`.
 */
export const sendMessage = (
  store: MessageStore,
  sender: WorldUser,
  dest: WorldPeer,
  text: string,
  options: SendOptions,
  randomId: bigint,
  date: number,
  origin: Origin
): SendResult => {
  const box = boxOf(store, sender.id)
  const seen = box.sent.get(randomId)
  if (seen !== undefined) return replay(store, sender.id, seen)
  checkCanPost(store, sender, dest)
  const entities = checkText(store, sender, text, options.entities, options.media !== undefined)
  const posted = post(store, sender, dest, [{
    text,
    entities,
    media: options.media,
    replyToId: options.replyToId,
    silent: options.silent,
    replyMarkup: acceptedMarkup(sender, options.replyMarkup)
  }], date)
  const mine = posted.perUser.get(sender.id)![0]! as Api.updateNewMessage | Api.updateNewChannelMessage
  const message = posted.sent[0]!
  let answer: Api.Updates
  // A photo or document is answered in full, as Telegram does (clients read the new file's
  // id and reference from it); short answers are for text and text-like media.
  const fileMedia = options.media?._tag === "messageMediaPhoto" || options.media?._tag === "messageMediaDocument"
  if (dest.kind === "channel" || fileMedia) {
    answer = updatesFor(store, sender.id, [{ _tag: "updateMessageID", id: message.id, random_id: randomId }, mine], date)
    deliver(store, sender.id, answer, origin)
  } else {
    answer = {
      _tag: "updateShortSentMessage",
      out: true,
      id: message.id,
      pts: mine.pts,
      pts_count: mine.pts_count,
      date,
      ...(options.media !== undefined ? { media: options.media } : {})
    }
    deliver(store, sender.id, newMessageUpdates(store, sender.id, mine, date), origin)
  }
  tellOthers(store, sender.id, posted, date, origin)
  rememberSent(box, randomId, { answer, peer: dest, ids: [message.id] })
  return { answer, messages: posted.sent }
}

/**
 * What a forward takes.
 */
export interface ForwardOptions {
  readonly silent?: boolean | undefined
  /** Forward without the "forwarded from" header. */
  readonly dropAuthor?: boolean | undefined
}

/** The "forwarded from" header of a message: its original one if it is a forward itself. */
const forwardHeader = (msg: StoredMessage): Api.MessageFwdHeader =>
  msg.fwdFrom ?? {
    _tag: "messageFwdHeader",
    from_id: msg.post ? apiPeer(msg.peer) : { _tag: "peerUser", user_id: msg.authorId },
    date: msg.date,
    ...(msg.post ? { channel_post: msg.id } : {})
  }

/**
 * `sender` forwards messages `ids` of `from` to `to`; `randomIds` pairs one random_id with each.
 */
export const forwardMessages = (
  store: MessageStore,
  sender: WorldUser,
  from: WorldPeer,
  ids: ReadonlyArray<number>,
  randomIds: ReadonlyArray<bigint>,
  to: WorldPeer,
  options: ForwardOptions,
  date: number,
  origin: Origin
): SendResult => {
  if (ids.length === 0) return fail(400, "MESSAGE_IDS_EMPTY")
  if (randomIds.length !== ids.length || new Set(randomIds).size !== randomIds.length) return fail(400, "RANDOM_ID_INVALID")
  const box = boxOf(store, sender.id)
  const seen = box.sent.get(randomIds[0]!)
  if (seen !== undefined) return replay(store, sender.id, seen)
  const sources = ids.map((id) => {
    const msg = visibleMessage(store, sender.id, from, id)
    return msg === undefined || msg.action !== undefined ? fail(400, "MESSAGE_ID_INVALID") : msg
  })
  checkCanPost(store, sender, to)
  const drafts: Array<Draft> = sources.map((src) => ({
    text: src.text,
    entities: src.entities,
    media: src.media,
    silent: options.silent,
    fwdFrom: options.dropAuthor === true ? undefined : forwardHeader(src)
  }))
  const posted = post(store, sender, to, drafts, date)
  const mine = posted.perUser.get(sender.id)!
  const answer = updatesFor(store, sender.id, [
    ...posted.sent.map((m, i): Api.Update => ({ _tag: "updateMessageID", id: m.id, random_id: randomIds[i]! })),
    ...mine
  ], date)
  deliver(store, sender.id, answer, origin)
  tellOthers(store, sender.id, posted, date, origin)
  const record: SentRecord = { answer, peer: to, ids: posted.sent.map((m) => m.id) }
  for (const r of randomIds) rememberSent(box, r, record)
  return { answer, messages: posted.sent }
}
