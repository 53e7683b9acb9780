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
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Sender from "../mtproto/Sender.ts"
import { SessionStorage, type SessionStorageError, type SessionStorageShape } from "../storage/index.ts"
import { peersFromObjects } from "../storage/index.ts"
import type { AnyObject, Api, ResultOf, TlMethod } from "../tl/index.ts"
import { layerNode, layerProxied, Transport } from "../transport/index.ts"
import { botLogin, type LoginFailure, type LoginParams, userLogin } from "./auth/login.ts"
import { type ClientConfig, clientConfig, type DcAddress, PRODUCTION_DCS, TEST_DCS } from "./config.ts"
import * as DcPool from "./DcPool.ts"
import { type ClientError, DcError, type Migrate } from "./errors.ts"
import { retryPolicy } from "./retry.ts"

/** Options of one call. */
export interface InvokeOptions {
  /** Send to this DC instead of the home DC (no migration handling). */
  readonly dcId?: number | undefined
}

/** The Client's model. */
export interface ClientShape {
  /** Calls any API method; the result type follows from the method. Connects lazily. */
  readonly invoke: <M extends TlMethod>(method: M, options?: InvokeOptions) => Effect.Effect<ResultOf<M>, ClientError>
  /** Logs in unless the stored session already is. Returns the logged-in user. */
  readonly start: (params: LoginParams) => Effect.Effect<Api.User, LoginFailure>
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
   * Subscribes to the updates the home DC pushes (decoded TL objects), connecting if needed.
   * The subscription lives as long as the scope.
   */
  readonly updates: Effect.Effect<Stream.Stream<AnyObject>, ClientError, Scope.Scope>
}

/**
 * The Client service tag. `yield* Client` gets the service; `Client.layer(config)` builds it
 * (the statics forward to the module's `layer*` functions, so both spellings work).
 */
export class Client extends Context.Tag("effect-mtproto/Client")<Client, ClientShape>() {
  /** See {@link layer}. */
  static layer(config: ClientConfig): Layer.Layer<Client, never, SessionStorage> {
    return layer(config)
  }
  /** See {@link layerWith}. */
  static layerWith(config: ClientConfig): Layer.Layer<Client, never, Transport | SessionStorage> {
    return layerWith(config)
  }
  /** See {@link layerConfig}. */
  static get layerConfig(): Layer.Layer<Client, ConfigError.ConfigError, SessionStorage> {
    return layerConfig
  }
  /** See {@link make}. */
  static make(config: ClientConfig): Effect.Effect<ClientShape, never, Transport | SessionStorage | Scope.Scope> {
    return make(config)
  }
}

const MAX_MIGRATIONS = 5

