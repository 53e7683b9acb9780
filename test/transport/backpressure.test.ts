/**
 * A server that sends faster than the client reads fills its own buffers, not the client's heap:
 * the TCP link stops reading once INBOX_HIGH frames wait, and reads again when they are taken.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import { makeNode, TransportError } from "../../src/transport/index.ts"
import { FrameInbox, INBOX_HIGH } from "../../src/transport/internal/frameInbox.ts"

describe("FrameInbox flow control", () => {
  it("pauses the link at INBOX_HIGH waiting frames and resumes when the reader has taken them all", () =>
    Effect.gen(function*() {
      const inbox = new FrameInbox(new TransportError({ reason: "Closed" }))
      const calls: Array<string> = []
      inbox.flow = { pause: () => calls.push("pause"), resume: () => calls.push("resume") }
      for (let i = 0; i < INBOX_HIGH + 10; i++) inbox.push(Uint8Array.of(i & 0xff))
      assert.deepStrictEqual(calls, ["pause"])
      for (let i = 0; i < INBOX_HIGH + 9; i++) assert.strictEqual((yield* inbox.receive)[0], i & 0xff)
      assert.deepStrictEqual(calls, ["pause"])
      yield* inbox.receive
      assert.deepStrictEqual(calls, ["pause", "resume"])
    }).pipe(Effect.runSync))
})

/** A server that, once the client's intermediate tag arrived, writes `frames` 12-byte frames at once. */
const floodServer = (frames: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly server: Net.Server; readonly sent: Promise<Net.Socket> }>((resume) => {
      let sent!: (s: Net.Socket) => void
      const sentPromise = new Promise<Net.Socket>((r) => (sent = r))
      const server = Net.createServer((sock) => {
        sock.on("error", () => {})
        sock.once("data", () => {
          const all = Buffer.alloc(frames * 16)
          for (let i = 0; i < frames; i++) {
            all.writeUInt32LE(12, i * 16)
            all.writeUInt32LE(i, i * 16 + 4)
          }
          // In 64 KiB writes, so that the backlog shrinks as the client takes bytes.
          for (let at = 0; at < all.length; at += 65536) sock.write(all.subarray(at, at + 65536))
          sent(sock)
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ port: (server.address() as Net.AddressInfo).port, server, sent: sentPromise })))
    }),
    ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

describe("TCP transport under a flood", () => {
  it.scopedLive("stops reading while frames wait, then delivers every frame in order", () =>
    Effect.gen(function*() {
      // 32 MiB: more than loopback's socket buffers hold, so a paused reader leaves bytes on the server.
      const frames = 2 * 1024 * 1024
      const { port, sent } = yield* floodServer(frames)
      const connection = yield* makeNode({ codec: "intermediate" }).connect({ host: "127.0.0.1", port })
      const sock = yield* Effect.promise(() => sent)
      // A client that kept reading drains the backlog in well under a second (here, unpaused: ~0.6 s).
      for (let i = 0; i < 20 && sock.writableLength > 0; i++) yield* Effect.sleep("100 millis")
      // Nobody took a frame: the client stopped reading, so most of the flood still waits on the server.
      assert.isAbove(sock.writableLength, 8 * 1024 * 1024, "the client kept reading into its heap")
      for (let i = 0; i < frames; i++) {
        const frame = yield* connection.receive
        if (new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true) !== i) assert.fail(`frame ${i} out of order`)
      }
      assert.strictEqual(sock.writableLength, 0)
    }), 60_000)
})
