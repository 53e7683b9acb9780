/**
 * The `Transport` service: a factory of framed connections to MTProto servers.
 */
import type * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CodecKind } from "./Codec.ts"
import { makeClientFraming } from "./Framing.ts"
import { type FlowControl, FrameInbox } from "./internal/frameInbox.ts"
import { openTcp } from "./internal/tcp.ts"
import { ProxyError } from "./proxy/ProxyError.ts"
import { TransportError, type TransportErrorReason } from "./TransportError.ts"

/**
 * How connections are framed. Defaults: plain (not obfuscated) intermediate framing, a 10 s connect
 * timeout, 16 MiB maximum frame.
 *
 * Intermediate is the default because it is what TestDc and every Telegram DC accept, keeps 4-byte
 * alignment, and is easy to read in a packet capture. Turn on `obfuscated` (best with `"padded"`)
 * where MTProto is blocked, and always for MTProxy.
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
 */
export interface TransportShape {
  /**
   * Opens a connection, writes the initial bytes (codec tag or obfuscation header) and returns it.
   * The connection lives until `close` or until the scope closes. Fails with `Open` (refused,
   * bad configuration) or `Timeout`.
   */
  readonly connect: (options: ConnectOptions) => Effect.Effect<Connection, TransportError, Scope.Scope>
}

/** The service that opens MTProto connections (framing, obfuscation, proxy) to a DC. */
export class Transport extends Context.Tag("effect-mtproto/Transport")<Transport, TransportShape>() {}

/**
 * Opens an unconnected `Socket` for a target. Each `runRaw` on it must open a new connection, as
 * `NodeSocket.makeNet` does.
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
 * How bytes reach a server: a platform `Socket` (`makeWith`) or a plain TCP socket (`makeNode`).
 * `open` connects within the scope and reports chunks and the end; `write` gets each frame's
 * encoder, called in the order frames must be written.
 */
interface Link {
  readonly write: (encode: () => Uint8Array) => Effect.Effect<void, TransportError>
  readonly close: Effect.Effect<void>
  /** Present when the link can stop reading while the inbox is full. */
  readonly flow?: FlowControl | undefined
}
type OpenLink = (
  target: ConnectOptions,
  handlers: { readonly onChunk: (chunk: Uint8Array) => void; readonly onEnd: (e: TransportError) => void }
) => Effect.Effect<Link, TransportError, Scope.Scope>

const timedOut = (after: Duration.Duration) =>
  new TransportError({ reason: "Timeout", cause: new Error(`connect timed out after ${Duration.format(after)}`) })

/** The framing, the inbox and the `Connection` around a link (the same for every kind of link). */
const makeTransport = (openLink: OpenLink, options: TransportOptions): TransportShape => {
  const codec = options.codec ?? "intermediate"
  const obfuscated = options.obfuscated === true || options.secret !== undefined
  const connectTimeout = Duration.decode(options.connectTimeout ?? Duration.seconds(10))

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
    const closeError = new TransportError({ reason: "Closed", cause: new Error("closed by the client") })
    const inbox = new FrameInbox(closeError)
    // Runs before the link's own finalizer closes the socket: a reader still waiting hears "closed by the client".
    yield* Effect.addFinalizer(() => Effect.sync(() => inbox.end(closeError)))
    const push = (frame: Uint8Array) => inbox.push(frame)
    let close: (() => void) | undefined
    const onChunk = (chunk: Uint8Array) => {
      if (inbox.ended !== undefined) return
      try {
        framing.decode(chunk, push)
      } catch (e) {
        // Bad framing ends the connection: nothing after it can be trusted.
        inbox.end(asTransportError("BadFrame")(e))
        close?.()
      }
    }
    const link = yield* openLink(target, { onChunk, onEnd: (e) => inbox.end(e) }).pipe(
      Effect.timeoutFail({ duration: connectTimeout, onTimeout: () => timedOut(connectTimeout) })
    )
    close = () => Effect.runFork(link.close)
    inbox.flow = link.flow
    // Encoding advances stateful ciphers and counters: the link writes each encoded frame, in order.
    const send = (encode: () => Uint8Array): Effect.Effect<void, TransportError> =>
      inbox.ended !== undefined ? Effect.fail(inbox.ended) : link.write(encode)
    if (framing.init.length > 0) yield* send(() => framing.init)
    yield* Effect.logDebug("transport connected").pipe(Effect.annotateLogs({ host: target.host, port: target.port }))
    const connection: Connection = {
      send: (payload) => send(() => framing.encode(payload)),
      frames: inbox.stream,
      receive: inbox.receive,
      close: Effect.zipRight(Effect.sync(() => inbox.end(closeError)), link.close)
    }
    return connection
  })

  return Transport.of({ connect })
}

