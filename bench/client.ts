/**
 * Client benchmark: cold start to the first answered call with a stored session vs with a
 * fresh auth key (handshake), against a TestDc in a child process (so the heap measured here
 * is the client's alone); and the heap of one idle client, constructed and connected.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { Client, type ClientShape } from "../src/client/index.ts"
import { emptySession, layerMemory, layerMemoryFrom, SessionStorage, type SessionData } from "../src/storage/index.ts"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { fileURLToPath } from "node:url"
import * as TestDc from "../src/testing/index.ts"
import type { Dc } from "../test/support/dc.ts"
import { startExternalDc } from "./support/externalDc.ts"
import { ourClientLayer } from "./support/ourClient.ts"

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const build = (dc: Dc, storage: Layer.Layer<SessionStorage>, scope: Scope.Scope) =>
  Effect.map(
    Layer.buildWithScope(ourClientLayer(dc, storage), scope),
    (context): ClientShape => Context.get(context, Client)
  )

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/**
 * Cold start with a fresh login (handshake + auth.sendCode + auth.signIn, user without 2FA)
 * vs with the logged-in session it stored, against an in-process TestDc cluster (the login
 * needs its code, which the cluster hands to the test).
 */
const loginStart = Effect.gen(function*() {
  const cluster = yield* TestDc.makeCluster({ dcIds: [1] })
  const dc = cluster.dc(1)
  const target: Dc = { host: dc.host, port: dc.port, dcId: 1, publicKey: cluster.publicKey }
  const fresh: Array<number> = []
  const stored: Array<number> = []
  for (let i = 0; i < 10; i++) {
    const phone = `+1555100${String(i).padStart(2, "0")}`
    cluster.world.addUser({ phone, firstName: `Bench ${i}` })
    const storageScope = yield* Scope.make()
    const storage = yield* Effect.map(Layer.buildWithScope(layerMemory, storageScope), (c) => Context.get(c, SessionStorage))
    for (const [into, login] of [[fresh, true], [stored, false]] as const) {
      const scope = yield* Scope.make()
      const t0 = performance.now()
      const client = yield* build(target, Layer.succeed(SessionStorage, storage), scope)
      if (login) {
        yield* client.start({ phone: Effect.succeed(phone), code: Effect.map(cluster.codeFor(phone), Redacted.make) })
      }
      yield* client.getMe
      into.push(performance.now() - t0)
      yield* Scope.close(scope, Exit.void)
    }
    yield* Scope.close(storageScope, Exit.void)
  }
  console.log("cold start → getMe answered, in-process TestDc, median of 10")
  console.log(`  stored logged-in session         ${median(stored).toFixed(2)} ms`)
  console.log(`  fresh login (key + code)         ${median(fresh).toFixed(2)} ms`)
}).pipe(Effect.scoped)

export async function run(): Promise<void> {
  const { child, dc } = await startExternalDc(fileURLToPath(new URL("../src/testing/cli.ts", import.meta.url)))
  try {
    await Effect.runPromise(measure(dc).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning)))
    await Effect.runPromise(loginStart.pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
  } finally {
    child.kill("SIGTERM")
  }
}

const measure = (dc: Dc) =>
  Effect.gen(function*() {
    const call = { _tag: "help.getNearestDc" } as const

    // A stored session to start from: one client creates the key, we keep its storage state.
    const storageScope = yield* Scope.make()
    const seeded = yield* Effect.map(Layer.buildWithScope(layerMemory, storageScope), (c) => Context.get(c, SessionStorage))
    const seedClient = yield* build(dc, Layer.succeed(SessionStorage, seeded), storageScope)
    yield* seedClient.invoke(call)
    yield* Scope.close(storageScope, Exit.void)
    const stored: SessionData = yield* seeded.load

    const runs = 20
    const fresh: Array<number> = []
    const reuse: Array<number> = []
    for (let i = 0; i < runs; i++) {
      for (const [into, data] of [[fresh, emptySession], [reuse, stored]] as const) {
        const scope = yield* Scope.make()
        const t0 = performance.now()
        const client = yield* build(dc, layerMemoryFrom(data), scope)
        yield* client.invoke(call)
        into.push(performance.now() - t0)
        yield* Scope.close(scope, Exit.void)
      }
    }
    console.log("cold start → first answered call (help.getNearestDc), TestDc in a child process, TCP loopback, median of 20")
    console.log(`  stored session (no handshake)   ${median(reuse).toFixed(2)} ms`)
    console.log(`  fresh session (handshake)       ${median(fresh).toFixed(2)} ms`)
    console.log(`  ratio                            ${(median(fresh) / median(reuse)).toFixed(1)}x`)

    // Heap per client: N clients built (idle), then the same N connected (one call each).
    const n = 50
    const scope = yield* Scope.make()
    const before = heap()
    const clients: Array<ClientShape> = []
    for (let i = 0; i < n; i++) clients.push(yield* build(dc, layerMemoryFrom(stored), scope))
    const constructed = heap()
    yield* Effect.forEach(clients, (c) => c.invoke(call), { concurrency: 10, discard: true })
    const connected = heap()
    yield* Scope.close(scope, Exit.void)
    const gcNote = (globalThis as { gc?: unknown }).gc === undefined ? " (no --expose-gc: approximate)" : ""
    console.log(`heap per client, ${n} clients${gcNote}`)
    console.log(`  constructed, idle                ${((constructed - before) / n / 1024).toFixed(1)} KB   (anchors: mtcute 36.8 KB, GramJS 5.5 KB)`)
    console.log(`  connected, idle (1 socket, Sender fibers)  ${((connected - before) / n / 1024).toFixed(1)} KB`)
  })
