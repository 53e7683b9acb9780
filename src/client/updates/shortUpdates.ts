/**
 * The short `Updates` constructors, expanded into the `updateNewMessage` they stand for.
 *
 * > The updateShortMessage, updateShortSentMessage and updateShortChatMessage constructors are
 * > redundant but help significantly reduce the transmitted message size for 90% of the
 * > updates. They should be transformed to updateShort upon receival.
 * > (core.telegram.org/api/updates#updates-sequence)
 *
 * `updateShortSentMessage` (the result of `messages.sendMessage`/`sendMedia` in a private chat
 * or basic group) lacks the text and the peer: only the request that produced it has them, so
 * {@link expandShortSentMessage} takes that request.
 *
 * The messages built here carry every key a decoded `message` has (absent flags `undefined`,
 * unset `true` flags `false`), so they look exactly like decoded ones.
 */
import type { Api } from "../../tl/index.ts"
import { peerOfInput } from "../peers/inputPeers.ts"

/** The fields a short constructor can fill; everything else is absent. */
interface MessageFields {
  readonly out?: boolean | undefined
  readonly mentioned?: boolean | undefined
  readonly media_unread?: boolean | undefined
  readonly silent?: boolean | undefined
  readonly noforwards?: boolean | undefined
  readonly invert_media?: boolean | undefined
  readonly id: number
  readonly from_id?: Api.Peer | undefined
  readonly peer_id: Api.Peer
  readonly fwd_from?: Api.MessageFwdHeader | undefined
  readonly via_bot_id?: bigint | undefined
  readonly reply_to?: Api.MessageReplyHeader | undefined
  readonly date: number
  readonly message: string
  readonly media?: Api.MessageMedia | undefined
  readonly reply_markup?: Api.ReplyMarkup | undefined
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  readonly ttl_period?: number | undefined
  readonly effect?: bigint | undefined
}

// Key order of the decoder's `message` (one hidden class for decoded and expanded messages).
const message = (f: MessageFields): Api.message => ({
  _tag: "message",
  out: f.out ?? false,
  mentioned: f.mentioned ?? false,
  media_unread: f.media_unread ?? false,
  silent: f.silent ?? false,
  post: false,
  from_scheduled: false,
  legacy: false,
  edit_hide: false,
  pinned: false,
  noforwards: f.noforwards ?? false,
  invert_media: f.invert_media ?? false,
  offline: false,
  video_processing_pending: false,
  paid_suggested_post_stars: false,
  paid_suggested_post_ton: false,
  id: f.id,
  from_id: f.from_id,
  from_boosts_applied: undefined,
  from_rank: undefined,
  peer_id: f.peer_id,
  saved_peer_id: undefined,
  fwd_from: f.fwd_from,
  via_bot_id: f.via_bot_id,
  via_business_bot_id: undefined,
  reply_to: f.reply_to,
  date: f.date,
  message: f.message,
  media: f.media,
  reply_markup: f.reply_markup,
  entities: f.entities,
  views: undefined,
  forwards: undefined,
  replies: undefined,
  edit_date: undefined,
  post_author: undefined,
  grouped_id: undefined,
  reactions: undefined,
  restriction_reason: undefined,
  ttl_period: f.ttl_period,
  quick_reply_shortcut_id: undefined,
  effect: f.effect,
  factcheck: undefined,
  report_delivery_until_date: undefined,
  paid_message_stars: undefined,
  suggested_post: undefined,
  schedule_repeat_period: undefined,
  summary_from_language: undefined
})

const peerUser = (user_id: bigint): Api.peerUser => ({ _tag: "peerUser", user_id })

