/**
 * The Sender: one per DC connection, the Effect shell around the pure session core
 * ({@link MtpSession}). The core decides everything (what to send, what a frame means, when a
 * call times out, when a connection is dead); this module moves bytes and completes callers:
 *
 * - `invoke` registers the caller with the core (`Effect.async`: its resume callback is the
 *   one completion a call costs) and wakes the writer;
 * - a writer fiber packs what the core has queued and sends it;
 * - a reader fiber hands every frame to the core and acts on the outcomes;
 * - a timer fiber sleeps until the core's next deadline (none while idle, but the keepalive);
 * - the connection loop reconnects with a Schedule: a connection that carried traffic starts
 *   the backoff over, a DC that refuses backs off.
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as PubSub from "effect/PubSub"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import * as Stream from "effect/Stream"
import type { RandomBytes } from "../crypto/index.ts"
import { type AnyObject, type ResultOf, serialize, TlEncodeError, type TlMethod } from "../tl/index.ts"
import { isPermanentTransportError, type TransportError } from "../transport/TransportError.ts"
import type { FrameChannel } from "./channel.ts"
import type { AuthKey } from "./encryptedMessage.ts"
import { encodeBody, methodName } from "./internal/wire.ts"
import { labelCache, reconnects, rejectedFrames } from "./metrics.ts"
import { MtpSession, type Outcome } from "./MtpSession.ts"
import { type AnyRpcError, SenderError, type SenderErrorReason } from "./rpcError.ts"

/** How to run a Sender. */
export interface SenderOptions {
  readonly authKey: AuthKey
  /** The current server salt (from the handshake or a stored session). */
  readonly salt: bigint
  /** server time − local time, in seconds. */
  readonly timeOffset: number
  /** The DC this Sender talks to, for metrics and spans (optional). */
  readonly dcId?: number | undefined
  /** Opens a fresh connection to the DC; run again on every reconnect. */
  readonly connect: Effect.Effect<FrameChannel, TransportError, Scope.Scope>
  /** Interval of the keepalive `ping_delay_disconnect` (default 60 s). */
  readonly pingInterval?: Duration.DurationInput | undefined
  /** Extra silence tolerated after a keepalive before the connection counts as dead (default 15 s). */
  readonly deadAfter?: Duration.DurationInput | undefined
  /** While calls wait, silence longer than this sends a ping at once (default 5 s, at most `pingInterval`). */
  readonly probeAfter?: Duration.DurationInput | undefined
  /** No answer to that ping within this: the connection is dropped and re-opened (default 10 s, at most `deadAfter`). */
  readonly pongTimeout?: Duration.DurationInput | undefined
  /** Delay before pending acks go out on their own (default 500 ms). */
  readonly ackDelay?: Duration.DurationInput | undefined
  /**
   * Delays between failed connection attempts (default: exponential from 100 ms, capped at 5 s,
   * jittered). A connection that carried traffic starts it over and is re-opened at once. When
   * the schedule ends, pending and later calls fail with `SenderError("ConnectionFailed")`.
   */
  readonly reconnect?: Schedule.Schedule<unknown, unknown> | undefined
  /** Every call ends with its answer or `SenderError("Timeout")` within this (default 60 s; `Duration.infinity` allowed). */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Bodies larger than this many bytes are sent gzip_packed when that makes them smaller (default 512). */
  readonly gzipThreshold?: number | undefined
  /** Fetch future salts (`get_future_salts`) and switch to each in time (default true). */
  readonly rotateSalts?: boolean | undefined
  /** How often one call may be re-sent (salt, time, reconnect) before it fails (default 20). */
  readonly maxResends?: number | undefined
  readonly randomBytes?: RandomBytes | undefined
  /**
   * Told when the server starts a new session for us (`new_session_created`) or the Sender
   * starts one (bad_msg 32/33): the server needs `initConnection` again, and updates may have
   * been missed.
   */
  readonly onNewSession?: ((event: NewSession) => void) | undefined
  /** Told of each batch of updates (one per frame), before they are published on `updates`. */
  readonly onUpdates?: ((updates: ReadonlyArray<AnyObject>) => void) | undefined
  /**
   * Told each time a connection is up (the first one and every reconnect), before anything is
   * sent on it: pushes made while there was none are gone, so an update feed asks for the
   * difference (core.telegram.org/api/updates).
   */
  readonly onConnected?: (() => void) | undefined
}

