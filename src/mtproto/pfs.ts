/**
 * Perfect forward secrecy (core.telegram.org/api/pfs): all traffic goes under a temporary auth
 * key (`p_q_inner_data_temp_dc`) bound to the permanent key with `auth.bindTempAuthKey`; the
 * permanent key only signs the binding. The temporary key is renewed before it expires (a new
 * key, bound, then calls move to it; the old one is closed once its calls had time to end),
 * and made again at once if the server forgets it early (transport error -404).
 *
 * The result is a {@link Sender.Sender} like any other, so the pool and the Client do not know
 * the difference. Temporary keys live in memory only.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as PubSub from "effect/PubSub"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import { randomBytes as defaultRandomBytes, type RsaPublicKey } from "../crypto/index.ts"
import type { AnyObject, ResultOf, TlEncodeError, TlMethod } from "../tl/index.ts"
import type { HandshakeError } from "./errors.ts"
import { createAuthKeyRetrying } from "./handshake.ts"
import { type AnyRpcError, SenderError } from "./rpcError.ts"
import * as Sender from "./Sender.ts"
import { authKeyIdLong, encryptBinding } from "./tempKey.ts"

/** How temporary keys are made. */
export interface PfsOptions {
  /** Lifetime of each temporary key (default 24 hours). A new one is bound when 80% of it has passed. */
  readonly lifetime?: Duration.DurationInput | undefined
}

/** A PFS Sender: the options of the Sender (with the permanent key) and of its handshakes. */
export interface PfsSenderOptions extends Sender.SenderOptions {
  /** The DC id for the handshake (+10000 on test servers). */
  readonly dcId: number
  readonly publicKeys?: ReadonlyArray<RsaPublicKey> | undefined
  readonly pfs: PfsOptions
}

interface Generation {
  readonly sender: Sender.Sender
  readonly scope: Scope.CloseableScope
  /** Server time, unix seconds. */
  readonly expiresAt: number
  readonly timeOffset: number
}

const isKeyGone = (e: AnyRpcError | SenderError | TlEncodeError): e is SenderError => e._tag === "SenderError" && e.reason === "AuthKeyUnknown"

/**
 * Makes a temporary key, binds it and returns a Sender over it that renews itself. Fails like
 * a handshake, or with `SenderError("AuthKeyUnknown")` when the server does not know the
 * permanent key (the binding is refused as ENCRYPTED_MESSAGE_INVALID).
 */
