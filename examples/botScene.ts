/**
 * `npm start -- --bot`: the seeded bot @demo_menu_bot runs a menu bot against the embedded
 * TestDc (a counter under an inline keyboard, commands, inline queries), while Alice, played
 * by the World, talks to it, presses its buttons and asks it an inline query. Every step of
 * the conversation is printed as Alice's app would show it.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Bot, Button, Client, type ClientShape, Keyboard } from "../src/client/index.ts"
import type * as TestDc from "../src/testing/index.ts"
import type { Api } from "../src/tl/index.ts"

/** The seeded bot (`npm start` adds it to the World). */
export const DEMO_BOT = { token: "100003:demo-bot-token", username: "demo_menu_bot" } as const

const say = (line: string) => Effect.sync(() => console.log(line))

/** The counter menu: each button's data is the count it leads to. */
const menu = (n: number) =>
  Keyboard.inline([
    [Button.callback("−1", `count:${n - 1}`), Button.callback("+1", `count:${n + 1}`)],
    [Button.callback("Reset", "count:0"), Button.url("About", "https://core.telegram.org/bots")]
  ])

/** The bot: `/start` shows the counter, its buttons change it in place, inline queries get an article. */
const menuBot = Effect.all([
  Bot.run(Bot.commands("start"), (m) => m.reply("Counter: **0**", { replyMarkup: menu(0) })),
  Bot.run(Bot.commands("help"), (m) => m.reply("Press the buttons under the counter, or type `@demo_menu_bot text` anywhere.")),
  Bot.run(Bot.callbackQueries, (q) => {
    const n = Number(q.dataText.slice("count:".length))
    return Effect.zipRight(q.editText(`Counter: **${n}**`, { replyMarkup: menu(n) }), q.answer({ text: `Counter is ${n}` }))
  }),
  Bot.run(Bot.inlineQueries, (q) =>
    q.answer([Bot.article({ id: "shout", title: q.query.toUpperCase(), description: "Shout it", text: `**${q.query.toUpperCase()}!**` })]))
], { concurrency: "unbounded" })

const keyboardOf = (m: Api.Message) =>
  m._tag === "message" ? Keyboard.buttons(m.reply_markup).map((row) => row.map((b) => `[ ${b.text} ]`).join(" ")) : []

const show = (who: string, m: Api.Message) =>
  say(`  ${who} #${m.id}: ${m._tag === "message" ? m.message : m._tag}${keyboardOf(m).map((row) => `\n      ${row}`).join("")}`)

/** The callback data of the button labelled `label` under `m` (none: empty, which the World refuses). */
const dataOf = (m: Api.Message, label: string): Uint8Array => {
  for (const row of m._tag === "message" ? Keyboard.buttons(m.reply_markup) : []) {
    for (const b of row) if (b._tag === "keyboardButtonCallback" && b.text === label) return b.data
  }
  return new Uint8Array(0)
}

/** Alice sends `/start` until the bot answers (its update subscription starts with the bot). */
const firstAnswer = (world: TestDc.World, alice: bigint, bot: bigint) =>
  Effect.gen(function*() {
    for (let tries = 0; tries < 50; tries++) {
      const sent = yield* world.sendMessage(alice, bot, "/start")
      for (let i = 0; i < 10; i++) {
        yield* Effect.sleep("50 millis")
        const answer = world.historyOf(alice, bot).find((m) => m.id > sent.id && m._tag === "message" && m.out !== true)
        if (answer !== undefined) return { sent, answer }
      }
    }
    return yield* Effect.dieMessage("the bot did not answer")
  })

/** The scene; `newClient` builds a Client (a memory session) in the current scope. */
export const botScene = (world: TestDc.World, newClient: Effect.Effect<ClientShape, unknown, Scope.Scope>, alicePhone: string) =>
  Effect.gen(function*() {
    yield* say(`\nBot: @${DEMO_BOT.username} runs a menu bot; Alice (the World) talks to it.`)
    const client = yield* newClient
    const me = yield* client.start({ botToken: Redacted.make(DEMO_BOT.token) })
    yield* Effect.provideService(Bot.setCommands({ start: "Show the counter", help: "What this bot does" }), Client, client)
    yield* say(`  logged in as bot ${me.id}; commands: ${world.botCommands(me.id).map((c) => `/${c.command}`).join(", ")}`)
    yield* Effect.forkScoped(Effect.provideService(menuBot, Client, client))

    const alice = world.userByPhone(alicePhone)!
    const { answer, sent } = yield* firstAnswer(world, alice.id, me.id)
    yield* say(`  Alice → bot #${sent.id}: /start`)
    yield* show("bot → Alice", answer)
    for (const label of ["+1", "+1", "+1", "−1", "Reset"]) {
      const current = world.historyOf(alice.id, me.id).find((m) => m.id === answer.id)!
      const toast = yield* world.pressButton(alice.id, current, dataOf(current, label))
      const edited = world.historyOf(alice.id, me.id).find((m) => m.id === answer.id)!
      yield* say(`  Alice presses [ ${label} ] → toast "${toast.message ?? ""}"; the message now reads: ${edited._tag === "message" ? edited.message : ""}`)
    }
    const results = yield* world.inlineQuery(alice.id, me.id, "effect")
    for (const r of results.results) {
      if (r._tag === "botInlineResult" && r.send_message._tag === "botInlineMessageText") {
        yield* say(`  Alice types "@${DEMO_BOT.username} effect" → result "${r.title}" (${r.description}), would send: ${r.send_message.message}`)
      }
    }
  }).pipe(Effect.scoped)
