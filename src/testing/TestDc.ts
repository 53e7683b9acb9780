/**
 * TestDc: an emulated Telegram data centre, a real MTProto 2.0 server on 127.0.0.1.
 *
 * It accepts every TCP transport (abridged, intermediate, padded intermediate, full, each
 * with or without obfuscated2), on request the same over WebSockets (`webSocket`) and as an
 * MTProxy endpoint (`mtProxy`: plain, `dd` and `ee` fake-TLS secrets), creates auth keys with the DH handshake (permanent and
 * temporary), runs encrypted sessions (new_session_created, salts, msg_id window, acks,
 * containers, service messages) and answers API calls from a handler table over an
 * emulated {@link World}. Used by the project's end-to-end tests, the offline demo, and by
 * users testing their bots without Telegram.
 *
 * ```ts
 * import * as TestDc from "effect-mtproto/testing"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const dc = yield* TestDc.make({ handlers: { "help.getAppConfig": () => Effect.succeed(...) } })
 *   // connect a client to dc.host:dc.port with dc.publicKey ...
 *   console.log(dc.authKeys.size, dc.world.stateOf(userId).pts)
 * }))
 * ```
 */
import type * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { createPrivateKey } from "node:crypto"
import { authKeyId, generateRsaKeyPair, randomBytes, randomLong, type RsaKeyPair, type RsaPublicKey } from "../crypto/index.ts"
import { defaultHandlers, type Handlers, type InjectedError, makeInjector } from "./handlers/index.ts"
import { formatMtProxySecret, parseMtProxySecret } from "../transport/proxy/MtProxySecret.ts"
import { handleConnection } from "./internal/connection.ts"
import { runPushes } from "./internal/pushes.ts"
import { runLoginTokenPushes } from "./internal/keyPushes.ts"
import { fakeTlsServerSocket } from "./internal/mtProxy.ts"
import { DEFAULT_LIMITS, RejectionLog, type RejectionKind } from "./internal/limits.ts"
import {
  type AuthKeyInfo,
  type ClientMessage,
  type FaultKnobs,
  type ServerMessage,
  type ServerState,
  type StoredKey,
  storeKey,
  toPlan
} from "./internal/state.ts"
import { type AnyObject, serialize } from "../tl/index.ts"
import { makeWorld, type World } from "./world/World.ts"

export type { AuthKeyInfo, ClientMessage, FaultKnobs, ServerMessage } from "./internal/state.ts"
export { type RejectionKind, rejections as rejectionsMetric } from "./internal/limits.ts"

/**
 * Knobs for fault injection, for client tests.
 */
export interface TestDcFaults extends FaultKnobs {
  /** Answer this many set_client_DH_params with dh_gen_retry before dh_gen_ok (default 0). */
  readonly dhGenRetry?: number | undefined
  /**
   * Sees every decoded client message before it is handled; answering `"drop"` makes the
   * server ignore it (no answer, no ack), e.g. to test client resends and timeouts.
   */
  readonly onClientMessage?: ((message: ClientMessage) => Effect.Effect<"process" | "drop">) | undefined
  /** Sees every message the server packs for a client (answers, service messages, pushes), e.g. to check acks. */
  readonly onServerMessage?: ((message: ServerMessage) => Effect.Effect<void>) | undefined
}

/**
 * Fault injection on a running TestDc (`dc.faults`).
 *
 * ```ts
 * yield* dc.faults.set({ badMsg: [32] })        // the next call gets bad_msg_notification 32
 * yield* dc.faults.set({ duplicate: 1, tamper: 1 })
 * yield* dc.faults.push({ _tag: "updatesTooLong" }) // an unsolicited update on every connection
 * yield* dc.faults.set({ dropPushes: 3, pushTo: keyId }) // a gap in one client's update pushes
 * ```
 */
