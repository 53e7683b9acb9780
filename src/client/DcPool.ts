/**
 * One Sender per DC, opened on demand and closed with the client's scope: an Effect `RcMap`
 * keyed by DC id (scoped, evictable). A DC's auth key comes from the session storage, or from
 * a handshake whose result is stored at once; the first call of every session (the Sender
 * announces new ones) is wrapped in `invokeWithLayer(initConnection(...))`.
 *
 * An open connection is also kept in a plain map, so the hot path of a call needs no
 * round trip through the pool.
 *
 * Beside the API connections, file connections: several per DC, keyed (dc, index), each a TCP
 * connection and MTProto session of its own under the DC's auth key, so that parallel part
 * uploads and downloads do not queue behind each other or behind API calls. They go to the
 * DC's `media_only` address when the config announced one (never used for API calls), close
 * after a while unused, and never gzip what they send (file parts do not shrink). Under
 * perfect forward secrecy they are the API connection (one bound temporary key per DC).
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
import type { Connection, TransportError, TransportShape } from "../transport/index.ts"
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
  /** `media_only` addresses by DC id (from `help.getConfig`), for file connections only. */
  readonly mediaAddresses?: Map<number, DcAddress> | undefined
  /** How long an unused file connection stays open (default 60 s). */
  readonly fileIdleTime?: Duration.DurationInput | undefined
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
  /**
   * File connection `index` (0, 1, ...) of `dcId`: its own connection and session under the
   * DC's key, to the DC's media-only address when one is known. Opened on first use; closed
   * after `fileIdleTime` unused.
   */
  readonly file: (dcId: number, index: number) => Effect.Effect<DcConnection, ClientError>
  /** Closes file connection `index` of `dcId` (the next call opens a new one). */
  readonly closeFile: (dcId: number, index: number) => Effect.Effect<void>
}

/** Which of a DC's connections: the API one, or file connection `index`. */
type Slot = { readonly _tag: "Api" } | { readonly _tag: "File"; readonly index: number }
const API: Slot = { _tag: "Api" }

/** The key of file connection `index` of `dcId` in the file RcMap. */
const fileKey = (dcId: number, index: number): string => `${dcId}:${index}`

