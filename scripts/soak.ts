/**
 * `npm run soak`: long runs that must stay flat, printing heap and active handles at the start,
 * the middle and the end of each section:
 *
 * - `cycles`: 1,000 connect → call → close cycles of a Client with a stored session;
 * - `idle`: 1,000 Clients connected at once (one call each), then idle, then closed;
 * - `lock`: 1,000 trials of the session-file lock race (a stale lock, three processes at once).
 *
 * The TestDc runs in a child process, so the heap printed is the clients'. Counts: SOAK_CYCLES,
 * SOAK_IDLE, SOAK_LOCK_TRIALS; SOAK_ONLY=cycles|idle|lock runs one section.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Scope from "effect/Scope"
import { fileURLToPath } from "node:url"
import { startExternalDc } from "../bench/support/externalDc.ts"
import { ourClientLayer } from "../bench/support/ourClient.ts"
import { Client, type ClientShape } from "../src/client/index.ts"
import { layerMemory, layerMemoryFrom, type SessionData, SessionStorage } from "../src/storage/index.ts"
import type { Dc } from "../test/support/dc.ts"
import { runLockRace } from "../test/storage/support/lockRace.ts"

const CYCLES = Number(process.env.SOAK_CYCLES ?? 1000)
const IDLE = Number(process.env.SOAK_IDLE ?? 1000)
const LOCK_TRIALS = Number(process.env.SOAK_LOCK_TRIALS ?? 1000)
const only = process.env.SOAK_ONLY

const call = { _tag: "help.getNearestDc" } as const

const build = (dc: Dc, storage: Layer.Layer<SessionStorage>, scope: Scope.Scope) =>
  Effect.map(
    Layer.buildWithScope(ourClientLayer(dc, storage), scope),
    (context): ClientShape => Context.get(context, Client)
  )

/** Heap (after two collections when `--expose-gc` allows) and active handles, as one line. */
const snapshot = (label: string, baseHeap?: number, per?: number) => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  const handles = process.getActiveResourcesInfo()
  const sockets = handles.filter((h) => h === "TCPSocketWrap").length
  const perClient = baseHeap !== undefined && per !== undefined && per > 0 ? `, ${((m.heapUsed - baseHeap) / per / 1024).toFixed(1)} KB/client` : ""
  console.log(
    `  ${label.padEnd(34)} heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB, rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, ` +
      `handles ${handles.length} (${sockets} sockets)${perClient}`
  )
  return m.heapUsed
}

/** A session holding an auth key for the DC, so that cycles measure connect → call → close. */
const storedSession = (dc: Dc) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const storage = yield* Effect.map(Layer.buildWithScope(layerMemory, scope), (c) => Context.get(c, SessionStorage))
    const client = yield* build(dc, Layer.succeed(SessionStorage, storage), scope)
    yield* client.invoke(call)
    yield* Scope.close(scope, Exit.void)
    return yield* storage.load
  })

const cycles = (dc: Dc, stored: SessionData) =>
  Effect.gen(function*() {
    console.log(`cycles: ${CYCLES} × (build a Client from a stored session → help.getNearestDc → close)`)
    snapshot("start")
    const t0 = performance.now()
    let middle = 0
    for (let i = 1; i <= CYCLES; i++) {
      const scope = yield* Scope.make()
      const client = yield* build(dc, layerMemoryFrom(stored), scope)
      yield* client.invoke(call)
      yield* Scope.close(scope, Exit.void)
      if (i === Math.floor(CYCLES / 2)) middle = snapshot(`middle (${i} cycles)`)
    }
    const end = snapshot(`end (${CYCLES} cycles, ${((performance.now() - t0) / CYCLES).toFixed(2)} ms/cycle)`)
    console.log(`  heap growth, middle → end: ${((end - middle) / (CYCLES - Math.floor(CYCLES / 2)) / 1024).toFixed(1)} KB/cycle`)
  })

const idle = (dc: Dc, stored: SessionData) =>
  Effect.gen(function*() {
    console.log(`idle: ${IDLE} Clients connected at once (one call each), idle 10 s, then closed`)
    const base = snapshot("start")
    const scope = yield* Scope.make()
    const clients: Array<ClientShape> = []
    for (let i = 0; i < IDLE; i++) clients.push(yield* build(dc, layerMemoryFrom(stored), scope))
    yield* Effect.forEach(clients, (c) => c.invoke(call), { concurrency: 50, discard: true })
    snapshot(`middle (${IDLE} connected)`, base, IDLE)
    yield* Effect.sleep("10 seconds")
    snapshot(`middle (${IDLE} connected, 10 s idle)`, base, IDLE)
    // Every one of them still answers.
    yield* Effect.forEach(clients, (c) => c.invoke(call), { concurrency: 50, discard: true })
    yield* Scope.close(scope, Exit.void)
    clients.length = 0
    yield* Effect.sleep("1 second")
    snapshot("end (all closed)")
  })

const main = async () => {
  if (only === undefined || only === "lock") {
    console.log(`lock: ${LOCK_TRIALS} trials, a stale lock and 3 processes opening the session file at once`)
    const race = await runLockRace(LOCK_TRIALS, 3)
    console.log(`  ${race.trials} trials in ${(race.ms / 1000).toFixed(1)} s: ${race.doubleOwners} with two owners, ${race.noOwner} with none`)
    if (race.doubleOwners > 0 || race.noOwner > 0) process.exitCode = 1
  }
  if (only === "lock") return
  const { child, dc } = await startExternalDc(fileURLToPath(new URL("../src/testing/cli.ts", import.meta.url)))
  try {
    await Effect.runPromise(Effect.gen(function*() {
      const stored = yield* storedSession(dc)
      // Each section in a fiber of its own: what one leaves in its caller's fiber (see the
      // cycles' growth) does not count against the next.
      const alone = <E>(section: Effect.Effect<void, E>) => Effect.flatMap(Effect.fork(section), (f) => f.await)
      if (only === undefined || only === "cycles") yield* alone(cycles(dc, stored))
      if (only === undefined || only === "idle") yield* alone(idle(dc, stored))
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
  } finally {
    child.kill("SIGTERM")
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
