/**
 * One client connection of a TestDc: transport detection and framing, a processing fiber
 * that answers frames in order, a writer fiber, and clean-up when either side ends it.
 * Nothing that happens on one connection escapes it: every failure ends up as a closed socket.
 *
 * The frame-level faults live here (drop after n frames or bytes, duplicate, replay, tamper,
 * reorder, delay, stall); the message-level ones are the dispatcher's.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import type * as Socket from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Net from "node:net"
import { DEFAULT_MAX_FRAME_LENGTH, makeServerFraming } from "../../transport/index.ts"
import { type ConnectionContext, handleEncrypted, handlePlain, isPlain, type Outgoing, pack, rememberAnswers } from "./dispatcher.ts"
import { HandshakeServer } from "./handshake.ts"
import { type RejectionKind, rejections } from "./limits.ts"
import { type FaultPlan, type ServerMessage, type ServerSession, type ServerState, type StoredKey, takeFault } from "./state.ts"

const transportError = (code: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setInt32(0, code, true)
  return out
}

/**
 * Queries answered later (a bot's answer) that may wait at once on one connection; past it the
 * next one is answered in the frame loop again, which holds the connection's reading back.
 */
const MAX_ANSWERS_LATER = 64

/** What the writer fiber takes: a payload to frame, or the end of the connection. */
type Written =
  | { readonly _tag: "Frame"; readonly payload: Uint8Array }
  | { readonly _tag: "End"; readonly reason: string; readonly transportError: number | undefined }

/** A copy of an encrypted frame whose msg_key is wrong: the client must reject it. */
const tampered = (payload: Uint8Array): Uint8Array => {
  const copy = payload.slice()
  copy[8] = copy[8]! ^ 0x55
  return copy
}

/** Whether the drop-after knobs end the connection at a frame of `length` bytes (and counts it). */
const dropsAt = (plan: FaultPlan, length: number): boolean => {
  if (plan.dropAfterMessages !== undefined) {
    if (plan.dropAfterMessages <= 0) {
      plan.dropAfterMessages = undefined
      return true
    }
    plan.dropAfterMessages--
  }
  if (plan.dropAfterBytes !== undefined) {
    if (length > plan.dropAfterBytes) {
      plan.dropAfterBytes = undefined
      return true
    }
    plan.dropAfterBytes -= length
  }
  return false
}

/**
 * Counts a refused frame or connection (per TestDc, and in the process-wide metric) and logs it
 * at WARN, at most a few lines per window: a peer must not choose the log volume.
 */
export const reject = (state: ServerState, kind: RejectionKind, reason: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    state.rejected.set(kind, (state.rejected.get(kind) ?? 0) + 1)
    yield* Metric.increment(rejections).pipe(Effect.tagMetrics({ kind, dc: String(state.dcId) }))
    const suppressed = state.rejectionLog.note(yield* Clock.currentTimeMillis)
    if (suppressed === undefined) return
    yield* Effect.logWarning("TestDc refused a peer").pipe(
      Effect.annotateLogs({ kind, reason, ...(suppressed > 0 ? { suppressedSinceLastWarning: suppressed } : {}) })
    )
  })

/** The raw socket, when the server is Node's (to pause, and to destroy one that never drains). */
const netSocket = Effect.map(Effect.serviceOption(NodeSocket.NetSocket), Option.getOrUndefined)

/**
 * A peer that does not read keeps a closing socket's writes pending, and `destroySoon` waits
 * for them forever; give it a moment to flush, then destroy it.
 */
const destroyLater = (socket: Net.Socket | undefined): Effect.Effect<void> =>
  Effect.sync(() => {
    if (socket === undefined || socket.destroyed) return
    setTimeout(() => socket.destroy(), 2_000).unref()
  })

/** The per-connection handler given to `SocketServer.run` (of the media-only listener when `mediaOnly`). Never fails. */
export const handleConnection = (state: ServerState, mediaOnly = false) => (socket: Socket.Socket): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (state.openConnections >= state.limits.maxConnections) {
      // Refused before a byte is read: closed at once, without a framing to send an error in.
      return Effect.flatMap(netSocket, (net) =>
        Effect.zipRight(
          reject(state, "connection_cap", `${state.limits.maxConnections} connections open`),
          Effect.sync(() => net?.destroy())
        ))
    }
    state.openConnections++
    return serve(state, socket, mediaOnly).pipe(Effect.ensuring(Effect.sync(() => void state.openConnections--)))
  })

