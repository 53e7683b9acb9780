/**
 * What users do to bots and bots answer: pressing a callback button (the bot gets
 * `updateBotCallbackQuery`, answers with `messages.setBotCallbackAnswer`), inline queries
 * (`updateBotInlineQuery`, answered with `messages.setInlineBotResults`), and the bots' command
 * lists (`bots.setBotCommands` ...). Synchronous over the store, throwing Telegram's errors;
 * the waiting for an answer is the caller's (`world/Bots.ts`, `handlers/bots.ts`).
 */
import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import {
  type BotStore,
  type CallbackQueryRecord,
  commandsKey,
  type InlineQueryRecord,
  rememberQuery,
  unsafeDeferred
} from "../BotStore.ts"
import { resolveInputPeer, resolveInputUser, visibleMessage } from "../inputs.ts"
import { acceptedMarkup, callbackButton } from "../markup.ts"
import { apiPeer, peerKey, type WorldPeer } from "../peers.ts"
import { renderUser, updatesFor } from "../render.ts"
import { deliver, fail, fromWorld, type MessageStore } from "../Store.ts"
import { checkText } from "../text.ts"

/** Telegram's limits. */
const MAX_RESULTS = 50
const MAX_ANSWER_TEXT = 200
const MAX_COMMANDS = 100
const COMMAND = /^[a-z0-9_]{1,32}$/
const START_PARAM = /^[A-Za-z0-9_-]{1,64}$/
const RESULT_TYPES = new Set(["article", "audio", "contact", "document", "gif", "location", "mpeg4_gif", "photo", "venue", "video", "voice", "game", "sticker"])

const utf8 = new TextEncoder()

/** `user`, or USER_BOT_REQUIRED when it is not a bot. */
export const requireBot = (user: WorldUser): WorldUser => (user.bot === true ? user : fail(400, "USER_BOT_REQUIRED"))