/** A link over a platform `Socket`: its writer orders writes; a write stalled by a closing socket ends with it. */
const socketLink = (openSocket: SocketFactory): OpenLink => (target, handlers) =>
  Effect.gen(function*() {
    const socket = yield* openSocket(target)
    const opened = yield* Deferred.make<void, TransportError>()
    // Done (always as a failure: the reason the connection is gone) when it ends for any reason.
    const ended = yield* Deferred.make<never, TransportError>()
    const onChunk = (chunk: string | Uint8Array) => {
      if (typeof chunk !== "string") handlers.onChunk(chunk)
    }
    const finish = (e: TransportError) =>
      Effect.zipRight(
        Effect.sync(() => handlers.onEnd(e)),
        Effect.all([Deferred.fail(opened, e), Deferred.fail(ended, e)], { discard: true })
      )
    const runner = yield* socket.runRaw(onChunk, { onOpen: Deferred.succeed(opened, undefined) }).pipe(
      Effect.mapError((e) => e instanceof TransportError ? e : fromSocketError(e)),
      // The peer ending the connection makes runRaw succeed: for us that is the end of the connection.
      Effect.zipRight(Effect.fail(new TransportError({ reason: "Closed", cause: new Error("closed by the peer") }))),
      Effect.catchAll(finish),
      Effect.forkScoped
    )
    yield* Deferred.await(opened).pipe(Effect.onError(() => Fiber.interrupt(runner)))
    const write = yield* socket.writer
    const lock = yield* Effect.makeSemaphore(1)
    let broken: TransportError | undefined
    const close = Effect.zipRight(Fiber.interrupt(runner), Deferred.fail(ended, new TransportError({ reason: "Closed" })))
    return {
      // The lock orders sends, and an interrupted write breaks the connection (a frame that is
      // encoded must be written). NodeSocket's writer waits while its socket is closed: the race
      // with `ended` keeps a send from stalling then.
      write: (encode) =>
        lock.withPermits(1)(Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            if (broken !== undefined) return yield* broken
            const done = yield* Deferred.poll(ended)
            if (done._tag === "Some") return yield* done.value
            const bytes = yield* Effect.try({ try: encode, catch: asTransportError("Write") })
            yield* restore(Effect.raceFirst(Effect.mapError(write(bytes), fromSocketError), Deferred.await(ended))).pipe(
              Effect.onInterrupt(() =>
                Effect.sync(() => {
                  broken = new TransportError({ reason: "Write", cause: new Error("a send was interrupted mid-frame") })
                })
              )
            )
          })
        )),
      close
    } satisfies Link
  })

/** A link over `node:net`: writes are synchronous, so frames go out in encoding order without a lock. */
const tcpLink: OpenLink = (target, handlers) =>
  Effect.map(openTcp(target, handlers), (tcp): Link => ({
    write: (encode) => {
      let bytes: Uint8Array
      try {
        bytes = encode()
      } catch (e) {
        return Effect.fail(asTransportError("Write")(e))
      }
      return tcp.write(bytes)
    },
    close: Effect.sync(tcp.destroy),
    flow: tcp
  }))

/**
 * A `Transport` over any socket factory (NodeSocket, a proxy's layered socket, a WebSocket, or
 * a test socket).
 */
export const makeWith = (openSocket: SocketFactory, options: TransportOptions = {}): TransportShape =>
  makeTransport(socketLink(openSocket), options)

/**
 * A `Transport` over TCP (`node:net`, no delay).
 */
export const makeNode = (options: TransportOptions = {}): TransportShape => makeTransport(tcpLink, options)

/**
 * The `Transport` layer over any socket factory.
 */
export const layerWith = (openSocket: SocketFactory, options: TransportOptions = {}): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeWith(openSocket, options))

/**
 * The `Transport` layer over TCP (Node).
 */
export const layerNode = (options: TransportOptions = {}): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeNode(options))
