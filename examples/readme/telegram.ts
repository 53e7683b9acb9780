// Runs against Telegram: needs TELEGRAM_API_ID and TELEGRAM_API_HASH (my.telegram.org) and BOT_TOKEN (@BotFather).
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type Api, Client, Messages, SessionStorage } from "effect-mtproto"

// A private text message someone sent us, if the update is one.
const incoming = (u: Api.Update): Option.Option<Api.message> =>
  u._tag === "updateNewMessage" && u.message._tag === "message" && !u.message.out ? Option.some(u.message) : Option.none()

const main = Effect.gen(function*() {
  const client = yield* Client
  yield* client.start({ botToken: yield* Config.redacted("BOT_TOKEN") }) // skipped when the session is logged in
  yield* client.updates.pipe(
    Stream.filterMap(incoming),
    Stream.runForEach((m) => Messages.send(m.peer_id, `You said: ${m.message}`))
  )
})

// Client.layerConfig reads TELEGRAM_API_ID and TELEGRAM_API_HASH; Telegram's DCs and keys are the defaults.
// The session file keeps the auth keys, the login and the update position between runs.
const layer = Client.layerConfig.pipe(Layer.provide(SessionStorage.layerFile("echo-bot.session.json")))

// runMain: Ctrl-C interrupts the program, which closes the client and releases the session file.
NodeRuntime.runMain(main.pipe(Effect.provide(layer)))
