import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import { Client, Metrics, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

const method = "help.getNearestDc"
const answered = Metrics.calls.pipe(Metric.tagged("method", method), Metric.tagged("outcome", "ok"))
const waited = Metrics.floodWaits.pipe(Metric.tagged("method", method))

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  yield* dc.injectError(method, { code: 420, message: "FLOOD_WAIT_1", times: 1 })
  const client = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))

  // Metrics are process-wide: this program's share is what they gained while it ran.
  const [callsBefore, waitsBefore] = yield* Effect.all([Metric.value(answered), Metric.value(waited)])
  yield* Effect.gen(function*() {
    const c = yield* Client
    for (let i = 0; i < 3; i++) yield* c.invoke({ _tag: method })
  }).pipe(Effect.provide(client))
  const [calls, waits] = yield* Effect.all([Metric.value(answered), Metric.value(waited)])
  console.log(`${calls.count - callsBefore.count} calls answered, ${waits.count - waitsBefore.count} FLOOD_WAIT waited out`)
})

await Effect.runPromise(Effect.scoped(main))
