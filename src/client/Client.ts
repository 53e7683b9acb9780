/**
 * The Client service: typed `invoke` over a pool of DC connections, with DC migration,
 * the retry policy (FLOOD_WAIT, internal errors) as a Schedule, the peer cache filled
 * from every result, login (phone + 2FA, sign-up, bot), `getMe` and `logOut`.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const client = yield* Client
 *   const config = yield* client.invoke({ _tag: "help.getConfig" })
 * })
 * Effect.runPromise(program.pipe(Effect.provide(Client.layer(config))))
 * ```
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import * as Stream from "effect/Stream"
import { requireRedacted, type SecretNotRedacted } from "../crypto/secret.ts"
import type * as Sender from "../mtproto/Sender.ts"
import { SessionStorage, type SessionStorageError, type SessionStorageShape } from "../storage/index.ts"
import { type Api, isMethodTag, notAMethod, type ResultOf, type TlMethod } from "../tl/index.ts"
import type { ProxyConfig } from "../transport/proxy/Proxy.ts"
import { makeNode, Transport } from "../transport/Transport.ts"
import { botLogin, type LoginFailure, type LoginParams, userLogin } from "./auth/login.ts"
import { type QrLogin, qrLogin, type QrLoginFailure } from "./auth/qr.ts"
import { type ClientConfig, clientConfig, type DcAddress, PRODUCTION_DCS, TEST_DCS } from "./config.ts"
import * as DcPool from "./DcPool.ts"
import {
  type AuthKeyDuplicated,
  type AuthKeyUnregistered,
  type ClientError,
  DcError,
  type Migrate,
  type SenderError,
  SessionRevoked
} from "./errors.ts"
import { type KnownPeers, makeKnownPeers } from "./peers/KnownPeers.ts"
import { updatesReceived } from "./metrics.ts"
import { dcLabels, observeCall, observedRetries } from "./observe.ts"
import { retryPolicy } from "./retry.ts"
import * as UpdatesEngine from "./updates/UpdatesEngine.ts"

/** Options of one call. */
export interface InvokeOptions {
  /** Send to this DC instead of the home DC (no migration handling). */
  readonly dcId?: number | undefined
  /**
   * Send over file connection `n` (0, 1, ...) of the DC (`dcId`, else the home DC): a
   * connection of its own, to the DC's `media_only` address when the config announces one.
   * For `upload.*` calls: the account's authorization is exported to a non-home DC once, and
   * FILE_MIGRATE fails the call with `Migrate` (the caller knows which file moves where).
   */
  readonly fileConnection?: number | undefined
}

/** The Client's model. */
export interface ClientShape {
  /** Calls any API method; the result type follows from the method. Connects lazily. */
  readonly invoke: <M extends TlMethod>(method: M, options?: InvokeOptions) => Effect.Effect<ResultOf<M>, ClientError>
  /** Logs in unless the stored session already is. Returns the logged-in user. */
  readonly start: (params: LoginParams) => Effect.Effect<Api.User, LoginFailure>
  /**
   * Logs in by QR code unless the stored session already is: `onToken` shows each
   * `tg://login?token=…` code until an app where the account is logged in scans it; then the
   * 2FA password if the account has one. Returns the logged-in user; interrupt it to cancel.
   */
  readonly startQr: (params: QrLogin) => Effect.Effect<Api.User, QrLoginFailure>
  /** The logged-in user (`users.getUsers([inputUserSelf])`). */
  readonly getMe: Effect.Effect<Api.User, ClientError>
  /** Logs out (`auth.logOut`) and clears the stored session. */
  readonly logOut: Effect.Effect<void, ClientError>
  /** Whether the stored session belongs to a logged-in user or bot. */
  readonly isAuthorized: Effect.Effect<boolean>
  /** The DC this account lives on. */
  readonly homeDc: Effect.Effect<number>
  /** `help.getConfig`, cached until a migration or reconnect refreshes it. */
  readonly getConfig: Effect.Effect<Api.Config, ClientError>
  /**
   * The account's updates, each once, in pts order per sequence: unpacked from the `Updates`
   * containers, short messages as `updateNewMessage`, gaps filled with `getDifference`, users
   * and chats put in the peer cache first. Subscribed when the stream starts; a stream started
   * on a session that consumed updates before first yields what it missed since (see the
   * README's updates section for what "each once" covers). Several may run at once.
   */
  readonly updates: Stream.Stream<Api.Update, ClientError>
  /**
   * {@link updates}, subscribed when this effect runs (for the life of the scope) rather than
   * when the stream starts: nothing between the two is missed.
   */
  readonly subscribeUpdates: Effect.Effect<Stream.Stream<Api.Update, ClientError>, never, Scope.Scope>
  /** The peers this client knows (the session's peer cache, filled from every answer and update). */
  readonly peers: KnownPeers
}

