import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Bot, Button, Client, Keyboard, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

// The bot: /start shows a counter, its buttons change it in place; other texts are echoed.
const menu = (n: number) => Keyboard.inline([[Button.callback("-1", `${n - 1}`), Button.callback("+1", `${n + 1}`)]])

const bot = Effect.all([
  Bot.run(Bot.commands("start"), (m) => m.reply("Count: **0**", { replyMarkup: menu(0) })),
  Bot.run(Bot.callbackQueries, (q) =>
    Effect.zipRight(
      q.editText(`Count: **${q.dataText}**`, { replyMarkup: menu(Number(q.dataText)) }),
      q.answer({ text: `Count is ${q.dataText}` })
    )),
  Bot.run(Bot.messages, (m) => (m.command ? Effect.void : m.reply(m.text, { parseMode: "none" })))
], { concurrency: "unbounded" })

// Offline: an emulated DC with the bot and Ada; the World plays Ada.
const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
  const me = dc.world.addBot({ token: "123456:ABC-demo", username: "counter_bot" })
  const client = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))
  yield* Effect.gen(function*() {
    yield* (yield* Client).start({ botToken: Redacted.make("123456:ABC-demo") })
    yield* Effect.forkScoped(bot)
    // Ada sends /start until the menu is there (the bot listens once its streams run).
    const shown = yield* Effect.repeat(
      Effect.zipRight(dc.world.sendMessage(ada.id, me.id, "/start"), Effect.sleep("100 millis")),
      { until: () => dc.world.historyOf(ada.id, me.id).some((m) => m._tag === "message" && m.out !== true) }
    ).pipe(Effect.map(() => dc.world.historyOf(ada.id, me.id).find((m) => m._tag === "message" && m.out !== true)!))
    const toast = yield* dc.world.pressButton(ada.id, shown, "1")
    const now = dc.world.historyOf(ada.id, me.id).find((m) => m.id === shown.id)
    console.log(toast.message, "|", now?._tag === "message" ? now.message : "")
  }).pipe(Effect.scoped, Effect.provide(client)) // the bot stops before its Client closes
})

await Effect.runPromise(Effect.scoped(main))
