/**
 * Engine benchmark (`npm run bench -- engine`; `node --expose-gc --import tsx bench/index.ts engine`
 * for exact heap numbers): effect-mtproto's Client against mtcute and GramJS, in the same run,
 * against the same TestDc in a child process (so CPU and heap here are the clients' alone).
 *
 * Ours runs from the built `dist/` (as users run it) and is built with `Client.make` (as one
 * builds many clients; the heap of the same client built from layers has its own row).
 *
 * Rows: sequential round trip (p50/p99), throughput with 100 calls in flight, client CPU per
 * call, idle CPU of a connected client (alone in a fresh process, after start-up's garbage is
 * collected), heap per connected idle and per constructed client,
 * cold start from a stored session (a fresh `node` process each, ours from the built `dist/`),
 * and 2,000 calls through a proxy that cuts the TCP connection every 2–6 KB against the same
 * proxy without cuts. Each row prints the ratio ours / peer.
 *
 * BENCH_ENGINE_QUICK=1 shortens every row (for a smoke run).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { availableParallelism, loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { startCutProxy } from "./support/cutProxy.ts"
import type { Dc } from "../test/support/dc.ts"
import { startExternalDc } from "./support/externalDc.ts"
import { constructWithLayers, ours, type Peer, type PeerClient, peers, type Target } from "./support/peers.ts"

const quick = process.env.BENCH_ENGINE_QUICK === "1"
const SEQUENTIAL = quick ? 300 : 3000
const FLIGHT = quick ? 2000 : 10_000
const IDLE_MS = quick ? 3000 : 15_000
/** Before the idle window: start-up's garbage is collected (V8 reduces the heap ~8 s after activity). */
const IDLE_SETTLE_MS = quick ? 2000 : 10_000
const HEAP_CLIENTS = quick ? 10 : 30
const COLD_RUNS = quick ? 3 : 7
const CUT_CALLS = 2000

// A full, synchronous, last-resort collection: after plain `gc()` calls V8 may still count
// memory it has not swept yet, which made one client's heap read anywhere from 0 to 2x.
const gc = () => (globalThis as { gc?: (options?: object) => void }).gc?.({ type: "major", execution: "sync", flavor: "last-resort" })
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
const pct = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!
}
const median = (xs: ReadonlyArray<number>) => pct(xs, 0.5)
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const withTimeout = <A>(p: Promise<A>, ms: number): Promise<A | "timeout"> =>
  Promise.race([p, sleep(ms).then(() => "timeout" as const)])

interface Row {
  readonly name: string
  readonly unit: string
  /** Whether bigger is better (for reading the ratio). */
  readonly higherIsBetter: boolean
  readonly values: Map<string, number | undefined>
}
const rows: Array<Row> = []
const row = (name: string, unit: string, higherIsBetter: boolean): Row => {
  const r: Row = { name, unit, higherIsBetter, values: new Map() }
  rows.push(r)
  return r
}

const targetFor = (dc: Dc, pem: string): Target => ({ ...dc, pem })

const ROUNDS = quick ? 1 : 3

/**
 * Sequential latency, throughput with 100 in flight and CPU per call: all clients connected,
 * then rounds that take turns (ours, mtcute, GramJS, ours, ...), so a busy moment of the
 * machine hits every client alike; each row is the median over the rounds.
 */
const steadyState = async (target: Target, r: Record<string, Row>) => {
  const clients = new Map<string, PeerClient>()
  for (const peer of peers) {
    const client = await peer.connect(target)
    // Warm-up: JIT, buffers, salts.
    await client.load(500, 1)
    await client.load(2000, 100)
    clients.set(peer.name, client)
  }
  const samples = new Map<string, { p50: Array<number>; p99: Array<number>; rate: Array<number>; cpu: Array<number> }>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const peer of peers) {
      const client = clients.get(peer.name)!
      const s = samples.get(peer.name) ?? { p50: [], p99: [], rate: [], cpu: [] }
      samples.set(peer.name, s)
      const seq = await client.load(SEQUENTIAL, 1)
      s.p50.push(median(seq))
      s.p99.push(pct(seq, 0.99))
      const cpu0 = cpuMs()
      const t0 = performance.now()
      await client.load(FLIGHT, 100)
      s.rate.push(FLIGHT / ((performance.now() - t0) / 1000))
      s.cpu.push(((cpuMs() - cpu0) * 1000) / FLIGHT)
    }
  }
  for (const [name, s] of samples) {
    r.p50!.values.set(name, median(s.p50))
    r.p99!.values.set(name, median(s.p99))
    r.flight!.values.set(name, median(s.rate))
    r.cpu!.values.set(name, median(s.cpu))
  }
  for (const client of clients.values()) await client.close()
}

