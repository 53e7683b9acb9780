/**
 * The Sender against a TestDc that misbehaves on purpose (`TestDcOptions.faults` and
 * `dc.faults`): every service-message path of core.telegram.org/mtproto/service_messages,
 * broken frames, dead connections, keepalive, acks and gzip, end to end over TCP.
 *
 * Every call is bounded by a timeout, so a Sender that loses a call fails the test instead
 * of hanging it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { SenderError } from "../../src/mtproto/rpcError.ts"
import type { ClientMessage, ServerMessage } from "../../src/testing/index.ts"
import type { TlMethod } from "../../src/tl/index.ts"
import { captureLogs } from "../support/logs.ts"
import { firstCall, harness } from "../support/dc.ts"

// The salt keeper stays on (`rotateSalts`): its get_future_salts rides behind the first call,
// so the faults meant for the call under test reach that call.

const getNearestDc = { _tag: "help.getNearestDc" } as const
const fast = { reconnect: Schedule.spaced("10 millis") }

/** Fails the test (instead of hanging it) when a call never completes. */
const bounded = <A, E>(self: Effect.Effect<A, E>, ms = 5000) =>
  Effect.timeoutFail(self, { duration: ms, onTimeout: () => new Error(`no answer within ${ms} ms`) })

/** Records what the server sees (client messages) and sends (server messages). */
const recorder = () => {
  const client: Array<ClientMessage> = []
  const server: Array<ServerMessage> = []
  return {
    client,
    server,
    faults: {
      onClientMessage: (m: ClientMessage) => Effect.sync(() => (client.push(m), "process" as const)),
      onServerMessage: (m: ServerMessage) => Effect.sync(() => void server.push(m))
    },
    /** The client messages of one schema name. */
    tagged: (tag: string) => client.filter((m) => m.body._tag === tag)
  }
}

const body = <A>(m: ClientMessage): A => m.body as unknown as A

const pings = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ _tag: "ping", ping_id: BigInt(from + i) } as const))

describe("Sender faults: connection drops", () => {
  it.scopedLive("dropped after n frames: the pending call is re-sent on the next connection and completes once", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness({ sender: fast })
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ dropAfterMessages: 0 })
      const pong = yield* bounded(sender.invoke({ _tag: "ping", ping_id: 7n }))
      assert.strictEqual(pong.ping_id, 7n)
      assert.strictEqual(yield* sender.connections, 2)
    }))

  it.scopedLive("dropped after n bytes: same", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness({ sender: fast })
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ dropAfterBytes: 16 })
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      assert.strictEqual(yield* sender.connections, 2)
    }))

  it.scopedLive("a dead connection (open, silent) is detected by the ping deadline and the pending call completes", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness({ sender: { ...fast, pingInterval: "150 millis", deadAfter: "200 millis" } })
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.stall
      const start = Date.now()
      const pong = yield* bounded(sender.invoke({ _tag: "ping", ping_id: 9n }))
      const elapsed = Date.now() - start
      assert.strictEqual(pong.ping_id, 9n)
      assert.strictEqual(yield* sender.connections, 2)
      // Silence is noticed at the first ping tick after pingInterval + deadAfter (350 ms): at most ~500 ms, plus the reconnect.
      assert.isBelow(elapsed, 1500)
    }))

  it.scopedLive("keepalive: ping_delay_disconnect goes out every pingInterval with the disconnect delay", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { sender } = yield* harness({ dc: { faults: rec.faults }, sender: { pingInterval: "100 millis", deadAfter: "2 seconds" } })
      yield* sender.invoke(getNearestDc)
      yield* Effect.sleep("450 millis")
      const keepalive = rec.tagged("ping_delay_disconnect")
      assert.isAtLeast(keepalive.length, 3)
      for (const m of keepalive) assert.strictEqual(body<{ disconnect_delay: number }>(m).disconnect_delay, 3)
      assert.strictEqual(yield* sender.connections, 1)
    }))
})