/** The fields both short message constructors carry, into the `updateNewMessage` they stand for. */
const fromShort = (
  short: Api.updateShortMessage | Api.updateShortChatMessage,
  from_id: Api.Peer | undefined,
  peer_id: Api.Peer
): Api.updateNewMessage => ({
  _tag: "updateNewMessage",
  message: message({
    out: short.out,
    mentioned: short.mentioned,
    media_unread: short.media_unread,
    silent: short.silent,
    id: short.id,
    from_id,
    peer_id,
    fwd_from: short.fwd_from,
    via_bot_id: short.via_bot_id,
    reply_to: short.reply_to,
    date: short.date,
    message: short.message,
    entities: short.entities,
    ttl_period: short.ttl_period
  }),
  pts: short.pts,
  pts_count: short.pts_count
})

/**
 * `updateShortMessage` (a private-chat message) as the `updateNewMessage` it stands for. The
 * sender is the other user for incoming messages and `selfId` for outgoing ones (left absent
 * when `selfId` is not given).
 */
export const expandShortMessage = (short: Api.updateShortMessage, selfId?: bigint): Api.updateNewMessage =>
  fromShort(
    short,
    short.out === true ? (selfId === undefined ? undefined : peerUser(selfId)) : peerUser(short.user_id),
    peerUser(short.user_id)
  )

/**
 * `updateShortChatMessage` (a basic-group message) as the `updateNewMessage` it stands for.
 */
export const expandShortChatMessage = (short: Api.updateShortChatMessage): Api.updateNewMessage =>
  fromShort(short, peerUser(short.from_id), { _tag: "peerChat", chat_id: short.chat_id })

const replyHeader = (reply: Api.InputReplyTo | undefined, selfId: bigint): Api.MessageReplyHeader | undefined => {
  switch (reply?._tag) {
    case "inputReplyToMessage":
      return {
        _tag: "messageReplyHeader",
        reply_to_scheduled: false,
        forum_topic: false,
        quote: reply.quote_text !== undefined,
        reply_to_msg_id: reply.reply_to_msg_id,
        reply_to_peer_id: reply.reply_to_peer_id === undefined ? undefined : peerOfInput(reply.reply_to_peer_id, selfId),
        reply_from: undefined,
        reply_media: undefined,
        reply_to_top_id: reply.top_msg_id,
        quote_text: reply.quote_text,
        quote_entities: reply.quote_entities,
        quote_offset: reply.quote_offset,
        todo_item_id: reply.todo_item_id
      }
    case "inputReplyToStory": {
      const peer = peerOfInput(reply.peer, selfId)
      return peer === undefined ? undefined : { _tag: "messageReplyStoryHeader", peer, story_id: reply.story_id }
    }
    default:
      return undefined
  }
}

/**
 * The requests whose result can be `updateShortSentMessage`.
 */
export type SentMessageRequest = Api.messages.sendMessage | Api.messages.sendMedia

/**
 * `updateShortSentMessage` completed from the request that produced it, as the `updateShort`
 * (holding an `updateNewMessage`) Telegram means; feed that to the update machine instead of
 * the short form. The text, peer, reply and markup come from the request; id, date, media,
 * entities and TTL from the server. `undefined` only for a request to `inputPeerEmpty`, which
 * the server never answers this way.
 */
export const expandShortSentMessage = (
  short: Api.updateShortSentMessage,
  request: SentMessageRequest,
  selfId: bigint
): Api.updateShort | undefined => {
  const peer = peerOfInput(request.peer, selfId)
  if (peer === undefined) return undefined
  const sendAs = request.send_as === undefined ? undefined : peerOfInput(request.send_as, selfId)
  return {
    _tag: "updateShort",
    update: {
      _tag: "updateNewMessage",
      message: message({
        out: short.out,
        silent: request.silent,
        noforwards: request.noforwards,
        invert_media: request.invert_media,
        id: short.id,
        from_id: sendAs ?? peerUser(selfId),
        peer_id: peer,
        reply_to: replyHeader(request.reply_to, selfId),
        date: short.date,
        message: request.message,
        media: short.media,
        reply_markup: request.reply_markup,
        entities: short.entities ?? request.entities,
        ttl_period: short.ttl_period,
        effect: request.effect
      }),
      pts: short.pts,
      pts_count: short.pts_count
    },
    date: short.date
  }
}
