/**
 * Raw TCP peers for TestDc robustness tests: sockets that send exactly the bytes a test
 * chooses (garbage, half frames, a byte at a time) and report when the server closes them.
 */
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import type { FrameChannel } from "../../../src/mtproto/index.ts"
import { type CodecKind, makeClientFraming, TransportError } from "../../../src/transport/index.ts"
import { le32 } from "../../support/bytes.ts"

/** A raw TCP socket, destroyed with the scope. */
export const raw = (port: number) =>
  Effect.acquireRelease(
    Effect.async<Net.Socket>((resume) => {
      const s = Net.connect(port, "127.0.0.1", () => resume(Effect.succeed(s)))
      s.on("error", () => {})
    }),
    (s) => Effect.sync(() => s.destroy())
  )

/** Waits (up to `seconds`) until the server closes the socket; yields what it sent before. */
export const closedByServer = (s: Net.Socket, seconds = 5) =>
  Effect.async<Buffer>((resume) => {
    const got: Array<Buffer> = []
    s.on("data", (d) => got.push(d))
    if (s.destroyed || s.readableEnded) return resume(Effect.succeed(Buffer.concat(got)))
    s.once("close", () => resume(Effect.succeed(Buffer.concat(got))))
  }).pipe(Effect.timeoutFail({ duration: `${seconds} seconds`, onTimeout: () => new Error("server did not close the connection") }))

/** One intermediate-framed payload. */
export const intermediate = (payload: Uint8Array) => Buffer.concat([le32(payload.length), payload])

/** The initial bytes of the intermediate transport. */
export const INTERMEDIATE_TAG = Buffer.from([0xee, 0xee, 0xee, 0xee])

/**
 * The handshake's frame channel over a raw socket (client framing of `codec`), so that a test
 * can authenticate and then write arbitrary bytes on the same connection.
 */
export const rawChannel = (s: Net.Socket, codec: CodecKind = "intermediate"): FrameChannel => {
  const framing = makeClientFraming({ codec })
  s.write(framing.init)
  const frames: Array<Uint8Array> = []
  const waiting: Array<(f: Uint8Array | undefined) => void> = []
  let closed = false
  const deliver = (f: Uint8Array | undefined) => {
    const w = waiting.shift()
    if (w !== undefined) w(f)
    else if (f !== undefined) frames.push(f)
  }
  s.on("data", (chunk) => {
    try {
      framing.decode(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), (f) => deliver(f))
    } catch {
      s.destroy()
    }
  })
  s.on("close", () => {
    closed = true
    while (waiting.length > 0) deliver(undefined)
  })
  return {
    send: (frame) => Effect.sync(() => void s.write(framing.encode(frame))),
    receive: Effect.async<Uint8Array, TransportError>((resume) => {
      const next = (f: Uint8Array | undefined) =>
        resume(f === undefined ? Effect.fail(new TransportError({ reason: "Closed" })) : Effect.succeed(f))
      if (frames.length > 0) return next(frames.shift())
      if (closed) return next(undefined)
      waiting.push(next)
    })
  }
}