describe("Sender faults: bad_msg_notification", () => {
  it.scopedLive("16 and 17 resynchronise the clock from the notification's msg_id, and the call completes", () =>
    Effect.gen(function*() {
      // Loopback: the true offset is 0 (±1 s). Start 20 s off, inside the server's window.
      for (const [code, start] of [[17, 20], [16, -20]] as const) {
        const { dc, sender } = yield* harness({ sender: { timeOffset: start } })
        yield* dc.faults.set({ badMsg: [code] })
        assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
        const { timeOffset } = yield* sender.state
        assert.isAtMost(Math.abs(timeOffset), 1, `code ${code}: offset ${timeOffset}`)
      }
    }))

  it.scopedLive("a clock 100 s fast gets a real 17 from the server and recovers", () =>
    Effect.gen(function*() {
      const { sender } = yield* harness({ sender: { timeOffset: 100 } })
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      assert.isAtMost(Math.abs((yield* sender.state).timeOffset), 1)
    }))

  it.scopedLive("a clock 100 s slow: the server accepts it, and the client still takes the server's answers", () =>
    Effect.gen(function*() {
      const { sender } = yield* harness({ sender: { timeOffset: -100 } })
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
    }))

  it.scopedLive("a clock 400 s slow or fast gets a real 16 or 17 (outside the client's own window) and recovers", () =>
    Effect.gen(function*() {
      for (const offset of [-400, 400]) {
        const { sender } = yield* harness({ sender: { timeOffset: offset } })
        assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
        assert.isAtMost(Math.abs((yield* sender.state).timeOffset), 1)
        // The next call goes straight through.
        assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      }
    }))

  it.scopedLive("32 and 33 start a new session (new session_id) and the call completes", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      yield* sender.invoke(getNearestDc)
      for (const code of [32, 33]) {
        const before = (yield* sender.state).sessionId
        yield* dc.faults.set({ badMsg: [code] })
        const pong = yield* bounded(sender.invoke({ _tag: "ping", ping_id: BigInt(code) }))
        assert.strictEqual(pong.ping_id, BigInt(code))
        assert.notStrictEqual((yield* sender.state).sessionId, before)
      }
    }))

  it.scopedLive("48 and 64 re-send the call, which completes", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      yield* dc.faults.set({ badMsg: [48, 64] })
      const [a, b] = yield* bounded(Effect.all([sender.invoke({ _tag: "ping", ping_id: 1n }), sender.invoke({ _tag: "ping", ping_id: 2n })]))
      assert.deepStrictEqual([a.ping_id, b.ping_id], [1n, 2n])
    }))

  it.scopedLive("18, 19, 20, 34 and 35 fail the call with SenderError BadMsgNotification and the code", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      for (const code of [18, 19, 20, 34, 35]) {
        yield* dc.faults.set({ badMsg: [code] })
        const error = yield* bounded(Effect.flip(sender.invoke(getNearestDc)))
        assert.strictEqual(error._tag, "SenderError")
        assert.strictEqual((error as SenderError).reason, "BadMsgNotification")
        assert.strictEqual((error as SenderError).code, code)
      }
      // The session is unharmed.
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
    }))
})

describe("Sender faults: salts and sessions", () => {
  it.scopedLive("future_salts with short validity: once the current salt expires, bad_server_salt brings the next one", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness({ dc: { faults: { saltLifetime: 1 } } })
      const salts = yield* sender.invoke({ _tag: "get_future_salts", num: 4 })
      assert.strictEqual(salts.salts.length, 4)
      // Consecutive salts overlap by one second, as Telegram's do.
      for (let i = 1; i < salts.salts.length; i++) assert.strictEqual(salts.salts[i]!.valid_since, salts.salts[i - 1]!.valid_until - 1)
      // Wait until the server's clock is past the first salt's valid_until.
      const first = salts.salts[0]!
      yield* Effect.sleep(Math.max(0, first.valid_until * 1000 - Date.now()) + 50)
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      const salt = (yield* sender.state).salt
      assert.notStrictEqual(salt, first.salt)
      assert.isTrue(salts.salts.slice(1).some((s) => s.salt === salt))
      assert.strictEqual(dc.authKeys.values().next().value!.salt, salt)
    }))

  it.scopedLive("destroy_session of the old session after a reset: ok; of an unknown one: none (bare, as Telegram answers, and in rpc_result)", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      yield* sender.invoke(getNearestDc)
      for (const wrapped of [false, true]) {
        const old = (yield* sender.state).sessionId
        yield* dc.faults.set({ badMsg: [32], destroySessionInRpcResult: wrapped })
        yield* bounded(sender.invoke(getNearestDc))
        const ok = yield* bounded(sender.invoke({ _tag: "destroy_session", session_id: old }))
        assert.deepStrictEqual(ok, { _tag: "destroy_session_ok", session_id: old })
        const none = yield* bounded(sender.invoke({ _tag: "destroy_session", session_id: 12345n }))
        assert.deepStrictEqual(none, { _tag: "destroy_session_none", session_id: 12345n })
      }
    }))
})

