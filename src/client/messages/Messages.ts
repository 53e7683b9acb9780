/**
 * `Messages`: sending, editing, deleting, forwarding and reading messages, as functions that
 * need the `Client` in their context.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const sent = yield* Messages.send("@durov", "**Hello** from effect-mtproto")
 *   yield* Messages.edit("@durov", sent.id, "Hello again")
 *   const last10 = yield* Stream.runCollect(Messages.history("@durov", { limit: 10 }))
 * })
 * ```
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { randomLong } from "../../crypto/index.ts"
import type { Api } from "../../tl/index.ts"
import { Client } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import type { FileError } from "../files/FileError.ts"
import { isInputFile, isInputMedia, type MediaOptions, uploadedMedia } from "../files/media.ts"
import { type SourceContext, type SourceError, upload, type UploadOptions, type UploadSource } from "../files/upload.ts"
import { type CallbackDataTooLong, check as checkMarkup } from "../Keyboard.ts"
import { editedMessage, forwardedMessages, sentMessage, type Found } from "./answers.ts"
import { formatText, type ParseMode } from "./format.ts"
import { inputEntities } from "./inputEntities.ts"
import { UnexpectedAnswer } from "./UnexpectedAnswer.ts"
import { traced } from "../observe.ts"
import { inputChannelOf, peerOfInput, samePeer } from "../peers/inputPeers.ts"
import type { PeerNotFound } from "../peers/PeerNotFound.ts"
import type { PeerRef } from "../peers/ref.ts"
import { resolveRef } from "../peers/resolve.ts"

export { type ParseMode } from "./format.ts"
export { UnexpectedAnswer } from "./UnexpectedAnswer.ts"

/**
 * Options of {@link send}.
 */
export interface SendOptions {
  /** How `text` is read (default `"markdown"`). */
  readonly parseMode?: ParseMode | undefined
  /** The id of the message this one replies to. */
  readonly replyTo?: number | undefined
  /** Deliver without a notification. */
  readonly silent?: boolean | undefined
  /** No link preview. */
  readonly noWebpage?: boolean | undefined
  /** Explicit entities (offsets in UTF-16 code units); `text` is then sent as is. */
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  /** A keyboard (bots): `Keyboard.inline(...)`, `Keyboard.reply(...)`, `Keyboard.remove()`, `Keyboard.forceReply()`. */
  readonly replyMarkup?: Api.ReplyMarkup | undefined
}

/**
 * Options of {@link sendFile}: the caption (read as {@link send} reads text), how the file goes
 * out, and, when it is uploaded first, the upload's options.
 */
export interface SendFileOptions extends Omit<UploadOptions, "name" | "mimeType">, MediaOptions {
  /** The text under the media (default none). */
  readonly caption?: string | undefined
  /** How `caption` is read (default `"markdown"`). */
  readonly parseMode?: ParseMode | undefined
  /** Explicit caption entities; `caption` is then sent as is. */
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  readonly replyTo?: number | undefined
  readonly silent?: boolean | undefined
}

/**
 * What {@link sendFile} sends: anything `Files.upload` takes (bytes, a path, a Stream), an
 * uploaded `Api.InputFile`, or ready-made `Api.InputMedia` (an existing photo or document).
 */
export type SendableFile = UploadSource | Api.InputFile | Api.InputMedia

/**
 * Options of {@link edit}.
 */
export interface EditOptions {
  readonly parseMode?: ParseMode | undefined
  readonly noWebpage?: boolean | undefined
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  /** The new inline keyboard (bots). Without it an inline keyboard is removed, as Telegram does. */
  readonly replyMarkup?: Api.ReplyMarkup | undefined
}

/**
 * Options of {@link history}.
 */
export interface HistoryOptions {
  /** At most this many messages (default: all). */
  readonly limit?: number | undefined
  /** Start below this id (exclusive; default: the newest message). */
  readonly offsetId?: number | undefined
  /** Only ids greater than this. */
  readonly minId?: number | undefined
  /** Only ids smaller than this. */
  readonly maxId?: number | undefined
  /** Messages per request (1–100, default 100). */
  readonly pageSize?: number | undefined
}

/**
 * Options of {@link search}.
 */