export interface TestDcFaultControls {
  /** Merges knobs into the active plan (a knob set to `undefined` is switched off). */
  readonly set: (knobs: FaultKnobs) => Effect.Effect<void>
  /** Switches every knob off: normal behaviour. */
  readonly clear: Effect.Effect<void>
  /** The knobs as they stand (counted ones show what is left). */
  readonly current: Effect.Effect<FaultKnobs>
  /**
   * Sends a server-initiated message (an update such as `updateShort`/`updatesTooLong`, or a
   * service message such as `msgs_state_req`) on every open connection, in the session it
   * last spoke with. Content-related by default. Returns the msg_ids used (one per connection).
   */
  readonly push: (message: AnyObject, options?: { readonly contentRelated?: boolean | undefined }) => Effect.Effect<ReadonlyArray<bigint>>
  /** Every open connection stops answering (it keeps reading and stays open); new connections work normally. */
  readonly stall: Effect.Effect<void>
  /** Closes the connections that last spoke with auth key `authKeyId` (16 hex digits); returns how many. */
  readonly dropConnectionsOf: (authKeyId: string) => Effect.Effect<number>
}

/**
 * Options of {@link make}.
 */
export interface TestDcOptions {
  /** The DC id this server is (default 2). */
  readonly dcId?: number | undefined
  /** Host to listen on (default 127.0.0.1). */
  readonly host?: string | undefined
  /** Port (default 0: the system picks one; read it from the handle). */
  readonly port?: number | undefined
  /** The server's RSA key pair; a 2048-bit one is generated at start when absent. */
  readonly rsaKeyPair?: RsaKeyPair | undefined
  /** Handlers added to (and overriding) the defaults, e.g. `{ "help.getAppConfig": ... }`. */
  readonly handlers?: Handlers | undefined
  /** The emulated state (a fresh {@link makeWorld} by default). */
  readonly world?: World | undefined
  /** Largest accepted frame in bytes (the transport's default otherwise). */
  readonly maxFrameLength?: number | undefined
  /**
   * Refuse what Telegram still accepts for compatibility: the pre-RSA_PAD encryption of
   * p_q_inner_data (SHA1 ‖ data ‖ random bytes), which older clients such as @mtproto/core
   * send. Default false.
   */
  readonly strict?: boolean | undefined
  /**
   * Time a connection gets to create an auth key, or to send a valid message under a known
   * one, before it is closed (default 30 seconds; `Duration.infinity`: no deadline).
   */
  readonly handshakeTimeout?: Duration.DurationInput | undefined
  /**
   * A connection that sends no complete frame for this long is closed; bytes of an unfinished
   * frame don't count (default 5 minutes; `Duration.infinity`: never).
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** Connections open at once; more are closed as soon as they are accepted (default 1,024). */
  readonly maxConnections?: number | undefined
  readonly faults?: TestDcFaults | undefined
  /**
   * MTProxy mode: clients that obfuscate with this secret (hex or base64url text, or bytes; `dd`
   * and `ee` + domain forms too) are accepted, fake-TLS ones for an `ee` secret. A connection
   * the secret does not open is treated as plain traffic, as MTProxy does: plain TCP clients
   * still work, clients with a wrong secret are cut off.
   */
  readonly mtProxy?: { readonly secret: string | Uint8Array } | undefined
  /**
   * Also accept WebSocket connections (`ws://host:port/apiws`, binary messages, the same
   * framings) on a second port (`true`: any free port). See {@link TestDcShape.webSocketUrl}.
   */
  readonly webSocket?: boolean | { readonly port?: number | undefined } | undefined
  /**
   * Also listen on a media-only address (`true`: any free port, or `{ port }`), as Telegram's
   * DCs have: `help.getConfig` lists it as a `dcOption` with `media_only`, where clients send
   * file traffic. It serves the same keys, sessions and handlers (a handler sees
   * `ctx.mediaOnly`).
   */
  readonly mediaOnly?: boolean | { readonly port?: number | undefined } | undefined
}