/**
 * The Client service tag. `yield* Client` gets the service; `Client.layer(config)` builds it
 * (the statics forward to the module's `layer*` functions, so both spellings work).
 */
export class Client extends Context.Tag("effect-mtproto/Client")<Client, ClientShape>() {
  /** See {@link layer}. */
  static layer(config: ClientConfig): Layer.Layer<Client, SecretNotRedacted, SessionStorage> {
    return layer(config)
  }
  /** See {@link layerWith}. */
  static layerWith(config: ClientConfig): Layer.Layer<Client, SecretNotRedacted, Transport | SessionStorage> {
    return layerWith(config)
  }
  /** See {@link layerConfig}. */
  static get layerConfig(): Layer.Layer<Client, ConfigError.ConfigError | SecretNotRedacted, SessionStorage> {
    return layerConfig
  }
  /** See {@link make}. */
  static make(config: ClientConfig): Effect.Effect<ClientShape, SecretNotRedacted, Transport | SessionStorage | Scope.Scope> {
    return make(config)
  }
}

const MAX_MIGRATIONS = 5

/** The config's secrets are `Redacted` (types say so; casts and plain JavaScript may not). */
const requireSecrets = (config: ClientConfig): Effect.Effect<void, SecretNotRedacted> =>
  Effect.zipRight(
    requireRedacted("apiHash", config.apiHash),
    config.proxy === undefined
      ? Effect.void
      : config.proxy._tag === "MtProxy"
      ? requireRedacted("proxy.secret", config.proxy.secret)
      : config.proxy.password === undefined
      ? Effect.void
      : requireRedacted("proxy.password", config.proxy.password),
    { concurrent: false }
  ).pipe(Effect.asVoid)

/**
 * Builds a Client in the current scope (connections close with it). Fails with
 * `SecretNotRedacted` when `apiHash` (or the proxy's password or secret) is a plain value.
 */
