/**
 * One Sender per DC, opened on demand and closed with the client's scope: an Effect `RcMap`
 * keyed by DC id (scoped, evictable). A DC's auth key comes from the session storage, or from
 * a handshake whose result is stored at once; the first call of every session (the Sender
 * announces new ones) is wrapped in `invokeWithLayer(initConnection(...))`.
 *
 * An open connection is also kept in a plain map, so the hot path of a call needs no
 * round trip through the pool.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as RcMap from "effect/RcMap"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import { authKeyId, type RsaPublicKey } from "../crypto/index.ts"
import { createAuthKeyRetrying } from "../mtproto/handshake.ts"
import * as Pfs from "../mtproto/pfs.ts"
import * as Sender from "../mtproto/Sender.ts"
import type { SessionStorageError, SessionStorageShape } from "../storage/index.ts"
import { type AnyObject, LAYER, type TlMethod } from "../tl/index.ts"
import type { TransportShape } from "../transport/index.ts"
import type { DcAddress } from "./config.ts"
import { type ClientError, DcError } from "./errors.ts"

/** What `initConnection` tells the server about this app. */
export interface AppInfo {
  readonly apiId: number
  readonly deviceModel: string
  readonly systemVersion: string
  readonly appVersion: string
  readonly systemLangCode: string
  readonly langPack: string
  readonly langCode: string
}

/** A live connection to one DC. */
export interface DcConnection {
  readonly dcId: number
  readonly sender: Sender.Sender
  /** Sends a call, wrapping the first one of each session in invokeWithLayer(initConnection); `span` gets its msg_id. */
  readonly invoke: (method: TlMethod, span?: Tracer.Span) => Effect.Effect<unknown, ClientError>
}

export interface DcPoolOptions {
  readonly transport: TransportShape
  readonly storage: SessionStorageShape
  readonly app: AppInfo
  readonly publicKeys: ReadonlyArray<RsaPublicKey> | undefined
  readonly testMode: boolean
  readonly senderOptions: Partial<Sender.SenderOptions>
  readonly addresses: Map<number, DcAddress>
  /** Perfect forward secrecy: every connection runs under a bound temporary key. */
  readonly pfs?: Pfs.PfsOptions | undefined
  /** Told after a new auth key for `dcId` was created and stored. */
  readonly onKeyCreated?: ((dcId: number) => Effect.Effect<void, SessionStorageError>) | undefined
  /** Told of each batch of updates a DC's connection receives (see `Sender.onUpdates`). */
  readonly onUpdates?: ((dcId: number, updates: ReadonlyArray<AnyObject>) => void) | undefined
  /** Told each time a connection to a DC is up: the first one and every reconnect. */
  readonly onConnected?: ((dcId: number) => void) | undefined
  /** Told when a DC starts a new MTProto session for us (updates may have been missed). */
  readonly onNewSession?: ((dcId: number) => void) | undefined
}

export interface DcPool {
  /** The connection to `dcId`, opened (and its key created) on first use. */
  readonly get: (dcId: number) => Effect.Effect<DcConnection, ClientError>
  /** An open connection to `dcId`, without any effect (the hot path); `undefined` if none. */
  readonly open: (dcId: number) => DcConnection | undefined
  /** Closes the connection to `dcId` (the next call opens a new one with the same key). */
  readonly close: (dcId: number) => Effect.Effect<void>
  /** Closes the connection to `dcId` and forgets its auth key, here and in storage. */
  readonly dropKey: (dcId: number) => Effect.Effect<void, SessionStorageError>
  /** Closes every connection (log-out: the keys are gone). */
  readonly reset: Effect.Effect<void>
}