/** Builds a Client in the current scope (connections close with it). */
export const make = (config: ClientConfig): Effect.Effect<ClientShape, never, Transport | SessionStorage | Scope.Scope> =>
  Effect.gen(function*() {
    const transport = yield* Transport
    const storage: SessionStorageShape = yield* SessionStorage
    const testMode = config.testMode ?? false
    const addresses = new Map<number, DcAddress>()
    for (const dc of config.dcs ?? (testMode ? TEST_DCS : PRODUCTION_DCS)) addresses.set(dc.id, dc)
    const senderOptions: Partial<Sender.SenderOptions> = config.pingInterval !== undefined
      ? { pingInterval: config.pingInterval }
      : {}
    const pool = yield* DcPool.make({
      transport,
      storage,
      testMode,
      publicKeys: config.publicKeys,
      senderOptions,
      addresses,
      app: {
        apiId: config.apiId,
        deviceModel: config.deviceModel ?? "effect-mtproto",
        systemVersion: config.systemVersion ?? `Node ${process.versions.node}`,
        appVersion: config.appVersion ?? "0.1.0",
        systemLangCode: config.systemLangCode ?? "en",
        langPack: config.langPack ?? "",
        langCode: config.langCode ?? "en"
      }
    })
    const policy = config.retry ?? retryPolicy({ floodSleepThreshold: config.floodSleepThreshold ?? 60 })

    const homeDc = Effect.map(storage.load, (s) => s.homeDc ?? config.defaultDc ?? 2)

    /** Keeps the peer cache current from any result (min entries never overwrite full ones). */
    const rememberPeers = (result: unknown): Effect.Effect<void> => {
      const peers = peersFromObjects(result)
      return peers.length === 0 ? Effect.void : Effect.ignoreLogged(storage.upsertPeers(peers))
    }

    const onDc = (dcId: number, method: TlMethod): Effect.Effect<unknown, ClientError> =>
      Effect.flatMap(pool.get(dcId), (connection) => connection.invoke(method))

    // Authorizations imported into non-home DCs (FILE_MIGRATE), by DC id.
    const imported = new Set<number>()

    /** Makes `dcId` accept this account: auth.exportAuthorization on the home DC, import there. */
    const importAuthorization = (dcId: number, home: number) =>
      Effect.gen(function*() {
        if (imported.has(dcId) || dcId === home) return
        const session = yield* storage.load
        if (session.user !== undefined) {
          const exported = (yield* onDc(home, { _tag: "auth.exportAuthorization", dc_id: dcId })) as Api.auth.exportedAuthorization
          yield* onDc(dcId, { _tag: "auth.importAuthorization", id: exported.id, bytes: exported.bytes })
        }
        imported.add(dcId)
      })

    /** One try: home DC, following PHONE/USER/NETWORK migrations and routing FILE/STATS ones. */
    const route = (method: TlMethod): Effect.Effect<unknown, ClientError> =>
      Effect.gen(function*() {
        for (let hops = 0; hops < MAX_MIGRATIONS; hops++) {
          const home = yield* homeDc
          const result = yield* onDc(home, method).pipe(
            Effect.map((value) => ({ ok: true as const, value })),
            Effect.catchIf((e): e is Migrate => e._tag === "Migrate", (m) => Effect.succeed({ ok: false as const, migrate: m }))
          )
          if (result.ok) return result.value
          const m = result.migrate
          if (m.kind === "FILE" || m.kind === "STATS") {
            yield* importAuthorization(m.dc, home)
            return yield* onDc(m.dc, method)
          }
          yield* Effect.logInfo("migrating").pipe(Effect.annotateLogs({ from: home, to: m.dc, kind: m.kind }))
          // Logged in already: the new home DC must know the login too (no-op before login).
          yield* importAuthorization(m.dc, home)
          yield* storage.setHomeDc(m.dc)
          cachedConfig = undefined
        }
        return yield* new DcError({ reason: "TooManyMigrations", dc: yield* homeDc })
      })

    const invokeUntyped = (method: TlMethod, options?: InvokeOptions): Effect.Effect<unknown, ClientError> =>
      (options?.dcId !== undefined ? onDc(options.dcId, method) : route(method)).pipe(
        Effect.retry(policy),
        Effect.tap(rememberPeers),
        Effect.withSpan("Client.invoke", { attributes: { method: method._tag } })
      )

    const invoke = <M extends TlMethod>(method: M, options?: InvokeOptions) =>
      invokeUntyped(method, options) as Effect.Effect<ResultOf<M>, ClientError>

    let cachedConfig: Api.Config | undefined
    const getConfig = Effect.suspend(() =>
      cachedConfig !== undefined ? Effect.succeed(cachedConfig) : Effect.tap(
        invokeUntyped({ _tag: "help.getConfig" }) as Effect.Effect<Api.Config, ClientError>,
        (c) =>
          Effect.sync(() => {
            cachedConfig = c
            // Learn the DC addresses the server announces (plain IPv4, not media-only or CDN).
            for (const o of c.dc_options) {
              if (!o.ipv6 && !o.media_only && !o.cdn && !addresses.has(o.id)) {
                addresses.set(o.id, { id: o.id, host: o.ip_address, port: o.port })
              }
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

    const start = (params: LoginParams): Effect.Effect<Api.User, LoginFailure> =>
      Effect.gen(function*() {
        if (yield* isAuthorized) return yield* getMe
        const ctx = { invoke: (m: TlMethod) => invokeUntyped(m), apiId: config.apiId, apiHash: config.apiHash }
        const user = "botToken" in params ? yield* botLogin(ctx, params) : yield* userLogin(ctx, params)
        yield* saveUser(user)
        yield* storage.setHomeDc(yield* homeDc)
        yield* Effect.logInfo("logged in").pipe(Effect.annotateLogs({ user: user.id.toString() }))
        return user
      }).pipe(Effect.withSpan("Client.start"))

    const logOut = Effect.gen(function*() {
      yield* invokeUntyped({ _tag: "auth.logOut" })
      yield* pool.reset
      imported.clear()
      cachedConfig = undefined
      yield* storage.clear
    })

    // Updates arrive on the home DC's connection.
    const updates = Effect.gen(function*() {
      const home = yield* homeDc
      const connection = yield* pool.get(home)
      return yield* connection.sender.updates
    })

    return {
      invoke,
      start,
      getMe,
      logOut,
      isAuthorized,
      homeDc,
      getConfig,
      updates
    } satisfies ClientShape
  })

/** The Client over the given Transport and SessionStorage layers. */
export const layerWith = (config: ClientConfig): Layer.Layer<Client, never, Transport | SessionStorage> =>
  Layer.scoped(Client, make(config))

/**
 * The Client over TCP (NodeSocket, default transport options), through `config.proxy` when
 * set, and the given SessionStorage.
 */
export const layer = (config: ClientConfig): Layer.Layer<Client, never, SessionStorage> =>
  layerWith(config).pipe(Layer.provide(config.proxy === undefined ? layerNode() : layerProxied(config.proxy)))

/** `layer` with its config read from the environment (`TELEGRAM_API_ID`, `TELEGRAM_API_HASH`, ...). */
export const layerConfig: Layer.Layer<Client, ConfigError.ConfigError, SessionStorage> = Layer.unwrapEffect(
  Effect.map(clientConfig, layer)
)
