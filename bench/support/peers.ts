/**
 * The three clients the engine benchmark compares, each driven the way its users drive it:
 * ours inside Effect (the load loops are Effects), mtcute and GramJS with promises. Every one
 * talks to the same TestDc (in a child process) with the TestDc's RSA key registered.
 */
import { addPublicKey } from "@mtcute/core/utils.js"
import { BaseTelegramClient, MemoryStorage } from "@mtcute/node"
import bigInt from "big-integer"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { Api, TelegramClient } from "telegram"
import { _serverKeys } from "telegram/crypto/RSA.js"
import { Logger as GramLogger, LogLevel as GramLogLevel } from "telegram/extensions/Logger.js"
import { ConnectionTCPFull } from "telegram/network/index.js"
import { StringSession as GramSession } from "telegram/sessions/index.js"
import type { Client, ClientShape } from "../../src/client/index.ts"
import type * as Storage from "../../src/storage/index.ts"
import type { makeNode, Transport } from "../../src/transport/Transport.ts"
import type { Dc } from "../../test/support/dc.ts"

/** Where to connect (the DC itself, or a proxy in front of it) and the DC's key. */
export interface Target extends Dc {
  readonly pem: string
  /** The port to dial (a proxy's), when not the DC's own. */
  readonly via?: number | undefined
}

/** A connected client of one library. */
export interface PeerClient {
  /** `n` calls of help.getNearestDc, `concurrency` at a time; the latency of each, in ms. */
  readonly load: (n: number, concurrency: number) => Promise<ReadonlyArray<number>>
  readonly exportSession: () => Promise<string>
  readonly close: () => Promise<void>
}

export interface Peer {
  readonly name: string
  /** Connects (a handshake when `session` is absent) and answers one call. */
  readonly connect: (target: Target, session?: string) => Promise<PeerClient>
  /** Builds a client without connecting it. */
  readonly construct: (target: Target) => Promise<{ readonly close: () => Promise<void> }>
}

const API_HASH = "0123456789abcdef0123456789abcdef"

