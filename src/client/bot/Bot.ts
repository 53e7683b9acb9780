/**
 * `Bot`: a bot framework on the update stream. Typed events as `Stream`s that need the
 * `Client` (`messages`, `commands(...)`, `editedMessages`, `callbackQueries`, `inlineQueries`),
 * each with the helpers to answer it; {@link run} to handle a stream (one chat at a time in
 * order, chats in parallel, failures logged and counted without stopping); and the bot methods
 * (commands, callback and inline answers).
 *
 * ```ts
 * const menu = (n: number) => Keyboard.inline([[Button.callback("+1", `inc:${n}`)]])
 * const bot = Effect.all([
 *   Bot.run(Bot.commands("start"), (m) => m.reply("Count: 0", { replyMarkup: menu(0) })),
 *   Bot.run(Bot.callbackQueries, (q) => {
 *     const n = Number(q.dataText.split(":")[1]) + 1
 *     return Effect.zipRight(q.editText(`Count: ${n}`, { replyMarkup: menu(n) }), q.answer({ text: `now ${n}` }))
 *   })
 * ], { concurrency: "unbounded" })
 * ```
 *
 * Each stream is its own subscription to the Client's updates, so two `run`s see every update
 * (a `/start` is both a message and a command); order is kept within one `run`.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Api } from "../../tl/index.ts"
import type { Command } from "./command.ts"
import { looksLikeCommand, parseCommand } from "./command.ts"
import {
  type CallbackAnswer,
  type CallbackQueryEvent,
  chatKeyOf,
  type CommandEvent,
  editedMessageOf,
  type InlineAnswerOptions,
  type InlineQueryEvent,
  type MessageEvent,
  newMessageOf,
  type ReplyOptions,
  senderIdOf
} from "./events.ts"
import { run, type RunOptions } from "./runner.ts"
import { Client, type ClientShape } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import { type CallbackDataTooLong, check as checkMarkup } from "../Keyboard.ts"
import * as Messages from "../messages/Messages.ts"
import { formatText, type ParseMode } from "../messages/format.ts"
import { inputEntities } from "../messages/inputEntities.ts"
import { inputUserOf } from "../peers/inputPeers.ts"
import type { PeerNotFound } from "../peers/PeerNotFound.ts"
import type { PeerRef } from "../peers/ref.ts"
import { resolveRef } from "../peers/resolve.ts"

export { type Command, parseCommand } from "./command.ts"
export type {
  BotEvent,
  CallbackAnswer,
  CallbackQueryEvent,
  CommandEvent,
  InlineAnswerOptions,
  InlineQueryEvent,
  MessageEvent,
  ReplyOptions,
  SendError
} from "./events.ts"
export { failuresTotal, handledTotal, run, type RunOptions } from "./runner.ts"

/**
 * `run` for `pipe`: `Bot.messages.pipe(Bot.handle((m) => m.reply(m.text)))`.
 */
export const handle = <A, H extends Effect.Effect<unknown, unknown, any>>(handler: (event: A) => H, options?: RunOptions<A>) =>
<E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<void, E, R | Effect.Effect.Context<H>> => run(stream, handler, options)

/**
 * Every update of the Client, one `Api.Update` at a time (what the typed streams are made from).
 */
export const updates: Stream.Stream<Api.Update, ClientError, Client> = Stream.unwrap(Effect.map(Client, (client) => client.updates))

/** What one subscription's events share: the client, and this account's username, asked once when first needed. */
interface Context {
  readonly client: ClientShape
  readonly username: Effect.Effect<string | undefined, ClientError>
}

const usernameOf = (user: Api.User): string | undefined =>
  user._tag !== "user" ? undefined : user.username ?? user.usernames?.find((u) => u.active === true)?.username

const context: Effect.Effect<Context, never, Client> = Effect.map(Client, (client) => {
  let known: { readonly username: string | undefined } | undefined
  return {
    client,
    username: Effect.suspend(() =>
      known !== undefined
        ? Effect.succeed(known.username)
        : Effect.map(client.getMe, (me) => (known = { username: usernameOf(me) }).username)
    )
  }
})

