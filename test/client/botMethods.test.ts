/**
 * The bot methods over TCP against a TestDc: keyboards on sent and edited messages (stored,
 * returned in history, checked before sending and by the server), command lists per scope and
 * language, and the user side of callback and inline queries from a user client.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Bot, Button, Keyboard, Messages, Peers } from "../../src/client/index.ts"
import { type Api, serialize } from "../../src/tl/index.ts"
import { eventually, failure, probe, startBot } from "./support/bots.ts"
import { makeCluster } from "../support/dc.ts"
import { recordCalls } from "./support/harness.ts"
import { as, loginBot, loginUser } from "./support/messaging.ts"

const markupOf = (m: Api.Message | undefined) => (m?._tag === "message" ? m.reply_markup : undefined)

describe("Bot methods over TCP", () => {
  it.scopedLive("keyboards: sent, edited, read back; too-long data refused before the call and by the server; users' markup dropped", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada", username: "ada_l" })
      const bot = world.addBot({ token: "778000:keys", username: "keys_bot" })
      yield* world.sendMessage(ada.id, bot.id, "hi")
      const botClient = yield* loginBot(cluster, "778000:keys")
      const run = as(botClient)
      yield* run(Peers.resolve("@ada_l")) // the bot learns Ada's access hash

      const sent = yield* run(Messages.send(ada.id, "pick", { replyMarkup: Keyboard.reply([["Tea", "Coffee"]], { resize: true, oneTime: true, placeholder: "Drink" }) }))
      assert.strictEqual(markupOf(sent)?._tag, "replyKeyboardMarkup") // rebuilt from the short answer with the markup
      const seen = markupOf(world.historyOf(ada.id, bot.id).at(-1))!
      const keyboard = Keyboard.reply([["Tea", "Coffee"]], { resize: true, oneTime: true, placeholder: "Drink" })
      assert.deepStrictEqual(serialize(seen), serialize(keyboard)) // as the user's app gets it
      yield* run(Messages.send(ada.id, "done", { replyMarkup: Keyboard.remove() }))

      const inline = yield* run(Messages.send(ada.id, "vote", { replyMarkup: Keyboard.inline([[Button.callback("Yes", "y"), Button.callback("No", "n")]]) }))
      const relabel = yield* run(Messages.editReplyMarkup(ada.id, inline.id, Keyboard.inline([[Button.callback("Closed", "closed")]])))
      assert.deepStrictEqual(Keyboard.buttons(markupOf(relabel)).flat().map((b) => b.text), ["Closed"])
      assert.isTrue(relabel._tag === "message" && relabel.message === "vote")
      // An edit without a keyboard removes it, as Telegram does; the text edit needs no keyboard.
      const plain = yield* run(Messages.edit(ada.id, inline.id, "vote closed"))
      assert.isUndefined(markupOf(plain))
      assert.strictEqual(yield* failure(run(Messages.editReplyMarkup(ada.id, inline.id, undefined))), "MESSAGE_NOT_MODIFIED")
      // History (the bot's and Ada's) carries the keyboards.
      const history = yield* run(Effect.map(Stream.runCollect(Messages.history(ada.id)), Chunk.toReadonlyArray))
      assert.deepStrictEqual(history.map((m) => markupOf(m)?._tag ?? "-"), ["-", "replyKeyboardHide", "replyKeyboardMarkup", "-"])
      assert.deepStrictEqual(world.historyOf(ada.id, bot.id).map((m) => markupOf(m)?._tag ?? "-"), ["-", "replyKeyboardMarkup", "replyKeyboardHide", "-"])

      // 65 bytes of data: a typed error, and no request went out.
      const calls = yield* recordCalls(cluster)
      const tooLong = yield* Effect.flip(run(Messages.send(ada.id, "x", { replyMarkup: Keyboard.inline([[Button.callback("big", "x".repeat(65))]]) })))
      assert.strictEqual(tooLong._tag, "CallbackDataTooLong")
      assert.strictEqual(tooLong._tag === "CallbackDataTooLong" && tooLong.bytes, 65)
      assert.strictEqual(calls.filter((c) => c.method === "messages.sendMessage").length, 0)
      // The server refuses it as Telegram does when a client skips the check.
      const input = yield* run(Peers.resolve(ada.id))
      const raw = botClient.invoke({
        _tag: "messages.sendMessage",
        peer: input,
        message: "x",
        random_id: 42n,
        reply_markup: Keyboard.inline([[Button.callback("big", "x".repeat(65))]])
      })
      assert.strictEqual(yield* failure(raw), "BUTTON_DATA_INVALID")

      // A user's keyboard is dropped.
      const adaClient = yield* loginUser(cluster, "+15550001")
      const mine = yield* as(adaClient)(Messages.send("@keys_bot", "my keyboard", { replyMarkup: Keyboard.inline([[Button.url("x", "https://x.org")]]) }))
      assert.isUndefined(markupOf(world.historyOf(bot.id, ada.id).find((m) => m._tag === "message" && m.message === "my keyboard")))
      assert.strictEqual(mine._tag, "message")
    }))

  it.scopedLive("command lists per scope and language; bot_info shows the default one; only bots may set them", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "778001:cmds", username: "cmds_bot" })
      const botClient = yield* loginBot(cluster, "778001:cmds")
      const run = as(botClient)
      yield* run(Bot.setCommands({ start: "Start over", help: "What I can do" }))
      yield* run(Bot.setCommands([{ command: "/inicio", description: "Empezar" }], { langCode: "es" }))
      yield* run(Bot.setCommands({ secret: "Only in private chats" }, { scope: "users" }))
      const list = (options?: Bot.CommandOptions) => Effect.map(run(Bot.getCommands(options)), (cs) => cs.map((c) => `${c.command}:${c.description}`))
      assert.deepStrictEqual(yield* list(), ["start:Start over", "help:What I can do"])
      assert.deepStrictEqual(yield* list({ langCode: "es" }), ["inicio:Empezar"])
      assert.deepStrictEqual(yield* list({ scope: "users" }), ["secret:Only in private chats"])
      assert.deepStrictEqual(yield* list({ scope: "chats" }), [])
      assert.deepStrictEqual(world.botCommands(bot.id).map((c) => c.command), ["start", "help"])

      const adaClient = yield* loginUser(cluster, "+15550001")
      const botPeer = yield* as(adaClient)(Peers.resolve("@cmds_bot"))
      const full = yield* adaClient.invoke({ _tag: "users.getFullUser", id: Peers.inputUserOf(botPeer)! })
      assert.deepStrictEqual(full.full_user.bot_info?.commands?.map((c) => c.command), ["start", "help"])

      yield* run(Bot.resetCommands({ scope: "users" }))
      assert.deepStrictEqual(yield* list({ scope: "users" }), [])
      assert.strictEqual(yield* failure(run(Bot.setCommands({ "Bad-Name": "x" }))), "BOT_COMMAND_INVALID")
      assert.strictEqual(yield* failure(run(Bot.setCommands({ ok: "" }))), "BOT_COMMAND_DESCRIPTION_INVALID")
      assert.strictEqual(yield* failure(as(adaClient)(Bot.setCommands({ start: "mine" }))), "USER_BOT_REQUIRED")
    }))

  it.scopedLive("a user client presses buttons and asks inline queries itself", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada", username: "ada_l" })
      const bot = world.addBot({ token: "778002:both", username: "both_bot" })
      yield* startBot(
        cluster,
        "778002:both",
        Effect.all([
          Bot.run(Bot.messages, (m) => m.reply("menu", { replyMarkup: Keyboard.inline([[Button.callback("Go", "go")]]) })),
          Bot.run(Bot.callbackQueries, (q) => q.answer({ text: `pressed ${q.dataText} by ${q.userId}`, cacheTime: 3 })),
          Bot.run(Bot.inlineQueries, (q) => q.answer([Bot.article({ id: "a", title: `${q.query} from ${q.userId}`, text: q.query })]))
        ], { concurrency: "unbounded" })
      )
      const menuMessage = yield* probe(world, ada.id, bot.id, "hi")
      const adaClient = yield* loginUser(cluster, "+15550001")
      const botPeer = yield* as(adaClient)(Peers.resolve("@both_bot"))
      const answer = yield* adaClient.invoke({ _tag: "messages.getBotCallbackAnswer", peer: botPeer, msg_id: menuMessage.id, data: new TextEncoder().encode("go") })
      assert.deepStrictEqual({ message: answer.message, cache_time: answer.cache_time }, { message: `pressed go by ${ada.id}`, cache_time: 3 })
      const results = yield* adaClient.invoke({
        _tag: "messages.getInlineBotResults",
        bot: Peers.inputUserOf(botPeer)!,
        peer: { _tag: "inputPeerSelf" },
        query: "cats",
        offset: ""
      })
      const first = results.results[0]
      assert.strictEqual(first?._tag === "botInlineResult" && first.title, `cats from ${ada.id}`)
      const query = [...world.bots.queries.values()].find((q) => q._tag === "InlineQuery")
      assert.strictEqual(query?._tag === "InlineQuery" && query.query, "cats")
      // A bot may not press buttons.
      const botClient = yield* loginBot(cluster, "778002:both")
      const adaPeer = yield* as(botClient)(Peers.resolve("@ada_l"))
      assert.strictEqual(
        yield* failure(botClient.invoke({ _tag: "messages.getBotCallbackAnswer", peer: adaPeer, msg_id: 1, data: new Uint8Array([1]) })),
        "BOT_METHOD_INVALID"
      )
    }))

  it.scopedLive("a callback or inline query waiting for the bot does not hold up the other calls on the connection", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      world.botResponseTimeoutSeconds = 60 // longer than the test: only the bot's answers end the waits
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada", username: "ada_l" })
      const bot = world.addBot({ token: "778003:slow", username: "slow_bot" })
      const botClient = yield* loginBot(cluster, "778003:slow")
      yield* as(botClient)(Peers.resolve("@ada_l"))
      yield* as(botClient)(Messages.send(ada.id, "menu", { replyMarkup: Keyboard.inline([[Button.callback("Go", "go")]]) }))
      const menu = world.historyOf(ada.id, bot.id).at(-1)!
      const adaClient = yield* loginUser(cluster, "+15550001")
      const botPeer = yield* as(adaClient)(Peers.resolve("@slow_bot"))
      const connections = cluster.dcs.get(1)!.connections
      const before = yield* connections

      // Both queries go out on Ada's connection and wait there for the bot...
      const press = yield* Effect.fork(
        adaClient.invoke({ _tag: "messages.getBotCallbackAnswer", peer: botPeer, msg_id: menu.id, data: new TextEncoder().encode("go") })
      )
      const ask = yield* Effect.fork(adaClient.invoke({
        _tag: "messages.getInlineBotResults",
        bot: Peers.inputUserOf(botPeer)!,
        peer: { _tag: "inputPeerSelf" },
        query: "cats",
        offset: ""
      }))
      const queries = yield* eventually(() => {
        const all = [...world.bots.queries.values()]
        return all.length === 2 ? all : undefined
      }, "both queries at the bot")
      // ...while the same connection answers Ada's other calls at once.
      const me = yield* adaClient.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] }).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(me[0]?._tag === "user" && me[0].id, ada.id)
      assert.strictEqual((yield* adaClient.invoke({ _tag: "help.getNearestDc" }).pipe(Effect.timeout("5 seconds")))._tag, "nearestDc")
      assert.isTrue(Option.isNone(yield* Fiber.poll(press)))
      assert.isTrue(Option.isNone(yield* Fiber.poll(ask)))
      assert.strictEqual(yield* connections, before, "the other calls went on the connections already open")

      // The bot answers; each waiting call gets its own answer.
      const callback = queries.find((q) => q._tag === "CallbackQuery")!
      const inline = queries.find((q) => q._tag === "InlineQuery")!
      yield* botClient.invoke({ _tag: "messages.setInlineBotResults", query_id: inline.queryId, results: [], cache_time: 0 })
      assert.deepStrictEqual((yield* Fiber.join(ask).pipe(Effect.timeout("5 seconds"))).results, [])
      assert.isTrue(Option.isNone(yield* Fiber.poll(press)))
      yield* botClient.invoke({ _tag: "messages.setBotCallbackAnswer", query_id: callback.queryId, message: "done", cache_time: 0 })
      assert.strictEqual((yield* Fiber.join(press).pipe(Effect.timeout("5 seconds"))).message, "done")

      // A bot that never answers: BOT_RESPONSE_TIMEOUT, still without holding the connection.
      world.botResponseTimeoutSeconds = 1
      const silent = yield* Effect.fork(failure(
        adaClient.invoke({ _tag: "messages.getBotCallbackAnswer", peer: botPeer, msg_id: menu.id, data: new TextEncoder().encode("go") })
      ))
      yield* eventually(() => world.bots.queries.size === 3 ? true : undefined, "the third query at the bot")
      assert.strictEqual((yield* adaClient.invoke({ _tag: "help.getNearestDc" }).pipe(Effect.timeout("5 seconds")))._tag, "nearestDc")
      assert.isTrue(Option.isNone(yield* Fiber.poll(silent)))
      assert.strictEqual(yield* Fiber.join(silent), "BOT_RESPONSE_TIMEOUT")
    }))
})