/** A stored session of `peer` (a fresh key and one call). */
const storedSession = async (peer: Peer, target: Target): Promise<string> => {
  const client = await peer.connect(target)
  const session = await client.exportSession()
  await client.close()
  return session
}

/** Heap per client: N constructed, then N connected from the stored session (one call each). */
const heapPerClient = async (peer: Peer, target: Target, session: string, r: Record<string, Row>) => {
  await sleep(500)
  let before = heap()
  const constructed: Array<{ close: () => Promise<void> }> = []
  for (let i = 0; i < HEAP_CLIENTS; i++) constructed.push(await peer.construct(target))
  r.constructed!.values.set(peer.name, (heap() - before) / HEAP_CLIENTS / 1024)
  for (const c of constructed) await c.close()
  if (peer === ours) {
    await sleep(200)
    before = heap()
    const layered: Array<{ close: () => Promise<void> }> = []
    for (let i = 0; i < HEAP_CLIENTS; i++) layered.push(await constructWithLayers(target))
    r.constructedLayers!.values.set(peer.name, (heap() - before) / HEAP_CLIENTS / 1024)
    for (const c of layered) await c.close()
  }
  await sleep(200)
  before = heap()
  const connected: Array<PeerClient> = []
  for (let i = 0; i < HEAP_CLIENTS; i++) connected.push(await peer.connect(target, session))
  await sleep(300)
  r.connected!.values.set(peer.name, (heap() - before) / HEAP_CLIENTS / 1024)
  for (const c of connected) await c.close()
}

/** What one run of `support/coldstart.mjs` printed: the first answer's time, and the idle CPU if asked. */
interface ChildRun {
  readonly ms: number
  readonly idleMsPerMin?: number
}

/** Runs `support/coldstart.mjs` for `lib` in a fresh process (`idle`: then idles connected). */
const runChild = (lib: string, target: Target, session: string, dist: string, idle = false): ChildRun | undefined => {
  const script = fileURLToPath(new URL("./support/coldstart.mjs", import.meta.url))
  const env = {
    ...process.env,
    ...(idle ? { IDLE_MS: String(IDLE_MS), IDLE_SETTLE_MS: String(IDLE_SETTLE_MS) } : {}),
    DIST: dist,
    SESSION: session,
    TARGET: JSON.stringify({
      host: target.host,
      port: target.port,
      dcId: target.dcId,
      pem: target.pem,
      n: target.publicKey.n.toString(),
      e: target.publicKey.e.toString(),
      fingerprint: target.publicKey.fingerprint.toString()
    })
  }
  const run = spawnSync(process.execPath, [script, lib], { env, encoding: "utf8", timeout: 30_000 + (idle ? IDLE_MS + IDLE_SETTLE_MS : 0) })
  const line = run.stdout.trim().split("\n").filter((l) => l.startsWith("{")).at(-1)
  if (run.status !== 0 || line === undefined) {
    console.log(`  ${lib} in a child process failed: ${run.stderr.slice(0, 400)}`)
    return undefined
  }
  return JSON.parse(line) as ChildRun
}

/** Median time to the first answer from a stored session, over COLD_RUNS fresh processes. */
const coldStart = (lib: string, target: Target, session: string, dist: string): number | undefined => {
  const times: Array<number> = []
  for (let i = 0; i < COLD_RUNS; i++) {
    const run = runChild(lib, target, session, dist)
    if (run === undefined) return undefined
    times.push(run.ms)
  }
  return median(times)
}