/** The events of each update `select` picks, over one subscription. */
const events = <A>(
  select: (update: Api.Update, ctx: Context) => Effect.Effect<A, ClientError> | undefined
): Stream.Stream<A, ClientError, Client> =>
  Stream.unwrap(Effect.map(context, (ctx) => Stream.filterMapEffect(ctx.client.updates, (u) => Option.fromNullable(select(u, ctx)))))

const withClient = (client: ClientShape) => <A, E>(effect: Effect.Effect<A, E, Client>): Effect.Effect<A, E> =>
  Effect.provideService(effect, Client, client)

const replyIn = (client: ClientShape, chat: Api.Peer, messageId: number) =>
(text: string, options: ReplyOptions = {}) => {
  const { quote, ...send } = options
  return withClient(client)(Messages.send(chat, text, quote === true ? { ...send, replyTo: messageId } : send))
}

const messageEvent = (ctx: Context, tag: MessageEvent["_tag"], message: Api.message): Effect.Effect<MessageEvent, ClientError> =>
  Effect.map(
    looksLikeCommand(message.message)
      ? Effect.map(ctx.username, (name): Command | undefined => parseCommand(message.message, name))
      : Effect.succeed(undefined),
    (command): MessageEvent => ({
      _tag: tag,
      message,
      text: message.message,
      chat: message.peer_id,
      senderId: senderIdOf(message),
      command,
      chatKey: chatKeyOf(message.peer_id),
      reply: replyIn(ctx.client, message.peer_id, message.id)
    })
  )

/**
 * New messages others sent in the bot's chats (private chats, groups, channels), oldest first.
 */
export const messages: Stream.Stream<MessageEvent, ClientError, Client> = events((u, ctx) => {
  const m = newMessageOf(u)
  return m === undefined ? undefined : messageEvent(ctx, "Message", m)
})

/**
 * Messages others edited.
 */
export const editedMessages: Stream.Stream<MessageEvent, ClientError, Client> = events((u, ctx) => {
  const m = editedMessageOf(u)
  return m === undefined ? undefined : messageEvent(ctx, "EditedMessage", m)
})

/**
 * New messages that start with one of the commands `names` (`"start"` or `"/start"`; none: any
 * command), as `/name` or `/name@thisbot` followed by whitespace or the end. A command
 * addressed to another bot (`/start@other_bot`) is not this bot's and is left out.
 */
