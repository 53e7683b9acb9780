/**
 * Update-machine benchmark (`npm run bench -- updates`; the npm script passes `--expose-gc`,
 * which the heap rows need):
 *
 * - the cost of `UpdateMachine.processUpdates` per update, for pushes in order, with gaps that
 *   fill (pairs swapped, shuffles within 16), duplicates, 100 channels and seq-numbered
 *   containers. The reference is the cost of decoding the same push from its bytes with our TL
 *   codec (`deserialize`), which every update pays before it reaches the machine: the ratio
 *   says how much the ordering adds to decoding;
 * - heap with 10,000 updates held behind a gap: the machine's own share (per held update) and
 *   the total with the decoded updates themselves; and that past `maxHeld` the memory stays
 *   bounded (the held ones are dropped for a getDifference).
 *
 * - updates per second through the whole pipeline: a TestDc (in this process) pushes the World's
 *   messages over TCP, the client decrypts and decodes them, the update machine orders them and
 *   `client.updates` yields them; against the same pushes read as raw decoded objects from a
 *   bare Sender (no machine, no stream semantics), measured in the same run: the ratio says what
 *   the engine costs on top of the connection. The TestDc shares the process, so both rows carry
 *   the server's work too.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { Client, type ClientShape } from "../src/client/index.ts"
import { expandShortMessage } from "../src/client/updates/shortUpdates.ts"
import { UpdateMachine } from "../src/client/updates/UpdateMachine.ts"
import * as TestDc from "../src/testing/index.ts"
import { type Api, deserialize, LAYER, serialize } from "../src/tl/index.ts"
import { senderOn } from "../test/support/dc.ts"
import { ourClientLayer } from "./support/ourClient.ts"

const N = 100_000
const RUNS = 7
const USER = 777_000_123n

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

/** A private message as the server pushes it (full-shape message, as decoded). */
const newMessage = (id: number, pts: number): Api.updateNewMessage =>
  expandShortMessage({
    _tag: "updateShortMessage", out: false, id, user_id: USER, message: `message number ${id}, a short text`,
    pts, pts_count: 1, date: 1_700_000_000 + id
  })

const channelMessage = (channel: bigint, id: number, pts: number): Api.updateNewChannelMessage => {
  const { message } = newMessage(id, pts)
  return { _tag: "updateNewChannelMessage", message: { ...(message as Api.message), peer_id: { _tag: "peerChannel", channel_id: channel } }, pts, pts_count: 1 }
}

const shortOf = (update: Api.Update): Api.Updates => ({ _tag: "updateShort", update, date: 1_700_000_000 })

/** A deterministic shuffle of each window of `w` items (xorshift, fixed seed). */
const shuffleWindows = <A>(items: ReadonlyArray<A>, w: number): Array<A> => {
  const out = [...items]
  let x = 0x9e3779b9
  const rand = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
  for (let start = 0; start < out.length; start += w) {
    const end = Math.min(out.length, start + w)
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(rand() * (i - start + 1))
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
  }
  return out
}

interface Workload {
  readonly name: string
  readonly pushes: ReadonlyArray<Api.Updates>
  /** Updates the pushes carry (the unit of the per-update cost). */
  readonly updates: number
}

const workloads = (): Array<Workload> => {
  const inOrder = Array.from({ length: N }, (_, i) => shortOf(newMessage(i + 1, 101 + i)))
  const swapped = inOrder.map((_, i) => inOrder[i % 2 === 0 ? Math.min(i + 1, N - 1) : i - 1]!)
  const channels = Array.from({ length: N }, (_, i) => {
    const c = i % 100
    return shortOf(channelMessage(BigInt(1000 + c), i + 1, 1 + Math.floor(i / 100)))
  })
  const containers = Array.from({ length: N / 10 }, (_, k): Api.Updates => ({
    _tag: "updates",
    updates: Array.from({ length: 10 }, (_, j) => newMessage(k * 10 + j + 1, 101 + k * 10 + j)),
    users: [],
    chats: [],
    date: 1_700_000_000,
    seq: 6 + k
  }))
  return [
    { name: "in order (updateShort)", pushes: inOrder, updates: N },
    { name: "gaps: every pair swapped", pushes: swapped, updates: N },
    { name: "gaps: shuffled within 16", pushes: shuffleWindows(inOrder, 16), updates: N },
    { name: "each update twice", pushes: inOrder.flatMap((p) => [p, p]), updates: 2 * N },
    { name: "in order, 100 channels", pushes: channels, updates: N },
    { name: "seq containers of 10", pushes: containers, updates: N }
  ]
}