export interface SearchOptions extends HistoryOptions {
  /** Only messages of this sender. */
  readonly from?: PeerRef | undefined
  /** A media filter (default: none). */
  readonly filter?: Api.MessagesFilter | undefined
  /** Unix seconds bounds (inclusive). */
  readonly minDate?: number | undefined
  readonly maxDate?: number | undefined
}

/** Telegram's page size and batch limit for ids. */
const MAX_PAGE = 100

/** A fresh random_id from the crypto module's randomness source (no parameters: safe for `map`). */
const randomId = (): bigint => randomLong()

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The messages of a `messages.Messages` answer. */
const messagesIn = (answer: Api.messages.Messages): ReadonlyArray<Api.Message> =>
  answer._tag === "messages.messagesNotModified" ? [] : answer.messages

/** The chat's `Peer` (the logged-in user's id for inputPeerSelf). */
const chatPeer = Effect.fnUntraced(function*(input: Api.InputPeer) {
  const client = yield* Client
  const self = input._tag === "inputPeerSelf" ? (yield* client.peers.selfId) ?? (yield* client.getMe).id : undefined
  return peerOfInput(input, self) ?? { _tag: "peerUser", user_id: 0n } as const
})

/** The message a found outcome stands for, fetching it by id when the answer did not carry it. */
const materialize = (method: string, peer: Api.InputPeer, found: Found) =>
  Effect.gen(function*() {
    if (found._tag === "Message") return found.message
    if (found._tag === "Missing") return yield* new UnexpectedAnswer({ method, detail: "the answer names no new message" })
    const [message] = yield* get(peer, [found.id])
    if (message === undefined || message._tag === "messageEmpty") {
      return yield* new UnexpectedAnswer({ method, detail: `message ${found.id} is in neither the answer nor the chat` })
    }
    return message
  })

/**
 * Sends a text message to `to` and returns it as the server stored it. The text is read as
 * markdown unless `parseMode` says otherwise; `random_id` is fresh and cryptographically
 * random, so a retried call never posts twice.
 */
export const send = (
  to: PeerRef,
  text: string,
  options: SendOptions = {}
): Effect.Effect<Api.Message, PeerNotFound | UnexpectedAnswer | CallbackDataTooLong | ClientError, Client> =>
  // A span only when one is exported, without a stack: a send costs a call and little else.
  traced("Messages.send", sendUntraced(to, text, options))

const sendUntraced = Effect.fnUntraced(function*(to: PeerRef, text: string, options: SendOptions) {
  const client = yield* Client
  if (options.replyMarkup !== undefined) yield* checkMarkup(options.replyMarkup)
  const peer = yield* resolveRef(to)
  const formatted = formatText(text, options.parseMode ?? "markdown", options.entities)
  const entities = formatted.entities.length === 0 ? [] : yield* inputEntities(formatted.entities)
  const id = randomId()
  const answer = yield* client.invoke({
    _tag: "messages.sendMessage",
    ...(options.noWebpage === true ? { no_webpage: true } : {}),
    ...(options.silent === true ? { silent: true } : {}),
    peer,
    ...(options.replyTo !== undefined ? { reply_to: { _tag: "inputReplyToMessage", reply_to_msg_id: options.replyTo } } : {}),
    message: formatted.text,
    random_id: id,
    ...(options.replyMarkup !== undefined ? { reply_markup: options.replyMarkup } : {}),
    ...(entities.length > 0 ? { entities } : {})
  })
  const selfId = yield* client.peers.selfId
  const found = sentMessage(answer, {
    peer: peer._tag === "inputPeerSelf" ? yield* chatPeer(peer) : peerOfInput(peer, selfId) ?? { _tag: "peerUser", user_id: 0n },
    selfId: selfId ?? 0n,
    text: formatted.text,
    entities: formatted.entities,
    randomId: id,
    replyTo: options.replyTo,
    silent: options.silent,
    replyMarkup: options.replyMarkup
  })
  return found._tag === "Message" ? found.message : yield* materialize("messages.sendMessage", peer, found)
})

