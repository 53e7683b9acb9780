/**
 * The bot framework end to end over TCP against a TestDc, driven from the World side as a
 * user would drive it: an echo bot, a menu bot (inline keyboard → callback → edited message),
 * commands with and without `@botname`, a handler that fails on some updates while the others
 * go on, inline queries, edited messages, per-chat order under concurrency, and FLOOD_WAIT on
 * a reply.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import { Bot, Button, Keyboard } from "../../../src/client/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import { captureLogs } from "../../support/logs.ts"
import { answers, eventually, failure, incoming, probe, startBot } from "../support/bots.ts"
import { makeCluster } from "../../support/dc.ts"
import { as, loginUser } from "../support/messaging.ts"

/** The menu of the counter bot: its data carries the count a press leads to. */
const menu = (n: number) =>
  Keyboard.inline([
    [Button.callback("-1", `set:${n - 1}`), Button.callback("+1", `set:${n + 1}`)],
    [Button.url("About", "https://core.telegram.org/bots")]
  ])

/** A complete menu bot: `/start` shows a counter, its buttons change it in place. */
const menuBot = Effect.all([
  Bot.run(Bot.commands("start"), (m) => m.reply("Count: **0**", { replyMarkup: menu(0) })),
  Bot.run(Bot.callbackQueries, (q) => {
    const n = Number(q.dataText.split(":")[1])
    return q.editText(`Count: **${n}**`, { replyMarkup: menu(n) }).pipe(
      Effect.zipRight(q.answer(n < 0 ? { text: "Below zero!", alert: true } : { text: `Count is ${n}` }))
    )
  })
], { concurrency: "unbounded" })

const labels = (m: Api.Message | undefined) =>
  m?._tag === "message" ? Keyboard.buttons(m.reply_markup).map((row) => row.map((b) => b.text)) : []