const state = () => ({ pts: 100, qts: 0, date: 1_700_000_000, seq: 5, channels: new Map(Array.from({ length: 100 }, (_, c) => [BigInt(1000 + c), 0])) })

/** ns per update for one pass over `pushes` with a fresh machine (median of RUNS). */
const timeMachine = (w: Workload): { ns: number; emitted: number } => {
  const samples: Array<number> = []
  let emitted = 0
  for (let run = 0; run < RUNS + 1; run++) {
    const machine = new UpdateMachine(state(), 0)
    emitted = 0
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < w.pushes.length; i++) emitted += machine.processUpdates(w.pushes[i]!, i).updates.length
    const ns = Number(process.hrtime.bigint() - t0) / w.updates
    if (run > 0) samples.push(ns) // the first pass warms the JIT up
  }
  return { ns: median(samples), emitted }
}

/** ns per update to decode the pushes from their bytes. */
const timeDecode = (w: Workload): number => {
  const frames = w.pushes.map((p) => serialize(p))
  const samples: Array<number> = []
  let sink = 0
  for (let run = 0; run < RUNS + 1; run++) {
    const t0 = process.hrtime.bigint()
    for (const frame of frames) sink += (deserialize(frame) as { _tag: string })._tag.length
    if (run > 0) samples.push(Number(process.hrtime.bigint() - t0) / w.updates)
  }
  if (sink === 0) throw new Error("unreachable")
  return median(samples)
}

const heldRows = () => {
  const HELD = 10_000
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MB`
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.log("heap rows need --expose-gc (npm run bench passes it)")
    return
  }
  // the machine's share: the updates exist before (pts 102.. behind a gap at 101)
  const updates = Array.from({ length: HELD }, (_, i) => shortOf(newMessage(i + 2, 102 + i)))
  const before = heap()
  const machine = new UpdateMachine(state(), 0)
  for (const u of updates) machine.processUpdates(u, 0)
  const after = heap()
  if (machine.held !== HELD) throw new Error(`expected ${HELD} held, got ${machine.held}`)
  // with the decoded updates themselves, as they arrive from the wire
  const frames = updates.map((u) => serialize(u))
  const before2 = heap()
  const machine2 = new UpdateMachine(state(), 0)
  for (const f of frames) machine2.processUpdates(deserialize(f) as Api.Updates, 0)
  const after2 = heap()
  // past the cap: 100,000 behind a gap; the held ones are dropped for a getDifference
  const before3 = heap()
  const machine3 = new UpdateMachine(state(), 0)
  let fetches = 0
  for (let i = 0; i < 100_000; i++) fetches += machine3.processUpdates(shortOf(newMessage(i + 2, 102 + i)), 0).fetches.length
  const after3 = heap()
  console.log(`heap, updates held behind a gap (--expose-gc)`)
  console.log(`  ${HELD.toLocaleString("en")} held, the machine's share       ${mb(after - before).padStart(9)}   (${((after - before) / HELD).toFixed(0)} B per held update)`)
  console.log(`  ${HELD.toLocaleString("en")} held, with the decoded updates  ${mb(after2 - before2).padStart(9)}   (${((after2 - before2) / HELD).toFixed(0)} B per held update)`)
  console.log(`  100,000 pushed behind a gap (cap ${HELD.toLocaleString("en")})  ${mb(after3 - before3).padStart(9)}   held ${machine3.held.toLocaleString("en")}, getDifference asked ${fetches}×`)
  if (machine.held + machine2.held < 0) console.log() // keep them alive until measured
}

const PIPELINE_N = 5000
const PIPELINE_ROUNDS = 5

/**
 * Updates per second through TestDc → TCP → decode → machine → `client.updates`, and the same
 * pushes through a bare Sender. Each side has a TestDc of its own (in this process), which
 * pushes the same prebuilt `updateShortMessage`s (consecutive pts) with `faults.push`, so the
 * server's work per update is equal and small.
 */
