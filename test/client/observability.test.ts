/**
 * Observability over TCP against a TestDc: the call metrics move as calls end (by method and
 * outcome, with their durations), a FLOOD_WAIT waited out is counted and logged, reconnects
 * and pushed/emitted updates are counted, and every call has a span that carries its method,
 * DC, msg_id and retries.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import type * as MetricState from "effect/MetricState"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { Metrics } from "../../src/client/index.ts"
import { RpcFailure } from "../../src/testing/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster } from "../support/dc.ts"
import { memoryClient, rightCode } from "./support/harness.ts"

const count = (metric: Metric.Metric.Counter<number>, ...labels: ReadonlyArray<readonly [string, string]>) =>
  Effect.map(
    Metric.value(labels.reduce((m, [k, v]) => m.pipe(Metric.tagged(k, v)), metric)),
    (state: MetricState.MetricState.Counter<number>) => state.count
  )

const durations = (method: string) =>
  Effect.map(Metric.value(Metrics.callDuration.pipe(Metric.tagged("method", method))), (h) => h.count)

/** Logs written while `effect` runs, as "LEVEL message key=value ...". */
const capturingLogs = () => {
  const logged: Array<string> = []
  const logger = Logger.make((o) => {
    const annotations = [...o.annotations].map(([k, v]) => `${k}=${String(v)}`).sort().join(" ")
    logged.push(`${o.logLevel.label} ${String(o.message)}${annotations === "" ? "" : ` ${annotations}`}`)
  })
  return { logged, layer: Logger.replace(Logger.defaultLogger, logger) }
}

/** A tracer that keeps every span it makes. */
const recordingTracer = () => {
  const spans: Array<Tracer.Span> = []
  const native = Effect.runSync(Effect.tracer)
  const tracer = Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
      spans.push(span)
      return span
    },
    context: native.context
  })
  return { spans, tracer }
}