describe("Sender faults: service messages about messages", () => {
  it.scopedLive("msg_resend_req from the server: the call is sent again and answered once", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { dc, sender } = yield* harness({ dc: { faults: rec.faults } })
      yield* dc.faults.set({ resendReq: 1 })
      const pong = yield* bounded(sender.invoke({ _tag: "ping", ping_id: 5n }))
      assert.strictEqual(pong.ping_id, 5n)
      const sent = rec.tagged("ping")
      assert.strictEqual(sent.length, 2)
      assert.notStrictEqual(sent[0]!.msgId, sent[1]!.msgId)
      assert.strictEqual(rec.server.filter((m) => m.tag === "pong").length, 1)
    }))

  it.scopedLive("msg_detailed_info for an answer the client never got: it asks with msg_resend_req and completes", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { dc, sender } = yield* harness({ dc: { faults: rec.faults } })
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ withholdAnswers: 1 })
      // Bare pongs are not rpc_results: the answer to hold back is help.getNearestDc's.
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      const withheld = rec.server.find((m) => m.withheld)!
      const asked = rec.tagged("msg_resend_req").flatMap((m) => body<{ msg_ids: ReadonlyArray<bigint> }>(m).msg_ids)
      assert.deepStrictEqual(asked, [withheld.msgId])
    }))

  it.scopedLive("the re-sent answer arrives as a lone gzip_packed rpc_result: still an answer, not an update", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      const updates = yield* sender.updates
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ withholdAnswers: 1, gzipMessages: true })
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      yield* dc.faults.clear
      yield* dc.faults.push({ _tag: "updatesTooLong" })
      const first = yield* bounded(Stream.runHead(updates))
      assert.strictEqual(first._tag === "Some" ? first.value._tag : "none", "updatesTooLong")
    }))

  it.scopedLive("msg_new_detailed_info next to the answer (one container): the answer completes the call and is acked", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { dc, sender } = yield* harness({ dc: { faults: rec.faults }, sender: { ackDelay: "20 millis" } })
      yield* dc.faults.set({ newDetailedInfo: 1 })
      assert.strictEqual((yield* bounded(sender.invoke(getNearestDc)))._tag, "nearestDc")
      const answer = rec.server.find((m) => m.tag === "rpc_result")!
      const container = rec.server.find((m) => m.tag === "msg_container")
      assert.isDefined(container)
      assert.isTrue(rec.server.some((m) => m.tag === "msg_new_detailed_info"))
      yield* Effect.sleep("150 millis")
      const acked = rec.tagged("msgs_ack").flatMap((m) => body<{ msg_ids: ReadonlyArray<bigint> }>(m).msg_ids)
      assert.include(acked, answer.msgId)
    }))

  it.scopedLive("msgs_state_req from the server is answered with msgs_state_info for the same msg_id", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { dc, sender } = yield* harness({ dc: { faults: rec.faults } })
      yield* sender.invoke(getNearestDc)
      const [reqId] = yield* dc.faults.push({ _tag: "msgs_state_req", msg_ids: [1n, 2n, 3n] })
      yield* Effect.sleep("10 millis").pipe(Effect.repeat({ until: () => rec.tagged("msgs_state_info").length > 0, times: 200 }))
      const info = body<{ req_msg_id: bigint; info: Uint8Array }>(rec.tagged("msgs_state_info")[0]!)
      assert.strictEqual(info.req_msg_id, reqId)
      assert.strictEqual(info.info.length, 3)
    }))
})

