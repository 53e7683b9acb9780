import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { Bot, Button, Client, Keyboard, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

// The bot under test: /start shows a button, pressing it shows "pong", inline queries get an article.
const pingBot = Effect.all([
  Bot.run(Bot.commands("start"), (m) => m.reply("Hi!", { replyMarkup: Keyboard.inline([[Button.callback("Ping", "ping")]]) })),
  Bot.run(Bot.callbackQueries, (q) => q.answer({ text: "pong" })),
  Bot.run(Bot.inlineQueries, (q) => q.answer([Bot.article({ id: "1", title: `Say ${q.query}`, text: q.query })]))
], { concurrency: "unbounded" })

// A TestDc with the bot (logged in and running, for the test's scope) and a user, Ada.
const world = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  const bot = dc.world.addBot({ token: "123456:ABC-test", username: "ping_bot" })
  const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
  const client = yield* Layer.build(Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory)))
  yield* Effect.flatMap(Client, (c) => c.start({ botToken: Redacted.make("123456:ABC-test") })).pipe(Effect.provide(client))
  yield* Effect.forkScoped(Effect.provide(pingBot, client))
  return { dc, bot, ada }
})

// The bot's latest message to Ada, once there is one (the World's history is what Ada's app shows).
const lastFromBot = (dc: TestDc.TestDcShape, ada: bigint, bot: bigint) =>
  Effect.suspend(() => {
    const m = dc.world.historyOf(ada, bot).findLast((m) => m._tag === "message" && !m.out)
    return m === undefined ? Effect.fail("no answer yet") : Effect.succeed(m)
  }).pipe(Effect.retry(Schedule.spaced("20 millis")), Effect.timeout("5 seconds"))

describe("ping bot", () => {
  it.scopedLive("/start shows a button; pressing it answers pong", () =>
    Effect.gen(function*() {
      const { ada, bot, dc } = yield* world
      yield* dc.world.sendMessage(ada.id, bot.id, "/start")
      const menu = yield* lastFromBot(dc, ada.id, bot.id)
      assert.strictEqual(menu._tag === "message" ? menu.message : "", "Hi!")
      const answer = yield* dc.world.pressButton(ada.id, menu, "ping")
      assert.strictEqual(answer.message, "pong")
    }))

  it.scopedLive("inline queries are answered with an article", () =>
    Effect.gen(function*() {
      const { ada, bot, dc } = yield* world
      const results = yield* dc.world.inlineQuery(ada.id, bot.id, "hello")
      assert.deepStrictEqual(results.results.map((r) => r.title), ["Say hello"])
    }))

  it.scopedLive("answers survive a FLOOD_WAIT and a dropped connection", () =>
    Effect.gen(function*() {
      const { ada, bot, dc } = yield* world
      yield* dc.injectError("messages.sendMessage", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
      yield* dc.faults.set({ dropAfterMessages: 1 }) // the next frame from the bot cuts its connection
      yield* dc.world.sendMessage(ada.id, bot.id, "/start")
      const menu = yield* lastFromBot(dc, ada.id, bot.id)
      assert.strictEqual(menu._tag === "message" ? menu.message : "", "Hi!")
      assert.lengthOf(dc.world.historyOf(ada.id, bot.id), 2) // sent once
      assert.isUndefined((yield* dc.faults.current).dropAfterMessages) // the cut happened
    }))
})