/**
 * A running TestDc.
 */
export interface TestDcShape {
  readonly host: string
  readonly port: number
  readonly dcId: number
  /** The media-only listener's port (see {@link TestDcOptions.mediaOnly}), if there is one. */
  readonly mediaPort: number | undefined
  /** The public key, PEM PKCS#1 (`-----BEGIN RSA PUBLIC KEY-----`). */
  readonly rsaPublicKeyPem: string
  /** The key's MTProto fingerprint (signed, as in resPQ). */
  readonly fingerprint: bigint
  /** n, e and fingerprint, for the client's handshake. */
  readonly publicKey: RsaPublicKey
  /** The WebSocket endpoint (`ws://host:port/apiws`) when started with `webSocket`. */
  readonly webSocketUrl: string | undefined
  /** A `tg://proxy` link to this DC when started in MTProxy mode (the secret in hex). */
  readonly mtProxyLink: string | undefined
  /** Live view of the auth keys the DC holds, by auth_key_id in hex (wire order). */
  readonly authKeys: ReadonlyMap<string, AuthKeyInfo>
  /** The emulated state handlers work on. */
  readonly world: World
  /** Number of open client connections. */
  readonly connections: Effect.Effect<number>
  /**
   * What the DC refused so far, by kind: frames (`transport`, `handshake`, `auth_key`,
   * `decrypt`) and connections (`connection_cap`, `handshake_deadline`, `idle`). The same counts
   * go to the process-wide `rejectionsMetric`; WARN lines about them are rate-limited.
   */
  readonly rejections: Effect.Effect<ReadonlyMap<RejectionKind, number>>
  /** Adds handlers; they take precedence over earlier ones. */
  readonly addHandlers: (handlers: Handlers) => Effect.Effect<void>
  /**
   * Gives auth key `authKeyId` (all keys when omitted) a new server salt and forgets future
   * salts, so the client's next message gets bad_server_salt. Returns the new salts.
   */
  readonly rotateSalt: (authKeyId?: string) => Effect.Effect<ReadonlyArray<bigint>>
  /** Forgets an auth key: its next message is answered with transport error -404. */
  readonly dropAuthKey: (authKeyId: string) => Effect.Effect<boolean>
  /**
   * Adds a permanent auth key made earlier (e.g. by a previous run of this DC, restored from
   * a file) with its salt, as if a handshake had just created it. Returns its id in hex.
   */
  readonly importAuthKey: (key: Uint8Array, salt: bigint) => Effect.Effect<string>
  /** Closes every client connection (the server keeps listening). */
  readonly dropConnections: Effect.Effect<void>
  /** Answers the next `count` set_client_DH_params with dh_gen_retry. */
  readonly setDhGenRetry: (count: number) => Effect.Effect<void>
  /**
   * Answers calls of `method` with an rpc_error before its handler runs:
   * `{ code: 420, message: "FLOOD_WAIT_3", times: 1 }`, `{ code: 303, message: "FILE_MIGRATE_4" }`.
   * Without `times`, every call until {@link clearInjectedErrors}; injections queue up in order.
   */
  readonly injectError: (method: string, error: InjectedError) => Effect.Effect<void>
  /** Forgets the injected errors of `method`, or of every method. */
  readonly clearInjectedErrors: (method?: string) => Effect.Effect<void>
  /** Fault injection: knobs, pushes, stalls. */
  readonly faults: TestDcFaultControls
}

/**
 * The TestDc service tag, for programs that get the DC from their context.
 */
export class TestDc extends Context.Tag("effect-mtproto/TestDc")<TestDc, TestDcShape>() {}

/**
 * Starts a TestDc listening on `host:port` for the life of the scope.
 */
