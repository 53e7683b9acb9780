import * as Socket from "@effect/platform/Socket"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import {
  type CodecKind,
  layerNode,
  layerWith,
  makeServerFraming,
  Transport,
  type TransportInfo,
  type TransportOptions
} from "../../src/transport/index.ts"
import { le32, payloadOf } from "../support/bytes.ts"

// Commands the test server understands (first int32 of a payload); anything else is echoed.
const CLOSE = 0x0c105e00
const ERROR = 0x0e770400

/**
 * A small MTProto-framing echo server on 127.0.0.1: detects the client's transport, echoes each
 * payload, ends the connection on CLOSE and answers ERROR with the -404 error code.
 */
const echoServer = (secret?: Uint8Array) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly server: Net.Server; readonly sockets: Set<Net.Socket>; readonly infos: Array<TransportInfo> }>((resume) => {
      const sockets = new Set<Net.Socket>()
      const infos: Array<TransportInfo> = []
      const server = Net.createServer((sock) => {
        sockets.add(sock)
        sock.on("close", () => sockets.delete(sock))
        sock.on("error", () => {})
        const framing = makeServerFraming({ secret })
        sock.on("data", (chunk) => {
          try {
            framing.decode(chunk, (frame) => {
              if (framing.info !== undefined && infos.length === 0) infos.push(framing.info)
              const cmd = new DataView(frame.buffer, frame.byteOffset, frame.length).getUint32(0, true)
              if (cmd === CLOSE) sock.end()
              else if (cmd === ERROR) sock.write(framing.encode(le32(-404)))
              else sock.write(framing.encode(frame))
            })
          } catch {
            sock.destroy()
          }
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ port: (server.address() as Net.AddressInfo).port, server, sockets, infos })))
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const s of sockets) s.destroy()
        server.close(() => resume(Effect.void))
      })
  )

const prefixEquals = (frame: Uint8Array, payload: Uint8Array) =>
  frame.length >= payload.length && frame.subarray(0, payload.length).every((b, i) => b === payload[i])

const configs: ReadonlyArray<[string, TransportOptions, CodecKind, boolean]> = [
  ["default (intermediate)", {}, "intermediate", false],
  ["abridged", { codec: "abridged" }, "abridged", false],
  ["full", { codec: "full" }, "full", false],
  ["obfuscated abridged", { codec: "abridged", obfuscated: true }, "abridged", true],
  ["obfuscated padded with secret", { codec: "padded", secret: Redacted.make(Uint8Array.from({ length: 16 }, (_, i) => i)) }, "padded", true]
]

// A socket whose connection attempt never completes (what a black-holed SYN looks like).
const hanging: Socket.Socket = Socket.Socket.of({
  [Socket.TypeId]: Socket.TypeId,
  run: () => Effect.never,
  runRaw: () => Effect.never,
  writer: Effect.succeed(() => Effect.never)
})