/**
 * Sends a file to `to` and returns the message as the server stored it: uploaded first
 * unless it is an `InputFile` or `InputMedia` already (`Files.upload`, with the options'
 * `partSize`, `workers`, `onProgress` ...), then `messages.sendMedia` with an uploaded photo
 * (JPEG/PNG unless `asDocument`) or document (named, its MIME type from the name unless
 * given). A source that fails midway fails the call and sends nothing.
 */
export const sendFile = <S extends SendableFile>(
  to: PeerRef,
  file: S,
  options: SendFileOptions = {}
): Effect.Effect<
  Api.Message,
  PeerNotFound | UnexpectedAnswer | FileError | ClientError | SourceError<S>,
  Client | SourceContext<S>
> => sendFileUntyped(to, file, options) as Effect.Effect<Api.Message, PeerNotFound | UnexpectedAnswer | FileError | ClientError | SourceError<S>, Client | SourceContext<S>>

const sendFileUntyped = Effect.fn("Messages.sendFile")(function*(to: PeerRef, file: SendableFile, options: SendFileOptions) {
  const client = yield* Client
  // The peer first: a wrong one fails before anything is uploaded.
  const peer = yield* resolveRef(to)
  const formatted = formatText(options.caption ?? "", options.parseMode ?? "markdown", options.entities)
  const entities = yield* inputEntities(formatted.entities)
  let media: Api.InputMedia
  if (isInputMedia(file)) {
    media = file
  } else {
    const uploaded = isInputFile(file) ? file : yield* upload(file as UploadSource, options)
    media = uploadedMedia(uploaded, options)
  }
  const id = randomId()
  const answer = yield* client.invoke({
    _tag: "messages.sendMedia",
    ...(options.silent === true ? { silent: true } : {}),
    peer,
    ...(options.replyTo !== undefined ? { reply_to: { _tag: "inputReplyToMessage", reply_to_msg_id: options.replyTo } } : {}),
    media,
    message: formatted.text,
    random_id: id,
    ...(entities.length > 0 ? { entities } : {})
  })
  const found = sentMessage(answer, {
    peer: yield* chatPeer(peer),
    selfId: (yield* client.peers.selfId) ?? 0n,
    text: formatted.text,
    entities: formatted.entities,
    randomId: id,
    replyTo: options.replyTo,
    silent: options.silent
  })
  return yield* materialize("messages.sendMedia", peer, found)
})

/**
 * Changes the text of message `id` of chat `peer`; returns the edited message.
 */
export const edit: (
  peer: PeerRef,
  id: number,
  text: string,
  options?: EditOptions
) => Effect.Effect<Api.Message, PeerNotFound | UnexpectedAnswer | CallbackDataTooLong | ClientError, Client> = Effect.fn(
  "Messages.edit"
)(
  function*(peer: PeerRef, id: number, text: string, options: EditOptions = {}) {
    const client = yield* Client
    if (options.replyMarkup !== undefined) yield* checkMarkup(options.replyMarkup)
    const input = yield* resolveRef(peer)
    const formatted = formatText(text, options.parseMode ?? "markdown", options.entities)
    const entities = yield* inputEntities(formatted.entities)
    const answer = yield* client.invoke({
      _tag: "messages.editMessage",
      ...(options.noWebpage === true ? { no_webpage: true } : {}),
      peer: input,
      id,
      message: formatted.text,
      ...(options.replyMarkup !== undefined ? { reply_markup: options.replyMarkup } : {}),
      entities
    })
    const message = editedMessage(answer, yield* chatPeer(input), id)
    return yield* materialize("messages.editMessage", input, message === undefined ? { _tag: "Id", id } : { _tag: "Message", message })
  }
)

/**
 * Replaces the inline keyboard of message `id` of chat `peer`, keeping its text (`undefined`
 * removes the keyboard); returns the edited message. For bots: `Keyboard.inline(...)`.
 */
