import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Context from "effect/Context"
import * as Stream from "effect/Stream"
import * as Redacted from "effect/Redacted"
import { Client } from "../src/client/index.ts"
import { layerMemory } from "../src/storage/index.ts"
import * as TestDc from "../src/testing/index.ts"
import { layerNode } from "../src/transport/index.ts"

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make({})
  const client = yield* Effect.map(Layer.build(Client.layerWith({ apiId: 1, apiHash: Redacted.make("x"), dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }], defaultDc: dc.dcId, publicKeys: [dc.publicKey] }).pipe(Layer.provide(Layer.merge(layerNode(), layerMemory)))), (c) => Context.get(c, Client))
  yield* client.invoke({ _tag: "help.getNearestDc" })
  const updates = yield* client.subscribeUpdates
  console.log("subscribed")
  const fiber = yield* Effect.fork(Stream.runCollect(Stream.take(updates, 1)))
  yield* Effect.sleep("500 millis")
  console.log("interrupting")
  yield* Effect.race(fiber.await, Effect.sleep("2 seconds")).pipe(Effect.tap(() => console.log("raced")))
  const f2 = yield* Effect.fork(Effect.interruptWith(fiber.id())(fiber as never))
}).pipe(Effect.scoped)
Effect.runPromise(main).then(() => console.log("done"), (e) => console.log("fail", e))
setInterval(() => console.log("alive"), 1000).unref()