/** A new MTProto session (see {@link SenderOptions.onNewSession}). */
export interface NewSession {
  readonly origin: "server" | "client"
  readonly sessionId: bigint
}

/** What a running Sender offers. */
export interface Sender {
  /** Sends a method and waits for its typed result. Interrupting the wait sends `rpc_drop_answer`. */
  readonly invoke: <M extends TlMethod>(method: M) => Effect.Effect<ResultOf<M>, AnyRpcError | SenderError | TlEncodeError>
  /**
   * `invoke` without the result typing, for generic code (routing, wrappers). With `span`, the
   * call's msg_id (and re-sends, if any) are set on it when the call ends.
   */
  readonly invokeUntyped: (method: TlMethod, span?: Tracer.Span) => Effect.Effect<unknown, AnyRpcError | SenderError | TlEncodeError>
  /**
   * A call whose body names its own msg_id and session (`auth.bindTempAuthKey`): `build` makes
   * it each time it is numbered; `method` names the call and picks the result decoder.
   */
  readonly invokeBuilt: (
    method: TlMethod,
    build: (msgId: bigint, sessionId: bigint) => TlMethod
  ) => Effect.Effect<unknown, AnyRpcError | SenderError | TlEncodeError>
  /** Everything the server sends that is not an answer or a service message (updates), decoded. */
  readonly updates: Effect.Effect<Stream.Stream<AnyObject>, never, Scope.Scope>
  /** The session as it stands (for persistence). */
  readonly state: Effect.Effect<{ readonly salt: bigint; readonly timeOffset: number; readonly sessionId: bigint }>
  /** How many connections have been opened so far (1 after the first connect). */
  readonly connections: Effect.Effect<number>
  /** Why the Sender stopped for good (`Closed`, `AuthKeyUnknown`, `ConnectionFailed`), if it has. */
  readonly stopped: Effect.Effect<SenderErrorReason | undefined>
}

/** Why the Sender closes a connection on its own (dead link, repeated bad frames). */
class ConnectionDropped extends Data.TaggedError("ConnectionDropped")<{ readonly reason: string; readonly detail: string }> {
  override get message(): string {
    return `connection dropped (${this.reason}): ${this.detail}`
  }
}

type Resume = (exit: Exit.Exit<unknown, AnyRpcError | SenderError | TlEncodeError>) => void

/** Frames that failed a security check are counted (`rejectedFrames`) and logged at most every 10 s. */
const REJECT_LOG_INTERVAL_MS = 10_000
const reasonLabels = labelCache<string>("reason")
const dcLabels = labelCache<number>("dc")

/** The default reconnect policy: 100 ms, 200 ms, ... capped at 5 s, jittered. */
export const defaultReconnect: Schedule.Schedule<unknown, unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.union(Schedule.spaced("5 seconds")),
  Schedule.jittered
)

const millis = (d: Duration.DurationInput | undefined): number | undefined => {
  if (d === undefined) return undefined
  const decoded = Duration.decode(d)
  return Duration.isFinite(decoded) ? Duration.toMillis(decoded) : Number.POSITIVE_INFINITY
}

/**
 * Starts a Sender in the current scope. The first connection is opened in the background;
 * calls queue until it is up. Closing the scope closes the connection and fails pending
 * calls with `SenderError("Closed")`.
 */
