/**
 * One client connection of a TestDc: transport detection and framing, a processing fiber
 * that answers frames in order, and clean-up when either side ends it. Nothing that happens
 * on one connection escapes it: every failure ends up as a closed socket.
 */
import type * as Socket from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import { makeServerFraming } from "../../transport/index.ts"
import { type ConnectionContext, handleEncrypted, handlePlain, isPlain } from "./dispatcher.ts"
import { HandshakeServer } from "./handshake.ts"
import type { ServerState } from "./state.ts"

const transportError = (code: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setInt32(0, code, true)
  return out
}

/** The per-connection handler given to `SocketServer.run`. Never fails. */
export const handleConnection = (state: ServerState) => (socket: Socket.Socket): Effect.Effect<void> => {
  const id = state.nextConnectionId++
  return Effect.scoped(Effect.gen(function*() {
    // Completed with the reason the connection ends, by whichever side decides first.
    const done = yield* Deferred.make<string>()
    state.connections.set(id, { id, close: () => Deferred.unsafeDone(done, Exit.succeed("closed by the server")) })
    yield* Effect.addFinalizer(() => Effect.sync(() => state.connections.delete(id)))

    const framing = makeServerFraming(state.maxFrameLength === undefined ? {} : { maxFrameLength: state.maxFrameLength })
    const frames = yield* Queue.unbounded<Uint8Array>()
    const write = yield* socket.writer
    const scope = yield* Effect.scope
    let disconnectTimer: Fiber.RuntimeFiber<void> | undefined

    const conn: ConnectionContext = {
      state,
      handshake: new HandshakeServer({
        dcId: state.dcId,
        privateKey: state.privateKey,
        fingerprint: state.fingerprint,
        randomBytes: state.randomBytes,
        takeDhGenRetry: () => state.dhGenRetries > 0 && state.dhGenRetries-- > 0
      }),
      armDisconnect: (seconds) =>
        Effect.gen(function*() {
          if (disconnectTimer !== undefined) yield* Fiber.interrupt(disconnectTimer)
          disconnectTimer = yield* Effect.sleep(`${Math.max(seconds, 0)} seconds`).pipe(
            Effect.zipRight(Deferred.succeed(done, "ping_delay_disconnect expired")),
            Effect.asVoid,
            Effect.forkIn(scope)
          )
        }),
      lastPlainMsgId: 0n,
      current: undefined
    }

    const processor = Effect.gen(function*() {
      for (;;) {
        const frame = yield* Queue.take(frames)
        const now = yield* Clock.currentTimeMillis
        const outcome = isPlain(frame) ? handlePlain(conn, frame, now) : yield* handleEncrypted(conn, frame, now)
        if (outcome._tag === "Send") {
          for (const payload of outcome.payloads) yield* write(framing.encode(payload))
        } else {
          if (outcome.transportError !== undefined) yield* write(framing.encode(transportError(outcome.transportError)))
          return outcome.reason
        }
      }
    }).pipe(
      Effect.catchAllCause((cause) => Effect.succeed(`connection failure: ${cause}`)),
      Effect.flatMap((reason) => Deferred.succeed(done, reason))
    )
    yield* Effect.forkScoped(processor)

    yield* Effect.logDebug("connection opened")
    const reading = socket.runRaw((chunk) => {
      // Synchronous on purpose: frames are cut in the order bytes arrive.
      if (typeof chunk === "string") return
      try {
        framing.decode(chunk, (frame) => {
          frames.unsafeOffer(frame)
        })
      } catch (e) {
        Deferred.unsafeDone(done, Exit.succeed(`bad transport data: ${e instanceof Error ? e.message : String(e)}`))
      }
    }).pipe(
      Effect.exit,
      Effect.map((exit) => Exit.isSuccess(exit) ? "closed by the client" : "socket error")
    )
    const reason = yield* Effect.raceFirst(reading, Deferred.await(done))
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
