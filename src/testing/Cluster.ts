/**
 * Several emulated DCs in one process: one {@link TestDc} per DC id, each on its own port,
 * all sharing one {@link World} and one RSA key pair, as Telegram's DCs share accounts and
 * keys. `help.getConfig` on any of them lists them all, so a client can follow
 * PHONE_MIGRATE / USER_MIGRATE / FILE_MIGRATE between them.
 *
 * ```ts
 * const cluster = yield* TestDc.makeCluster({ dcIds: [1, 2, 3] })
 * cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 2 })
 * // Client config: { dcs: cluster.dcOptions, publicKeys: [cluster.publicKey] }
 * const code = yield* cluster.codeFor("+15550001") // after the client's auth.sendCode
 * ```
 */
import type * as SocketServer from "@effect/platform/SocketServer"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { generateRsaKeyPair, type RsaKeyPair, type RsaPublicKey } from "../crypto/index.ts"
import type { Handlers, InjectedError } from "./handlers/index.ts"
import { make, type TestDcFaults, type TestDcOptions, type TestDcShape } from "./TestDc.ts"
import { makeWorld, normalizePhone, type World, type WorldDc } from "./world/World.ts"

/**
 * Options of {@link makeCluster}.
 */
export interface ClusterOptions {
  /** The DC ids to run (default `[1, 2, 3]`). */
  readonly dcIds?: ReadonlyArray<number> | undefined
  /** Host to listen on (default 127.0.0.1). */
  readonly host?: string | undefined
  /** Ports by DC id (default 0 for each: the system picks; read them from `dcOptions`). */
  readonly ports?: Readonly<Record<number, number>> | undefined
  /** The key pair every DC uses (generated at start when absent). */
  readonly rsaKeyPair?: RsaKeyPair | undefined
  /** The shared state (a fresh {@link makeWorld} by default). */
  readonly world?: World | undefined
  /** Handlers added to every DC. */
  readonly handlers?: Handlers | undefined
  readonly maxFrameLength?: number | undefined
  /** Fault knobs given to every DC. */
  readonly faults?: TestDcFaults | undefined
  /**
   * DCs that also get a media-only listener (`true`: every DC), listed in `help.getConfig`
   * as `dcOption`s with `media_only`, where clients send their file traffic.
   */
  readonly mediaOnly?: boolean | ReadonlyArray<number> | undefined
  /** Every DC refuses the legacy (pre-RSA_PAD) p_q_inner_data encryption (see `TestDcOptions.strict`). */
  readonly strict?: boolean | undefined
  /** Per DC: time to create a key or send a valid message (see `TestDcOptions.handshakeTimeout`). */
  readonly handshakeTimeout?: Duration.DurationInput | undefined
  /** Per DC: silence after which a connection is closed (see `TestDcOptions.idleTimeout`). */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** Per DC: connections open at once (see `TestDcOptions.maxConnections`). */
  readonly maxConnections?: number | undefined
  /** Every DC in MTProxy mode with this secret (see `TestDcOptions.mtProxy`); each has its own link. */
  readonly mtProxy?: { readonly secret: string | Uint8Array } | undefined
  /** Every DC also accepts WebSockets, each on a free port of its own (`dc(id).webSocketUrl`). */
  readonly webSocket?: boolean | undefined
  /** Options for single DCs, over the cluster-wide ones (e.g. `{ 2: { strict: true, faults: {...} } }`). */
  readonly perDc?: Readonly<Record<number, ClusterDcOptions>> | undefined
}

/**
 * What one DC of a cluster may set for itself (see {@link ClusterOptions.perDc}).
 */
export type ClusterDcOptions = Pick<
  TestDcOptions,
  "handlers" | "maxFrameLength" | "faults" | "strict" | "handshakeTimeout" | "idleTimeout" | "maxConnections" | "mtProxy" | "webSocket"
>

/**
 * A running cluster.
 */