export const make = (options: SenderOptions): Effect.Effect<Sender, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const reconnectLabels = options.dcId === undefined ? [] : dcLabels(options.dcId)
    const gzipThreshold = options.gzipThreshold ?? 512
    const core = new MtpSession<Resume>({
      authKey: options.authKey,
      salt: options.salt,
      timeOffset: options.timeOffset,
      randomBytes: options.randomBytes,
      maxResends: options.maxResends,
      ackDelayMs: millis(options.ackDelay),
      pingIntervalMs: millis(options.pingInterval),
      deadAfterMs: millis(options.deadAfter),
      silenceMs: millis(options.probeAfter),
      pongTimeoutMs: millis(options.pongTimeout),
      requestTimeoutMs: millis(options.requestTimeout),
      rotateSalts: options.rotateSalts
    })
    // Made by the first subscriber: with none, an update has nowhere to go anyway.
    let hub: PubSub.PubSub<AnyObject> | undefined
    let connectionCount = 0
    let stopped: SenderErrorReason | undefined

    // --- wake-ups: the writer waits for work, the timer for an earlier deadline ----------------
    let wakeWriter: (() => void) | undefined
    const kick = () => {
      const wake = wakeWriter
      if (wake !== undefined) {
        wakeWriter = undefined
        wake()
      }
    }
    const waitForWork = Effect.async<void>((resume) => {
      // Checked here too: work queued between the writer's last flush and this wait is not lost.
      if (core.hasOutgoing(now())) return resume(Effect.void)
      wakeWriter = () => resume(Effect.void)
      return Effect.sync(() => void (wakeWriter = undefined))
    })

    // The timer: one fiber sleeping until the core's next deadline, none while there is none.
    // A deadline that comes closer replaces the sleeping fiber (cheaper, idle, than a race).
    const runtime = yield* Effect.runtime<never>()
    let timerTarget = Number.POSITIVE_INFINITY
    let timerFiber: Fiber.RuntimeFiber<void> | undefined
    let timerSleeping = false
    let closing = false
    const timer: Effect.Effect<void> = Effect.gen(function*() {
      for (;;) {
        const at = core.nextWake()
        timerTarget = at
        if (at === Number.POSITIVE_INFINITY) return
        timerSleeping = true
        yield* Effect.sleep(Math.max(0, at - now()))
        timerSleeping = false
        timerTarget = Number.POSITIVE_INFINITY
        const effect = handle(core.tick(now()))
        if (effect !== undefined) yield* effect
        if (core.hasOutgoing(now())) kick()
      }
    })
    /** Moves the timer up when a deadline came closer than the one it sleeps for. */
    const rearm = () => {
      if (closing || core.nextWake() >= timerTarget) return
      if (timerFiber !== undefined && !timerSleeping) return // it is working and will look again
      timerFiber?.unsafeInterruptAsFork(FiberId.none)
      timerSleeping = false
      timerTarget = core.nextWake()
      timerFiber = Runtime.runFork(runtime)(timer)
    }
    /** After any input: send what became due, and move the timer up if needed. */
    const afterInput = () => {
      if (core.hasOutgoing(now())) kick()
      rearm()
    }

    // --- outcomes --------------------------------------------------------------------------
    let dropConnection: ((e: ConnectionDropped) => void) | undefined
    let rejectedSinceLog = 0
    let lastRejectLog = Number.NEGATIVE_INFINITY
    let lastRejectReason = ""

    /** Acts on the core's outcomes; returns the rare effectful part (logs), if any. */
    const handle = (outcomes: ReadonlyArray<Outcome<Resume>>): Effect.Effect<void> | undefined => {
      let logs: Array<Effect.Effect<void>> | undefined
      for (const o of outcomes) {
        switch (o._tag) {
          case "Result":
            o.call(Exit.succeed(o.value))
            break
          case "Failed":
            o.call(Exit.fail(o.error))
            break
          case "Updates":
            options.onUpdates?.(o.updates)
            if (hub !== undefined) for (const u of o.updates) hub.unsafeOffer(u)
            break
          case "NewSession":
            options.onNewSession?.({ origin: o.origin, sessionId: o.sessionId })
            ;(logs ??= []).push(Effect.logDebug("new session").pipe(Effect.annotateLogs({ origin: o.origin })))
            break
          case "SaltChanged":
            break
          case "Rejected": {
            rejectedFrames.unsafeUpdate(1, reasonLabels(o.error.reason))
            rejectedSinceLog++
            lastRejectReason = o.error.reason
            const t = now()
            // Rate-limited: whoever sends bad frames must not choose our log volume.
            if (t - lastRejectLog >= REJECT_LOG_INTERVAL_MS) {
              const count = rejectedSinceLog
              rejectedSinceLog = 0
              lastRejectLog = t
              ;(logs ??= []).push(
                Effect.logWarning("rejected server messages").pipe(Effect.annotateLogs({ count, reason: lastRejectReason }))
              )
            }
            break
          }
          case "Reconnect":
            dropConnection?.(new ConnectionDropped({ reason: o.reason, detail: o.detail }))
            break
        }
      }
      return logs === undefined ? undefined : Effect.all(logs, { discard: true })
    }

    // --- the connection --------------------------------------------------------------------
    const writer = (channel: FrameChannel) =>
      Effect.gen(function*() {
        for (;;) {
          const frame = core.flush(now())
          if (frame === undefined) {
            yield* waitForWork
            continue
          }
          // Calls on the wire bring the dead-link deadlines.
          rearm()
          yield* channel.send(frame)
        }
      })

    let healthy = false
    const reader = (channel: FrameChannel) =>
      Effect.forever(Effect.flatMap(channel.receive, (frame) => {
        const outcomes = core.receive(frame, now())
        if (!healthy && core.connectionHealthy) healthy = true
        const effect = handle(outcomes)
        afterInput()
        return effect ?? Effect.void
      }))

    const connection = Effect.scoped(
      Effect.gen(function*() {
        const channel = yield* options.connect
        connectionCount++
        healthy = false
        core.connected(now())
        options.onConnected?.()
        // The connection's loops; the first to fail ends the connection, and the others stop
        // with its scope. (A FiberSet: joining zipped fibers costs ~100 KB per connection.)
        const loops = yield* FiberSet.make<never, TransportError | ConnectionDropped>()
        const runLoop = yield* FiberSet.runtime(loops)<never>()
        // The core's verdict (dead link, bad frames) ends the connection like a failed loop.
        dropConnection = (e) => void runLoop(Effect.fail(e))
        afterInput()
        runLoop(writer(channel))
        runLoop(reader(channel))
        return yield* FiberSet.join(loops)
      })
    ).pipe(Effect.ensuring(Effect.sync(() => {
      dropConnection = undefined
      core.disconnected()
    })))

    /** Ends the Sender for good: every call, pending and future, fails with `reason` (and `cause`). */
    let stoppedBy: unknown
    const stop = (reason: SenderErrorReason, cause?: unknown) =>
      Effect.suspend(() => {
        if (stopped !== undefined) return Effect.void
        stopped = reason
        stoppedBy = cause
        return handle(core.failAll(reason, cause)) ?? Effect.void
      })

    const reconnect = options.reconnect ?? defaultReconnect
    const loop = Effect.gen(function*() {
      const driver = yield* Schedule.driver(reconnect)
      for (;;) {
        const exit = yield* Effect.exit(connection)
        if (Exit.isSuccess(exit) || stopped !== undefined) return
        const cause = exit.cause
        if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
        const error = Cause.squash(cause) as { readonly _tag?: string; readonly reason?: string; readonly code?: number }
        if (error._tag === "TransportError" && error.reason === "ServerError" && error.code === -404) {
          // The server does not know this key: reconnecting with it is pointless.
          yield* Effect.logWarning("auth key unknown to the server (transport error -404)")
          return yield* stop("AuthKeyUnknown")
        }
        if (isPermanentTransportError(error)) {
          // Wrong credentials or a refusal by policy: another try gets the same answer.
          yield* Effect.logWarning("giving up on the connection: the proxy refuses for good").pipe(
            Effect.annotateLogs({ cause: String(error) })
          )
          return yield* stop("ConnectionFailed", error)
        }
        reconnects.unsafeUpdate(1, reconnectLabels)
        if (healthy) {
          // The link worked: start the backoff over and re-open at once.
          yield* driver.reset
          // Our own decision (a dead or hostile link) is news; the peer hanging up is routine.
          yield* (error._tag === "ConnectionDropped" ? Effect.logInfo : Effect.logDebug)("connection lost, reconnecting").pipe(
            Effect.annotateLogs({ cause: String(error) })
          )
          continue
        }
        yield* (error._tag === "ConnectionDropped" ? Effect.logInfo : Effect.logDebug)("connection failed").pipe(
          Effect.annotateLogs({ cause: String(error) })
        )
        const next = yield* Effect.either(driver.next(undefined))
        if (Either.isLeft(next)) {
          yield* Effect.logWarning("giving up on the connection (reconnect schedule ended)")
          return yield* stop("ConnectionFailed")
        }
      }
    })

    yield* Effect.forkScoped(loop)

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closing = true
        const fiber = timerFiber
        return Effect.all([
          fiber === undefined ? Effect.void : Fiber.interrupt(fiber),
          stopped === undefined ? stop("Closed") : Effect.void,
          hub === undefined ? Effect.void : PubSub.shutdown(hub)
        ], { discard: true })
      })
    )

    const send = (
      method: TlMethod,
      build?: (msgId: bigint, sessionId: bigint) => TlMethod,
      span?: Tracer.Span
    ): Effect.Effect<unknown, AnyRpcError | SenderError | TlEncodeError> =>
      Effect.async<unknown, AnyRpcError | SenderError | TlEncodeError>((resume) => {
        if (stopped !== undefined) {
          return resume(Exit.fail(new SenderError({ reason: stopped, method: methodName(method), ...(stoppedBy === undefined ? {} : { cause: stoppedBy }) })))
        }
        // With a span, the completion first notes on it the msg_id the call went out with.
        const token: Resume = span === undefined ? resume : (exit) => {
          if (call.msgId !== 0n) span.attribute("mtproto.msg_id", String(call.msgId))
          if (call.resends > 0) span.attribute("mtproto.resends", call.resends)
          resume(exit)
        }
        let body: Uint8Array
        try {
          body = build === undefined ? encodeBody(method, gzipThreshold) : serialize(method)
        } catch (e) {
          // A method the codec cannot write (a cast object, a field of the wrong kind): the
          // caller's mistake, said as a typed failure; nothing was queued.
          return resume(Exit.fail(e instanceof TlEncodeError ? e : new TlEncodeError({ tag: methodName(method), reason: String(e) })))
        }
        const call = build === undefined
          ? core.invoke(token, method, body, now())
          : core.invoke(token, method, body, now(), (msgId, sessionId) => serialize(build(msgId, sessionId)))
        afterInput()
        // Interrupted: forget the call; if it was sent, tell the server we no longer want the answer.
        return Effect.sync(() => {
          if (core.cancel(call)) kick()
        })
      })

    const invokeUntyped = (method: TlMethod, span?: Tracer.Span) => send(method, undefined, span)
    // The result type follows from the method; the decoder picked by `deserializeResult` makes it so.
    const invoke = <M extends TlMethod>(method: M) => invokeUntyped(method) as Effect.Effect<ResultOf<M>, AnyRpcError | SenderError | TlEncodeError>

    return {
      invoke,
      invokeUntyped,
      invokeBuilt: (method, build) => send(method, build),
      updates: Effect.suspend(() => Stream.fromPubSub(hub ??= Effect.runSync(PubSub.unbounded<AnyObject>()), { scoped: true })),
      state: Effect.sync(() => ({ salt: core.salt, timeOffset: core.timeOffset, sessionId: core.sessionId })),
      connections: Effect.sync(() => connectionCount),
      stopped: Effect.sync(() => stopped)
    } satisfies Sender
  })