describe("Transport over NodeSocket", () => {
  for (const [name, options, codec, obfuscated] of configs) {
    it.scopedLive(`${name}: sends and receives frames`, () =>
      Effect.gen(function*() {
        const secret = options.secret === undefined ? undefined : Redacted.value(options.secret)
        const server = yield* echoServer(secret)
        const transport = yield* Transport
        const conn = yield* transport.connect({ host: "127.0.0.1", port: server.port, dcId: -3 })
        // Shaped like encrypted messages (24 + 16k bytes): padded intermediate's padding is removed by that shape.
        const payloads = [payloadOf(6, 1), payloadOf(302, 2), payloadOf(64 * 1024 + 2, 3), payloadOf(10, 4)]
        yield* Effect.forEach(payloads, conn.send, { concurrency: "unbounded", discard: true })
        const frames = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(conn.frames, payloads.length)))
        assert.strictEqual(frames.length, payloads.length)
        // Concurrent sends are serialised; match each echo to a payload by its content.
        for (const p of payloads) assert.isTrue(frames.some((f) => prefixEquals(f, p)))
        assert.deepStrictEqual(server.infos, [{ codec, obfuscated, dcId: obfuscated ? -3 : undefined }])
        yield* conn.close
      }).pipe(Effect.provide(layerNode(options))))
  }

  it.scopedLive("keeps order for sequential sends", () =>
    Effect.gen(function*() {
      const server = yield* echoServer()
      const conn = yield* (yield* Transport).connect({ host: "127.0.0.1", port: server.port })
      const payloads = Array.from({ length: 50 }, (_, i) => payloadOf(5 + i * 13, i))
      yield* Effect.forEach(payloads, conn.send, { discard: true })
      const frames = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(conn.frames, payloads.length)))
      assert.deepStrictEqual(frames, payloads)
    }).pipe(Effect.provide(layerNode({ codec: "intermediate", obfuscated: true }))))

  it.scopedLive("a peer close ends the frame stream with Closed, and send then fails", () =>
    Effect.gen(function*() {
      const server = yield* echoServer()
      const conn = yield* (yield* Transport).connect({ host: "127.0.0.1", port: server.port })
      yield* conn.send(payloadOf(5, 1))
      yield* conn.send(le32(CLOSE, 0, 0, 0, 0))
      const received: Array<Uint8Array> = []
      const error = yield* Stream.runForEach(conn.frames, (f) => Effect.sync(() => received.push(f))).pipe(Effect.flip)
      assert.strictEqual(error.reason, "Closed")
      assert.strictEqual(received.length, 1, "the frame before the close is delivered")
      const sendError = yield* Effect.flip(conn.send(payloadOf(5, 1)))
      assert.strictEqual(sendError.reason, "Closed")
    }).pipe(Effect.provide(layerNode())))

  it.scopedLive("a server error code fails the frame stream with ServerError", () =>
    Effect.gen(function*() {
      const server = yield* echoServer()
      const conn = yield* (yield* Transport).connect({ host: "127.0.0.1", port: server.port })
      yield* conn.send(le32(ERROR, 0, 0, 0, 0))
      const error = yield* Effect.flip(Stream.runDrain(conn.frames))
      assert.strictEqual(error.reason, "ServerError")
      assert.strictEqual(error.code, -404)
    }).pipe(Effect.provide(layerNode({ codec: "abridged" }))))

  it.scopedLive("close ends the frame stream without error; send then fails with Closed", () =>
    Effect.gen(function*() {
      const server = yield* echoServer()
      const conn = yield* (yield* Transport).connect({ host: "127.0.0.1", port: server.port })
      yield* conn.send(payloadOf(5, 1))
      const first = yield* Stream.runHead(conn.frames)
      assert.strictEqual(first._tag, "Some")
      yield* conn.close
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Stream.runCollect(conn.frames)), [])
      assert.strictEqual((yield* Effect.flip(conn.send(payloadOf(5, 1)))).reason, "Closed")
    }).pipe(Effect.provide(layerNode())))

  it.scopedLive("bad framing from the server fails the frame stream with BadFrame and closes the socket", () =>
    Effect.gen(function*() {
      // A raw server: answers the client's first bytes with one good frame, then a zero length.
      const closed = yield* Effect.makeLatch(false)
      const server = yield* Effect.acquireRelease(
        Effect.async<Net.Server>((resume) => {
          const srv = Net.createServer((sock) => {
            sock.on("error", () => {})
            sock.on("close", () => closed.unsafeOpen())
            sock.once("data", () => sock.write(new Uint8Array([...le32(8), ...payloadOf(2, 1), ...le32(0)])))
          })
          srv.listen(0, "127.0.0.1", () => resume(Effect.succeed(srv)))
        }),
        (srv) => Effect.async<void>((resume) => void srv.close(() => resume(Effect.void)))
      )
      const port = (server.address() as Net.AddressInfo).port
      const conn = yield* (yield* Transport).connect({ host: "127.0.0.1", port })
      const received: Array<Uint8Array> = []
      const error = yield* Stream.runForEach(conn.frames, (f) => Effect.sync(() => received.push(f))).pipe(Effect.flip)
      assert.strictEqual(error.reason, "BadFrame")
      assert.deepStrictEqual(received, [payloadOf(2, 1)])
      yield* closed.await
    }).pipe(Effect.provide(layerNode())))

  it.scopedLive("a refused connection fails with Open", () =>
    Effect.gen(function*() {
      // A port that was just free: listen, note the port, close.
      const port = yield* Effect.scoped(Effect.map(echoServer(), (s) => s.port))
      const error = yield* Effect.flip((yield* Transport).connect({ host: "127.0.0.1", port }))
      assert.strictEqual(error.reason, "Open")
    }).pipe(Effect.provide(layerNode())))

  it.scopedLive("a bad configuration fails with Open before connecting", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* Transport).connect({ host: "127.0.0.1", port: 1 }))
      assert.strictEqual(error.reason, "Open")
    }).pipe(Effect.provide(layerNode({ codec: "full", obfuscated: true }))))

  it.live("a connection that never opens fails with Timeout", () =>
    Effect.gen(function*() {
      const start = Date.now()
      const error = yield* Effect.scoped(Effect.flip((yield* Transport).connect({ host: "192.0.2.1", port: 443 })))
      assert.strictEqual(error.reason, "Timeout")
      assert.isBelow(Date.now() - start, 2000)
    }).pipe(Effect.provide(layerWith(() => Effect.succeed(hanging), { connectTimeout: "100 millis" }))))
})
