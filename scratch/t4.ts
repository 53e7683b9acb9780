import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Context from "effect/Context"
import * as Stream from "effect/Stream"
import * as Redacted from "effect/Redacted"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { Client } from "../src/client/index.ts"
import { makeMemory, SessionStorage } from "../src/storage/index.ts"
import * as TestDc from "../src/testing/index.ts"
import { layerNode } from "../src/transport/index.ts"

const main = Effect.gen(function*() {
  const cluster = yield* TestDc.makeCluster({ dcIds: [1] })
  const a = cluster.world.addUser({ phone: "+15550001", firstName: "A" })
  const b = cluster.world.addUser({ phone: "+15550002", firstName: "B" })
  const mk = Effect.gen(function*() {
    const storage = yield* makeMemory()
    const client = yield* Effect.map(Layer.build(Client.layerWith({ apiId: 1, apiHash: Redacted.make("x"), dcs: cluster.dcOptions, defaultDc: 1, publicKeys: [cluster.publicKey] }).pipe(Layer.provide(Layer.merge(layerNode(), Layer.succeed(SessionStorage, storage))))), (c) => Context.get(c, Client))
    return client
  })
  const ca = yield* mk
  yield* ca.start({ phone: Effect.succeed("+15550001"), code: Effect.map(cluster.codeFor("+15550001"), Redacted.make) })
  const cb = yield* mk
  yield* cb.start({ phone: Effect.succeed("+15550002"), code: Effect.map(cluster.codeFor("+15550002"), Redacted.make) })
  const sub = yield* cb.subscribeUpdates
  const got: Array<string> = []
  yield* Effect.forkScoped(Stream.runForEach(sub, (u) => Effect.sync(() => got.push(u._tag === "updateNewMessage" && u.message._tag === "message" ? u.message.message : u._tag))))
  const t0 = Date.now()
  yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => ca.invoke({ _tag: "messages.sendMessage", peer: { _tag: "inputPeerUser", user_id: b.id, access_hash: b.accessHash }, message: `m${i}`, random_id: BigInt(i + 1) }), { concurrency: 8 })
  console.log("sent in", Date.now() - t0)
  for (let i = 0; i < 50 && got.length < 200; i++) yield* Effect.sleep("100 millis")
  console.log(got.length, got.slice(0, 5), Date.now() - t0)
}).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Info))
Effect.runPromise(main).then(() => console.log("done"), (e) => console.log("fail", e))