/** 2,000 calls, 10 in flight, through a proxy: without cuts, then cutting every 2–6 KB. */
const cutLink = async (peer: Peer, target: Target, r: Record<string, Row>) => {
  const rates: Array<number | undefined> = []
  for (const cutting of [false, true]) {
    const proxy = await startCutProxy(target, cutting ? {} : { minBytes: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER })
    let client: PeerClient | undefined
    try {
      // A fresh handshake through the proxy: a stored session may carry the DC's own address
      // (mtcute's does), which would skip the proxy.
      const connected = await withTimeout(peer.connect({ ...target, via: proxy.port }), 30_000)
      if (connected === "timeout") throw new Error("connect timed out")
      client = connected
      const t0 = performance.now()
      const done = await withTimeout(client.load(CUT_CALLS, 10), 120_000)
      if (done === "timeout") throw new Error("timed out")
      rates.push(CUT_CALLS / ((performance.now() - t0) / 1000))
      if (cutting) console.log(`  ${peer.name}: ${proxy.cuts()} cuts`)
    } catch (e) {
      console.log(`  ${peer.name} ${cutting ? "with" : "without"} cuts: ${e instanceof Error ? e.message : String(e)}`)
      rates.push(undefined)
    } finally {
      await withTimeout(client?.close() ?? Promise.resolve(), 5000)
      await proxy.close()
    }
  }
  r.cutRate!.values.set(peer.name, rates[1])
  r.cutShare!.values.set(peer.name, rates[0] !== undefined && rates[1] !== undefined ? (100 * rates[1]) / rates[0] : undefined)
}

const print = () => {
  const names = peers.map((p) => p.name)
  const fmt = (v: number | undefined) => (v === undefined ? "—" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
  console.log(`\n${"row".padEnd(44)}${names.map((n) => n.padStart(16)).join("")}   ours/mtcute  ours/GramJS`)
  for (const r of rows) {
    const ours = r.values.get(names[0]!)
    const ratio = (peer: string) => {
      const v = r.values.get(peer)
      return ours === undefined || v === undefined || v === 0 ? "—" : `${(ours / v).toFixed(2)}x`
    }
    console.log(
      `${`${r.name} (${r.unit})`.padEnd(44)}${names.map((n) => fmt(r.values.get(n)).padStart(16)).join("")}   ${ratio("mtcute").padStart(11)}  ${ratio("GramJS").padStart(11)}`
    )
  }
  console.log("(ratios are ours ÷ peer: above 1 is better for calls/s and the cut-link share, worse for the others)")
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${availableParallelism()} cores${(globalThis as { gc?: unknown }).gc === undefined ? "; no --expose-gc: heap rows approximate" : ""}`)
}

export async function run(): Promise<void> {
  const root = fileURLToPath(new URL("..", import.meta.url))
  // Cold start runs what users run: the built JavaScript.
  execFileSync(process.execPath, [fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" })
  const dist = `${root}dist`
  if (!existsSync(`${dist}/index.js`)) throw new Error("dist/ was not built")
  const cli = fileURLToPath(new URL("../src/testing/cli.ts", import.meta.url))
  const { child, dc, pem } = await startExternalDc(cli)
  const target = targetFor(dc, pem)
  const r: Record<string, Row> = {
    p50: row("sequential round trip p50", "ms", false),
    p99: row("sequential round trip p99", "ms", false),
    flight: row("throughput, 100 in flight", "calls/s", true),
    cpu: row("client CPU per call", "µs", false),
    idle: row("idle CPU, connected", "ms/min", false),
    connected: row("heap per connected idle client", "KB", false),
    constructed: row("heap per constructed idle client", "KB", false),
    constructedLayers: row("  … ours built from layers instead", "KB", false),
    cold: row("cold start, stored session → 1st answer", "ms", false),
    cutRate: row("2,000 calls, link cut every 2–6 KB", "calls/s", true),
    cutShare: row("  … as a share of the same proxy uncut", "%", true)
  }
  const sessions = new Map<string, string>()
  try {
    console.log(`steady state: ${ROUNDS} rounds, the clients taking turns`)
    await steadyState(target, r)
    for (const peer of peers) sessions.set(peer.name, await storedSession(peer, target))
    for (const peer of peers) {
      console.log(`${peer.name}: heap`)
      await heapPerClient(peer, target, sessions.get(peer.name)!, r)
    }
    for (const [peer, lib] of [[peers[0]!, "ours"], [peers[1]!, "mtcute"], [peers[2]!, "gramjs"]] as const) {
      console.log(`${peer.name}: cold start`)
      r.cold!.values.set(peer.name, coldStart(lib, target, sessions.get(peer.name)!, dist))
      // Idle CPU of a connected client alone in its process (the load's garbage here is not its).
      console.log(`${peer.name}: idle`)
      r.idle!.values.set(peer.name, runChild(lib, target, sessions.get(peer.name)!, dist, true)?.idleMsPerMin)
    }
    for (const peer of peers) {
      console.log(`${peer.name}: cut link`)
      await cutLink(peer, target, r)
    }
  } finally {
    child.kill("SIGTERM")
  }
  print()
}
