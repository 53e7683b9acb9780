// The World's bot side without sockets: button presses in private chats, groups and channels
// as the bot sees them, answers (once, by the right bot, in time), inline results and their
// checks, and the keyboard rules of sending and editing. A "bot" here answers from the
// delivery listener, synchronously, as the actions a handler would run.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Button, Keyboard } from "../../src/client/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { answerCallbackQuery, answerInlineQuery } from "../../src/testing/world/actions/bots.ts"
import type { Api } from "../../src/tl/index.ts"

const errorOf = <A>(effect: Effect.Effect<A, TestDc.RpcFailure>) =>
  Effect.match(effect, { onFailure: (e) => `${e.code} ${e.message}`, onSuccess: () => "ok" })

const attempt = (f: () => void): string => {
  try {
    f()
    return "ok"
  } catch (e) {
    return e instanceof TestDc.RpcFailure ? `${e.code} ${e.message}` : String(e)
  }
}

const setup = () => {
  const world = TestDc.makeWorld()
  const ada = world.addUser({ firstName: "Ada", phone: "+15550001" })
  const bob = world.addUser({ firstName: "Bob", phone: "+15550002" })
  const bot = world.addBot({ token: "900001:menu", username: "menu_bot" })
  const other = world.addBot({ token: "900002:other", username: "other_bot" })
  const toBots: Array<Api.Update> = []
  const pushed: Array<{ readonly to: bigint; readonly updates: Api.Updates }> = []
  world.onDelivery((d) => {
    pushed.push({ to: d.userId, updates: d.updates })
    if (d.userId === bot.id && d.updates._tag === "updates") toBots.push(...d.updates.updates)
  })
  return { world, ada, bob, bot, other, toBots, pushed }
}

const keyboard = Keyboard.inline([[Button.callback("Go", "go")]])

