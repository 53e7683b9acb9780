import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { Client, Dialogs, Messages, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

// What a bot or app does, given a logged-in Client in its context.
const program = Effect.gen(function*() {
  const sent = yield* Messages.send("@bob_builder", "**Hello** Bob, this is __markdown__")
  yield* Messages.edit("@bob_builder", sent.id, "**Hello** Bob, this is __markdown__ (edited)")
  yield* Stream.runForEach(
    Messages.history("@bob_builder", { limit: 10 }),
    (m) => Effect.log(m._tag === "message" ? m.message : m._tag)
  )
  yield* Stream.runForEach(
    Dialogs.list({ limit: 20 }),
    (d) => Effect.log("title" in d.entity ? d.entity.title : d.entity._tag === "user" ? d.entity.first_name : d.entity.id)
  )
})

// Offline: an emulated DC with two users; the client logs in as Ada with the code it sends.
const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
  dc.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_builder" })
  const client = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))
  yield* Effect.gen(function*() {
    const login = yield* Client
    const code = Effect.sync(() => Redacted.make(dc.world.lastCode("+15550001")!))
    yield* login.start({ phone: Effect.succeed("+15550001"), code })
    yield* program
  }).pipe(Effect.provide(client))
})

await Effect.runPromise(Effect.scoped(main))
