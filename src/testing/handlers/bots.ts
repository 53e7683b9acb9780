/**
 * The bot methods over the World's bot store: command lists (`bots.setBotCommands`,
 * `getBotCommands`, `resetBotCommands`), answers to callback and inline queries
 * (`messages.setBotCallbackAnswer`, `messages.setInlineBotResults`), and the user side of both
 * for clients that press buttons or ask inline queries themselves
 * (`messages.getBotCallbackAnswer`, `messages.getInlineBotResults`, which wait for the bot's
 * answer up to `world.botResponseTimeoutSeconds`, beside the connection's other requests).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { randomLong } from "../../crypto/index.ts"
import type { Api } from "../../tl/index.ts"
import {
  answerCallbackQuery,
  answerInlineQuery,
  askInline,
  botCommands,
  inlinePeerType,
  pressButton,
  requireBot,
  scopeKey,
  setBotCommands
} from "../world/actions/bots.ts"
import { commandsKey } from "../world/BotStore.ts"
import { awaitAnswer } from "../world/Bots.ts"
import { resolveInputPeer, resolveInputUser } from "../world/inputs.ts"
import { fail } from "../world/Store.ts"
import { asUser } from "./acting.ts"
import type { HandlerContext, Handlers } from "./core.ts"

const timeout = (ctx: HandlerContext) => Duration.seconds(ctx.world.botResponseTimeoutSeconds)

/**
 * Methods whose answer waits for a bot: the dispatcher runs them beside the connection's other
 * requests (as Telegram does) and sends the answer when it comes, or BOT_RESPONSE_TIMEOUT.
 */
export const ANSWERED_LATER: ReadonlySet<string> = new Set(["messages.getBotCallbackAnswer", "messages.getInlineBotResults"])

/** TestDc's bot methods: commands, callback and inline queries and their answers. */
export const botsHandlers: Handlers = {
  "bots.setBotCommands": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      setBotCommands(ctx.world.bots, requireBot(me), commandsKey(scopeKey(store, me, request.scope), request.lang_code), request.commands)
      return true
    }),

  "bots.resetBotCommands": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      setBotCommands(ctx.world.bots, requireBot(me), commandsKey(scopeKey(store, me, request.scope), request.lang_code), [])
      return true
    }),

  "bots.getBotCommands": (request, ctx) =>
    asUser(ctx, ({ me, store }) => [...botCommands(ctx.world.bots, requireBot(me).id, commandsKey(scopeKey(store, me, request.scope), request.lang_code))]),

  "messages.setBotCallbackAnswer": (request, ctx) =>
    asUser(ctx, ({ me }) => {
      answerCallbackQuery(ctx.world.bots, me, request)
      return true
    }),

  "messages.setInlineBotResults": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      answerInlineQuery(store, ctx.world.bots, me, request)
      return true
    }),

  // The user side: the call waits for the bot (see ANSWERED_LATER: not the connection).
  "messages.getBotCallbackAnswer": (request, ctx) =>
    Effect.flatMap(
      asUser(ctx, ({ me, store, now }) => {
        if (me.bot === true) return fail(400, "BOT_METHOD_INVALID")
        if (request.game === true || request.data === undefined) return fail(400, "DATA_INVALID") // no games here
        const peer = resolveInputPeer(store, me, request.peer)
        return pressButton(store, ctx.world.bots, me, peer, request.msg_id, request.data, randomLong(ctx.world.randomBytes), now)
      }),
      (record) => awaitAnswer(ctx.world.bots, record, timeout(ctx))
    ),

  "messages.getInlineBotResults": (request, ctx) =>
    Effect.flatMap(
      asUser(ctx, ({ me, store, now }) => {
        if (me.bot === true) return fail(400, "BOT_METHOD_INVALID")
        const bot = resolveInputUser(store, me, request.bot)
        const chat = request.peer._tag === "inputPeerEmpty" ? undefined : resolveInputPeer(store, me, request.peer)
        const peerType: Api.InlineQueryPeerType | undefined = chat === undefined ? undefined : inlinePeerType(store, me, bot, chat)
        return askInline(store, ctx.world.bots, me, bot, request.query, request.offset, peerType, randomLong(ctx.world.randomBytes), now)
      }),
      (record) => awaitAnswer(ctx.world.bots, record, timeout(ctx))
    )
}
