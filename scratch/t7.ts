import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Context from "effect/Context"
import * as Redacted from "effect/Redacted"
import { Client } from "../src/client/index.ts"
import { makeMemory, SessionStorage } from "../src/storage/index.ts"
import * as TestDc from "../src/testing/index.ts"
import { layerNode } from "../src/transport/index.ts"
const main = Effect.gen(function*() {
  const engineDc = yield* TestDc.make()
  const ada = engineDc.world.addUser({ firstName: "Ada", phone: "+15550001" })
  const bob = engineDc.world.addUser({ firstName: "Bob", phone: "+15550002" })
  const storage = yield* makeMemory()
  const context = yield* Layer.build(Client.layerWith({ apiId: 1, apiHash: Redacted.make("0123456789abcdef"), dcs: [{ id: engineDc.dcId, host: engineDc.host, port: engineDc.port }], defaultDc: engineDc.dcId, publicKeys: [engineDc.publicKey] }).pipe(Layer.provide(Layer.merge(layerNode(), Layer.succeed(SessionStorage, storage)))))
  const client = Context.get(context, Client)
  yield* client.start({ phone: Effect.succeed("+15550002"), code: Effect.sync(() => Redacted.make(engineDc.world.lastCode("+15550002")!)) })
  yield* client.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUser", user_id: ada.id, access_hash: ada.accessHash }] })
  let pts = engineDc.world.stateOf(bob.id).pts
  for (let round = 0; round < 3; round++) {
    console.log("state before", (yield* storage.load).updateState?.pts)
    yield* Effect.scoped(Effect.gen(function*() {
      const updates = yield* client.subscribeUpdates
      const f = yield* Effect.fork(Stream.runDrain(updates.pipe(Stream.take(5))))
      for (let i = 0; i < 5; i++) { yield* engineDc.faults.push({ _tag: "updateShortMessage", id: pts + 1, user_id: ada.id, message: "x", pts: pts + 1, pts_count: 1, date: 1_700_000_000 }); pts++ }
      yield* Fiber.join(f).pipe(Effect.timeout("3 seconds"), Effect.catchAll((e) => Effect.sync(() => console.log("timeout"))))
    }))
    console.log("state after", (yield* storage.load).updateState?.pts)
  }
}).pipe(Effect.scoped)
Effect.runPromise(main).then(() => console.log("done"), (e) => console.log("fail", e))