export const make = (options: TestDcOptions = {}): Effect.Effect<TestDcShape, SocketServer.SocketServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const dcId = options.dcId ?? 2
    const host = options.host ?? "127.0.0.1"
    const rsa = options.rsaKeyPair ?? generateRsaKeyPair()
    const server = yield* NodeSocketServer.make({ host, port: options.port ?? 0 })
    const portOf = (s: SocketServer.SocketServer["Type"]) => s.address._tag === "TcpAddress" ? s.address.port : 0
    const port = portOf(server)
    const proxySecret = options.mtProxy === undefined ? undefined : yield* parseProxySecret(options.mtProxy.secret)
    const media = options.mediaOnly === undefined || options.mediaOnly === false
      ? undefined
      : yield* NodeSocketServer.make({ host, port: options.mediaOnly === true ? 0 : options.mediaOnly.port ?? 0 })
    const mediaPort = media === undefined ? undefined : portOf(media)
    const keys = new Map<string, StoredKey>()
    const injector = makeInjector()
    const state: ServerState = {
      dcId,
      host,
      port,
      mediaPort,
      fingerprint: rsa.publicKey.fingerprint,
      privateKey: createPrivateKey(rsa.privateKeyPem),
      randomBytes,
      world: options.world ?? makeWorld(),
      keys,
      // The injector's interceptor comes first: injected errors win over every handler.
      handlers: [injector.table, defaultHandlers, ...(options.handlers === undefined ? [] : [options.handlers])],
      maxFrameLength: options.maxFrameLength,
      strict: options.strict ?? false,
      mtProxyKey: proxySecret?.key,
      dhGenRetries: options.faults?.dhGenRetry ?? 0,
      onClientMessage: options.faults?.onClientMessage,
      onServerMessage: options.faults?.onServerMessage,
      faults: toPlan(knobsOf(options.faults ?? {})),
      connections: new Map(),
      nextConnectionId: 1,
      activity: 0,
      limits: {
        handshakeTimeoutMs: millisOf(options.handshakeTimeout, DEFAULT_LIMITS.handshakeTimeoutMs),
        idleTimeoutMs: millisOf(options.idleTimeout, DEFAULT_LIMITS.idleTimeoutMs),
        maxConnections: options.maxConnections ?? DEFAULT_LIMITS.maxConnections
      },
      openConnections: 0,
      rejected: new Map(),
      rejectionLog: new RejectionLog()
    }
    const handle = handleConnection(state)
    const endpoint = { proxy: "MtProxy" as const, address: `${host}:${port}` }
    const accept = proxySecret?._tag === "FakeTls"
      ? (socket: Socket.Socket) => handle(fakeTlsServerSocket(socket, proxySecret, randomBytes, endpoint))
      : handle
    yield* server.run(accept).pipe(
      Effect.catchAllCause((cause) => Effect.logError("TestDc server stopped", cause)),
      Effect.annotateLogs({ testdc: dcId }),
      Effect.forkScoped
    )
    if (media !== undefined) {
      yield* media.run(handleConnection(state, true)).pipe(
        Effect.catchAllCause((cause) => Effect.logError("TestDc media listener stopped", cause)),
        Effect.annotateLogs({ testdc: dcId, media: true }),
        Effect.forkScoped
      )
    }
    // The World's changes reach this DC's logged-in sessions as pushes.
    yield* runPushes(state)
    const webSocketUrl = options.webSocket === undefined || options.webSocket === false
      ? undefined
      : yield* startWebSocket(host, options.webSocket === true ? 0 : options.webSocket.port ?? 0, handle)
    yield* Effect.logDebug("TestDc listening").pipe(Effect.annotateLogs({ host, port, dcId }))
    // A QR login token this DC exported was accepted: its key gets updateLoginToken.
    yield* runLoginTokenPushes(state)
    const rotate = (key: StoredKey): bigint => {
      key.salt = randomLong(randomBytes)
      key.futureSalts = []
      return key.salt
    }
    return TestDc.of({
      host,
      port,
      dcId,
      mediaPort,
      rsaPublicKeyPem: rsa.publicKeyPem,
      fingerprint: rsa.publicKey.fingerprint,
      publicKey: rsa.publicKey,
      webSocketUrl,
      mtProxyLink: proxySecret === undefined
        ? undefined
        : `tg://proxy?server=${encodeURIComponent(host)}&port=${port}&secret=${formatMtProxySecret(proxySecret)}`,
      authKeys: keys,
      world: state.world,
      connections: Effect.sync(() => state.connections.size),
      rejections: Effect.sync(() => new Map(state.rejected)),
      addHandlers: (handlers) => Effect.sync(() => void state.handlers.push(handlers)),
      rotateSalt: (authKeyId) =>
        Effect.sync(() => {
          if (authKeyId === undefined) return [...keys.values()].map(rotate)
          const key = keys.get(authKeyId)
          return key === undefined ? [] : [rotate(key)]
        }),
      dropAuthKey: (authKeyId) => Effect.sync(() => keys.delete(authKeyId)),
      importAuthKey: (key, salt) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          storeKey(state, { key, id: authKeyId(key), salt, expiresIn: undefined }, Math.floor(now / 1000)).id),
      dropConnections: Effect.sync(() => {
        for (const c of [...state.connections.values()]) c.close()
      }),
      setDhGenRetry: (count) => Effect.sync(() => void (state.dhGenRetries = count)),
      injectError: (method, error) => Effect.sync(() => injector.inject(method, error)),
      clearInjectedErrors: (method) => Effect.sync(() => injector.clear(method)),
      faults: {
        set: (knobs) => Effect.sync(() => void (state.faults = toPlan({ ...state.faults, ...knobs }))),
        clear: Effect.sync(() => void (state.faults = {})),
        current: Effect.sync(() => toPlan(state.faults)),
        push: (message, pushOptions) =>
          Effect.suspend(() => {
            const body = serialize(message)
            return Effect.map(
              Effect.forEach([...state.connections.values()], (c) => c.push(body, pushOptions?.contentRelated ?? true)),
              (ids) => ids.filter((i): i is bigint => i !== undefined)
            )
          }),
        stall: Effect.sync(() => {
          for (const c of state.connections.values()) c.stall()
        }),
        dropConnectionsOf: (authKeyId) =>
          Effect.sync(() => {
            const of = [...state.connections.values()].filter((c) => c.authKeyId() === authKeyId)
            for (const c of of) c.close()
            return of.length
          })
      }
    })
  })