describe("Sender faults: broken and odd frames", () => {
  it.scopedLive("a duplicated frame and a replayed old frame are ignored: each caller gets its own answer, once", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const { dc, sender } = yield* harness()
      const updates = yield* sender.updates
      yield* dc.faults.set({ duplicate: 1 })
      assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: 1n }))).ping_id, 1n)
      // The next frame is followed by the previous one again (the answer to ping 1).
      yield* dc.faults.set({ replay: 1 })
      assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: 2n }))).ping_id, 2n)
      assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: 3n }))).ping_id, 3n)
      // An update pushed twice (same frame) is delivered once.
      yield* dc.faults.set({ duplicate: 1 })
      yield* dc.faults.push({ _tag: "updatesTooLong" })
      yield* dc.faults.set({ replay: 1 })
      yield* dc.faults.push({ _tag: "updateShort", update: { _tag: "updateUserStatus", user_id: 1n, status: { _tag: "userStatusOnline", expires: 1 } }, date: 1 })
      const got = yield* bounded(Stream.runCollect(Stream.take(updates, 2)))
      assert.deepStrictEqual(Chunk.toReadonlyArray(got).map((u) => u._tag), ["updatesTooLong", "updateShort"])
      const more = yield* Stream.runCollect(Stream.interruptWhen(updates, Effect.sleep("200 millis")))
      assert.strictEqual(Chunk.size(more), 0)
    }))

  it.scopedLive("a frame with a wrong msg_key before the real answer is rejected and the session goes on", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const { dc, sender } = yield* harness()
      yield* dc.faults.set({ tamper: 2 })
      assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: 4n }))).ping_id, 4n)
      assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: 5n }))).ping_id, 5n)
      assert.strictEqual(yield* sender.connections, 1)
    }))

  it.scopedLive("answers delayed, and answered out of order: each call gets its own", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<void>()
      const { dc, sender } = yield* harness({
        dc: { faults: { onClientMessage: (m) => Effect.as(m.body._tag === "ping" ? Deferred.succeed(seen, undefined) : Effect.void, "process" as const) } }
      })
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ delayMs: 150 })
      const start = Date.now()
      yield* bounded(sender.invoke(getNearestDc))
      assert.isAtLeast(Date.now() - start, 140)
      yield* dc.faults.set({ delayMs: undefined, reorder: 1 })
      const order: Array<bigint> = []
      const call = (id: bigint) => Effect.tap(sender.invoke({ _tag: "ping", ping_id: id }), () => Effect.sync(() => order.push(id)))
      const first = yield* Effect.fork(bounded(call(1n)))
      yield* Deferred.await(seen)
      const second = yield* Effect.fork(bounded(call(2n)))
      assert.strictEqual((yield* Fiber.join(first)).ping_id, 1n)
      assert.strictEqual((yield* Fiber.join(second)).ping_id, 2n)
      assert.deepStrictEqual(order, [2n, 1n])
    }))

  it.scopedLive("gzip_packed results and gzip_packed containers decode", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      yield* dc.faults.set({ gzipResults: 0 })
      const config = yield* bounded(sender.invoke({ _tag: "help.getConfig" }))
      assert.strictEqual(config._tag, "config")
      assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: 8n }))).ping_id, 8n)
      yield* dc.faults.set({ gzipResults: undefined, gzipMessages: true })
      const many = yield* bounded(Effect.forEach(pings(20), (p) => sender.invoke(p), { concurrency: "unbounded" }))
      assert.deepStrictEqual(many.map((p) => p.ping_id), pings(20).map((p) => p.ping_id))
    }))
})