export const commands = (...names: ReadonlyArray<string>): Stream.Stream<CommandEvent, ClientError, Client> => {
  const wanted = new Set(names.map((n) => n.replace(/^\//, "")))
  return Stream.filter(messages, (e): e is CommandEvent => e.command !== undefined && (wanted.size === 0 || wanted.has(e.command.name)))
}

const utf8 = new TextDecoder()

/**
 * Presses of the callback buttons under the bot's messages.
 */
export const callbackQueries: Stream.Stream<CallbackQueryEvent, ClientError, Client> = events((u, { client }) => {
  if (u._tag !== "updateBotCallbackQuery") return undefined
  const data = u.data ?? new Uint8Array(0)
  const asBot = withClient(client)
  return Effect.succeed<CallbackQueryEvent>({
    _tag: "CallbackQuery",
    update: u,
    queryId: u.query_id,
    userId: u.user_id,
    chat: u.peer,
    messageId: u.msg_id,
    data,
    dataText: utf8.decode(data),
    chatKey: chatKeyOf(u.peer),
    answer: (answer) => asBot(answerCallbackQuery(u.query_id, answer)),
    editText: (text, options) => asBot(Messages.edit(u.peer, u.msg_id, text, options)),
    editKeyboard: (markup) => asBot(Messages.editReplyMarkup(u.peer, u.msg_id, markup)),
    reply: replyIn(client, u.peer, u.msg_id)
  })
})

/**
 * Inline queries (`@botname query` typed in any chat).
 */
export const inlineQueries: Stream.Stream<InlineQueryEvent, ClientError, Client> = events((u, { client }) => {
  if (u._tag !== "updateBotInlineQuery") return undefined
  return Effect.succeed<InlineQueryEvent>({
    _tag: "InlineQuery",
    update: u,
    queryId: u.query_id,
    userId: u.user_id,
    query: u.query,
    offset: u.offset,
    chatKey: chatKeyOf({ _tag: "peerUser", user_id: u.user_id }),
    answer: (results, options) => withClient(client)(answerInlineQuery(u.query_id, results, options))
  })
})

/**
 * Answers callback query `queryId` (`messages.setBotCallbackAnswer`); see {@link CallbackAnswer}.
 */
export const answerCallbackQuery: (queryId: bigint, answer?: CallbackAnswer) => Effect.Effect<void, ClientError, Client> = Effect.fn(
  "Bot.answerCallbackQuery"
)(function*(queryId: bigint, answer: CallbackAnswer = {}) {
  const client = yield* Client
  yield* client.invoke({
    _tag: "messages.setBotCallbackAnswer",
    ...(answer.alert === true ? { alert: true } : {}),
    query_id: queryId,
    ...(answer.text !== undefined ? { message: answer.text } : {}),
    ...(answer.url !== undefined ? { url: answer.url } : {}),
    cache_time: answer.cacheTime ?? 0
  })
})

/** The result as the server takes it: mention entities with InputUsers, keyboards checked. */
const inputResult = Effect.fnUntraced(function*(result: Api.InputBotInlineResult) {
  const send = result.send_message
  yield* checkMarkup(send.reply_markup)
  if ((send._tag !== "inputBotInlineMessageText" && send._tag !== "inputBotInlineMessageMediaAuto") || send.entities === undefined) {
    return result
  }
  const entities = yield* inputEntities(send.entities)
  return { ...result, send_message: { ...send, entities } } as Api.InputBotInlineResult
})

/**
 * Answers inline query `queryId` with `results` (`messages.setInlineBotResults`).
 */
export const answerInlineQuery: (
  queryId: bigint,
  results: ReadonlyArray<Api.InputBotInlineResult>,
  options?: InlineAnswerOptions
) => Effect.Effect<void, PeerNotFound | CallbackDataTooLong | ClientError, Client> = Effect.fn("Bot.answerInlineQuery")(
  function*(queryId: bigint, results: ReadonlyArray<Api.InputBotInlineResult>, options: InlineAnswerOptions = {}) {
    const client = yield* Client
    const input = yield* Effect.forEach(results, inputResult)
    yield* client.invoke({
      _tag: "messages.setInlineBotResults",
      ...(options.gallery === true ? { gallery: true } : {}),
      ...(options.isPersonal === true ? { private: true } : {}),
      query_id: queryId,
      results: input,
      cache_time: options.cacheTime ?? 300,
      ...(options.nextOffset !== undefined ? { next_offset: options.nextOffset } : {}),
      ...(options.switchPm !== undefined
        ? { switch_pm: { _tag: "inlineBotSwitchPM", text: options.switchPm.text, start_param: options.switchPm.startParam } }
        : {})
    })
  }
)

/**
 * What {@link article} takes.
 */
export interface Article {
  /** Unique among the results of one answer (1–64 bytes). */
  readonly id: string
  readonly title: string
  /** The message the user sends by picking the result (markdown unless `parseMode` says otherwise). */
  readonly text: string
  readonly description?: string | undefined
  readonly url?: string | undefined
  readonly parseMode?: ParseMode | undefined
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  readonly noWebpage?: boolean | undefined
  /** An inline keyboard under the sent message. */
  readonly replyMarkup?: Api.ReplyMarkup | undefined
}

/**
 * A text inline result (an "article"), for an inline query's `answer`.
 */
export const article = (a: Article): Api.inputBotInlineResult => {
  const formatted = formatText(a.text, a.parseMode ?? "markdown", a.entities)
  return {
    _tag: "inputBotInlineResult",
    id: a.id,
    type: "article",
    title: a.title,
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.url !== undefined ? { url: a.url } : {}),
    send_message: {
      _tag: "inputBotInlineMessageText",
      ...(a.noWebpage === true ? { no_webpage: true } : {}),
      message: formatted.text,
      ...(formatted.entities.length > 0 ? { entities: formatted.entities } : {}),
      ...(a.replyMarkup !== undefined ? { reply_markup: a.replyMarkup } : {})
    }
  }
}

/**
 * Who a command list is for: everyone (`"default"`), all private chats (`"users"`), all groups
 * (`"chats"`), all group admins (`"chatAdmins"`), one chat (`{ peer }`), its admins
 * (`{ peer, admins: true }`), or one member of it (`{ peer, user }`).
 */
export type CommandScope =
  | "default"
  | "users"
  | "chats"
  | "chatAdmins"
  | { readonly peer: PeerRef; readonly admins?: boolean | undefined }
  | { readonly peer: PeerRef; readonly user: PeerRef }

/**
 * Options of the command methods.
 */
export interface CommandOptions {
  readonly scope?: CommandScope | undefined
  /** A two-letter language code (default `""`: every language without its own list). */
  readonly langCode?: string | undefined
}

const scopeOf = Effect.fnUntraced(function*(scope: CommandScope = "default") {
  switch (scope) {
    case "default":
      return { _tag: "botCommandScopeDefault" } as const
    case "users":
      return { _tag: "botCommandScopeUsers" } as const
    case "chats":
      return { _tag: "botCommandScopeChats" } as const
    case "chatAdmins":
      return { _tag: "botCommandScopeChatAdmins" } as const
  }
  const peer = yield* resolveRef(scope.peer)
  if ("user" in scope) {
    const user = yield* resolveRef(scope.user)
    return { _tag: "botCommandScopePeerUser", peer, user_id: inputUserOf(user) ?? { _tag: "inputUserEmpty" } } as const
  }
  return scope.admins === true ? { _tag: "botCommandScopePeerAdmins", peer } as const : { _tag: "botCommandScopePeer", peer } as const
})

/**
 * Sets the bot's command list (`bots.setBotCommands`): what apps suggest after `/`. Commands
 * are 1–32 characters of `a-z0-9_`, descriptions 1–256 characters.
 */
export const setCommands: (
  commands: ReadonlyArray<{ readonly command: string; readonly description: string }> | Readonly<Record<string, string>>,
  options?: CommandOptions
) => Effect.Effect<void, PeerNotFound | ClientError, Client> = Effect.fn("Bot.setCommands")(function*(
  commands: ReadonlyArray<{ readonly command: string; readonly description: string }> | Readonly<Record<string, string>>,
  options: CommandOptions = {}
) {
  const client = yield* Client
  const list = Array.isArray(commands)
    ? commands as ReadonlyArray<{ readonly command: string; readonly description: string }>
    : Object.entries(commands).map(([command, description]) => ({ command, description }))
  yield* client.invoke({
    _tag: "bots.setBotCommands",
    scope: yield* scopeOf(options.scope),
    lang_code: options.langCode ?? "",
    commands: list.map((c): Api.BotCommand => ({ _tag: "botCommand", command: c.command.replace(/^\//, ""), description: c.description }))
  })
})

/**
 * The bot's command list for a scope and language (`bots.getBotCommands`).
 */
export const getCommands: (options?: CommandOptions) => Effect.Effect<ReadonlyArray<Api.BotCommand>, PeerNotFound | ClientError, Client> =
  Effect.fn("Bot.getCommands")(function*(options: CommandOptions = {}) {
    const client = yield* Client
    return yield* client.invoke({ _tag: "bots.getBotCommands", scope: yield* scopeOf(options.scope), lang_code: options.langCode ?? "" })
  })

/**
 * Removes the bot's command list for a scope and language (`bots.resetBotCommands`).
 */
export const resetCommands: (options?: CommandOptions) => Effect.Effect<void, PeerNotFound | ClientError, Client> = Effect.fn(
  "Bot.resetCommands"
)(function*(options: CommandOptions = {}) {
  const client = yield* Client
  yield* client.invoke({ _tag: "bots.resetBotCommands", scope: yield* scopeOf(options.scope), lang_code: options.langCode ?? "" })
})