export const editReplyMarkup: (
  peer: PeerRef,
  id: number,
  markup: Api.ReplyMarkup | undefined
) => Effect.Effect<Api.Message, PeerNotFound | UnexpectedAnswer | CallbackDataTooLong | ClientError, Client> = Effect.fn(
  "Messages.editReplyMarkup"
)(function*(peer: PeerRef, id: number, markup: Api.ReplyMarkup | undefined) {
  const client = yield* Client
  yield* checkMarkup(markup)
  const input = yield* resolveRef(peer)
  const answer = yield* client.invoke({
    _tag: "messages.editMessage",
    peer: input,
    id,
    ...(markup !== undefined ? { reply_markup: markup } : {})
  })
  const message = editedMessage(answer, yield* chatPeer(input), id)
  return yield* materialize("messages.editMessage", input, message === undefined ? { _tag: "Id", id } : { _tag: "Message", message })
})

/**
 * Deletes messages `ids` of chat `peer` (in channels for everyone; elsewhere for everyone with
 * `revoke`, else only for this account). Returns how many were deleted.
 */
const deleteMessages: (
  peer: PeerRef,
  ids: ReadonlyArray<number>,
  options?: { readonly revoke?: boolean | undefined }
) => Effect.Effect<number, PeerNotFound | ClientError, Client> = Effect.fn("Messages.delete")(
  function*(peer: PeerRef, ids: ReadonlyArray<number>, options: { readonly revoke?: boolean | undefined } = {}) {
    const client = yield* Client
    const input = yield* resolveRef(peer)
    const channel = inputChannelOf(input)
    let deleted = 0
    for (const batch of chunks(ids, MAX_PAGE)) {
      const affected = channel !== undefined
        ? yield* client.invoke({ _tag: "channels.deleteMessages", channel, id: batch })
        : yield* client.invoke({ _tag: "messages.deleteMessages", ...(options.revoke === true ? { revoke: true } : {}), id: batch })
      deleted += affected.pts_count
    }
    return deleted
  }
)
export { deleteMessages as delete }

/**
 * Forwards messages `ids` of chat `from` to `to`; returns the new messages, in order.
 */
export const forward: (
  from: PeerRef,
  ids: ReadonlyArray<number>,
  to: PeerRef,
  options?: { readonly silent?: boolean | undefined; readonly dropAuthor?: boolean | undefined }
) => Effect.Effect<ReadonlyArray<Api.Message>, PeerNotFound | UnexpectedAnswer | ClientError, Client> = Effect.fn(
  "Messages.forward"
)(function*(
  from: PeerRef,
  ids: ReadonlyArray<number>,
  to: PeerRef,
  options: { readonly silent?: boolean | undefined; readonly dropAuthor?: boolean | undefined } = {}
) {
  const client = yield* Client
  const fromPeer = yield* resolveRef(from)
  const toPeer = yield* resolveRef(to)
  const target = yield* chatPeer(toPeer)
  const out: Array<Api.Message> = []
  for (const batch of chunks(ids, MAX_PAGE)) {
    const randomIds = batch.map(randomId)
    const answer = yield* client.invoke({
      _tag: "messages.forwardMessages",
      ...(options.silent === true ? { silent: true } : {}),
      ...(options.dropAuthor === true ? { drop_author: true } : {}),
      from_peer: fromPeer,
      id: batch,
      random_id: randomIds,
      to_peer: toPeer
    })
    for (const found of forwardedMessages(answer, target, randomIds)) {
      out.push(yield* materialize("messages.forwardMessages", toPeer, found))
    }
  }
  return out
})

/**
 * Messages `ids` of chat `peer`, in the order asked; `messageEmpty` for ids that do not exist
 * (or were deleted).
 */
export const get: (
  peer: PeerRef,
  ids: ReadonlyArray<number>
) => Effect.Effect<ReadonlyArray<Api.Message>, PeerNotFound | ClientError, Client> = Effect.fn("Messages.get")(
  function*(peer: PeerRef, ids: ReadonlyArray<number>) {
    const client = yield* Client
    const input = yield* resolveRef(peer)
    const channel = inputChannelOf(input)
    const chat = yield* chatPeer(input)
    const byId = new Map<number, Api.Message>()
    for (const batch of chunks(ids, MAX_PAGE)) {
      const id = batch.map((i): Api.InputMessage => ({ _tag: "inputMessageID", id: i }))
      const answer = channel !== undefined
        ? yield* client.invoke({ _tag: "channels.getMessages", channel, id })
        : yield* client.invoke({ _tag: "messages.getMessages", id })
      // messages.getMessages looks ids up in all private chats and groups: keep this chat's.
      for (const m of messagesIn(answer)) if (m._tag !== "messageEmpty" && samePeer(m.peer_id, chat)) byId.set(m.id, m)
    }
    return ids.map((id): Api.Message => byId.get(id) ?? { _tag: "messageEmpty", id, peer_id: chat })
  }
)