export interface ClusterShape {
  /** The DCs by id, in the order of `dcIds`. */
  readonly dcs: ReadonlyMap<number, TestDcShape>
  /** The DC with this id; throws if the cluster has none (a test bug). */
  readonly dc: (dcId: number) => TestDcShape
  /** The shared public key (n, e, fingerprint) for the client's handshake. */
  readonly publicKey: RsaPublicKey
  /** The same key, PEM PKCS#1. */
  readonly rsaPublicKeyPem: string
  readonly fingerprint: bigint
  /** The shared state. */
  readonly world: World
  /** Where each DC listens, for a client config (`dcs`). */
  readonly dcOptions: ReadonlyArray<WorldDc>
  /** The login code last sent to `phone`; dies if none is pending (a test bug). */
  readonly codeFor: (phone: string) => Effect.Effect<string>
  /** Makes the pending login code of `phone` expired. */
  readonly expireCode: (phone: string) => Effect.Effect<boolean>
  /** {@link TestDcShape.injectError} on DC `dcId`, or on every DC when absent. */
  readonly injectError: (method: string, error: InjectedError, dcId?: number) => Effect.Effect<void>
  /** Forgets injected errors (of `method`, or all) on every DC. */
  readonly clearInjectedErrors: (method?: string) => Effect.Effect<void>
}

/**
 * The cluster service tag.
 */
export class TestDcCluster extends Context.Tag("effect-mtproto/TestDcCluster")<TestDcCluster, ClusterShape>() {}

/**
 * Starts one TestDc per DC id for the life of the scope, sharing one World and one key pair.
 */
export const makeCluster = (
  options: ClusterOptions = {}
): Effect.Effect<ClusterShape, SocketServer.SocketServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const dcIds = options.dcIds ?? [1, 2, 3]
    if (dcIds.length === 0 || new Set(dcIds).size !== dcIds.length) {
      return yield* Effect.dieMessage(`makeCluster: dcIds must be distinct and not empty, got [${dcIds.join(", ")}]`)
    }
    const world = options.world ?? makeWorld()
    const rsaKeyPair = options.rsaKeyPair ?? generateRsaKeyPair()
    const dcs = new Map<number, TestDcShape>()
    for (const dcId of dcIds) {
      const own = options.perDc?.[dcId] ?? {}
      const dc = yield* make({
        dcId,
        host: options.host,
        port: options.ports?.[dcId] ?? 0,
        rsaKeyPair,
        world,
        handlers: options.handlers,
        maxFrameLength: options.maxFrameLength,
        faults: options.faults,
        mediaOnly: options.mediaOnly === true || (Array.isArray(options.mediaOnly) && options.mediaOnly.includes(dcId)),
        strict: options.strict,
        handshakeTimeout: options.handshakeTimeout,
        idleTimeout: options.idleTimeout,
        maxConnections: options.maxConnections,
        mtProxy: options.mtProxy,
        webSocket: options.webSocket,
        ...own,
        // Cluster-wide handlers stay unless the DC overrides the same method.
        ...(own.handlers !== undefined ? { handlers: { ...options.handlers, ...own.handlers } } : {})
      })
      dcs.set(dcId, dc)
      // Registered in the world, so that help.getConfig on any DC lists every DC.
      world.dcs.set(dcId, { id: dcId, host: dc.host, port: dc.port, mediaPort: dc.mediaPort })
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => dcIds.forEach((id) => world.dcs.delete(id))))
    const all = [...dcs.values()]
    return TestDcCluster.of({
      dcs,
      dc: (dcId) => {
        const dc = dcs.get(dcId)
        if (dc === undefined) throw new Error(`the cluster has no DC ${dcId}`)
        return dc
      },
      publicKey: rsaKeyPair.publicKey,
      rsaPublicKeyPem: rsaKeyPair.publicKeyPem,
      fingerprint: rsaKeyPair.publicKey.fingerprint,
      world,
      dcOptions: all.map((dc) => ({ id: dc.dcId, host: dc.host, port: dc.port })),
      codeFor: (phone) =>
        Effect.suspend(() => {
          const code = world.lastCode(phone)
          return code === undefined
            ? Effect.dieMessage(`no login code pending for +${normalizePhone(phone)}`)
            : Effect.succeed(code)
        }),
      expireCode: (phone) => Effect.sync(() => world.expireCode(phone)),
      injectError: (method, error, dcId) =>
        dcId === undefined
          ? Effect.forEach(all, (dc) => dc.injectError(method, error), { discard: true })
          : Effect.suspend(() => {
            const dc = dcs.get(dcId)
            return dc === undefined ? Effect.dieMessage(`the cluster has no DC ${dcId}`) : dc.injectError(method, error)
          }),
      clearInjectedErrors: (method) => Effect.forEach(all, (dc) => dc.clearInjectedErrors(method), { discard: true })
    })
  })

/**
 * A layer holding a cluster that runs as long as the layer.
 */
export const layerCluster = (options: ClusterOptions = {}): Layer.Layer<TestDcCluster, SocketServer.SocketServerError> =>
  Layer.scoped(TestDcCluster, makeCluster(options))