const serve = (state: ServerState, socket: Socket.Socket, mediaOnly: boolean): Effect.Effect<void> => {
  const id = state.nextConnectionId++
  return Effect.scoped(Effect.gen(function*() {
    const net = yield* netSocket
    yield* Effect.addFinalizer(() => destroyLater(net))
    // Completed with the reason the connection ends, by whichever side decides first.
    const done = yield* Deferred.make<string>()
    const framing = makeServerFraming({
      ...(state.maxFrameLength === undefined ? {} : { maxFrameLength: state.maxFrameLength }),
      // MTProxy mode: keyed obfuscation, anything else treated as plain traffic.
      ...(state.mtProxyKey === undefined ? {} : { secret: state.mtProxyKey, unkeyedFallback: true })
    })
    const frames = yield* Queue.unbounded<Uint8Array>()
    // One writer fiber writes everything, in queue order: the framing (obfuscation counters)
    // must see frames in the order they go out, and pushes must not interleave with answers.
    const outbox = yield* Queue.unbounded<Written>()
    const write = yield* socket.writer
    const scope = yield* Effect.scope
    let disconnectTimer: Fiber.RuntimeFiber<void> | undefined
    let stalled = false
    // Frame-fault state of this connection (owned by whichever fiber emits; emit is synchronous).
    let lastEncrypted: Uint8Array | undefined
    let held: Array<Uint8Array> | undefined

    const offerAll = (payloads: ReadonlyArray<Uint8Array>) => {
      for (const payload of payloads) outbox.unsafeOffer({ _tag: "Frame", payload })
    }

    /** Queues one outgoing payload, through the frame faults when it is encrypted. */
    const emit = (payload: Uint8Array, encrypted: boolean): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!encrypted) return Effect.sync(() => offerAll([payload]))
        const plan = state.faults
        const batch: Array<Uint8Array> = []
        if (takeFault(plan, "tamper")) batch.push(tampered(payload))
        batch.push(payload)
        if (takeFault(plan, "duplicate")) batch.push(payload)
        if (lastEncrypted !== undefined && takeFault(plan, "replay")) batch.push(lastEncrypted)
        lastEncrypted = payload
        if (held !== undefined) {
          // The frame held back by `reorder` goes out after this one.
          batch.push(...held)
          held = undefined
        } else if (takeFault(plan, "reorder")) {
          held = batch
          return Effect.void
        }
        const delay = plan.delayMs ?? 0
        if (delay <= 0) return Effect.sync(() => offerAll(batch))
        return Effect.asVoid(Effect.forkIn(Effect.delay(Effect.sync(() => offerAll(batch)), delay), scope))
      })

    const report = (messages: ReadonlyArray<ServerMessage>) =>
      state.onServerMessage === undefined || messages.length === 0
        ? Effect.void
        : Effect.forEach(messages, state.onServerMessage, { discard: true })

    /** Packs server messages in `session` and queues the frame; returns the last msg_id handed out. */
    const sendIn = (key: StoredKey, session: ServerSession, outs: ReadonlyArray<Outgoing>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const messages: Array<ServerMessage> = []
        const frame = pack(state, key, session, outs, now, state.onServerMessage === undefined ? undefined : messages)
        if (frame !== undefined) yield* emit(frame, true)
        yield* report(messages)
        return session.lastServerMsgId
      })

    let answersLater = 0

    const conn: ConnectionContext = {
      state,
      handshake: new HandshakeServer({
        dcId: state.dcId,
        privateKey: state.privateKey,
        fingerprint: state.fingerprint,
        randomBytes: state.randomBytes,
        strict: state.strict,
        takeDhGenRetry: () => state.dhGenRetries > 0 && state.dhGenRetries-- > 0
      }),
      armDisconnect: (seconds) =>
        Effect.gen(function*() {
          if (disconnectTimer !== undefined) yield* Fiber.interrupt(disconnectTimer)
          disconnectTimer = yield* Effect.sleep(`${Math.max(seconds, 0)} seconds`).pipe(
            // A stalled connection stays open: the client has to notice it is dead by itself.
            Effect.zipRight(Effect.suspend(() => stalled ? Effect.void : Deferred.succeed(done, "ping_delay_disconnect expired"))),
            Effect.asVoid,
            Effect.forkIn(scope)
          )
        }),
      answerLater: (key, session, msgId, answer) => {
        if (answersLater >= MAX_ANSWERS_LATER) return Effect.map(answer, (o) => [o])
        answersLater++
        const deliver = Effect.flatMap(answer, (o) =>
          Effect.suspend(() => {
            rememberAnswers(session, msgId, [o])
            return stalled ? Effect.void : Effect.asVoid(sendIn(key, session, [o]))
          }))
        return deliver.pipe(
          Effect.ensuring(Effect.sync(() => void answersLater--)),
          Effect.forkIn(scope),
          Effect.as([])
        )
      },
      lastPlainMsgId: 0n,
      current: undefined,
      activeAt: 0,
      authenticated: false,
      mediaOnly,
      queries: { subscribing: false, silent: false }
    }

    state.connections.set(id, {
      id,
      close: () => Deferred.unsafeDone(done, Exit.succeed("closed by the server")),
      stall: () => {
        stalled = true
      },
      receivesUpdates: () => conn.queries.subscribing || !conn.queries.silent,
      current: () =>
        conn.current === undefined
          ? undefined
          : { authKeyId: conn.current.key.id, sessionId: conn.current.session.sessionId, activeAt: conn.activeAt },
      push: (body, contentRelated) =>
        Effect.suspend(() => {
          const current = conn.current
          if (current === undefined || stalled) return Effect.succeed(undefined)
          // A single message: the last msg_id the session handed out is its own.
          return sendIn(current.key, current.session, [{ body, content: contentRelated, response: false }])
        }),
      authKeyId: () => conn.current?.key.id
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => state.connections.delete(id)))

    const writer = Effect.gen(function*() {
      for (;;) {
        const item = yield* Queue.take(outbox)
        if (item._tag === "Frame") {
          yield* write(framing.encode(item.payload))
          continue
        }
        if (item.transportError !== undefined) {
          // The client only sees the code; the reason is said here.
          yield* Effect.logInfo("refusing the connection").pipe(
            Effect.annotateLogs({ code: item.transportError, reason: item.reason })
          )
          yield* write(framing.encode(transportError(item.transportError)))
        }
        return item.reason
      }
    }).pipe(
      Effect.catchAllCause((cause) => Effect.succeed(`write failure: ${cause}`)),
      Effect.flatMap((reason) => Deferred.succeed(done, reason))
    )
    yield* Effect.forkScoped(writer)

    // Flow control: frames cut but not yet processed are bounded; past that, reading pauses.
    const highWater = 2 * (state.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH)
    let queuedBytes = 0
    let paused = false
    const limits = state.limits
    const openedAt = yield* Clock.currentTimeMillis
    let lastFrameAt = openedAt

    const processor = Effect.gen(function*() {
      for (;;) {
        const frame = yield* Queue.take(frames)
        queuedBytes -= frame.length
        if (paused && queuedBytes <= highWater / 2) {
          paused = false
          net?.resume()
        }
        lastFrameAt = yield* Clock.currentTimeMillis
        if (stalled) continue
        if (dropsAt(state.faults, frame.length)) {
          outbox.unsafeOffer({ _tag: "End", reason: "dropped by fault injection", transportError: undefined })
          return
        }
        const now = yield* Clock.currentTimeMillis
        const plain = isPlain(frame)
        const outcome = plain ? handlePlain(conn, frame, now) : yield* handleEncrypted(conn, frame, now)
        if (stalled) continue
        if (outcome._tag === "Close") {
          yield* reject(state, outcome.kind, outcome.reason)
          outbox.unsafeOffer({ _tag: "End", reason: outcome.reason, transportError: outcome.transportError })
          return
        }
        if (outcome.ran > 0 && takeFault(state.faults, "dropAnswers")) {
          outbox.unsafeOffer({ _tag: "End", reason: "dropped after running, before answering (fault injection)", transportError: undefined })
          return
        }
        for (const payload of outcome.payloads) yield* emit(payload, !plain)
        yield* report(outcome.messages)
      }
    }).pipe(
      Effect.catchAllCause((cause) => Deferred.succeed(done, `connection failure: ${cause}`))
    )
    yield* Effect.forkScoped(processor)

    // The handshake deadline (until a key is made or used) and the idle timeout (since the last
    // complete frame: a slowloris peer dribbling bytes of one frame is idle).
    const watchdog = Effect.gen(function*() {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const handshakeLeft = conn.authenticated ? Infinity : openedAt + limits.handshakeTimeoutMs - now
        const idleLeft = lastFrameAt + limits.idleTimeoutMs - now
        if (handshakeLeft <= 0) return ["handshake_deadline", "no auth key within the handshake deadline"] as const
        if (idleLeft <= 0) return ["idle", "no frame within the idle timeout"] as const
        const wait = Math.min(handshakeLeft, idleLeft)
        if (wait === Infinity) return yield* Effect.never
        yield* Effect.sleep(Duration.millis(wait))
      }
    }).pipe(Effect.flatMap(([kind, reason]) => Effect.zipRight(reject(state, kind, reason), Deferred.succeed(done, reason))))
    yield* Effect.forkScoped(watchdog)

    yield* Effect.logDebug("connection opened")
    let badTransport: string | undefined
    const reading = socket.runRaw((chunk) => {
      // Synchronous on purpose: frames are cut in the order bytes arrive.
      if (typeof chunk === "string") return
      try {
        framing.decode(chunk, (frame) => {
          queuedBytes += frame.length
          frames.unsafeOffer(frame)
        })
      } catch (e) {
        badTransport = `bad transport data: ${e instanceof Error ? e.message : String(e)}`
        Deferred.unsafeDone(done, Exit.succeed(badTransport))
      }
      if (!paused && queuedBytes > highWater && net !== undefined) {
        paused = true
        net.pause()
      }
    }).pipe(
      Effect.exit,
      Effect.map((exit) => Exit.isSuccess(exit) ? "closed by the client" : "socket error")
    )
    const reason = yield* Effect.raceFirst(reading, Deferred.await(done))
    if (badTransport !== undefined && reason === badTransport) yield* reject(state, "transport", badTransport)
    const info = framing.info
    yield* Effect.logDebug("connection closed").pipe(
      Effect.annotateLogs({
        reason,
        transport: info === undefined ? "undetected" : `${info.codec}${info.obfuscated ? "+obfuscated2" : ""}`
      })
    )
  }).pipe(
    Effect.annotateLogs({ testdc: state.dcId, connection: id }),
    // Belt and braces: whatever escapes stays inside this connection.
    Effect.catchAllCause((cause) => Effect.logWarning("connection handler failed", cause))
  ))
}
