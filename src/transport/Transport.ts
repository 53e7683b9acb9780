/**
 * The `Transport` service: a factory of framed connections to MTProto servers.
 *
 * @since 0.1.0
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
import type { CodecKind } from "./Codec.ts"
import { makeClientFraming } from "./Framing.ts"
import { ProxyError } from "./proxy/ProxyError.ts"
import { TransportError, type TransportErrorReason } from "./TransportError.ts"

/**
 * How connections are framed. Defaults: plain (not obfuscated) intermediate framing, a 10 s connect
 * timeout, 16 MiB maximum frame.
 *
 * Intermediate is the default because it is what TestDc and every Telegram DC accept, keeps 4-byte
 * alignment, and is easy to read in a packet capture. Turn on `obfuscated` (best with `"padded"`)
 * where MTProto is blocked, and always for MTProxy.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransportOptions {
  /** The framing protocol. Default `"intermediate"`. */
  readonly codec?: CodecKind | undefined
  /** Wrap the framing in obfuscation (not possible with `"full"`). Default `false`, `true` when `secret` is set. */
  readonly obfuscated?: boolean | undefined
  /** MTProxy secret (16 bytes, or 17 with the `0xdd` prefix). Implies `obfuscated`. */
  readonly secret?: Redacted.Redacted<Uint8Array> | undefined
  /** Time allowed to open the TCP connection. Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Largest frame accepted from the server, in bytes. Default 16 MiB. */
  readonly maxFrameLength?: number | undefined
  /** Source of random bytes for padding and obfuscation. Default: node:crypto. */
  readonly randomBytes?: ((n: number) => Uint8Array) | undefined
}

/**
 * Where to connect.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly host: string
  readonly port: number
  /**
   * The DC id written into the obfuscation header (signed: negative for media DCs, +10000 for test DCs).
   * Only used when obfuscated. Default 0.
   */
  readonly dcId?: number | undefined
}

/**
 * One open connection. Payloads in, payloads out: the framing is done here.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  /** Frames and writes one MTProto payload. Sends are serialised, in call order. */
  readonly send: (payload: Uint8Array) => Effect.Effect<void, TransportError>
  /**
   * The payloads received, in order. It has a single consumer: run it once. It fails with
   * `TransportError("Closed")` when the server closes the connection, with `BadFrame`/`ServerError`
   * on bad input (the connection is then closed), and ends without error after `close`.
   */
  readonly frames: Stream.Stream<Uint8Array, TransportError>
  /**
   * The next payload, taken straight from the connection (the same single consumer as
   * `frames`: use one or the other). Fails with `TransportError("Closed")` after the end.
   * With `send` this makes a `Connection` the frame channel the MTProto layer runs over.
   */
  readonly receive: Effect.Effect<Uint8Array, TransportError>
  /** Closes the connection; `frames` ends and `send` fails with `Closed`. Closing the scope does the same. */
  readonly close: Effect.Effect<void>
}

/**
 * The service model.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransportShape {
  /**
   * Opens a connection, writes the initial bytes (codec tag or obfuscation header) and returns it.
   * The connection lives until `close` or until the scope closes. Fails with `Open` (refused,
   * bad configuration) or `Timeout`.
   */
  readonly connect: (options: ConnectOptions) => Effect.Effect<Connection, TransportError, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("effect-mtproto/Transport")<Transport, TransportShape>() {}

/**
 * Opens an unconnected `Socket` for a target. Each `runRaw` on it must open a new connection, as
 * `NodeSocket.makeNet` does.
 *
 * @since 0.1.0
 * @category models
 */
export type SocketFactory = (options: ConnectOptions) => Effect.Effect<Socket.Socket>

const fromSocketError = (e: Socket.SocketError): TransportError => {
  // A proxy's failure (see `proxy/layeredSocket.ts`) keeps its own typed error.
  if (e.cause instanceof ProxyError) return new TransportError({ reason: "Proxy", cause: e.cause })
  const reason: TransportErrorReason = e.reason === "Open" ? "Open" : e.reason === "Write" ? "Write" : e.reason === "Close" ? "Closed" : "Read"
  return new TransportError({ reason, cause: e })
}

const asTransportError = (reason: TransportErrorReason) => (e: unknown): TransportError =>
  e instanceof TransportError ? e : new TransportError({ reason, cause: e })

