import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada", password: "hunter2" }) // 2FA on
  dc.world.addBot({ token: "123456:ABC-offline", username: "echo_bot" })
  // Each Effect.provide(fresh) below builds a new client with an empty session.
  const fresh = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))

  // A user: each input is an Effect, run when it is needed (a prompt in an app; the World here).
  const byPhone = yield* Effect.flatMap(Client, (client) =>
    client.start({
      phone: Effect.succeed("+15550001"),
      code: Effect.sync(() => Redacted.make(dc.world.lastCode("+15550001")!)), // the code Telegram sent
      password: Effect.succeed(Redacted.make("hunter2")) // asked only when the account has 2FA
    })).pipe(Effect.provide(fresh))

  // A bot: the token from @BotFather.
  const byToken = yield* Effect.flatMap(Client, (client) => client.start({ botToken: Redacted.make("123456:ABC-offline") })).pipe(
    Effect.provide(fresh)
  )

  // QR code: show each tg://login URL as a QR code until a phone logged in to the account scans it.
  const byQr = yield* Effect.flatMap(Client, (client) =>
    client.startQr({
      onToken: (token) => Effect.sync(() => dc.world.acceptLoginToken(ada.id, token.url)), // Ada's phone scans it
      password: Effect.succeed(Redacted.make("hunter2"))
    })).pipe(Effect.provide(fresh))

  for (const user of [byPhone, byToken, byQr]) console.log(user._tag === "user" ? user.first_name : user._tag)
})

await Effect.runPromise(Effect.scoped(main))
