import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  dc.world.addBot({ token: "123456:ABC-offline", username: "echo_bot" })
  const client = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  })

  // First run: log in, then export the session as a string (a secret: keep it like a password).
  const saved = yield* Effect.gen(function*() {
    yield* (yield* Client).start({ botToken: Redacted.make("123456:ABC-offline") })
    return yield* (yield* SessionStorage.StringSession).export
  }).pipe(Effect.provide(client.pipe(Layer.provideMerge(SessionStorage.layerString()))))

  // Next run, from the string: logged in already, no handshake, no login.
  const me = yield* Effect.flatMap(Client, (c) => c.getMe).pipe(
    Effect.provide(client.pipe(Layer.provide(SessionStorage.layerString(saved))))
  )
  console.log(`${Redacted.value(saved).length} characters; logged in as`, me._tag === "user" ? me.username : me._tag)
})

await Effect.runPromise(Effect.scoped(main))