describe("Bots over TCP", () => {
  it.scopedLive("an echo bot answers every message in order and never itself", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777000:echo", username: "echo_bot" })
      yield* startBot(cluster, "777000:echo", Bot.run(Bot.messages, (m) => m.reply(m.text, { parseMode: "none" })))
      const first = yield* probe(world, ada.id, bot.id, "hello")
      assert.strictEqual(first.message, "hello")
      for (const text of ["one", "two", "three", "**not markdown**"]) yield* world.sendMessage(ada.id, bot.id, text)
      assert.deepStrictEqual(yield* answers(world, ada.id, bot.id, first.id, 4), ["one", "two", "three", "**not markdown**"])
      // The bot's own messages are not events: nothing echoes an echo.
      yield* Effect.sleep("300 millis")
      assert.strictEqual(incoming(world, ada.id, bot.id, first.id).length, 4)
    }))

  it.scopedLive("a menu bot: inline keyboard → button press → edited message and the callback answer", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777001:menu", username: "menu_bot" })
      yield* startBot(cluster, "777001:menu", menuBot)
      const shown = yield* probe(world, ada.id, bot.id, "/start")
      assert.strictEqual(shown.message, "Count: 0")
      assert.deepStrictEqual(labels(shown), [["-1", "+1"], ["About"]])

      const first = yield* world.pressButton(ada.id, shown, "set:1")
      assert.deepStrictEqual({ message: first.message, alert: first.alert }, { message: "Count is 1", alert: undefined })
      const edited = world.historyOf(ada.id, bot.id).find((m) => m.id === shown.id)!
      assert.isTrue(edited._tag === "message" && edited.message === "Count: 1" && edited.edit_date !== undefined)
      assert.isTrue(edited._tag === "message" && edited.entities?.[0]?._tag === "messageEntityBold")
      // The new keyboard: the old "+1" (set:1) is gone, "+1" now leads to 2.
      assert.strictEqual(yield* failure(world.pressButton(ada.id, shown.id, "set:1")), "DATA_INVALID")
      yield* world.pressButton(ada.id, shown.id, "set:2")
      const below = yield* world.pressButton(ada.id, shown.id, "set:1").pipe(
        Effect.zipRight(world.pressButton(ada.id, shown.id, "set:0")),
        Effect.zipRight(world.pressButton(ada.id, shown.id, "set:-1"))
      )
      assert.deepStrictEqual({ message: below.message, alert: below.alert }, { message: "Below zero!", alert: true })
      const last = world.historyOf(ada.id, bot.id).find((m) => m.id === shown.id)
      assert.strictEqual(last?._tag === "message" && last.message, "Count: -1")
      // Every press and answer stays in the World; the bot saw its own message id.
      const presses = [...world.bots.queries.values()].filter((q) => q._tag === "CallbackQuery")
      assert.strictEqual(presses.length, 5)
      assert.isTrue(presses.every((q) => q.answer !== undefined && q.botId === bot.id))

      // A user client presses too (messages.getBotCallbackAnswer), and sees the edit pushed.
      const adaClient = yield* loginUser(cluster, "+15550001")
      const resolved = yield* adaClient.invoke({ _tag: "contacts.resolveUsername", username: "menu_bot" })
      const botUser = resolved.users[0] as Api.user
      const answer = yield* adaClient.invoke({
        _tag: "messages.getBotCallbackAnswer",
        peer: { _tag: "inputPeerUser", user_id: botUser.id, access_hash: botUser.access_hash! },
        msg_id: shown.id,
        data: new TextEncoder().encode("set:0")
      })
      assert.strictEqual(answer.message, "Count is 0")
      // Pressing a message without that button, or a message that does not exist.
      assert.strictEqual(yield* failure(world.pressButton(ada.id, shown.id, "nope")), "DATA_INVALID")
      assert.strictEqual(yield* failure(world.pressButton(ada.id, 9999, "set:1")), "MESSAGE_ID_INVALID")
    }))

  it.scopedLive("commands: /name and /name@thisbot are the bot's, /name@otherbot and other commands are not; groups too", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777002:cmd", username: "Echo_Bot" })
      world.addBot({ token: "777003:other", username: "other_bot" })
      yield* startBot(
        cluster,
        "777002:cmd",
        Bot.run(Bot.commands("start", "/echo"), (c) => c.reply(`${c.command.name}|${c.command.args}|${c.command.argv.length}`, { parseMode: "none" }))
      )
      const first = yield* probe(world, ada.id, bot.id, "/start")
      assert.strictEqual(first.message, "start||0")
      for (const text of ["/start@echo_bot deep  link", "/start@other_bot nope", "/help", "start", "/echo@ECHO_BOT a b c", "/startle", "/echo last"]) {
        yield* world.sendMessage(ada.id, bot.id, text)
      }
      assert.deepStrictEqual(yield* answers(world, ada.id, bot.id, first.id, 3), ["start|deep  link|2", "echo|a b c|3", "echo|last|1"])

      // In a group several bots listen: only a bare command or one naming this bot is its.
      const group = yield* world.createChat(ada.id, "Bots", [bot.id])
      const mark = Math.max(...world.historyOf(ada.id, group).map((m) => m.id))
      yield* world.sendMessage(ada.id, group, "/echo@other_bot ignored")
      yield* world.sendMessage(ada.id, group, "/echo hi all")
      yield* world.sendMessage(ada.id, group, "/echo@other_bot still not")
      yield* world.sendMessage(ada.id, group, "/echo@echo_bot done")
      assert.deepStrictEqual(yield* answers(world, ada.id, group, mark, 2), ["echo|hi all|2", "echo|done|1"])
      yield* Effect.sleep("200 millis")
      assert.strictEqual(incoming(world, ada.id, group, mark).length, 2)
    }))

  it.scopedLive("a handler that fails or dies on some updates: the others are answered, the failures counted", () =>
    Effect.gen(function*() {
      const logs = yield* captureLogs
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777004:flaky", username: "flaky_bot" })
      const failures = Metric.tagged(Bot.failuresTotal, "kind", "Message")
      const before = (yield* Metric.value(failures)).count
      yield* startBot(
        cluster,
        "777004:flaky",
        Bot.run(Bot.messages, (m) =>
          m.text === "boom"
            ? Effect.fail("boom")
            : m.text === "die"
            ? Effect.die(new Error("a bug"))
            : m.reply(`ok ${m.text}`, { parseMode: "none" }))
      )
      const first = yield* probe(world, ada.id, bot.id, "a")
      for (const text of ["boom", "b", "die", "c"]) yield* world.sendMessage(ada.id, bot.id, text)
      assert.deepStrictEqual(yield* answers(world, ada.id, bot.id, first.id, 2), ["ok b", "ok c"])
      assert.strictEqual((yield* Metric.value(failures)).count - before, 2)
      // Each failure is logged once, at ERROR, with its cause.
      const failed = logs.lines.filter((l) => l.level === "ERROR")
      assert.deepStrictEqual(failed.map((l) => l.message), Array(2).fill("bot handler failed; going on with the next events"))
      assert.match(failed[0]!.text, /boom/)
      assert.match(failed[1]!.text, /a bug/)
    }))

  it.scopedLive("inline queries: answered with articles, seen by the user as results; timeouts and stale answers", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777005:inline", username: "inline_bot" })
      const silent = world.addBot({ token: "777006:silent", username: "silent_bot" })
      const botClient = yield* startBot(
        cluster,
        "777005:inline",
        Effect.all([
          Bot.run(Bot.messages, (m) => m.reply("listening")),
          Bot.run(Bot.inlineQueries, (q) =>
            q.answer([
              Bot.article({
                id: "upper",
                title: q.query.toUpperCase(),
                description: `page ${q.offset === "" ? 1 : q.offset}`,
                text: `**${q.query}**`,
                replyMarkup: Keyboard.inline([[Button.url("Docs", "https://core.telegram.org/bots/inline")]])
              }),
              Bot.article({ id: "plain", title: "plain", text: q.query, parseMode: "none" })
            ], { cacheTime: 5, nextOffset: "2", isPersonal: true }))
        ], { concurrency: "unbounded" })
      )
      yield* probe(world, ada.id, bot.id, "hi")
      const results = yield* world.inlineQuery(ada.id, bot.id, "kittens", { chat: bot.id })
      assert.deepStrictEqual(results.results.map((r) => [r.id, r._tag === "botInlineResult" ? r.title : ""]), [["upper", "KITTENS"], ["plain", "plain"]])
      assert.strictEqual(results.next_offset, "2")
      assert.strictEqual(results.cache_time, 5)
      assert.isTrue(results.users.some((u) => u.id === bot.id))
      const top = results.results[0]!
      const send = top._tag === "botInlineResult" ? top.send_message : undefined
      assert.isTrue(send?._tag === "botInlineMessageText" && send.message === "kittens" && send.entities?.[0]?._tag === "messageEntityBold")
      assert.strictEqual(send?.reply_markup?._tag, "replyInlineMarkup")
      const page2 = yield* world.inlineQuery(ada.id, bot.id, "kittens", { offset: "2" })
      assert.strictEqual(page2.results[0]?._tag === "botInlineResult" && page2.results[0].description, "page 2")
      const query = [...world.bots.queries.values()].find((q) => q._tag === "InlineQuery" && q.offset === "2")
      assert.strictEqual(query?._tag === "InlineQuery" && query.answer?.results.length, 2)

      // A bot that never answers: the user's app gives up.
      world.botResponseTimeoutSeconds = 0.3
      assert.strictEqual(yield* failure(world.inlineQuery(ada.id, silent.id, "anyone?")), "BOT_RESPONSE_TIMEOUT")
      // Answering a query that is unknown (or answered already) fails as Telegram does.
      assert.strictEqual(yield* failure(as(botClient)(Bot.answerInlineQuery(12345n, []))), "QUERY_ID_INVALID")
      const used = [...world.bots.queries.values()].find((q) => q._tag === "InlineQuery")!
      assert.strictEqual(yield* failure(as(botClient)(Bot.answerInlineQuery(used.queryId, []))), "QUERY_ID_INVALID")
      assert.strictEqual(yield* failure(world.inlineQuery(ada.id, ada.id, "not a bot")), "BOT_INVALID")
    }))

  it.scopedLive("edited messages: the bot sees what others edit", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777007:edits", username: "edits_bot" })
      yield* startBot(
        cluster,
        "777007:edits",
        Effect.all([
          Bot.run(Bot.messages, (m) => m.reply("noted", { quote: true })),
          Bot.run(Bot.editedMessages, (m) => m.reply(`you changed it to: ${m.text}`, { parseMode: "none" }))
        ], { concurrency: "unbounded" })
      )
      const noted = yield* probe(world, ada.id, bot.id, "draft")
      assert.strictEqual(noted.reply_to?._tag === "messageReplyHeader" && noted.reply_to.reply_to_msg_id, noted.id - 1)
      yield* world.editMessage(ada.id, bot.id, noted.id - 1, "final")
      assert.deepStrictEqual(yield* answers(world, ada.id, bot.id, noted.id, 1), ["you changed it to: final"])
    }))

  it.scopedLive("one chat at a time in order, chats in parallel within the bound", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const users = [1, 2, 3, 4].map((i) => world.addUser({ phone: `+1555000${i}`, firstName: `U${i}` }))
      const bot = world.addBot({ token: "777008:order", username: "order_bot" })
      const seen = new Map<bigint, Array<string>>()
      let running = 0
      let most = 0
      yield* startBot(
        cluster,
        "777008:order",
        Bot.run(Bot.messages, (m) =>
          Effect.gen(function*() {
            most = Math.max(most, ++running)
            yield* Effect.sleep(`${yield* Random.nextIntBetween(5, 20)} millis`)
            seen.set(m.senderId!, [...(seen.get(m.senderId!) ?? []), m.text])
            running--
            if (m.text === "ping") yield* m.reply("pong")
          }), { concurrency: 3 })
      )
      yield* probe(world, users[0]!.id, bot.id, "ping")
      for (let i = 0; i < 8; i++) for (const u of users) yield* world.sendMessage(u.id, bot.id, `m${i}`)
      yield* eventually(() => (users.every((u) => (seen.get(u.id) ?? []).filter((t) => t !== "ping").length === 8) ? true : undefined), "every message")
      const expected = Array.from({ length: 8 }, (_, i) => `m${i}`)
      for (const u of users) assert.deepStrictEqual((seen.get(u.id) ?? []).filter((t) => t !== "ping"), expected)
      assert.isAtMost(most, 3)
      assert.isAbove(most, 1)
    }))

  it.scopedLive("replies go through the Client's FLOOD_WAIT policy", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bot = world.addBot({ token: "777009:flood", username: "flood_bot" })
      yield* startBot(cluster, "777009:flood", Bot.run(Bot.messages, (m) => m.reply(`re: ${m.text}`, { parseMode: "none" })))
      const first = yield* probe(world, ada.id, bot.id, "warm up")
      yield* cluster.dc(1).injectError("messages.sendMessage", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
      const [took, got] = yield* Effect.timed(Effect.zipRight(world.sendMessage(ada.id, bot.id, "slow"), answers(world, ada.id, bot.id, first.id + 1, 1)))
      assert.deepStrictEqual(got, ["re: slow"])
      assert.isAtLeast(Duration.toMillis(took), 950)
    }))
})
