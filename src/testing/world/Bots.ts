/**
 * The World's bot half: playing the user side of a bot under test. A user presses a callback
 * button under the bot's message (`world.pressButton`) or types an inline query
 * (`world.inlineQuery`); the bot's connected sessions get `updateBotCallbackQuery` /
 * `updateBotInlineQuery`, and the call waits for the bot's answer and returns it, as a user's
 * app would show it (failing with BOT_RESPONSE_TIMEOUT when the bot does not answer in time).
 * Every query and its answer stay in `world.bots.queries`; the bots' command lists in
 * `world.bots.commands` (`world.botCommands(bot)`).
 *
 * ```ts
 * const menu = world.historyOf(ada.id, bot.id).at(-1)!        // the bot's message with its keyboard
 * const answer = yield* world.pressButton(ada.id, menu, "inc") // { message: "Count: 1", ... }
 * const results = yield* world.inlineQuery(ada.id, bot.id, "kittens")
 * ```
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type RandomBytes, randomLong } from "../../crypto/index.ts"
import type { Api } from "../../tl/index.ts"
import { RpcFailure } from "../handlers/core.ts"
import type { WorldUser } from "./World.ts"
import { askInline, botCommands, defaultCommandsKey, inlinePeerType, pressButton } from "./actions/bots.ts"
import { type BotStore, makeBotStore, type QueryRecord } from "./BotStore.ts"
import { act } from "./Messaging.ts"
import { type PeerRef, toWorldPeer, type WorldPeer } from "./peers.ts"
import { boxOf, fail, type MessageStore, userOrFail } from "./Store.ts"

/**
 * Options of {@link WorldBots.pressButton}.
 */
export interface PressOptions {
  /** How long to wait for the bot's answer (default: `world.botResponseTimeoutSeconds`). */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Options of {@link WorldBots.inlineQuery}.
 */
export interface InlineQueryOptions extends PressOptions {
  /** The page asked for (default `""`: the first). */
  readonly offset?: string | undefined
  /** The chat the query is typed in (the bot is told its kind). */
  readonly chat?: PeerRef | undefined
}

/** What the World does for bots: commands, callback and inline queries. */
export interface WorldBots {
  /** Command lists and queries with their answers. */
  readonly bots: BotStore
  /**
   * `user` presses the callback button carrying `data` (a string is UTF-8) under `message`:
   * an `Api.Message` as the user sees it (from `historyOf`, or pushed), or its id in the user's
   * private chats and basic groups. Returns the bot's answer.
   */
  readonly pressButton: (
    user: PeerRef,
    message: number | Api.Message,
    data: string | Uint8Array,
    options?: PressOptions
  ) => Effect.Effect<Api.messages.botCallbackAnswer, RpcFailure>
  /** `user` types `@bot query`; returns the bot's results as the user's app gets them. */
  readonly inlineQuery: (user: PeerRef, bot: PeerRef, query: string, options?: InlineQueryOptions) => Effect.Effect<Api.messages.botResults, RpcFailure>
  /** The commands `bot` set for everyone (`langCode` default `""`). */
  readonly botCommands: (bot: PeerRef, langCode?: string) => ReadonlyArray<Api.BotCommand>
}

const utf8 = new TextEncoder()

/**
 * Waits for the answer of `record`; BOT_RESPONSE_TIMEOUT after `timeout`, and the query is
 * then forgotten (a late answer gets QUERY_ID_INVALID).
 */
export const awaitAnswer = <A>(
  bots: BotStore,
  record: QueryRecord & { readonly answered: Deferred.Deferred<A> },
  timeout: Duration.DurationInput
): Effect.Effect<A, RpcFailure> =>
  Deferred.await(record.answered).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new RpcFailure({ code: 400, message: "BOT_RESPONSE_TIMEOUT" }) }),
    Effect.tapError(() => Effect.sync(() => void bots.queries.delete(record.queryId)))
  )

/** The message a press names, as the presser sees it. */
const pressed = (store: MessageStore, user: WorldUser, message: number | Api.Message): { readonly peer: WorldPeer; readonly id: number } => {
  if (typeof message === "number") {
    const msg = boxOf(store, user.id).messages.get(message) ?? fail(400, "MESSAGE_ID_INVALID")
    return { peer: msg.peer, id: msg.id }
  }
  const p = message.peer_id ?? fail(400, "MESSAGE_ID_INVALID")
  const peer: WorldPeer = p._tag === "peerUser"
    ? { kind: "user", id: p.user_id }
    : p._tag === "peerChat"
    ? { kind: "chat", id: p.chat_id }
    : { kind: "channel", id: p.channel_id }
  return { peer, id: message.id }
}

/**
 * The bot functions over `store`; `timeoutSeconds` is read at each call.
 */
export const makeBots = (store: MessageStore, random: RandomBytes, timeoutSeconds: () => number): WorldBots => {
  const bots = makeBotStore()
  const user = (ref: PeerRef): WorldUser => {
    const peer = toWorldPeer(ref)
    return peer.kind === "user" ? userOrFail(store, peer.id) : fail(400, "USER_ID_INVALID")
  }
  const timeout = (options: PressOptions) => options.timeout ?? Duration.seconds(timeoutSeconds())
  return {
    bots,
    pressButton: (presser, message, data, options = {}) =>
      Effect.flatMap(
        act((date) => {
          const who = user(presser)
          const target = pressed(store, who, message)
          const bytes = typeof data === "string" ? utf8.encode(data) : data
          return pressButton(store, bots, who, target.peer, target.id, bytes, randomLong(random), date)
        }),
        (record) => awaitAnswer(bots, record, timeout(options))
      ),
    inlineQuery: (asker, bot, query, options = {}) =>
      Effect.flatMap(
        act((date) => {
          const who = user(asker)
          const target = user(bot)
          const peerType = options.chat === undefined ? undefined : inlinePeerType(store, who, target, toWorldPeer(options.chat))
          return askInline(store, bots, who, target, query, options.offset ?? "", peerType, randomLong(random), date)
        }),
        (record) => awaitAnswer(bots, record, timeout(options))
      ),
    botCommands: (bot, langCode) => botCommands(bots, toWorldPeer(bot).id, defaultCommandsKey(langCode))
  }
}
