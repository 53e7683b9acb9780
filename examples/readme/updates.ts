import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { type Api, Client, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

const isNewMessage = (u: Api.Update): u is Api.updateNewMessage | Api.updateNewChannelMessage =>
  u._tag === "updateNewMessage" || u._tag === "updateNewChannelMessage"

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  const ada = dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
  const bob = dc.world.addUser({ phone: "+15550002", firstName: "Bob" })
  const layer = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))
  yield* Effect.gen(function*() {
    const client = yield* Client
    yield* client.start({ phone: Effect.succeed("+15550001"), code: Effect.sync(() => Redacted.make(dc.world.lastCode("+15550001")!)) })
    for (const text of ["one", "two", "three"]) yield* dc.world.sendMessage(bob.id, ada.id, text)
    yield* client.updates.pipe(
      Stream.filter(isNewMessage),
      Stream.take(3),
      Stream.runForEach((u) => Effect.log(u.message._tag === "message" ? u.message.message : u.message._tag))
    )
  }).pipe(Effect.provide(layer))
})

await Effect.runPromise(Effect.scoped(main))