const parseProxySecret = (secret: string | Uint8Array) =>
  Either.match(parseMtProxySecret(secret), {
    onLeft: (reason) => Effect.dieMessage(`TestDc mtProxy.secret: ${reason}`),
    onRight: Effect.succeed
  })

/** The WebSocket server is loaded only when asked for (its HTTP stack costs ~250 ms to import). */
const startWebSocket = (host: string, port: number, handle: (socket: Socket.Socket) => Effect.Effect<void>) =>
  Effect.promise(() => import("./internal/webSocket.ts")).pipe(
    Effect.flatMap(({ serveWebSocket }) => serveWebSocket(host, port, handle)),
    Effect.mapError((cause) => new SocketServer.SocketServerError({ reason: "Open", cause })),
    Effect.map((wsPort) => `ws://${host.includes(":") ? `[${host}]` : host}:${wsPort}/apiws`)
  )

/** A duration option in milliseconds (`Infinity` for `Duration.infinity`). */
const millisOf = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.decode(input))

/** The fault knobs of the options, without the hooks. */
const knobsOf = ({ dhGenRetry: _d, onClientMessage: _c, onServerMessage: _s, ...knobs }: TestDcFaults): FaultKnobs => knobs

/**
 * A layer holding a TestDc that runs as long as the layer.
 */
export const layer = (options: TestDcOptions = {}): Layer.Layer<TestDc, SocketServer.SocketServerError> =>
  Layer.scoped(TestDc, make(options))