/**
 * A `Transport` over any socket factory (NodeSocket, or a test socket).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (openSocket: SocketFactory, options: TransportOptions = {}): TransportShape => {
  const codec = options.codec ?? "intermediate"
  const obfuscated = options.obfuscated === true || options.secret !== undefined
  const connectTimeout = options.connectTimeout ?? Duration.seconds(10)

  const connect = Effect.fn("Transport.connect")(function*(target: ConnectOptions) {
    yield* Effect.annotateCurrentSpan({ host: target.host, port: target.port, codec, obfuscated })
    const framing = yield* Effect.try({
      try: () =>
        makeClientFraming({
          codec,
          maxFrameLength: options.maxFrameLength,
          randomBytes: options.randomBytes,
          obfuscation: obfuscated
            ? {
              dcId: target.dcId ?? 0,
              secret: options.secret === undefined ? undefined : Redacted.value(options.secret)
            }
            : undefined
        }),
      catch: asTransportError("Open")
    })
    const socket = yield* openSocket(target)
    const inbox = yield* Queue.unbounded<Take.Take<Uint8Array, TransportError>>()
    const opened = yield* Deferred.make<void, TransportError>()
    // Done (always as a failure: the reason the connection is gone) when it ends for any reason.
    const ended = yield* Deferred.make<never, TransportError>()
    yield* Effect.addFinalizer(() => Queue.shutdown(inbox))

    let decodeFailed = false
    const onChunk = (chunk: string | Uint8Array) => {
      if (decodeFailed || typeof chunk === "string") return
      try {
        framing.decode(chunk, (frame) => {
          inbox.unsafeOffer(Take.of(frame))
        })
      } catch (e) {
        // Returning an Effect only here keeps the handler synchronous for every good chunk (chunk
        // order is kept); a failed handler effect ends `runRaw` with its error, which closes the socket.
        decodeFailed = true
        return Effect.fail(asTransportError("BadFrame")(e))
      }
    }

    const finish = (e: TransportError) =>
      Effect.all([Deferred.fail(opened, e), Deferred.fail(ended, e), inbox.offer(Take.fail(e))], { discard: true })

    const runner = yield* socket.runRaw(onChunk, { onOpen: Deferred.succeed(opened, undefined) }).pipe(
      Effect.mapError((e) => e instanceof TransportError ? e : fromSocketError(e)),
      // The peer ending the connection makes runRaw succeed: for us that is the end of the connection.
      Effect.zipRight(Effect.fail(new TransportError({ reason: "Closed", cause: new Error("closed by the peer") }))),
      Effect.catchAll(finish),
      Effect.forkScoped
    )
    yield* Deferred.await(opened).pipe(
      Effect.timeoutFail({
        duration: connectTimeout,
        onTimeout: () => new TransportError({ reason: "Timeout", cause: new Error(`connect timed out after ${Duration.format(connectTimeout)}`) })
      }),
      Effect.onError(() => Fiber.interrupt(runner))
    )

    const write = yield* socket.writer
    const lock = yield* Effect.makeSemaphore(1)
    let broken: TransportError | undefined

    // Encoding advances stateful ciphers and counters, so a frame that is encoded must be written,
    // in encoding order: the lock orders sends, and an interrupted write breaks the connection.
    const writeBytes = (encode: () => Uint8Array) =>
      lock.withPermits(1)(Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          if (broken !== undefined) return yield* broken
          const done = yield* Deferred.poll(ended)
          if (done._tag === "Some") return yield* done.value
          const bytes = yield* Effect.try({ try: encode, catch: asTransportError("Write") })
          yield* restore(
            Effect.raceFirst(
              Effect.mapError(write(bytes), fromSocketError),
              Deferred.await(ended)
            )
          ).pipe(Effect.onInterrupt(() =>
            Effect.sync(() => {
              broken = new TransportError({ reason: "Write", cause: new Error("a send was interrupted mid-frame") })
            })
          ))
        })
      ))

    if (framing.init.length > 0) yield* writeBytes(() => framing.init)
    yield* Effect.logDebug("transport connected").pipe(Effect.annotateLogs({ host: target.host, port: target.port }))

    const closeError = new TransportError({ reason: "Closed", cause: new Error("closed by the client") })
    // Once the inbox has said how the connection ended, every later receive says it again.
    let end: TransportError | undefined
    const receive: Effect.Effect<Uint8Array, TransportError> = Effect.suspend(() =>
      end !== undefined ? Effect.fail(end) : Effect.flatMap(Queue.take(inbox), (take) =>
        Take.match(take, {
          onSuccess: (chunk) => Effect.succeed(Chunk.unsafeHead(chunk)),
          onEnd: () => Effect.fail(end = closeError),
          onFailure: (cause) => {
            const failure = Cause.failureOption(cause)
            return Effect.fail(end = failure._tag === "Some" ? failure.value : closeError)
          }
        }))
    )
    const connection: Connection = {
      send: (payload) => writeBytes(() => framing.encode(payload)),
      frames: Stream.flattenTake(Stream.fromQueue(inbox)),
      receive,
      close: Effect.gen(function*() {
        yield* Fiber.interrupt(runner)
        yield* Deferred.fail(ended, closeError)
        yield* inbox.offer(Take.end)
      })
    }
    return connection
  })

  return Transport.of({ connect })
}

/**
 * A `Transport` over TCP with `@effect/platform-node`'s `NodeSocket.makeNet`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNode = (options: TransportOptions = {}): TransportShape =>
  makeWith((target) => NodeSocket.makeNet({ host: target.host, port: target.port, noDelay: true }).pipe(Effect.orDie), options)

/**
 * The `Transport` layer over any socket factory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (openSocket: SocketFactory, options: TransportOptions = {}): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeWith(openSocket, options))

/**
 * The `Transport` layer over TCP (Node).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode = (options: TransportOptions = {}): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeNode(options))