export const make = (options: PfsSenderOptions): Effect.Effect<Sender.Sender, HandshakeError | AnyRpcError | SenderError, Scope.Scope> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    const random = options.randomBytes ?? defaultRandomBytes
    const lifetime = Math.max(2, Math.round(Duration.toSeconds(Duration.decode(options.pfs.lifetime ?? Duration.hours(24)))))
    const perm = options.authKey
    const hub = yield* PubSub.unbounded<AnyObject>()
    const grace = Duration.decode(options.requestTimeout ?? Duration.minutes(1))

    /** One temporary key: handshake, Sender, binding. */
    const generation = Effect.gen(function*() {
      const created = yield* createAuthKeyRetrying(options.connect, { dcId: options.dcId, publicKeys: options.publicKeys, tempKeyExpiresIn: lifetime, randomBytes: random })
      const expiresAt = created.expiresAt ?? Math.floor((yield* Clock.currentTimeMillis) / 1000) + created.timeOffset + lifetime
      const scope = yield* Scope.fork(parent, ExecutionStrategy.sequential)
      const sender = yield* Sender.make({
        ...options,
        authKey: created.authKey,
        salt: created.serverSalt,
        timeOffset: created.timeOffset,
        onUpdates: (updates) => {
          for (const u of updates) hub.unsafeOffer(u)
          options.onUpdates?.(updates)
        }
      }).pipe(Scope.extend(scope))
      const nonce = authKeyIdLong(random(8))
      const request = {
        _tag: "auth.bindTempAuthKey",
        perm_auth_key_id: authKeyIdLong(perm.id),
        nonce,
        expires_at: expiresAt,
        encrypted_message: new Uint8Array(104)
      } as const
      const bound = yield* sender.invokeBuilt(request, (msgId, sessionId) => ({
        ...request,
        encrypted_message: encryptBinding(perm, {
          nonce,
          tempAuthKeyId: authKeyIdLong(created.authKey.id),
          permAuthKeyId: request.perm_auth_key_id,
          tempSessionId: sessionId,
          expiresAt
        }, msgId, random)
      })).pipe(
        // The bind message is ours: one the codec cannot write is a bug, not an outcome.
        Effect.catchTag("TlEncodeError", Effect.die),
        Effect.catchIf(
          (e): e is AnyRpcError => e._tag === "RpcError" && e.message === "ENCRYPTED_MESSAGE_INVALID",
          // The server could not open the binding with the permanent key: it does not know it.
          () => Effect.fail(new SenderError({ reason: "AuthKeyUnknown", method: "auth.bindTempAuthKey" }))
        ),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      if (bound !== true) {
        yield* Scope.close(scope, Exit.void)
        return yield* new SenderError({ reason: "AuthKeyUnknown", method: "auth.bindTempAuthKey" })
      }
      // The client info must be written again after every binding.
      const { sessionId } = yield* sender.state
      options.onNewSession?.({ origin: "client", sessionId })
      yield* Effect.logDebug("temporary auth key bound").pipe(Effect.annotateLogs({ dc: options.dcId, expiresAt }))
      return { sender, scope, expiresAt, timeOffset: created.timeOffset } satisfies Generation
    })

    let current = yield* generation
    const lock = yield* Effect.makeSemaphore(1)

    /** Replaces `stale` (unless someone already did); the old key's calls get `grace` to end. */
    const renew = (stale: Generation) =>
      lock.withPermits(1)(Effect.suspend(() => {
        if (current !== stale) return Effect.void
        return Effect.flatMap(generation, (next) => {
          current = next
          return Effect.asVoid(Effect.forkIn(Effect.delay(Scope.close(stale.scope, Exit.void), grace), parent))
        })
      }))

    // Renew when 80% of the lifetime has passed (server time).
    const renewer = Effect.gen(function*() {
      for (;;) {
        const gen = current
        const renewAt = (gen.expiresAt - lifetime / 5 - gen.timeOffset) * 1000
        yield* Effect.sleep(Math.max(0, renewAt - (yield* Clock.currentTimeMillis)))
        yield* renew(gen).pipe(
          Effect.retry(Schedule.spaced("5 seconds").pipe(Schedule.intersect(Schedule.recurs(5)))),
          Effect.catchAll((e) => Effect.logWarning("could not renew the temporary auth key", e))
        )
      }
    })
    yield* Effect.forkScoped(renewer)

    const invokeUntyped = (method: TlMethod, span?: Tracer.Span): Effect.Effect<unknown, AnyRpcError | SenderError | TlEncodeError> =>
      Effect.suspend(() => {
        const used = current
        return used.sender.invokeUntyped(method, span).pipe(
          // The server forgot the temporary key early: make a new one and try once more on it.
          Effect.catchIf(isKeyGone, (e) =>
            renew(used).pipe(
              Effect.mapError((cause) => cause._tag === "SenderError" ? cause : new SenderError({ reason: "AuthKeyUnknown", method: e.method, cause })),
              Effect.zipRight(Effect.suspend(() => current.sender.invokeUntyped(method, span)))
            ))
        )
      })

    return {
      invoke: <M extends TlMethod>(method: M) => invokeUntyped(method) as Effect.Effect<ResultOf<M>, AnyRpcError | SenderError | TlEncodeError>,
      invokeUntyped,
      invokeBuilt: (method, build) => Effect.suspend(() => current.sender.invokeBuilt(method, build)),
      updates: Stream.fromPubSub(hub, { scoped: true }),
      state: Effect.suspend(() => current.sender.state),
      connections: Effect.suspend(() => current.sender.connections),
      stopped: Effect.suspend(() => current.sender.stopped)
    } satisfies Sender.Sender
  })
