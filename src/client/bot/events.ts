/**
 * The typed events `Bot` derives from the update stream, and the pure selection behind them:
 * which updates are new or edited messages from others, callback queries, inline queries, and
 * the chat each belongs to (the key `Bot.run` keeps in order).
 */
import type * as Effect from "effect/Effect"
import type { Api } from "../../tl/index.ts"
import type { ClientError } from "../errors.ts"
import type { CallbackDataTooLong } from "../Keyboard.ts"
import type { EditOptions, SendOptions } from "../messages/Messages.ts"
import type { UnexpectedAnswer } from "../messages/UnexpectedAnswer.ts"
import type { PeerNotFound } from "../peers/PeerNotFound.ts"
import type { Command } from "./command.ts"

/**
 * What sending or editing a message from a handler can fail with.
 */
export type SendError = PeerNotFound | UnexpectedAnswer | CallbackDataTooLong | ClientError

/**
 * Options of a `reply`: those of `Messages.send`, and `quote` to make it a Telegram reply to the
 * event's message.
 */
export interface ReplyOptions extends SendOptions {
  /** Reply to the event's message (shown quoted above the answer). */
  readonly quote?: boolean | undefined
}

/**
 * A message someone else sent (`Bot.messages`) or edited (`Bot.editedMessages`) in a chat the
 * bot is in. The bot's own messages are never events.
 */
export interface MessageEvent {
  readonly _tag: "Message" | "EditedMessage"
  readonly message: Api.message
  /** `message.message`: the text (a media caption). */
  readonly text: string
  /** The chat: the other user in a private chat, else the group or channel. */
  readonly chat: Api.Peer
  /** The user who sent it (`undefined` for a channel's posts). */
  readonly senderId: bigint | undefined
  /** A command addressed to this bot that the text starts with. */
  readonly command: Command | undefined
  /** The key `Bot.run` keeps in order: one per chat. */
  readonly chatKey: string
  /** Sends `text` into the same chat (markdown unless `parseMode` says otherwise). */
  readonly reply: (text: string, options?: ReplyOptions) => Effect.Effect<Api.Message, SendError>
}

/**
 * A message that starts with one of the commands `Bot.commands` asked for.
 */
export interface CommandEvent extends MessageEvent {
  readonly command: Command
}

/**
 * How a callback query is answered (`messages.setBotCallbackAnswer`): a toast with `text`, an
 * alert box with `alert`, or a `url` to open (games, `t.me/bot?start=…`); `cacheTime` seconds
 * the user's app may reuse the answer.
 */
export interface CallbackAnswer {
  readonly text?: string | undefined
  readonly alert?: boolean | undefined
  readonly url?: string | undefined
  readonly cacheTime?: number | undefined
}

/**
 * A user pressed a callback button under one of the bot's messages (`Bot.callbackQueries`).
 * Answer every query (the user's app shows a spinner until then), optionally after editing the
 * message.
 */
export interface CallbackQueryEvent {
  readonly _tag: "CallbackQuery"
  readonly update: Api.updateBotCallbackQuery
  readonly queryId: bigint
  /** Who pressed. */
  readonly userId: bigint
  /** The chat of the message. */
  readonly chat: Api.Peer
  /** The message the button is under. */
  readonly messageId: number
  /** The button's data (empty for a game button). */
  readonly data: Uint8Array
  /** `data` read as UTF-8. */
  readonly dataText: string
  readonly chatKey: string
  readonly answer: (answer?: CallbackAnswer) => Effect.Effect<void, ClientError>
  /** Changes the message's text; `replyMarkup` sets its keyboard (without it the keyboard goes). */
  readonly editText: (text: string, options?: EditOptions) => Effect.Effect<Api.Message, SendError>
  /** Replaces the message's inline keyboard, keeping its text (`undefined` removes it). */
  readonly editKeyboard: (markup: Api.ReplyMarkup | undefined) => Effect.Effect<Api.Message, SendError>
  /** Sends `text` into the message's chat. */
  readonly reply: (text: string, options?: ReplyOptions) => Effect.Effect<Api.Message, SendError>
}

/**
 * Options of an inline query's `answer` (`messages.setInlineBotResults`).
 */
export interface InlineAnswerOptions {
  /** Seconds the server may cache the results (default 300). */
  readonly cacheTime?: number | undefined
  /** Cache per user rather than for everyone. */
  readonly isPersonal?: boolean | undefined
  /** The `offset` the user's app sends for the next page (none: no more results). */
  readonly nextOffset?: string | undefined
  /** Show the results as a gallery. */
  readonly gallery?: boolean | undefined
  /** A button above the results that opens a private chat with the bot, with `/start startParam`. */
  readonly switchPm?: { readonly text: string; readonly startParam: string } | undefined
}

/**
 * A user typed `@botname query` in some chat (`Bot.inlineQueries`).
 */
export interface InlineQueryEvent {
  readonly _tag: "InlineQuery"
  readonly update: Api.updateBotInlineQuery
  readonly queryId: bigint
  readonly userId: bigint
  readonly query: string
  /** The page asked for: `""` first, then the `nextOffset` of the answer before. */
  readonly offset: string
  /** Ordered with the user's private chat with the bot. */
  readonly chatKey: string
  /** Answers with `results` (`Bot.article(...)` or any `Api.InputBotInlineResult`), at most 50. */
  readonly answer: (
    results: ReadonlyArray<Api.InputBotInlineResult>,
    options?: InlineAnswerOptions
  ) => Effect.Effect<void, PeerNotFound | CallbackDataTooLong | ClientError>
}

/**
 * Every event `Bot` produces.
 */
export type BotEvent = MessageEvent | CallbackQueryEvent | InlineQueryEvent

/**
 * The ordering key of a chat: `u<id>`, `c<id>` (basic group), `h<id>` (channel).
 */
export const chatKeyOf = (peer: Api.Peer): string =>
  peer._tag === "peerUser" ? `u${peer.user_id}` : peer._tag === "peerChat" ? `c${peer.chat_id}` : `h${peer.channel_id}`

/**
 * The new message an update carries, if someone else sent it (pure).
 */
export const newMessageOf = (update: Api.Update): Api.message | undefined =>
  (update._tag === "updateNewMessage" || update._tag === "updateNewChannelMessage") &&
    update.message._tag === "message" && update.message.out !== true
    ? update.message
    : undefined

/**
 * The edited message an update carries, if someone else wrote it (pure).
 */
export const editedMessageOf = (update: Api.Update): Api.message | undefined =>
  (update._tag === "updateEditMessage" || update._tag === "updateEditChannelMessage") &&
    update.message._tag === "message" && update.message.out !== true
    ? update.message
    : undefined

/**
 * Who sent a message: `from_id`, or in a private chat the other user (pure).
 */
export const senderIdOf = (message: Api.message): bigint | undefined =>
  message.from_id?._tag === "peerUser"
    ? message.from_id.user_id
    : message.from_id === undefined && message.peer_id._tag === "peerUser"
    ? message.peer_id.user_id
    : undefined