/** Builds the pool in the caller's scope; connections live until that scope closes, `dropKey` or `reset`. */
export const make = (options: DcPoolOptions): Effect.Effect<DcPool, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Open connections by DC id, for the hot path; owned by the RcMap's lookups and finalizers.
    const live = new Map<number, DcConnection>()

    // One key creation at a time: the API connection and the file connections of a DC all
    // want its key, and two handshakes would store two keys.
    const keyLock = yield* Effect.makeSemaphore(1)

    /** The stored auth key of `dcId`, or a new one made by a handshake and stored at once. */
    const authOf = (dcId: number, handshakeDc: number, connect: Effect.Effect<Connection, TransportError, Scope.Scope>) =>
      keyLock.withPermits(1)(Effect.gen(function*() {
        const stored = (yield* options.storage.load).dcs.get(dcId)
        if (stored?.authKey !== undefined) {
          return { key: Redacted.value(stored.authKey), salt: stored.salt, timeOffset: stored.timeOffset }
        }
        const created = yield* createAuthKeyRetrying(connect, { dcId: handshakeDc, publicKeys: options.publicKeys }).pipe(
          Effect.withSpan("client.createAuthKey", { attributes: { dc: dcId } })
        )
        const auth = { key: created.authKey.key, salt: created.serverSalt, timeOffset: created.timeOffset }
        yield* storeKey(options.storage, dcId, auth)
        if (options.onKeyCreated !== undefined) yield* options.onKeyCreated(dcId)
        yield* Effect.logInfo("auth key created").pipe(Effect.annotateLogs({ dc: dcId }))
        return auth
      }))

    /** Opens a connection of `dcId` (its API one, or a file one) in the current scope. */
    const open = (dcId: number, slot: Slot): Effect.Effect<DcConnection, ClientError, Scope.Scope> =>
      Effect.gen(function*() {
        const media = slot._tag === "File" ? options.mediaAddresses?.get(dcId) : undefined
        const address = media ?? options.addresses.get(dcId)
        if (address === undefined) return yield* new DcError({ reason: "UnknownDc", dc: dcId })
        const handshakeDc = options.testMode ? 10_000 + dcId : dcId
        // The obfuscation header names media DCs with a negative id.
        const connect = options.transport.connect({ host: address.host, port: address.port, dcId: media === undefined ? handshakeDc : -handshakeDc })
        const auth = yield* authOf(dcId, handshakeDc, connect)
        // The server keeps the layer and app info per session: every new session (the Sender
        // tells us) needs initConnection again.
        let initialized = false
        const permanent = { key: auth.key, id: authKeyId(auth.key) }
        const senderOptions: Sender.SenderOptions = {
          ...options.senderOptions,
          dcId,
          // File parts are media that gzip does not shrink: trying costs more than it saves.
          ...(slot._tag === "File" ? { gzipThreshold: Number.POSITIVE_INFINITY } : {}),
          authKey: permanent,
          salt: auth.salt,
          timeOffset: auth.timeOffset,
          connect,
          onNewSession: (event) => {
            initialized = false
            options.senderOptions.onNewSession?.(event)
            if (slot._tag === "Api") options.onNewSession?.(dcId)
          },
          // Only the API connection feeds the updates engine: file connections get no pushes.
          ...(slot._tag === "Api" && options.onUpdates !== undefined ? { onUpdates: (updates) => options.onUpdates!(dcId, updates) } : {}),
          ...(slot._tag === "Api" && options.onConnected !== undefined ? { onConnected: () => options.onConnected!(dcId) } : {})
        }
        let sender: Sender.Sender
        if (options.pfs === undefined) {
          sender = yield* Sender.make(senderOptions)
          // The salt and clock the session learned are worth keeping for the next run.
          if (slot._tag === "Api") {
            yield* Effect.addFinalizer(() =>
              Effect.flatMap(sender.state, (state) =>
                Effect.all([options.storage.setSalt(dcId, state.salt), options.storage.setTimeOffset(dcId, state.timeOffset)])).pipe(
                  Effect.ignore
                )
            )
          }
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
        return { dcId, sender, invoke } satisfies DcConnection
      })

    const lookup = (dcId: number): Effect.Effect<DcConnection, ClientError, Scope.Scope> =>
      Effect.gen(function*() {
        const connection = yield* open(dcId, API)
        live.set(dcId, connection)
        yield* Effect.addFinalizer(() => Effect.sync(() => live.get(dcId) === connection && live.delete(dcId)))
        return connection
      })

    // The maps are made on their first connection: a constructed client that never calls (or
    // never moves a file) does not pay for them.
    const scope = yield* Effect.scope
    const api = lazyRcMap(scope, { lookup, idleTimeToLive: Duration.infinity })
    const files = lazyRcMap(scope, {
      lookup: (key: string) => {
        const [dc, index] = key.split(":").map(Number) as [number, number]
        return open(dc, { _tag: "File", index })
      },
      idleTimeToLive: options.fileIdleTime ?? Duration.seconds(60)
    })
    const closeFiles = (dcId: number | undefined) =>
      files.invalidateWhere((k) => dcId === undefined || k.startsWith(`${dcId}:`))

    const get = (dcId: number): Effect.Effect<DcConnection, ClientError> =>
      Effect.suspend(() => {
        const open = live.get(dcId)
        return open !== undefined ? Effect.succeed(open) : api.get(dcId)
      })

    const dropKey = (dcId: number) =>
      Effect.zipRight(Effect.zipRight(api.invalidate(dcId), closeFiles(dcId)), options.storage.setAuthKey(dcId, Option.none()))

    const reset = Effect.zipRight(api.invalidateWhere(() => true), closeFiles(undefined))

    return {
      get,
      open: (dcId) => live.get(dcId),
      close: api.invalidate,
      dropKey,
      reset,
      // Under PFS a permanent key has one bound temporary key at a time (auth.bindTempAuthKey
      // replaces the binding): file calls share the DC's API connection rather than bind keys
      // of their own that would unbind it.
      file: (dcId, index) => options.pfs === undefined ? files.get(fileKey(dcId, index)) : get(dcId),
      closeFile: (dcId, index) => files.invalidate(fileKey(dcId, index))
    }
  })

/** An RcMap made in `scope` on its first `get`; invalidating before that is a no-op. */
const lazyRcMap = <K, A, E>(
  scope: Scope.Scope,
  options: { readonly lookup: (key: K) => Effect.Effect<A, E, Scope.Scope>; readonly idleTimeToLive: Duration.DurationInput }
) => {
  let made: RcMap.RcMap<K, A, E> | undefined
  const map = Effect.suspend(() =>
    made !== undefined ? Effect.succeed(made) : Effect.map(Scope.extend(RcMap.make(options), scope), (m) => made ??= m)
  )
  const invalidate = (key: K): Effect.Effect<void> => made === undefined ? Effect.void : RcMap.invalidate(made, key)
  return {
    get: (key: K): Effect.Effect<A, E> => Effect.flatMap(map, (m) => Effect.scoped(RcMap.get(m, key))),
    invalidate,
    invalidateWhere: (matches: (key: K) => boolean): Effect.Effect<void> =>
      Effect.suspend(() =>
        made === undefined
          ? Effect.void
          : Effect.flatMap(RcMap.keys(made), (keys) => Effect.forEach(keys.filter(matches), invalidate, { discard: true }))
      )
  }
}

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