/** A stable 64-bit id of a chat, the same for everyone in it (FNV-1a of the chat's key). */
const chatInstance = (key: string): bigint => {
  let h = 0xcbf29ce484222325n
  for (const b of utf8.encode(key)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn
  return BigInt.asIntN(64, h)
}

/** Remembers a query and pushes its update to the bot (no pts: an `updates` with seq 0). */
const ask = <Q extends CallbackQueryRecord | InlineQueryRecord>(store: MessageStore, bots: BotStore, record: Q, update: Api.Update, date: number): Q => {
  rememberQuery(bots, record)
  deliver(store, record.botId, updatesFor(store, record.botId, [update], date), fromWorld)
  return record
}

/**
 * `presser` presses the callback button carrying `data` under message `msgId` of chat `peer`
 * (ids as the presser sees them): the message's bot gets `updateBotCallbackQuery`. Fails
 * MESSAGE_ID_INVALID for a message the presser cannot see, DATA_INVALID when no callback
 * button of the message carries `data`.
 */
export const pressButton = (
  store: MessageStore,
  bots: BotStore,
  presser: WorldUser,
  peer: WorldPeer,
  msgId: number,
  data: Uint8Array,
  queryId: bigint,
  date: number
): CallbackQueryRecord => {
  const msg = visibleMessage(store, presser.id, peer, msgId) ?? fail(400, "MESSAGE_ID_INVALID")
  const bot = store.users.get(msg.authorId)
  if (bot?.bot !== true || callbackButton(msg.replyMarkup, data) === undefined) return fail(400, "DATA_INVALID")
  // The bot's view: its own copy of a private or group message, the same id in a channel.
  const botPeer: WorldPeer = peer.kind === "user" ? { kind: "user", id: presser.id } : peer
  const botMsgId = peer.kind === "channel" ? msg.id : store.copies.get(msg.globalId)?.get(bot.id) ?? fail(400, "MESSAGE_ID_INVALID")
  const chatKey = peer.kind === "user" ? [presser.id, bot.id].sort().join(":") : peerKey(peer)
  const update: Api.updateBotCallbackQuery = {
    _tag: "updateBotCallbackQuery",
    query_id: queryId,
    user_id: presser.id,
    peer: apiPeer(botPeer),
    msg_id: botMsgId,
    chat_instance: chatInstance(chatKey),
    data
  }
  const record: CallbackQueryRecord = {
    _tag: "CallbackQuery",
    queryId,
    botId: bot.id,
    userId: presser.id,
    peer: botPeer,
    msgId: botMsgId,
    data,
    answer: undefined,
    answered: unsafeDeferred()
  }
  return ask(store, bots, record, update, date)
}

/**
 * What kind of chat an inline query is typed in, as the bot is told.
 */
export const inlinePeerType = (store: MessageStore, user: WorldUser, bot: WorldUser, chat: WorldPeer): Api.InlineQueryPeerType => {
  if (chat.kind === "user") {
    if (chat.id === bot.id) return { _tag: "inlineQueryPeerTypeSameBotPM" }
    return store.users.get(chat.id)?.bot === true && chat.id !== user.id ? { _tag: "inlineQueryPeerTypeBotPM" } : { _tag: "inlineQueryPeerTypePM" }
  }
  if (chat.kind === "chat") return { _tag: "inlineQueryPeerTypeChat" }
  return store.channels.get(chat.id)?.broadcast === true ? { _tag: "inlineQueryPeerTypeBroadcast" } : { _tag: "inlineQueryPeerTypeMegagroup" }
}

/**
 * `user` types `@bot query` (in a chat of `peerType`): the bot gets `updateBotInlineQuery`.
 */
export const askInline = (
  store: MessageStore,
  bots: BotStore,
  user: WorldUser,
  bot: WorldUser,
  query: string,
  offset: string,
  peerType: Api.InlineQueryPeerType | undefined,
  queryId: bigint,
  date: number
): InlineQueryRecord => {
  if (bot.bot !== true) return fail(400, "BOT_INVALID")
  if (query.length > 256) return fail(400, "QUERY_TOO_LONG")
  const update: Api.updateBotInlineQuery = {
    _tag: "updateBotInlineQuery",
    query_id: queryId,
    user_id: user.id,
    query,
    ...(peerType !== undefined ? { peer_type: peerType } : {}),
    offset
  }
  const record: InlineQueryRecord = {
    _tag: "InlineQuery",
    queryId,
    botId: bot.id,
    userId: user.id,
    query,
    offset,
    answer: undefined,
    answered: unsafeDeferred()
  }
  return ask(store, bots, record, update, date)
}

/** The open query `queryId` of kind `tag` asked of `bot`, or QUERY_ID_INVALID (unknown, answered, expired, someone else's). */
const openQuery = <T extends "CallbackQuery" | "InlineQuery">(bots: BotStore, bot: WorldUser, queryId: bigint, tag: T) => {
  const record = bots.queries.get(queryId)
  if (record === undefined || record._tag !== tag || record.botId !== bot.id || record.answer !== undefined) return fail(400, "QUERY_ID_INVALID")
  return record as Extract<CallbackQueryRecord | InlineQueryRecord, { readonly _tag: T }>
}

/**
 * `bot` answers a callback query (`messages.setBotCallbackAnswer`).
 */
export const answerCallbackQuery = (bots: BotStore, bot: WorldUser, request: Api.messages.setBotCallbackAnswer): void => {
  requireBot(bot)
  const record = openQuery(bots, bot, request.query_id, "CallbackQuery")
  if (request.message !== undefined && request.message.length > MAX_ANSWER_TEXT) fail(400, "MESSAGE_TOO_LONG")
  if (request.url !== undefined && !/^(?:https?|tg):\/\/\S+$/i.test(request.url)) fail(400, "URL_INVALID")
  const answer: Api.messages.botCallbackAnswer = {
    _tag: "messages.botCallbackAnswer",
    ...(request.alert === true ? { alert: true } : {}),
    ...(request.url !== undefined ? { has_url: true, url: request.url } : {}),
    ...(request.message !== undefined ? { message: request.message } : {}),
    cache_time: request.cache_time
  }
  record.answer = answer
  Deferred.unsafeDone(record.answered, Exit.succeed(answer))
}

/** An inline result as the user gets it (mentions resolved, keyboards checked). */
const botResult = (store: MessageStore, bot: WorldUser, result: Api.InputBotInlineResult): Api.BotInlineResult => {
  if (result._tag !== "inputBotInlineResult") return fail(400, "RESULT_TYPE_INVALID") // photos, documents, games: no media here
  if (result.id === "" || utf8.encode(result.id).length > 64) fail(400, "RESULT_ID_INVALID")
  if (!RESULT_TYPES.has(result.type)) fail(400, "RESULT_TYPE_INVALID")
  const send = result.send_message
  const markup = send.reply_markup
  if (markup !== undefined && markup._tag !== "replyInlineMarkup") fail(400, "REPLY_MARKUP_INVALID")
  const replyMarkup = acceptedMarkup(bot, markup)
  let sendMessage: Api.BotInlineMessage
  switch (send._tag) {
    case "inputBotInlineMessageText":
      sendMessage = {
        _tag: "botInlineMessageText",
        ...(send.no_webpage === true ? { no_webpage: true } : {}),
        message: send.message,
        entities: [...checkText(store, bot, send.message, send.entities)],
        ...(replyMarkup !== undefined ? { reply_markup: replyMarkup } : {})
      }
      break
    case "inputBotInlineMessageMediaAuto":
      sendMessage = {
        _tag: "botInlineMessageMediaAuto",
        message: send.message,
        entities: [...checkText(store, bot, send.message, send.entities, true)],
        ...(replyMarkup !== undefined ? { reply_markup: replyMarkup } : {})
      }
      break
    default:
      return fail(400, "SEND_MESSAGE_TYPE_INVALID")
  }
  const web = (d: Api.InputWebDocument | undefined): Api.WebDocument | undefined =>
    d === undefined ? undefined : { _tag: "webDocumentNoProxy", url: d.url, size: d.size, mime_type: d.mime_type, attributes: d.attributes }
  const thumb = web(result.thumb)
  const content = web(result.content)
  return {
    _tag: "botInlineResult",
    id: result.id,
    type: result.type,
    ...(result.title !== undefined ? { title: result.title } : {}),
    ...(result.description !== undefined ? { description: result.description } : {}),
    ...(result.url !== undefined ? { url: result.url } : {}),
    ...(thumb !== undefined ? { thumb } : {}),
    ...(content !== undefined ? { content } : {}),
    send_message: sendMessage
  }
}

/**
 * `bot` answers an inline query (`messages.setInlineBotResults`).
 */
export const answerInlineQuery = (store: MessageStore, bots: BotStore, bot: WorldUser, request: Api.messages.setInlineBotResults): void => {
  requireBot(bot)
  const record = openQuery(bots, bot, request.query_id, "InlineQuery")
  if (request.results.length > MAX_RESULTS) fail(400, "RESULTS_TOO_MUCH")
  const ids = new Set<string>()
  for (const r of request.results) {
    if (ids.has(r.id)) fail(400, "RESULT_ID_DUPLICATE")
    ids.add(r.id)
  }
  if (request.next_offset !== undefined && utf8.encode(request.next_offset).length > 64) fail(400, "NEXT_OFFSET_INVALID")
  if (request.switch_pm !== undefined && !START_PARAM.test(request.switch_pm.start_param)) fail(400, "START_PARAM_INVALID")
  const results = request.results.map((r) => botResult(store, bot, r))
  const user = store.users.get(record.userId)
  const answer: Api.messages.botResults = {
    _tag: "messages.botResults",
    ...(request.gallery === true ? { gallery: true } : {}),
    query_id: request.query_id,
    ...(request.next_offset !== undefined && request.next_offset !== "" ? { next_offset: request.next_offset } : {}),
    ...(request.switch_pm !== undefined ? { switch_pm: request.switch_pm } : {}),
    results,
    cache_time: request.cache_time,
    users: user === undefined ? [] : [renderUser(store, user.id, bot)]
  }
  record.answer = answer
  Deferred.unsafeDone(record.answered, Exit.succeed(answer))
}

/** The key of a command scope, with peers resolved as `bot` names them. */
export const scopeKey = (store: MessageStore, bot: WorldUser, scope: Api.BotCommandScope): string => {
  switch (scope._tag) {
    case "botCommandScopeDefault":
      return "default"
    case "botCommandScopeUsers":
      return "users"
    case "botCommandScopeChats":
      return "chats"
    case "botCommandScopeChatAdmins":
      return "chat_admins"
    case "botCommandScopePeer":
      return `peer:${peerKey(resolveInputPeer(store, bot, scope.peer))}`
    case "botCommandScopePeerAdmins":
      return `peer_admins:${peerKey(resolveInputPeer(store, bot, scope.peer))}`
    case "botCommandScopePeerUser":
      return `peer_user:${peerKey(resolveInputPeer(store, bot, scope.peer))}:${resolveInputUser(store, bot, scope.user_id).id}`
  }
}

/**
 * `bot` sets (an empty list: removes) its commands for `key` (a {@link scopeKey} and language).
 */
export const setBotCommands = (bots: BotStore, bot: WorldUser, key: string, commands: ReadonlyArray<Api.BotCommand>): void => {
  requireBot(bot)
  if (commands.length > MAX_COMMANDS) fail(400, "BOT_COMMANDS_TOO_MUCH")
  for (const c of commands) {
    if (!COMMAND.test(c.command)) fail(400, "BOT_COMMAND_INVALID")
    if (c.description.trim() === "" || c.description.length > 256) fail(400, "BOT_COMMAND_DESCRIPTION_INVALID")
  }
  let lists = bots.commands.get(bot.id)
  if (lists === undefined) bots.commands.set(bot.id, lists = new Map())
  if (commands.length === 0) lists.delete(key)
  else lists.set(key, commands.map((c): Api.BotCommand => ({ _tag: "botCommand", command: c.command, description: c.description })))
}

/**
 * The commands of `botId` for `key` (none set: empty).
 */
export const botCommands = (bots: BotStore, botId: bigint, key: string): ReadonlyArray<Api.BotCommand> =>
  bots.commands.get(botId)?.get(key) ?? []

/** The key of the default command list in `langCode` (what `users.getFullUser` shows). */
export const defaultCommandsKey = (langCode = ""): string => commandsKey("default", langCode)
