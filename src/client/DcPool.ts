/**
 * One Sender per DC, opened on demand and closed with the client's scope. A DC's auth key
 * comes from the session storage, or from a handshake whose result is stored at once; the
 * first call on each connection is wrapped in `invokeWithLayer(initConnection(...))`.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { authKeyId, type RsaPublicKey } from "../crypto/index.ts"
import { createAuthKeyRetrying } from "../mtproto/handshake.ts"
import * as Sender from "../mtproto/Sender.ts"
import type { SessionStorageError, SessionStorageShape } from "../storage/index.ts"
import { LAYER, type TlMethod } from "../tl/index.ts"
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
  /** Sends a call, wrapping the first one of this connection in invokeWithLayer(initConnection). */
  readonly invoke: (method: TlMethod) => Effect.Effect<unknown, ClientError>
}

export interface DcPoolOptions {
  readonly transport: TransportShape
  readonly storage: SessionStorageShape
  readonly app: AppInfo
  readonly publicKeys: ReadonlyArray<RsaPublicKey> | undefined
  readonly testMode: boolean
  readonly senderOptions: Partial<Sender.SenderOptions>
  readonly addresses: Map<number, DcAddress>
}

export interface DcPool {
  /** The connection to `dcId`, opened (and its key created) on first use. */
  readonly get: (dcId: number) => Effect.Effect<DcConnection, ClientError>
  /** Closes every connection (log-out: the keys are gone). */
  readonly reset: Effect.Effect<void>
}

/** Builds the pool in the caller's scope; connections live until that scope closes or `reset`. */
export const make = (options: DcPoolOptions): Effect.Effect<DcPool, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    // Keyed by DC id; owned by `get`, which runs its check-and-insert without yielding.
    const connections = new Map<
      number,
      { readonly deferred: Deferred.Deferred<DcConnection, ClientError>; scope: Scope.CloseableScope | undefined }
    >()

    const open = (dcId: number, connScope: Scope.CloseableScope) =>
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
          yield* Effect.logInfo("auth key created").pipe(Effect.annotateLogs({ dc: dcId }))
        }
        const sender = yield* Sender.make({
          ...options.senderOptions,
          authKey: { key: auth.key, id: authKeyId(auth.key) },
          salt: auth.salt,
          timeOffset: auth.timeOffset,
          connect
        }).pipe(Scope.extend(connScope))
        // The salt and clock the session learned are worth keeping for the next run.
        yield* Scope.addFinalizer(
          connScope,
          Effect.flatMap(sender.state, (state) =>
            Effect.all([options.storage.setSalt(dcId, state.salt), options.storage.setTimeOffset(dcId, state.timeOffset)])).pipe(
              Effect.ignore
            )
        )
        // The server keeps the layer and app info per session: a new session (bad_msg 32/33,
        // destroy_session) needs initConnection again.
        let initializedSession: bigint | undefined
        const invoke = (method: TlMethod): Effect.Effect<unknown, ClientError> =>
          Effect.flatMap(sender.state, ({ sessionId }) => {
            if (initializedSession === sessionId) return sender.invokeUntyped(method)
            const wrapped = {
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
            } as unknown as TlMethod
            return Effect.tap(sender.invokeUntyped(wrapped), () => Effect.sync(() => (initializedSession = sessionId)))
          })
        return { dcId, sender, invoke } satisfies DcConnection
      })

    const get = (dcId: number): Effect.Effect<DcConnection, ClientError> =>
      Effect.suspend(() => {
        const existing = connections.get(dcId)
        if (existing !== undefined) return Deferred.await(existing.deferred)
        const deferred = Deferred.unsafeMake<DcConnection, ClientError>(FiberId.none)
        const entry = { deferred, scope: undefined as Scope.CloseableScope | undefined }
        // Registered before the first yield, so concurrent callers share one connection.
        connections.set(dcId, entry)
        return Effect.flatMap(Scope.fork(scope, ExecutionStrategy.sequential), (connScope) => {
          entry.scope = connScope
          // Opened in the pool's scope, not the caller's: the connection outlives the call.
          return open(dcId, connScope).pipe(
            Effect.exit,
            Effect.flatMap((exit) => {
              if (Exit.isFailure(exit)) {
                connections.delete(dcId)
                return Effect.zipRight(Scope.close(connScope, exit), Deferred.done(deferred, exit))
              }
              return Deferred.done(deferred, exit)
            }),
            Effect.forkIn(scope),
            Effect.zipRight(Deferred.await(deferred))
          )
        })
      })

    const reset = Effect.suspend(() => {
      const all = [...connections.values()]
      connections.clear()
      return Effect.forEach(all, (c) => c.scope === undefined ? Effect.void : Scope.close(c.scope, Exit.void), { discard: true })
    })

    return { get, reset }
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
