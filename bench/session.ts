/**
 * Session benchmark (`npx tsx bench/index.ts session`; add `node --expose-gc --import tsx`
 * for exact heap numbers):
 *
 * - round trips of a small call (`ping`, `help.getNearestDc`) over TCP loopback with one
 *   Sender: one caller in sequence, and 1,000 concurrent callers (p50/p99 latency). The
 *   TestDc runs in a child process, so the server's work does not share this event loop;
 * - the cost of `SessionState.pack` (a 176-byte body) and `unpack` (a ~352-byte server
 *   message, replay window included) per message;
 * - heap of 10,000 calls in flight on one connection. Here the TestDc runs in this process
 *   with its connection stalled (it reads and discards), so the calls stay pending and the
 *   server holds nothing for them; then the connection is dropped, the Sender re-sends all
 *   of them and they complete.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import type * as Scope from "effect/Scope"
import { fileURLToPath } from "node:url"
import { authKeyId, randomBytes } from "../src/crypto/index.ts"
import { type AuthKey, packMessage } from "../src/mtproto/encryptedMessage.ts"
import { nextServerMsgId } from "../src/mtproto/msgId.ts"
import * as Sender from "../src/mtproto/Sender.ts"
import { SessionState } from "../src/mtproto/sessionState.ts"
import * as TestDc from "../src/testing/index.ts"
import { type Dc, senderOn as senderOnDc } from "../test/support/dc.ts"
import { startExternalDc } from "./support/externalDc.ts"

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
const ms = (x: number) => `${x.toFixed(3)} ms`

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** A handshake and a Sender on `dc` (intermediate framing over TCP). */
const senderOn = (dc: Dc): Effect.Effect<Sender.Sender, unknown, Scope.Scope> =>
  Effect.map(senderOnDc(dc, { sender: { rotateSalts: false } }), (on) => on.sender)

interface Row {
  readonly name: string
  readonly calls: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
}

const calls = {
  ping: (i: number) => ({ _tag: "ping", ping_id: BigInt(i) } as const),
  "help.getNearestDc": (_: number) => ({ _tag: "help.getNearestDc" } as const)
}

/** `callers` fibers, each making `each` calls in a row; the latency of every call. */
const load = (sender: Sender.Sender, name: keyof typeof calls, callers: number, each: number) =>
  Effect.gen(function*() {
    const latencies: Array<number> = []
    const t0 = performance.now()
    yield* Effect.forEach(
      Array.from({ length: callers }, (_, c) => c),
      (c) =>
        Effect.gen(function*() {
          for (let i = 0; i < each; i++) {
            const start = performance.now()
            yield* sender.invokeUntyped(calls[name](c * each + i))
            latencies.push(performance.now() - start)
          }
        }),
      { concurrency: "unbounded", discard: true }
    )
    const wall = performance.now() - t0
    latencies.sort((a, b) => a - b)
    return { name, calls: latencies.length, perSecond: latencies.length / (wall / 1000), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }
  })

const roundTrips = (dc: Dc) =>
  Effect.gen(function*() {
    const sender = yield* senderOn(dc)
    yield* load(sender, "ping", 50, 40) // warm-up: JIT, buffers
    const rows: Array<Row & { readonly mode: string }> = []
    for (const name of ["ping", "help.getNearestDc"] as const) {
      rows.push({ mode: "1 caller, sequential", ...(yield* load(sender, name, 1, 3000)) })
      rows.push({ mode: "1,000 concurrent callers × 10", ...(yield* load(sender, name, 1000, 10)) })
    }
    console.log("round trips over TCP loopback, one Sender (TestDc in a child process)")
    console.log("  call                mode                             calls    calls/s        p50          p99")
    for (const r of rows) {
      console.log(
        `  ${r.name.padEnd(19)} ${r.mode.padEnd(32)} ${String(r.calls).padStart(6)} ${r.perSecond.toFixed(0).padStart(10)} ${ms(r.p50).padStart(12)} ${ms(r.p99).padStart(12)}`
      )
    }
  })