export const make = (config: ClientConfig): Effect.Effect<ClientShape, SecretNotRedacted, Transport | SessionStorage | Scope.Scope> =>
  Effect.gen(function*() {
    yield* requireSecrets(config)
    const transport = yield* Transport
    const clock = yield* Effect.clock
    const storage: SessionStorageShape = yield* SessionStorage
    const testMode = config.testMode ?? false
    const addresses = new Map<number, DcAddress>()
    // `media_only` addresses from help.getConfig: file connections only, never API calls.
    const mediaAddresses = new Map<number, DcAddress>()
    for (const dc of config.dcs ?? (testMode ? TEST_DCS : PRODUCTION_DCS)) addresses.set(dc.id, dc)
    const senderOptions: Partial<Sender.SenderOptions> = {
      ...(config.pingInterval !== undefined ? { pingInterval: config.pingInterval } : {}),
      ...(config.requestTimeout !== undefined ? { requestTimeout: config.requestTimeout } : {}),
      ...(config.reconnect !== undefined ? { reconnect: config.reconnect } : {})
    }
    const defaultDc = config.defaultDc ?? 2
    // The home DC, kept in memory for the hot path; storage has the persisted copy.
    let home = (yield* storage.load).homeDc ?? defaultDc
    const setHome = (dc: number) =>
      Effect.zipRight(Effect.sync(() => {
        home = dc
        updatesEngine.homeChanged(dc)
      }), storage.setHomeDc(dc))

    // Keeps the peer cache current from any result (min entries never overwrite full ones).
    const peers = makeKnownPeers(storage)
    // The update stream's engine: fed by the home DC's pushes and by call results below.
    const updatesEngine = yield* UpdatesEngine.make({
      invoke: (method) => invokeUntyped(method),
      storage,
      peers,
      homeDc: () => home,
      options: config.updates
    })

    const pool = yield* DcPool.make({
      transport,
      storage,
      testMode,
      publicKeys: config.publicKeys,
      senderOptions,
      addresses,
      mediaAddresses,
      pfs: config.pfs === true ? {} : config.pfs === false ? undefined : config.pfs,
      // A session exported before login must know its home DC, to carry its key.
      onKeyCreated: (dc) =>
        Effect.flatMap(storage.load, (s) => dc === home && s.homeDc === undefined ? storage.setHomeDc(dc) : Effect.void),
      app: {
        apiId: config.apiId,
        deviceModel: config.deviceModel ?? "effect-mtproto",
        systemVersion: config.systemVersion ?? `Node ${process.versions.node}`,
        appVersion: config.appVersion ?? "0.1.0",
        systemLangCode: config.systemLangCode ?? "en",
        langPack: config.langPack ?? "",
        langCode: config.langCode ?? "en"
      },
      onUpdates: (dc, objects) => {
        updatesReceived.unsafeUpdate(objects.length, dcLabels(dc))
        updatesEngine.onPush(dc, objects)
      },
      onConnected: updatesEngine.onConnected,
      onNewSession: updatesEngine.onConnected
    })
    // Built on the first failure: a client whose calls succeed never needs it.
    let retry: Schedule.Schedule<unknown, ClientError> | undefined
    const policy = () => retry ??= observedRetries(config.retry ?? retryPolicy({ floodSleepThreshold: config.floodSleepThreshold ?? 60 }))

    const homeDc = Effect.sync(() => home)

    const rememberPeers = (result: unknown): Effect.Effect<unknown> => Effect.as(peers.remember(result), result)
    /** Every result: its updates to the update engine (pts in step), its peers to the cache. */
    const received = (method: TlMethod) => (result: unknown): Effect.Effect<unknown> => {
      updatesEngine.observe(method, result)
      return rememberPeers(result)
    }

    const onDc = (dcId: number, method: TlMethod, span?: Tracer.Span): Effect.Effect<unknown, ClientError> => {
      span?.attribute("mtproto.dc", dcId)
      const open = pool.open(dcId)
      return open !== undefined ? open.invoke(method, span) : Effect.flatMap(pool.get(dcId), (connection) => connection.invoke(method, span))
    }

    // Authorizations imported into non-home DCs (FILE_MIGRATE), by DC id.
    const imported = new Set<number>()

    /** Makes `dcId` accept this account: auth.exportAuthorization on the home DC, import there. */
    // One export/import at a time: parallel file workers reaching a new DC import once.
    const importLock = yield* Effect.makeSemaphore(1)
    const importAuthorization = (dcId: number, homeId: number) =>
      Effect.suspend(() => imported.has(dcId) || dcId === homeId ? Effect.void : importLock.withPermits(1)(importNow(dcId, homeId)))
    const importNow = (dcId: number, homeId: number) =>
      Effect.gen(function*() {
        if (imported.has(dcId) || dcId === homeId) return
        const session = yield* storage.load
        if (session.user !== undefined) {
          const exported = (yield* onDc(homeId, { _tag: "auth.exportAuthorization", dc_id: dcId })) as Api.auth.exportedAuthorization
          yield* onDc(dcId, { _tag: "auth.importAuthorization", id: exported.id, bytes: exported.bytes })
        }
        imported.add(dcId)
      })

    /**
     * The key of `dcId` is gone or unusable: drop it (pool and storage). A logged-in home DC
     * means the login is gone too (`SessionRevoked`); anywhere else a new key is made on the
     * next try.
     */
    const keyLost = (dcId: number, reason: SessionRevoked["reason"], cause: ClientError) =>
      Effect.gen(function*() {
        yield* Effect.logWarning("auth key dropped").pipe(Effect.annotateLogs({ dc: dcId, reason }))
        yield* pool.dropKey(dcId)
        imported.delete(dcId)
        const loggedIn = (yield* storage.load).user !== undefined
        if (dcId !== home || !loggedIn) return reason === "AuthKeyUnknown"
        yield* storage.setUser(undefined)
        imported.clear()
        return yield* new SessionRevoked({ dc: dcId, reason, cause })
      })

    /** One try on `dcId`, with the key lifecycle: true means "try again" (a new key is ready to be made). */
    const attemptOn = (dcId: number, method: TlMethod, span?: Tracer.Span) =>
      onDc(dcId, method, span).pipe(
        Effect.map((value) => ({ ok: true as const, value })),
        Effect.catchIf(
          (e): e is Migrate | SenderError | AuthKeyUnregistered | AuthKeyDuplicated =>
            e._tag === "Migrate" || (e._tag === "SenderError" && e.reason === "AuthKeyUnknown") ||
            e._tag === "AuthKeyUnregistered" || e._tag === "AuthKeyDuplicated",
          (e) => Effect.succeed({ ok: false as const, error: e })
        )
      )

    /**
     * One try: home DC, following PHONE/USER/NETWORK migrations, routing FILE/STATS ones, and
     * healing a forgotten key. `first` is an error the hot path already got for this call.
     */
    const route = (method: TlMethod, first?: ClientError, span?: Tracer.Span): Effect.Effect<unknown, ClientError> =>
      Effect.gen(function*() {
        let pendingError: ClientError | undefined = first
        let newKeys = 0
        for (let hops = 0; hops < MAX_MIGRATIONS;) {
          const dcId = home
          let error: ClientError
          if (pendingError !== undefined) {
            error = pendingError
            pendingError = undefined
          } else {
            const result = yield* attemptOn(dcId, method, span)
            if (result.ok) return result.value
            error = result.error
          }
          switch (error._tag) {
            case "Migrate": {
              const m = error
              if (m.kind === "FILE" || m.kind === "STATS") {
                yield* importAuthorization(m.dc, dcId)
                const there = yield* attemptOn(m.dc, method, span)
                if (there.ok) return there.value
                if (there.error._tag === "SenderError" && newKeys++ === 0) {
                  yield* keyLost(m.dc, "AuthKeyUnknown", there.error)
                  continue
                }
                return yield* Effect.fail(there.error)
              }
              yield* Effect.logInfo("migrating").pipe(Effect.annotateLogs({ from: dcId, to: m.dc, kind: m.kind }))
              // Logged in already: the new home DC must know the login too (no-op before login).
              yield* importAuthorization(m.dc, dcId)
              yield* setHome(m.dc)
              cachedConfig = undefined
              hops++
              continue
            }
            case "SenderError":
              if (error.reason === "AuthKeyUnknown" && newKeys++ === 0 && (yield* keyLost(dcId, "AuthKeyUnknown", error))) continue
              // A Sender that gave up on its DC stays stopped: the next call starts a new one.
              if (error.reason === "ConnectionFailed") yield* pool.close(dcId)
              return yield* Effect.fail(error)
            case "AuthKeyUnregistered":
              // Only a session we believed logged in is revoked; before login this is the plain answer.
              if ((yield* storage.load).user !== undefined && dcId === home) yield* keyLost(dcId, "AuthKeyUnregistered", error)
              return yield* Effect.fail(error)
            case "AuthKeyDuplicated":
              yield* keyLost(dcId, "AuthKeyDuplicated", error)
              return yield* Effect.fail(error)
            default:
              return yield* Effect.fail(error)
          }
        }
        return yield* new DcError({ reason: "TooManyMigrations", dc: home })
      })

    /** Everything that is not a plain answer: migrations, key healing, then the retry policy. */
    const recover = (method: TlMethod, error: ClientError, span: Tracer.Span | undefined): Effect.Effect<unknown, ClientError> => {
      let first: ClientError | undefined = error
      let retries = -1
      return Effect.retry(
        Effect.suspend(() => {
          const e = first
          first = undefined
          if (++retries > 0) span?.attribute("mtproto.retries", retries)
          return route(method, e, span)
        }),
        policy()
      )
    }

    // Built on every run (`getMe` and friends are effects made once): the home DC is read then.
    const invokeUntyped = (method: TlMethod, options?: InvokeOptions): Effect.Effect<unknown, ClientError> =>
      // Typed code only passes methods; a cast object or data from outside may be anything.
      Effect.suspend(() => isMethodTag((method as { readonly _tag?: unknown } | null)?._tag) ? invokeNow(method, options) : Effect.fail(notAMethod(method)))
    const invokeNow = (method: TlMethod, options?: InvokeOptions): Effect.Effect<unknown, ClientError> =>
      observeCall(clock, method, (span) => {
        const dcId = options?.dcId
        if (options?.fileConnection !== undefined) {
          return Effect.retry(invokeFile(method, dcId ?? home, options.fileConnection, span), policy())
        }
        if (dcId !== undefined) return onDc(dcId, method, span).pipe(Effect.retry(policy()), Effect.flatMap(received(method)))
        // The hot path: one call on the open home connection; everything else is `recover`.
        return Effect.matchEffect(onDc(home, method, span), {
          onSuccess: received(method),
          onFailure: (e) => Effect.flatMap(recover(method, e, span), received(method))
        })
      })

    // The media-only addresses come with the config: asked once, before the first file call
    // (parallel workers wait for the one request).
    const learnMedia = yield* Effect.cached(Effect.ignore(Effect.suspend(() => getConfig)))

    /**
     * One call on file connection `index` of `dcId`: the authorization imported there first
     * (once per DC), a new key made once if the DC forgot ours, a connection that gave up
     * closed so the next call opens a new one. FILE_MIGRATE is the caller's to follow.
     */
    const invokeFile = (method: TlMethod, dcId: number, index: number, span: Tracer.Span | undefined): Effect.Effect<unknown, ClientError> =>
      Effect.gen(function*() {
        span?.attribute("mtproto.dc", dcId)
        yield* learnMedia
        for (let attempt = 0;; attempt++) {
          const homeId = home
          if (dcId !== homeId) yield* importAuthorization(dcId, homeId)
          const result = yield* Effect.either(Effect.flatMap(pool.file(dcId, index), (c) => c.invoke(method, span)))
          if (result._tag === "Right") return result.right
          const error = result.left
          if (error._tag === "SenderError" && error.reason === "ConnectionFailed") yield* pool.closeFile(dcId, index)
          if (attempt === 0 && dcId !== homeId && error._tag === "AuthKeyUnregistered") {
            // The DC does not know the login (imported before it existed, or dropped): again.
            imported.delete(dcId)
            continue
          }
          if (attempt === 0 && dcId !== homeId && error._tag === "SenderError" && error.reason === "AuthKeyUnknown") {
            // The DC lost our key: a new one, and the login exported to it again.
            yield* keyLost(dcId, "AuthKeyUnknown", error)
            continue
          }
          return yield* Effect.fail(error)
        }
      })

    const invoke = <M extends TlMethod>(method: M, options?: InvokeOptions) =>
      invokeUntyped(method, options) as Effect.Effect<ResultOf<M>, ClientError>

    let cachedConfig: Api.Config | undefined
    const getConfig = Effect.suspend(() =>
      cachedConfig !== undefined ? Effect.succeed(cachedConfig) : Effect.tap(
        invokeUntyped({ _tag: "help.getConfig" }) as Effect.Effect<Api.Config, ClientError>,
        (c) =>
          Effect.sync(() => {
            cachedConfig = c
            // Learn the DC addresses the server announces (plain IPv4, not CDN); media-only
            // ones are kept apart, for file connections.
            for (const o of c.dc_options) {
              if (o.ipv6 || o.cdn) continue
              const target = o.media_only ? mediaAddresses : addresses
              if (!target.has(o.id)) target.set(o.id, { id: o.id, host: o.ip_address, port: o.port })
            }
          })
      )
    )

    const getMe = Effect.flatMap(
      invokeUntyped({ _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] }),
      (users) => Effect.succeed((users as ReadonlyArray<Api.User>)[0]!)
    )

    const isAuthorized = Effect.map(storage.load, (s) => s.user !== undefined)

    const saveUser = (user: Api.User): Effect.Effect<void, SessionStorageError> =>
      user._tag === "user"
        ? storage.setUser({ id: user.id, bot: user.bot === true, username: user.username })
        : Effect.void

    /** Stores who logged in and where (every login path ends here). */
    const loggedIn = (user: Api.User) =>
      Effect.gen(function*() {
        yield* saveUser(user)
        yield* setHome(home)
        yield* Effect.logInfo("logged in").pipe(Effect.annotateLogs({ user: user.id.toString() }))
        // The update state starts here (a later subscription catches up from it).
        yield* updatesEngine.loggedIn.pipe(Effect.catchAll((e) => Effect.logWarning("updates.getState after login failed", e)))
        return user
      })

    const start = (params: LoginParams): Effect.Effect<Api.User, LoginFailure> =>
      Effect.gen(function*() {
        if (yield* isAuthorized) return yield* getMe
        const ctx = { invoke: (m: TlMethod) => invokeUntyped(m), apiId: config.apiId, apiHash: config.apiHash }
        const user = "botToken" in params ? yield* botLogin(ctx, params) : yield* userLogin(ctx, params)
        return yield* loggedIn(user)
      }).pipe(Effect.withSpan("Client.start"))

    const startQr = (params: QrLogin): Effect.Effect<Api.User, QrLoginFailure> =>
      Effect.gen(function*() {
        if (yield* isAuthorized) return yield* getMe
        const user = yield* qrLogin({
          invoke: (m: TlMethod) => invokeUntyped(m),
          apiId: config.apiId,
          apiHash: config.apiHash,
          updates: updatesEngine.subscribe,
          setHomeDc: (dc) => Effect.zipRight(setHome(dc), Effect.sync(() => void (cachedConfig = undefined))),
          timeOffset: Effect.map(storage.load, (s) => s.dcs.get(home)?.timeOffset ?? 0)
        }, params)
        return yield* loggedIn(user)
      }).pipe(Effect.withSpan("Client.startQr"))

    const logOut = Effect.gen(function*() {
      yield* invokeUntyped({ _tag: "auth.logOut" })
      yield* pool.reset
      imported.clear()
      cachedConfig = undefined
      yield* storage.clear
      home = defaultDc
      yield* updatesEngine.loggedOut
    })

    const updates = Stream.unwrapScoped(updatesEngine.subscribe)

    return {
      invoke,
      start,
      getMe,
      logOut,
      isAuthorized,
      homeDc,
      getConfig,
      updates,
      subscribeUpdates: updatesEngine.subscribe,
      startQr,
      peers
    } satisfies ClientShape
  })