describe("Sender faults: what the client sends", () => {
  it.scopedLive("acks: every content-related server message is acknowledged with msgs_ack", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { sender } = yield* harness({ dc: { faults: rec.faults }, sender: { ackDelay: "20 millis" } })
      for (const p of pings(3)) yield* sender.invoke(p)
      yield* Effect.sleep("150 millis")
      const content = rec.server.filter((m) => m.contentRelated).map((m) => m.msgId)
      const acked = new Set(rec.tagged("msgs_ack").flatMap((m) => body<{ msg_ids: ReadonlyArray<bigint> }>(m).msg_ids))
      assert.isAtLeast(content.length, 4) // new_session_created + 3 answers
      for (const id of content) assert.isTrue(acked.has(id), `msg ${id} not acked`)
      // Non-content messages (msgs_ack, containers) are not acked.
      for (const m of rec.server.filter((m) => !m.contentRelated)) assert.isFalse(acked.has(m.msgId))
    }))

  it.scopedLive("unsolicited updates arrive on sender.updates", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      const updates = yield* sender.updates
      yield* sender.invoke(getNearestDc)
      const status = { _tag: "updateUserStatus", user_id: 42n, status: { _tag: "userStatusOnline", expires: 99 } } as const
      yield* dc.faults.push({ _tag: "updateShort", update: status, date: 1700000000 })
      yield* dc.faults.push({ _tag: "updatesTooLong" })
      const got = Chunk.toReadonlyArray(yield* bounded(Stream.runCollect(Stream.take(updates, 2))))
      assert.deepStrictEqual(got[0], { _tag: "updateShort", update: status, date: 1700000000 })
      assert.strictEqual(got[1]!._tag, "updatesTooLong")
    }))

  it.scopedLive("a large request body goes out gzip_packed; a small one does not", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { sender } = yield* harness({ dc: { faults: rec.faults } })
      const wrapped = firstCall(getNearestDc, { device_model: "test device ".repeat(200) })
      const nearest = yield* bounded(sender.invoke(wrapped))
      assert.strictEqual(nearest._tag, "nearestDc")
      yield* sender.invoke(getNearestDc)
      const [big, small] = [rec.tagged("invokeWithLayer")[0]!, rec.tagged("help.getNearestDc")[0]!]
      assert.isTrue(big.gzipped)
      assert.isBelow(big.bytes, 2400 / 4)
      assert.isFalse(small.gzipped)
    }))
})

describe("Sender faults: at most once", () => {
  it.scopedLive("dropped after the server ran the call, before the answer: the call is re-sent with its msg_id, the handler ran once, the caller got the answer", () =>
    Effect.gen(function*() {
      let runs = 0
      const rec = recorder()
      const { dc, sender } = yield* harness({
        dc: {
          faults: rec.faults,
          handlers: { "help.getAppConfig": () => Effect.sync(() => ({ _tag: "help.appConfig", hash: ++runs, config: { _tag: "jsonNull" } })) }
        },
        sender: fast
      })
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ dropAnswers: 1 })
      const answer = yield* bounded(sender.invoke({ _tag: "help.getAppConfig", hash: 0 }))
      assert.strictEqual(runs, 1)
      assert.deepStrictEqual(answer, { _tag: "help.appConfig", hash: 1, config: { _tag: "jsonNull" } })
      assert.strictEqual(yield* sender.connections, 2)
      // Sent twice with one msg_id: the second time inside a container, as the spec asks.
      const sent = rec.tagged("help.getAppConfig")
      assert.strictEqual(sent.length, 1) // the repeat never reached the handlers' hook as a new message
    }))

  it.scopedLive("the TestDc answers msgs_state_req from what it knows: answered, received, never seen", () =>
    Effect.gen(function*() {
      const rec = recorder()
      const { sender } = yield* harness({ dc: { faults: rec.faults } })
      yield* sender.invoke(getNearestDc)
      const known = rec.tagged("help.getNearestDc")[0]!.msgId
      const request = { _tag: "msgs_state_req", msg_ids: [known, known - 4n] } as unknown as TlMethod
      const info = (yield* bounded(sender.invokeUntyped(request))) as { readonly info: Uint8Array }
      assert.deepStrictEqual([...info.info], [4 | 32 | 64, 2])
    }))
})

describe("Sender faults: rejected frames are counted, and logged at a bounded rate", () => {
  it.scopedLive("50 forged frames: one WARN line, every one counted in mtproto_rejected_frames_total, the session unharmed", () =>
    Effect.gen(function*() {
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const counted = () =>
        Effect.map(Metric.snapshot, (pairs) =>
          pairs.filter((p) => p.metricKey.name === "mtproto_rejected_frames_total")
            .reduce((n, p) => n + ((p.metricState as { count?: number }).count ?? 0), 0))
      const before = yield* counted()
      const { dc, sender } = yield* harness().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      yield* sender.invoke(getNearestDc)
      yield* dc.faults.set({ tamper: 50 })
      for (let i = 0; i < 50; i++) assert.strictEqual((yield* bounded(sender.invoke({ _tag: "ping", ping_id: BigInt(i) }))).ping_id, BigInt(i))
      assert.isAtLeast((yield* counted()) - before, 50)
      assert.strictEqual(warnings.filter((w) => w.includes("rejected")).length, 1)
      assert.strictEqual(yield* sender.connections, 1)
    }))
})