describe("World bots", () => {
  it.effect("a press reaches the bot with its own view of the chat, in private chats, groups and channels", () =>
    Effect.gen(function*() {
      const { ada, bob, bot, toBots, world } = setup()
      const answerAll = world.onDelivery((d) => {
        if (d.userId !== bot.id || d.updates._tag !== "updates") return
        for (const u of d.updates.updates) {
          if (u._tag === "updateBotCallbackQuery") answerCallbackQuery(world.bots, bot, { _tag: "messages.setBotCallbackAnswer", query_id: u.query_id, message: `msg ${u.msg_id}`, cache_time: 0 })
        }
      })
      yield* world.sendMessage(ada.id, bob.id, "shifts Ada's ids")
      const dm = yield* world.sendMessage(bot.id, ada.id, "menu", { replyMarkup: keyboard })
      const inDm = world.historyOf(ada.id, bot.id).at(-1)!
      assert.notStrictEqual(inDm.id, dm.id) // Ada's id of the message differs from the bot's
      assert.strictEqual((yield* world.pressButton(ada.id, inDm, "go")).message, `msg ${dm.id}`)

      const group = yield* world.createChat(ada.id, "G", [bob.id, bot.id])
      const posted = yield* world.sendMessage(bot.id, group, "group menu", { replyMarkup: keyboard })
      const seenByBob = world.historyOf(bob.id, group).at(-1)!
      yield* world.pressButton(bob.id, seenByBob, "go")
      yield* world.pressButton(ada.id, world.historyOf(ada.id, group).at(-1)!.id, "go")

      const channel = yield* world.createChannel(ada.id, "C")
      yield* world.inviteToChannel(ada.id, channel, [bot.id, bob.id])
      yield* world.setAdmin(ada.id, channel, bot.id)
      const post = yield* world.sendMessage(bot.id, channel, "channel menu", { replyMarkup: keyboard })
      yield* world.pressButton(bob.id, post, "go")
      answerAll()

      const presses = toBots.filter((u): u is Api.updateBotCallbackQuery => u._tag === "updateBotCallbackQuery")
      assert.deepStrictEqual(presses.map((p) => [p.user_id, p.peer, p.msg_id]), [
        [ada.id, { _tag: "peerUser", user_id: ada.id }, dm.id],
        [bob.id, { _tag: "peerChat", chat_id: group.id }, posted.id],
        [ada.id, { _tag: "peerChat", chat_id: group.id }, posted.id],
        [bob.id, { _tag: "peerChannel", channel_id: channel.id }, post.id]
      ])
      // One chat, one chat_instance, whoever presses; other chats differ.
      assert.strictEqual(presses[1]!.chat_instance, presses[2]!.chat_instance)
      assert.strictEqual(new Set(presses.map((p) => p.chat_instance)).size, 3)
      assert.isTrue(presses.every((p) => new TextDecoder().decode(p.data) === "go"))
    }))

  it.effect("answers: once, by the bot asked, short enough; the pushes carry the presser", () =>
    Effect.gen(function*() {
      const { ada, bot, other, pushed, world } = setup()
      yield* world.sendMessage(bot.id, ada.id, "menu", { replyMarkup: keyboard })
      const checks: Array<string> = []
      world.onDelivery((d) => {
        if (d.userId !== bot.id || d.updates._tag !== "updates") return
        const u = d.updates.updates[0]
        if (u?._tag !== "updateBotCallbackQuery") return
        const answer = (by: TestDc.WorldUser, message: string) =>
          attempt(() => answerCallbackQuery(world.bots, by, { _tag: "messages.setBotCallbackAnswer", query_id: u.query_id, message, cache_time: 0 }))
        checks.push(answer(other, "not mine"), answer(bot, "x".repeat(201)), answer(bot, "fine"), answer(bot, "again"))
      })
      const answer = yield* world.pressButton(ada.id, world.historyOf(ada.id, bot.id).at(-1)!, "go")
      assert.strictEqual(answer.message, "fine")
      assert.deepStrictEqual(checks, ["400 QUERY_ID_INVALID", "400 MESSAGE_TOO_LONG", "ok", "400 QUERY_ID_INVALID"])
      const push = pushed.find((p) => p.to === bot.id && p.updates._tag === "updates" && p.updates.updates[0]?._tag === "updateBotCallbackQuery")
      assert.isTrue(push?.updates._tag === "updates" && push.updates.users.some((u) => u.id === ada.id && u._tag === "user" && u.min !== true))
      assert.strictEqual(push?.updates._tag === "updates" && push.updates.seq, 0) // no pts: no seq
    }))

  it.live("a bot that does not answer in time: BOT_RESPONSE_TIMEOUT, and its late answer is refused", () =>
    Effect.gen(function*() {
      const { ada, bot, toBots, world } = setup()
      yield* world.sendMessage(bot.id, ada.id, "menu", { replyMarkup: keyboard })
      const message = world.historyOf(ada.id, bot.id).at(-1)!
      assert.strictEqual(yield* errorOf(world.pressButton(ada.id, message, "go", { timeout: "30 millis" })), "400 BOT_RESPONSE_TIMEOUT")
      const late = toBots.find((u): u is Api.updateBotCallbackQuery => u._tag === "updateBotCallbackQuery")!
      assert.strictEqual(
        attempt(() => answerCallbackQuery(world.bots, bot, { _tag: "messages.setBotCallbackAnswer", query_id: late.query_id, cache_time: 0 })),
        "400 QUERY_ID_INVALID"
      )
      world.botResponseTimeoutSeconds = 0.03
      assert.strictEqual(yield* errorOf(world.inlineQuery(ada.id, bot.id, "q")), "400 BOT_RESPONSE_TIMEOUT")
    }))

  it.effect("inline results are checked as Telegram does; mentions resolve; the user gets the bot", () =>
    Effect.gen(function*() {
      const { ada, bot, world } = setup()
      const article = (id: string, extra: Partial<Api.inputBotInlineResult> = {}): Api.InputBotInlineResult => ({
        _tag: "inputBotInlineResult",
        id,
        type: "article",
        title: id,
        send_message: { _tag: "inputBotInlineMessageText", message: `text ${id}` },
        ...extra
      })
      const tries: Array<[string, Partial<Api.messages.setInlineBotResults>]> = [
        ["duplicate ids", { results: [article("a"), article("a")] }],
        ["too many", { results: Array.from({ length: 51 }, (_, i) => article(`r${i}`)) }],
        ["media", { results: [{ _tag: "inputBotInlineResultGame", id: "g", short_name: "g", send_message: { _tag: "inputBotInlineMessageGame" } }] }],
        ["bad type", { results: [article("t", { type: "hologram" })] }],
        ["reply keyboard", { results: [article("k", { send_message: { _tag: "inputBotInlineMessageText", message: "m", reply_markup: Keyboard.reply([["x"]]) } })] }],
        ["empty text", { results: [article("e", { send_message: { _tag: "inputBotInlineMessageText", message: " " } })] }],
        ["start param", { results: [], switch_pm: { _tag: "inlineBotSwitchPM", text: "Go", start_param: "bad param" } }],
        ["fine", {
          results: [article("m", {
            send_message: {
              _tag: "inputBotInlineMessageText",
              message: "hi Ada",
              entities: [{ _tag: "inputMessageEntityMentionName", offset: 3, length: 3, user_id: { _tag: "inputUser", user_id: ada.id, access_hash: ada.accessHash } }],
              reply_markup: keyboard
            }
          })],
          next_offset: "n2"
        }]
      ]
      const outcomes: Array<string> = []
      world.onDelivery((d) => {
        if (d.userId !== bot.id || d.updates._tag !== "updates") return
        const u = d.updates.updates[0]
        if (u?._tag !== "updateBotInlineQuery") return
        for (const [name, request] of tries) {
          const outcome = attempt(() => answerInlineQuery(world.store, world.bots, bot, { _tag: "messages.setInlineBotResults", query_id: u.query_id, results: [], cache_time: 1, ...request }))
          outcomes.push(`${name}: ${outcome}`)
        }
      })
      const results = yield* world.inlineQuery(ada.id, bot.id, "q", { chat: ada.id })
      assert.deepStrictEqual(outcomes, [
        "duplicate ids: 400 RESULT_ID_DUPLICATE",
        "too many: 400 RESULTS_TOO_MUCH",
        "media: 400 RESULT_TYPE_INVALID",
        "bad type: 400 RESULT_TYPE_INVALID",
        "reply keyboard: 400 REPLY_MARKUP_INVALID",
        "empty text: 400 MESSAGE_EMPTY",
        "start param: 400 START_PARAM_INVALID",
        "fine: ok"
      ])
      const sent = results.results[0]?._tag === "botInlineResult" ? results.results[0].send_message : undefined
      assert.deepStrictEqual(sent?._tag === "botInlineMessageText" ? sent.entities : undefined, [
        { _tag: "messageEntityMentionName", offset: 3, length: 3, user_id: ada.id }
      ])
      assert.strictEqual(results.next_offset, "n2")
      assert.deepStrictEqual(results.users.map((u) => u.id), [bot.id])
      const query = [...world.bots.queries.values()][0]
      assert.deepStrictEqual(query?._tag === "InlineQuery" ? [query.query, query.userId] : [], ["q", ada.id])
    }))

  it.effect("keyboards on sent and edited messages follow Telegram's rules", () =>
    Effect.gen(function*() {
      const { ada, bot, pushed, world } = setup()
      const send = (markup: Api.ReplyMarkup) => errorOf(world.sendMessage(bot.id, ada.id, "k", { replyMarkup: markup }))
      assert.strictEqual(yield* send(Keyboard.inline([[Button.callback("x", new Uint8Array(0))]])), "400 BUTTON_DATA_INVALID")
      assert.strictEqual(yield* send(Keyboard.inline([[Button.callback("x", "y".repeat(65))]])), "400 BUTTON_DATA_INVALID")
      assert.strictEqual(yield* send(Keyboard.inline([[Button.callback(" ", "y")]])), "400 BUTTON_TEXT_INVALID")
      assert.strictEqual(yield* send(Keyboard.inline([[Button.url("x", "javascript:alert(1)")]])), "400 BUTTON_URL_INVALID")
      assert.strictEqual(yield* send(Keyboard.reply(Array.from({ length: 11 }, () => Array.from({ length: 10 }, () => "b")))), "400 REPLY_MARKUP_TOO_LONG")

      // A message with a keyboard is never pushed in a short form (they carry none).
      pushed.length = 0
      yield* world.sendMessage(bot.id, ada.id, "with keys", { replyMarkup: keyboard })
      const toAda = pushed.find((p) => p.to === ada.id)
      assert.strictEqual(toAda?.updates._tag, "updates")

      // A reply keyboard stays through edits; an inline one may be replaced only by another inline one.
      const reply = yield* world.sendMessage(bot.id, ada.id, "pick", { replyMarkup: Keyboard.reply([["a"]]) })
      const edited = yield* world.editMessage(bot.id, ada.id, reply.id, "pick one")
      assert.strictEqual(edited._tag === "message" && edited.reply_markup?._tag, "replyKeyboardMarkup")
      const inline = yield* world.sendMessage(bot.id, ada.id, "vote", { replyMarkup: keyboard })
      assert.strictEqual(
        yield* errorOf(world.editMessage(bot.id, ada.id, inline.id, "vote", { replyMarkup: Keyboard.reply([["a"]]) })),
        "400 REPLY_MARKUP_INVALID"
      )
      const relabeled = yield* world.editMessage(bot.id, ada.id, inline.id, "vote", { replyMarkup: Keyboard.inline([[Button.callback("Stop", "stop")]]) })
      assert.deepStrictEqual(Keyboard.buttons(relabeled._tag === "message" ? relabeled.reply_markup : undefined).flat().map((b) => b.text), ["Stop"])
      assert.strictEqual(
        yield* errorOf(world.editMessage(bot.id, ada.id, inline.id, "vote", { replyMarkup: Keyboard.inline([[Button.callback("Stop", "stop")]]) })),
        "400 MESSAGE_NOT_MODIFIED"
      )
      // A user's keyboard is dropped.
      const mine = yield* world.sendMessage(ada.id, bot.id, "mine", { replyMarkup: keyboard })
      assert.strictEqual(mine._tag === "message" && mine.reply_markup, undefined)
    }))
})
