/**
 * The README's "Observability" example, runnable from the repository (`npx tsx
 * examples/metrics.ts`): a client makes three calls against an emulated Telegram, the first
 * waits out a FLOOD_WAIT (logged at INFO), and the program reads the client's metrics.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import { Client, Metrics, SessionStorage } from "../src/index.ts"
import * as TestDc from "../src/testing/index.ts"

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  yield* dc.injectError("help.getNearestDc", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
  const client = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))
  yield* Effect.gen(function*() {
    const c = yield* Client
    for (let i = 0; i < 3; i++) yield* c.invoke({ _tag: "help.getNearestDc" })
  }).pipe(Effect.provide(client))

  const method = "help.getNearestDc"
  const ok = yield* Metric.value(Metrics.calls.pipe(Metric.tagged("method", method), Metric.tagged("outcome", "ok")))
  const waits = yield* Metric.value(Metrics.floodWaits.pipe(Metric.tagged("method", method)))
  const time = yield* Metric.value(Metrics.callDuration.pipe(Metric.tagged("method", method)))
  console.log(`${ok.count} calls answered, ${waits.count} FLOOD_WAIT waited out, slowest ${time.max.toFixed(1)} s`)
})

Effect.runPromise(Effect.scoped(main))