/** Promise-side load: `concurrency` workers each making calls in a row. */
const promiseLoad = async (call: () => Promise<unknown>, n: number, concurrency: number): Promise<Array<number>> => {
  const latencies: Array<number> = []
  let next = 0
  const worker = async () => {
    while (next < n) {
      next++
      const t = performance.now()
      await call()
      latencies.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  return latencies
}

const quiet = Logger.withMinimumLogLevel(LogLevel.None)

/**
 * Ours as users run it: the built package (`dist/`, which the engine benchmark builds first), not
 * the TypeScript sources through tsx, whose `keepNames` wraps every named function it creates
 * (a property store per closure: ~0.25 KB each, and a call per creation).
 */
const distUrl = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href
interface Library {
  readonly Client: typeof Client
  readonly storage: typeof Storage
  readonly transport: { readonly makeNode: typeof makeNode; readonly Transport: typeof Transport }
}
let loaded: Promise<Library> | undefined
const library = (): Promise<Library> =>
  loaded ??= Promise.all([
    import(distUrl("client/index.js")),
    import(distUrl("storage/index.js")),
    import(distUrl("transport/Transport.js"))
  ]).then(([client, storage, transport]) => ({
    Client: (client as { Client: typeof Client }).Client,
    storage: storage as typeof Storage,
    transport: transport as Library["transport"]
  }))

export const ours: Peer = {
  name: "effect-mtproto",
  construct: async (target) => {
    const scope = Effect.runSync(Scope.make())
    await Effect.runPromise(build(await library(), target, undefined, scope))
    return { close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  },
  connect: async (target, session) => {
    const scope = Effect.runSync(Scope.make())
    const { client, exportSession } = await Effect.runPromise(build(await library(), target, session, scope))
    const call = client.invoke({ _tag: "help.getNearestDc" })
    await Effect.runPromise(quiet(call))
    const load = (n: number, concurrency: number) =>
      Effect.runPromise(quiet(Effect.gen(function*() {
        const latencies: Array<number> = []
        let next = 0
        const worker = Effect.gen(function*() {
          while (next < n) {
            next++
            const t = performance.now()
            yield* call
            latencies.push(performance.now() - t)
          }
        })
        yield* Effect.all(Array.from({ length: Math.min(concurrency, n) }, () => worker), { concurrency: "unbounded", discard: true })
        return latencies
      })))
    return {
      load,
      exportSession: () => Effect.runPromise(Effect.map(exportSession, Redacted.value)),
      close: () => Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

const configFor = (target: Target) => ({
  apiId: 1,
  apiHash: Redacted.make(API_HASH),
  dcs: [{ id: target.dcId, host: target.host, port: target.via ?? target.port }],
  defaultDc: target.dcId,
  publicKeys: [target.publicKey]
})

/**
 * A client the way one builds many of them (as `new BaseTelegramClient(...)` does for mtcute):
 * `Client.make` in a scope, over a memory session seeded from a string session.
 */
const build = (lib: Library, target: Target, session: string | undefined, scope: Scope.Scope) =>
  Effect.gen(function*() {
    const initial = session === undefined
      ? lib.storage.emptySession
      : yield* Effect.orDie(lib.storage.decodeStringSession(Redacted.make(session)))
    const storage = yield* lib.storage.makeMemory(initial)
    const client: ClientShape = yield* lib.Client.make(configFor(target)).pipe(
      Effect.provideService(lib.storage.SessionStorage, storage),
      Effect.provideService(lib.transport.Transport, lib.transport.makeNode()),
      Scope.extend(scope),
      quiet
    )
    return { client, exportSession: Effect.map(storage.load, lib.storage.encodeStringSession) }
  })

/**
 * The same client built from layers, as an application wires its one client
 * (`Client.layer(config)` over `SessionStorage.layerString`): the Layer bookkeeping is extra.
 */
export const constructWithLayers = async (target: Target): Promise<{ readonly close: () => Promise<void> }> => {
  const lib = await library()
  const scope = Effect.runSync(Scope.make())
  await Effect.runPromise(
    Layer.buildWithScope(lib.Client.layer(configFor(target)).pipe(Layer.provide(lib.storage.layerString()), Layer.orDie), scope).pipe(quiet)
  )
  return { close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const mtcuteClient = (target: Target) => {
  const dcOption = { id: target.dcId, ipAddress: target.host, port: target.via ?? target.port }
  const c = new BaseTelegramClient({
    apiId: 1,
    apiHash: API_HASH,
    storage: new MemoryStorage(),
    defaultDcs: { main: dcOption, media: dcOption },
    logLevel: 0
  })
  addPublicKey(c.crypto, target.pem)
  return c
}

export const mtcute: Peer = {
  name: "mtcute",
  construct: async (target) => {
    const c = mtcuteClient(target)
    return { close: () => c.destroy() }
  },
  connect: async (target, session) => {
    const c = mtcuteClient(target)
    if (session !== undefined) await c.importSession(session, true)
    await c.connect()
    const call = () => c.call({ _: "help.getNearestDc" })
    await call()
    return { load: (n, concurrency) => promiseLoad(call, n, concurrency), exportSession: () => c.exportSession(), close: () => c.destroy() }
  }
}

const gramClient = (target: Target, saved?: string) => {
  _serverKeys.set(target.publicKey.fingerprint.toString(), { n: bigInt(target.publicKey.n.toString()), e: Number(target.publicKey.e) })
  const session = new GramSession(saved ?? "")
  // GramJS dials the connection class's port whatever the session says (and stores ports as int16).
  session.setDC(target.dcId, target.host, 443)
  const port = target.via ?? target.port
  class ToTestDc extends ConnectionTCPFull {
    constructor(options: ConstructorParameters<typeof ConnectionTCPFull>[0]) {
      super({ ...options, port })
    }
  }
  return {
    session,
    client: new TelegramClient(session, 1, API_HASH, {
      connection: ToTestDc,
      connectionRetries: 1000,
      autoReconnect: true,
      baseLogger: new GramLogger(GramLogLevel.NONE)
    })
  }
}

export const gramjs: Peer = {
  name: "GramJS",
  construct: async (target) => {
    const { client } = gramClient(target)
    return { close: () => client.destroy() }
  },
  connect: async (target, saved) => {
    const { client, session } = gramClient(target, saved)
    await client.connect()
    const call = () => client.invoke(new Api.help.GetNearestDc())
    await call()
    return { load: (n, concurrency) => promiseLoad(call, n, concurrency), exportSession: async () => session.save(), close: () => client.destroy() }
  }
}

export const peers: ReadonlyArray<Peer> = [ours, mtcute, gramjs]