/** Builds the pool in the caller's scope; connections live until that scope closes, `dropKey` or `reset`. */
export const make = (options: DcPoolOptions): Effect.Effect<DcPool, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Open connections by DC id, for the hot path; owned by the RcMap's lookups and finalizers.
    const live = new Map<number, DcConnection>()

    const lookup = (dcId: number): Effect.Effect<DcConnection, ClientError, Scope.Scope> =>
      Effect.gen(function*() {
        const address = options.addresses.get(dcId)
        if (address === undefined) return yield* new DcError({ reason: "UnknownDc", dc: dcId })
        const handshakeDc = options.testMode ? 10_000 + dcId : dcId
        const connect = options.transport.connect({ host: address.host, port: address.port, dcId: handshakeDc })
        const stored = (yield* options.storage.load).dcs.get(dcId)
        let auth: { key: Uint8Array; salt: bigint; timeOffset: number }
        if (stored?.authKey !== undefined) {
          auth = { key: Redacted.value(stored.authKey), salt: stored.salt, timeOffset: stored.timeOffset }
        } else {
          const created = yield* createAuthKeyRetrying(connect, { dcId: handshakeDc, publicKeys: options.publicKeys }).pipe(
            Effect.withSpan("client.createAuthKey", { attributes: { dc: dcId } })
          )
          auth = { key: created.authKey.key, salt: created.serverSalt, timeOffset: created.timeOffset }
          yield* storeKey(options.storage, dcId, auth)
          if (options.onKeyCreated !== undefined) yield* options.onKeyCreated(dcId)
          yield* Effect.logInfo("auth key created").pipe(Effect.annotateLogs({ dc: dcId }))
        }
        // The server keeps the layer and app info per session: every new session (the Sender
        // tells us) needs initConnection again.
        let initialized = false
        const permanent = { key: auth.key, id: authKeyId(auth.key) }
        const senderOptions: Sender.SenderOptions = {
          ...options.senderOptions,
          dcId,
          authKey: permanent,
          salt: auth.salt,
          timeOffset: auth.timeOffset,
          connect,
          onNewSession: (event) => {
            initialized = false
            options.senderOptions.onNewSession?.(event)
            options.onNewSession?.(dcId)
          },
          ...(options.onUpdates !== undefined ? { onUpdates: (updates) => options.onUpdates!(dcId, updates) } : {}),
          ...(options.onConnected !== undefined ? { onConnected: () => options.onConnected!(dcId) } : {})
        }
        let sender: Sender.Sender
        if (options.pfs === undefined) {
          sender = yield* Sender.make(senderOptions)
          // The salt and clock the session learned are worth keeping for the next run.
          yield* Effect.addFinalizer(() =>
            Effect.flatMap(sender.state, (state) =>
              Effect.all([options.storage.setSalt(dcId, state.salt), options.storage.setTimeOffset(dcId, state.timeOffset)])).pipe(
                Effect.ignore
              )
          )
        } else {
          // The permanent key only signs bindings; salts belong to the temporary keys (kept in memory).
          sender = yield* Pfs.make({ ...senderOptions, dcId: handshakeDc, publicKeys: options.publicKeys, pfs: options.pfs })
        }
        const initConnection = (method: TlMethod) => ({
          _tag: "invokeWithLayer",
          layer: LAYER,
          query: {
            _tag: "initConnection",
            api_id: options.app.apiId,
            device_model: options.app.deviceModel,
            system_version: options.app.systemVersion,
            app_version: options.app.appVersion,
            system_lang_code: options.app.systemLangCode,
            lang_pack: options.app.langPack,
            lang_code: options.app.langCode,
            query: method
          }
        }) as unknown as TlMethod
        const invoke = (method: TlMethod, span?: Tracer.Span): Effect.Effect<unknown, ClientError> =>
          initialized
            ? sender.invokeUntyped(method, span)
            : Effect.tap(sender.invokeUntyped(initConnection(method), span), () => void (initialized = true))
        const connection: DcConnection = { dcId, sender, invoke }
        live.set(dcId, connection)
        yield* Effect.addFinalizer(() => Effect.sync(() => live.get(dcId) === connection && live.delete(dcId)))
        return connection
      })

    // Made on the first connection: a constructed client that never calls does not pay for it.
    const scope = yield* Effect.scope
    let made: RcMap.RcMap<number, DcConnection, ClientError> | undefined
    const map = Effect.suspend(() =>
      made !== undefined
        ? Effect.succeed(made)
        : Effect.map(Scope.extend(RcMap.make({ lookup, idleTimeToLive: Duration.infinity }), scope), (m) => made ??= m)
    )
    const invalidate = (dcId: number) => made === undefined ? Effect.void : RcMap.invalidate(made, dcId)

    const get = (dcId: number): Effect.Effect<DcConnection, ClientError> =>
      Effect.suspend(() => {
        const open = live.get(dcId)
        return open !== undefined ? Effect.succeed(open) : Effect.flatMap(map, (m) => Effect.scoped(RcMap.get(m, dcId)))
      })

    const dropKey = (dcId: number) => Effect.zipRight(invalidate(dcId), options.storage.setAuthKey(dcId, Option.none()))

    const reset = Effect.suspend(() =>
      made === undefined ? Effect.void : Effect.flatMap(RcMap.keys(made), (keys) => Effect.forEach(keys, invalidate, { discard: true }))
    )

    return { get, open: (dcId) => live.get(dcId), close: invalidate, dropKey, reset }
  })

const storeKey = (
  storage: SessionStorageShape,
  dcId: number,
  auth: { key: Uint8Array; salt: bigint; timeOffset: number }
): Effect.Effect<void, SessionStorageError> =>
  Effect.all([
    storage.setAuthKey(dcId, Option.some(Redacted.make(auth.key))),
    storage.setSalt(dcId, auth.salt),
    storage.setTimeOffset(dcId, auth.timeOffset)
  ], { discard: true })