const pipeline = Effect.gen(function*() {
  const engineDc = yield* TestDc.make()
  const rawDc = yield* TestDc.make()
  const ada = engineDc.world.addUser({ firstName: "Ada", phone: "+15550001" })
  const bob = engineDc.world.addUser({ firstName: "Bob", phone: "+15550002" })

  // Bob: a Client (the engine and its stream) that knows Ada.
  const context = yield* Layer.build(ourClientLayer(engineDc))
  const client: ClientShape = Context.get(context, Client)
  yield* client.start({ phone: Effect.succeed("+15550002"), code: Effect.sync(() => Redacted.make(engineDc.world.lastCode("+15550002")!)) })
  yield* client.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUser", user_id: ada.id, access_hash: ada.accessHash }] })
  // The next pts of each side (Bob's common pts, and any sequence for the bare Sender).
  const next = new Map([[engineDc, engineDc.world.stateOf(bob.id).pts], [rawDc, 0]])

  // A bare Sender on the other DC: decoded pushes, nothing else.
  const { sender } = yield* senderOn(rawDc)
  yield* sender.invoke({ _tag: "invokeWithLayer", layer: LAYER, query: { _tag: "help.getNearestDc" } } as never)

  const pushes = (dc: TestDc.TestDcShape) => {
    const first = next.get(dc)!
    next.set(dc, first + PIPELINE_N)
    return Effect.forEach(Array.from({ length: PIPELINE_N }), (_, i) =>
      dc.faults.push({
        _tag: "updateShortMessage",
        id: first + i + 1,
        user_id: ada.id,
        message: `message number ${i}, a short text`,
        pts: first + i + 1,
        pts_count: 1,
        date: 1_700_000_000
      }), { discard: true })
  }
  const timed = (receive: Effect.Effect<void, unknown>, dc: TestDc.TestDcShape) =>
    Effect.gen(function*() {
      const counting = yield* Effect.fork(receive)
      const t0 = performance.now()
      yield* pushes(dc)
      yield* Fiber.join(counting)
      return performance.now() - t0
    })
  const throughEngine = Effect.scoped(Effect.flatMap(client.subscribeUpdates, (updates) =>
    timed(Stream.runDrain(updates.pipe(Stream.filter((u) => u._tag === "updateNewMessage"), Stream.take(PIPELINE_N))), engineDc)))
  const throughSender = Effect.scoped(Effect.flatMap(sender.updates, (updates) => timed(Stream.runDrain(Stream.take(updates, PIPELINE_N)), rawDc)))
  yield* throughEngine
  yield* throughSender // warm-up
  const engine: Array<number> = []
  const raw: Array<number> = []
  for (let r = 0; r < PIPELINE_ROUNDS; r++) {
    engine.push(yield* throughEngine)
    raw.push(yield* throughSender)
  }
  const perSecond = (ms: number) => Math.round(PIPELINE_N / (ms / 1000))
  const e = perSecond(median(engine))
  const w = perSecond(median(raw))
  console.log(`updates through the pipeline (TestDc in this process → TCP → decrypt, decode → …; ${PIPELINE_N.toLocaleString("en")} pushes, median of ${PIPELINE_ROUNDS})`)
  console.log(`  client.updates (machine, peers, stream)  ${e.toLocaleString("en").padStart(9)} upd/s`)
  console.log(`  bare Sender feed (decoded pushes)        ${w.toLocaleString("en").padStart(9)} upd/s   (engine/raw ${(e / w).toFixed(2)}×)`)
}).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

/** Runs the section. */
export const run = async (): Promise<void> => {
  await Effect.runPromise(pipeline)
  console.log(`UpdateMachine.processUpdates per update (${N.toLocaleString("en")} updates, median of ${RUNS} passes)`)
  console.log("  workload                        machine    decode (TL)   machine/decode   emitted")
  for (const w of workloads()) {
    const { ns, emitted } = timeMachine(w)
    const decode = timeDecode(w)
    console.log(
      `  ${w.name.padEnd(30)} ${`${ns.toFixed(0)} ns`.padStart(8)} ${`${decode.toFixed(0)} ns`.padStart(12)}   ${(ns / decode).toFixed(2).padStart(10)}×   ${emitted.toLocaleString("en").padStart(9)}`
    )
  }
  heldRows()
}
