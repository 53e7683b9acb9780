import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { type Api, Client, Messages, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

// A private text message someone sent us, if the update is one.
const incoming = (u: Api.Update): Option.Option<Api.message> =>
  u._tag === "updateNewMessage" && u.message._tag === "message" && !u.message.out ? Option.some(u.message) : Option.none()

const main = Effect.gen(function*() {
  // An emulated Telegram on 127.0.0.1 with a bot and a user; it stops when the scope closes.
  const dc = yield* TestDc.make()
  const bot = dc.world.addBot({ token: "123456:ABC-offline", username: "echo_bot" })
  const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
  const layer = Client.layer({
    apiId: 1, // TestDc takes any api_id and api_hash
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }], // TestDc in place of Telegram's DCs
    publicKeys: [dc.publicKey] // and its RSA key in place of Telegram's
  }).pipe(Layer.provide(SessionStorage.layerMemory))

  yield* Effect.gen(function*() {
    const client = yield* Client
    yield* client.start({ botToken: Redacted.make("123456:ABC-offline") }) // skipped when the session is logged in
    yield* dc.world.sendMessage(ada.id, bot.id, "hello") // the World plays Ada
    yield* client.updates.pipe(
      Stream.filterMap(incoming),
      Stream.take(1), // offline: stop after one answer
      Stream.runForEach((m) => Messages.send(m.peer_id, `You said: ${m.message}`))
    )
  }).pipe(Effect.provide(layer))

  for (const m of dc.world.historyOf(ada.id, bot.id)) {
    if (m._tag === "message") console.log(m.out ? "Ada:" : "bot:", m.message)
  }
})

await Effect.runPromise(Effect.scoped(main))