/** Pages through messages newest first: each page starts below the last id of the one before. */
const paged = <E>(
  options: HistoryOptions,
  fetch: (offsetId: number, limit: number) => Effect.Effect<Api.messages.Messages, E, Client>
): Stream.Stream<Api.Message, E, Client> => {
  const pageSize = Math.min(Math.max(Math.floor(options.pageSize ?? MAX_PAGE), 1), MAX_PAGE)
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  interface Cursor {
    readonly offsetId: number
    readonly left: number
  }
  if (limit <= 0) return Stream.empty
  return Stream.paginateChunkEffect<Cursor, Api.Message, E, Client>(
    { offsetId: options.offsetId ?? 0, left: limit },
    (cursor) => {
      const asked = Math.min(pageSize, cursor.left)
      return Effect.map(fetch(cursor.offsetId, asked), (answer) => {
        const all = messagesIn(answer)
        // Only messages below the offset: a page never repeats the one before.
        const fresh = all.filter((m) => m._tag !== "messageEmpty" && (cursor.offsetId <= 0 || m.id < cursor.offsetId))
        const page = fresh.slice(0, cursor.left)
        const last = page[page.length - 1]
        const left = cursor.left - page.length
        // The server says where the page sits in the whole list: its end needs no further request.
        const atEnd = answer._tag === "messages.messages" ||
          (answer._tag !== "messages.messagesNotModified" && answer.offset_id_offset !== undefined &&
            answer.offset_id_offset + all.length >= answer.count)
        const done = last === undefined || all.length < asked || left <= 0 || atEnd
        return [Chunk.fromIterable(page), done ? Option.none() : Option.some({ offsetId: last.id, left })] as const
      })
    }
  )
}

/**
 * The messages of chat `peer`, newest first, fetched a page at a time (`messages.getHistory`)
 * as the stream is pulled, until `limit` or the start of the chat. Each page is one `invoke`,
 * so FLOOD_WAIT is handled by the Client's retry policy.
 */
export const history = (peer: PeerRef, options: HistoryOptions = {}): Stream.Stream<Api.Message, PeerNotFound | ClientError, Client> =>
  Stream.unwrap(Effect.map(resolveRef(peer), (input) =>
    paged(options, (offsetId, limit) =>
      Effect.flatMap(Client, (client) =>
        client.invoke({
          _tag: "messages.getHistory",
          peer: input,
          offset_id: offsetId,
          offset_date: 0,
          add_offset: 0,
          limit,
          max_id: options.maxId ?? 0,
          min_id: options.minId ?? 0,
          hash: 0n
        }))
    ))).pipe(Stream.withSpan("Messages.history"))

/**
 * The messages of chat `peer` whose text contains `query` (`""`: all), newest first, paged as
 * {@link history} (`messages.search`).
 */
export const search = (
  peer: PeerRef,
  query: string,
  options: SearchOptions = {}
): Stream.Stream<Api.Message, PeerNotFound | ClientError, Client> =>
  Stream.unwrap(Effect.gen(function*() {
    const input = yield* resolveRef(peer)
    const from = options.from === undefined ? undefined : yield* resolveRef(options.from)
    return paged(options, (offsetId, limit) =>
      Effect.flatMap(Client, (client) =>
        client.invoke({
          _tag: "messages.search",
          peer: input,
          q: query,
          ...(from !== undefined ? { from_id: from } : {}),
          filter: options.filter ?? { _tag: "inputMessagesFilterEmpty" },
          min_date: options.minDate ?? 0,
          max_date: options.maxDate ?? 0,
          offset_id: offsetId,
          add_offset: 0,
          limit,
          max_id: options.maxId ?? 0,
          min_id: options.minId ?? 0,
          hash: 0n
        })))
  })).pipe(Stream.withSpan("Messages.search"))