/** The Client over the given Transport and SessionStorage layers. */
export const layerWith = (config: ClientConfig): Layer.Layer<Client, SecretNotRedacted, Transport | SessionStorage> =>
  Layer.scoped(Client, make(config))

/**
 * The Client over TCP (NodeSocket, default transport options), through `config.proxy` when
 * set, and the given SessionStorage.
 */
export const layer = (config: ClientConfig): Layer.Layer<Client, SecretNotRedacted, SessionStorage> =>
  config.proxy === undefined
    // One layer, not two composed: each layer in a graph costs a client ~15 KB of Layer bookkeeping.
    ? Layer.scoped(Client, Effect.provideService(make(config), Transport, makeNode()))
    : layerWith(config).pipe(Layer.provide(layerProxied(config, config.proxy)))

/**
 * The proxy transport, loaded only by clients that use a proxy (it needs `@effect/platform`'s
 * sockets); built after the config's secrets are checked (it reads the proxy's).
 */
const layerProxied = (config: ClientConfig, proxy: ProxyConfig): Layer.Layer<Transport, SecretNotRedacted> =>
  Layer.unwrapEffect(
    Effect.zipRight(requireSecrets(config), Effect.map(Effect.promise(() => import("../transport/proxy/Proxy.ts")), (m) => m.layerProxied(proxy)))
  )

/** `layer` with its config read from the environment (`TELEGRAM_API_ID`, `TELEGRAM_API_HASH`, ...). */
export const layerConfig: Layer.Layer<Client, ConfigError.ConfigError | SecretNotRedacted, SessionStorage> = Layer.unwrapEffect(
  Effect.map(clientConfig, layer)
)
