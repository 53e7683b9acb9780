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
 * The whole pipeline (TestDc push → decode → machine → stream) is measured with the Effect
 * shell, which is built on top of this core.
 */
import { expandShortMessage } from "../src/client/updates/shortUpdates.ts"
import { UpdateMachine } from "../src/client/updates/UpdateMachine.ts"
import { type Api, deserialize, serialize } from "../src/tl/index.ts"

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

/** Runs the section. */
export const run = async (): Promise<void> => {
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