describe("observability", () => {
  it.scopedLive("call metrics move as calls end: count by method and outcome, durations", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { client } = yield* memoryClient(cluster)
      const ok = () => count(Metrics.calls, ["method", "help.getNearestDc"], ["outcome", "ok"])
      const failed = () => count(Metrics.calls, ["method", "help.getAppConfig"], ["outcome", "RpcError"])
      const okBefore = yield* ok()
      const failedBefore = yield* failed()
      const timedBefore = yield* durations("help.getNearestDc")
      for (let i = 0; i < 3; i++) yield* client.invoke({ _tag: "help.getNearestDc" })
      yield* cluster.injectError("help.getAppConfig", { code: 400, message: "SOMETHING_ODD", times: 1 })
      const error = yield* Effect.flip(client.invoke({ _tag: "help.getAppConfig", hash: 0 }))
      assert.strictEqual(error._tag, "RpcError")
      assert.strictEqual((yield* ok()) - okBefore, 3)
      assert.strictEqual((yield* failed()) - failedBefore, 1)
      assert.strictEqual((yield* durations("help.getNearestDc")) - timedBefore, 3)
      const histogram = yield* Metric.value(Metrics.callDuration.pipe(Metric.tagged("method", "help.getNearestDc")))
      assert.isAbove(histogram.sum, 0)
      assert.isBelow(histogram.max, 30)
    }))

  it.scopedLive("a FLOOD_WAIT waited out is counted (calls and seconds) and logged with its method and seconds", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      let calls = 0
      yield* cluster.dc(1).addHandlers({
        "help.getNearestDc": (_req, ctx) =>
          ++calls === 1
            ? Effect.fail(new RpcFailure({ code: 420, message: "FLOOD_WAIT_1" }))
            : Effect.succeed({ _tag: "nearestDc", country: "XX", this_dc: ctx.dcId, nearest_dc: ctx.dcId })
      })
      const { client } = yield* memoryClient(cluster)
      const before = yield* count(Metrics.floodWaits, ["method", "help.getNearestDc"])
      const secondsBefore = yield* count(Metrics.floodWaitSeconds, ["method", "help.getNearestDc"])
      const { logged, layer } = capturingLogs()
      const { spans, tracer } = recordingTracer()
      const nearest = yield* client.invoke({ _tag: "help.getNearestDc" }).pipe(Effect.provide(layer), Effect.withTracer(tracer))
      assert.strictEqual(nearest._tag, "nearestDc")
      assert.strictEqual(calls, 2)
      assert.strictEqual((yield* count(Metrics.floodWaits, ["method", "help.getNearestDc"])) - before, 1)
      assert.strictEqual((yield* count(Metrics.floodWaitSeconds, ["method", "help.getNearestDc"])) - secondsBefore, 1)
      assert.deepStrictEqual(logged.filter((l) => l.includes("FLOOD_WAIT")), ["INFO waiting out FLOOD_WAIT method=help.getNearestDc seconds=1"])
      // The call's span says it took a retry.
      const span = spans.find((s) => s.name === "Client.invoke")!
      assert.strictEqual(span.attributes.get("mtproto.retries"), 1)
      assert.strictEqual(span.status._tag, "Ended")
    }))

  it.scopedLive("each call has a span without a stack: method, DC, msg_id; it ends with the call's exit", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { client } = yield* memoryClient(cluster)
      yield* client.invoke({ _tag: "help.getNearestDc" })
      const { spans, tracer } = recordingTracer()
      yield* client.invoke({ _tag: "help.getNearestDc" }).pipe(Effect.withTracer(tracer))
      yield* cluster.injectError("help.getAppConfig", { code: 400, message: "SOMETHING_ODD", times: 1 })
      yield* Effect.flip(client.invoke({ _tag: "help.getAppConfig", hash: 0 }).pipe(Effect.withTracer(tracer)))
      const [ok, failed] = spans.filter((s) => s.name === "Client.invoke")
      assert.isDefined(ok)
      assert.isDefined(failed)
      assert.strictEqual(ok!.kind, "client")
      assert.strictEqual(ok!.attributes.get("rpc.method"), "help.getNearestDc")
      assert.strictEqual(ok!.attributes.get("mtproto.dc"), 1)
      assert.match(String(ok!.attributes.get("mtproto.msg_id")), /^\d+$/)
      assert.isFalse(ok!.attributes.has("mtproto.retries"))
      assert.isFalse(ok!.attributes.has("code.stacktrace"))
      assert.strictEqual(ok!.status._tag, "Ended")
      if (ok!.status._tag === "Ended") assert.strictEqual(ok!.status.exit._tag, "Success")
      assert.strictEqual(failed!.attributes.get("rpc.method"), "help.getAppConfig")
      if (failed!.status._tag === "Ended") assert.strictEqual(failed!.status.exit._tag, "Failure")
      // Different calls, different msg_ids.
      assert.notStrictEqual(ok!.attributes.get("mtproto.msg_id"), failed!.attributes.get("mtproto.msg_id"))
    }))

  it.scopedLive("reconnects are counted per DC; pushed updates are counted as received and emitted", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "A" })
      const bUser = cluster.world.addUser({ phone: "+15550002", firstName: "B" })
      const { client: a } = yield* memoryClient(cluster)
      yield* a.start({ phone: Effect.succeed("+15550001"), code: rightCode(cluster, "+15550001") })
      const { client: b } = yield* memoryClient(cluster)
      yield* b.start({ phone: Effect.succeed("+15550002"), code: rightCode(cluster, "+15550002") })

      const reconnectsBefore = yield* count(Metrics.reconnects, ["dc", "1"])
      yield* cluster.dc(1).dropConnections
      // The next calls go out on re-opened connections.
      yield* a.invoke({ _tag: "help.getNearestDc" })
      yield* b.invoke({ _tag: "help.getNearestDc" })
      assert.isAtLeast((yield* count(Metrics.reconnects, ["dc", "1"])) - reconnectsBefore, 2)

      const receivedBefore = yield* count(Metrics.updatesReceived, ["dc", "1"])
      const emittedBefore = yield* count(Metrics.updatesEmitted)
      const seen: Array<Api.Update> = []
      const fiber = yield* Effect.forkScoped(Stream.runForEach(b.updates, (u) => Effect.sync(() => void seen.push(u))))
      // The stream starts with a getDifference (an empty one); then A writes to B.
      yield* Effect.sleep("200 millis")
      const toB: Api.InputPeer = { _tag: "inputPeerUser", user_id: bUser.id, access_hash: bUser.accessHash }
      for (let i = 0; i < 3; i++) yield* a.invoke({ _tag: "messages.sendMessage", peer: toB, message: `m${i}`, random_id: BigInt(100 + i) })
      for (let i = 0; i < 100 && seen.length < 3; i++) yield* Effect.sleep("20 millis")
      assert.strictEqual(seen.filter((u) => u._tag === "updateNewMessage").length, 3)
      assert.isAtLeast((yield* count(Metrics.updatesReceived, ["dc", "1"])) - receivedBefore, 3)
      assert.strictEqual((yield* count(Metrics.updatesEmitted)) - emittedBefore, seen.length)
      yield* Fiber.interrupt(fiber)
    }))
})