const packUnpack = () => {
  const key = randomBytes(256)
  const authKey: AuthKey = { key, id: authKeyId(key) }
  const state = new SessionState({ authKey, salt: 1n, timeOffset: 0 })
  const body176 = randomBytes(176)
  const body = randomBytes(248) // + 32 header + 12..63 padding + 24 outer: 328..376 bytes, 352 on average
  const n = 20_000
  const now = Date.now()
  // Server messages with increasing msg_ids (the replay window rejects repeats).
  const frames: Array<Uint8Array> = []
  let last = 0n
  for (let i = 0; i < n; i++) {
    last = nextServerMsgId(now, last, true)
    frames.push(packMessage(authKey, 8, { salt: 1n, sessionId: state.sessionId, msgId: last, seqNo: 2 * i + 1, body }, randomBytes))
  }
  const meanFrame = frames.reduce((s, f) => s + f.length, 0) / n
  for (let i = 0; i < 2000; i++) state.pack(body176, true, now) // warm-up
  let t0 = performance.now()
  let packedBytes = 0
  for (let i = 0; i < n; i++) packedBytes += state.pack(body176, true, now).frame.length
  const packUs = ((performance.now() - t0) * 1000) / n
  t0 = performance.now()
  for (let i = 0; i < n; i++) state.unpack(frames[i]!, now)
  const unpackUs = ((performance.now() - t0) * 1000) / n
  console.log(`SessionState per message (${n.toLocaleString("en")} each)`)
  console.log(`  pack   176 B body → ${(packedBytes / n).toFixed(0)} B frame              ${packUs.toFixed(2)} µs`)
  console.log(`  unpack ${meanFrame.toFixed(0)} B server frame (window checks)  ${unpackUs.toFixed(2)} µs`)
  console.log(`  pack + unpack                               ${(packUs + unpackUs).toFixed(2)} µs`)
}

/** The heap of `n` fibers each waiting on a Deferred: what any Effect caller costs, Sender or not. */
const awaitingFibers = (n: number) =>
  Effect.gen(function*() {
    const deferreds = yield* Effect.forEach(Array.from({ length: n }), () => Deferred.make<void>())
    const before = heap()
    const waiting = yield* Effect.fork(Effect.forEach(deferreds, Deferred.await, { concurrency: "unbounded", discard: true }))
    yield* Effect.sleep("300 millis")
    const perFiber = (heap() - before) / n
    yield* Effect.forEach(deferreds, (d) => Deferred.succeed(d, undefined), { discard: true })
    yield* Fiber.join(waiting)
    return perFiber
  })

const inFlight = Effect.gen(function*() {
  const dc = yield* TestDc.make({})
  const sender = yield* senderOn(dc)
  yield* sender.invoke({ _tag: "help.getNearestDc" })
  const n = 10_000
  const before = heap()
  yield* dc.faults.stall
  const running = yield* Effect.fork(
    Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => sender.invoke({ _tag: "ping", ping_id: BigInt(i) }), { concurrency: "unbounded" })
  )
  // Let the writer put every call on the wire.
  yield* Effect.sleep("500 millis")
  const pending = heap()
  yield* dc.dropConnections
  const pongs = yield* Fiber.join(running)
  if (pongs.length !== n) throw new Error("lost calls")
  const after = heap()
  const fiberCost = yield* awaitingFibers(n)
  const perCall = (pending - before) / n
  const mb = (x: number) => `${(x / 1048576).toFixed(1)} MB`
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    // Without forced collections the differences are mostly garbage: print the raw readings only.
    console.log(`heap, ${n.toLocaleString("en")} calls in flight: GC not forced, numbers not comparable`)
    console.log(`  (run \`node --expose-gc --import tsx bench/index.ts session\`) before ${mb(before)}, in flight ${mb(pending)}, after ${mb(after)}`)
    return
  }
  console.log(`heap, ${n.toLocaleString("en")} calls in flight on one connection (--expose-gc)`)
  console.log(`  before                               ${mb(before)}`)
  console.log(`  ${n.toLocaleString("en")} in flight (sent, unanswered)    ${mb(pending)}   (+${perCall.toFixed(0)} B per call)`)
  console.log(`    of which the caller's fiber        ${fiberCost.toFixed(0)} B   (${n.toLocaleString("en")} fibers awaiting a Deferred, measured alone)`)
  console.log(`    the Sender's own share             ${(perCall - fiberCost).toFixed(0)} B   (Call, Deferred, pending entry, body)`)
  console.log(`  after all answered                   ${mb(after)}`)
})

export async function run(): Promise<void> {
  const { child, dc } = await startExternalDc(fileURLToPath(new URL("../src/testing/cli.ts", import.meta.url)))
  try {
    await Effect.runPromise(roundTrips(dc).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning)))
  } finally {
    child.kill("SIGTERM")
  }
  packUnpack()
  await Effect.runPromise(inFlight.pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning)))
}
