// Hostile clients against one TestDc while a good client is served throughout: garbage,
// silent and half-open connections, slowloris before and after the handshake, huge lengths,
// decompression bombs before and after authenticating, stray bytes after a message. Every
// hostile connection is closed (or answered) and counted; the good client never misses a pong.
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import type * as Net from "node:net"
import { concatBytes, randomBytes } from "../../src/crypto/index.ts"
import { encodePlainMessage, nextClientMsgId, packMessage } from "../../src/mtproto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { serialize } from "../../src/tl/index.ts"
import { bomb25KB, nestedBomb } from "../tl/support/bombs.ts"
import { captureLogs } from "../support/logs.ts"
import { type ClientKey, handshake, isResultFor, session } from "../support/bareClient.ts"
import { le32 } from "../support/bytes.ts"
import { makeDc, openChannel } from "../support/dc.ts"
import { closedByServer, intermediate, INTERMEDIATE_TAG, raw, rawChannel } from "./support/rawSocket.ts"

/** An encrypted ping (the first message of session `sessionId`) under `key`, unframed. */
const encryptedPing = (key: ClientKey, sessionId: bigint, pingId: bigint) =>
  packMessage(key.authKey, 0, {
    salt: key.salt,
    sessionId,
    msgId: nextClientMsgId(Date.now(), 0n),
    seqNo: 1,
    body: serialize({ _tag: "ping", ping_id: pingId })
  }, randomBytes)

const sleep = (ms: number) => Effect.sleep(Duration.millis(ms))

/** Writes `bytes` one at a time, `everyMs` apart, until done or the socket closes. */
const dribble = (s: Net.Socket, bytes: Uint8Array, everyMs: number) =>
  Effect.gen(function*() {
    for (const b of bytes) {
      if (s.destroyed) return
      s.write(Uint8Array.of(b))
      yield* sleep(everyMs)
    }
  })

/** A plain (pre-auth) message around `body`, intermediate-framed, after the transport tag. */
const plainFrame = (body: Uint8Array) =>
  Buffer.concat([INTERMEDIATE_TAG, intermediate(encodePlainMessage(nextClientMsgId(Date.now(), 0n), body))])

/** A good client (padded intermediate: its random padding is accepted) pinging until interrupted. */
const goodClient = (dc: TestDc.TestDcShape, pongs: { n: number }) =>
  Effect.scoped(Effect.gen(function*() {
    const ch = yield* openChannel(dc, { codec: "padded" })
    const s = session(ch, yield* handshake(ch, dc))
    for (let i = 1n; ; i++) {
      yield* s.send(serialize({ _tag: "ping", ping_id: i }))
      yield* s.until((m) => m.obj._tag === "pong" && m.obj.ping_id === i).pipe(Effect.timeout("5 seconds"))
      pongs.n++
      yield* sleep(50)
    }
  }))

/** An authenticated session over a raw socket: after the handshake, the test writes what it likes. */
const rawSession = (dc: TestDc.TestDcShape) =>
  Effect.gen(function*() {
    const socket = yield* raw(dc.port)
    const ch = rawChannel(socket)
    const key = yield* handshake(ch, dc)
    return { socket, ch, key, s: session(ch, key) }
  })

const rejected = (dc: TestDc.TestDcShape) => Effect.map(dc.rejections, (m) => Object.fromEntries(m))

describe("TestDc against hostile clients", () => {
  it.scopedLive("every hostile connection is closed or answered, and a good client is served throughout", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const dc = yield* makeDc({ handshakeTimeout: "1 second", idleTimeout: "1500 millis" })
      const pongs = { n: 0 }
      const good = yield* Effect.fork(goodClient(dc, pongs))
      yield* Effect.retry(Effect.filterOrFail(Effect.sync(() => pongs.n), (n) => n > 0), Schedule.spaced("20 millis").pipe(Schedule.upTo("10 seconds")))

      const scenarios = {
        garbage: Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          s.write(Buffer.concat([Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), randomBytes(200)]))
          yield* closedByServer(s)
        })),
        silent: Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          const [elapsed] = yield* Effect.timed(closedByServer(s, 15))
          assert.isAtLeast(Duration.toMillis(elapsed), 800, "closed by the handshake deadline, not before")
        })),
        halfOpen: Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          s.write(Buffer.concat([INTERMEDIATE_TAG, Buffer.from([40, 0])]))
          yield* closedByServer(s, 15)
        })),
        slowlorisBeforeHandshake: Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          const frame = plainFrame(serialize({ _tag: "req_pq_multi", nonce: randomBytes(16) }))
          yield* Effect.fork(dribble(s, frame, 100))
          yield* closedByServer(s, 15)
        })),
        slowlorisAfterHandshake: Effect.scoped(Effect.gen(function*() {
          const { socket, key } = yield* rawSession(dc)
          const ping = encryptedPing(key, 1n, 1n)
          // Bytes keep coming, but no complete frame: idle all the same.
          yield* Effect.fork(dribble(socket, intermediate(ping), 100))
          yield* closedByServer(socket, 15)
        })),
        hugeLengthThenSilence: Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          s.write(Buffer.concat([INTERMEDIATE_TAG, le32(16 * 1024 * 1024 - 16), randomBytes(10)]))
          yield* closedByServer(s, 15)
        })),
        lengthBeyondTheLimit: Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          s.write(Buffer.concat([INTERMEDIATE_TAG, le32(0x7ffffff0), randomBytes(16)]))
          yield* closedByServer(s)
        })),
        bombBeforeHandshake: Effect.scoped(Effect.gen(function*() {
          // A plain message that is a gzip_packed bomb: refused by its first four bytes (-404).
          for (const bomb of [bomb25KB(), nestedBomb()]) {
            const s = yield* raw(dc.port)
            s.write(plainFrame(bomb))
            const sent = yield* closedByServer(s)
            assert.deepStrictEqual([...sent], [...le32(4), ...le32(-404)])
          }
        })),
        bombAfterHandshake: Effect.scoped(Effect.gen(function*() {
          // An encrypted message whose body is a bomb: answered with an error, the session goes on.
          const { s } = yield* rawSession(dc)
          const id = yield* s.send(bomb25KB())
          const [elapsed, got] = yield* Effect.timed(s.until(isResultFor(id)))
          assert.isBelow(Duration.toMillis(elapsed), 5_000)
          assert.isTrue(got.some(isResultFor(id)))
          yield* s.send(serialize({ _tag: "ping", ping_id: 77n }))
          yield* s.until((m) => m.obj._tag === "pong" && m.obj.ping_id === 77n)
        })),
        bytesAfterTheMessage: Effect.scoped(Effect.gen(function*() {
          // Four stray bytes after a valid encrypted message on intermediate: refused, closed.
          const { socket, key } = yield* rawSession(dc)
          const ping = encryptedPing(key, 2n, 2n)
          socket.write(intermediate(concatBytes(ping, Uint8Array.of(1, 2, 3, 4))))
          yield* closedByServer(socket)
        }))
      }
      yield* Effect.all(scenarios, { concurrency: "unbounded" })

      // The good client kept getting answers the whole time.
      const before = pongs.n
      yield* sleep(300)
      assert.isAbove(pongs.n, before, "the good client is still served")
      assert.isNull(good.unsafePoll(), "the good client never failed")
      yield* Fiber.interrupt(good)

      const counts = yield* rejected(dc)
      assert.isAtLeast(counts.transport ?? 0, 2, JSON.stringify(counts)) // garbage, 2 GiB length
      assert.isAtLeast(counts.handshake ?? 0, 2, JSON.stringify(counts)) // the two pre-auth bombs
      assert.isAtLeast(counts.handshake_deadline ?? 0, 4, JSON.stringify(counts)) // silent, half-open, slowloris, huge length
      assert.isAtLeast(counts.idle ?? 0, 1, JSON.stringify(counts)) // slowloris after the handshake
      assert.isAtLeast(counts.decrypt ?? 0, 1, JSON.stringify(counts)) // bytes after the message
      // Everything hostile is gone; only what the test still holds may remain.
      yield* dc.connections.pipe(
        Effect.filterOrFail((n) => n <= 1, (n) => new Error(`${n} connections still open`)),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("5 seconds")))
      )
    }), 60_000)

  it.scopedLive("the connection cap refuses extra connections at once; freed places are usable again", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const dc = yield* makeDc({ maxConnections: 4 })
      const held = yield* Effect.forEach(Array.from({ length: 4 }), () => raw(dc.port))
      yield* dc.connections.pipe(
        Effect.filterOrFail((n) => n === 4, (n) => new Error(`${n} connections`)),
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds")))
      )
      for (let i = 0; i < 3; i++) {
        const extra = yield* raw(dc.port)
        const [elapsed] = yield* Effect.timed(closedByServer(extra))
        assert.isBelow(Duration.toMillis(elapsed), 2_000)
      }
      assert.strictEqual((yield* rejected(dc)).connection_cap, 3)
      held[0]!.destroy()
      yield* dc.connections.pipe(
        Effect.filterOrFail((n) => n === 3, (n) => new Error(`${n} connections`)),
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds")))
      )
      // A good client takes the freed place.
      yield* Effect.scoped(Effect.gen(function*() {
        const ch = yield* openChannel(dc)
        const s = session(ch, yield* handshake(ch, dc))
        yield* s.send(serialize({ _tag: "ping", ping_id: 3n }))
        yield* s.until((m) => m.obj._tag === "pong")
      }))
    }))

  it.scopedLive("rejected frames are all counted (metric too), but WARN lines are rate-limited", () => {
    const warnings: Array<unknown> = []
    const collecting = Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Warning") warnings.push(message)
    })
    return Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 7 })
      const metric = Metric.tagged(Metric.tagged(TestDc.rejectionsMetric, "kind", "transport"), "dc", "7")
      const before = (yield* Metric.value(metric)).count
      yield* Effect.forEach(Array.from({ length: 30 }), () =>
        Effect.scoped(Effect.gen(function*() {
          const s = yield* raw(dc.port)
          s.write("GET / HTTP/1.1\r\n\r\n")
          yield* closedByServer(s)
        })), { concurrency: 10, discard: true })
      yield* Effect.retry(
        Effect.filterOrFail(rejected(dc), (c) => c.transport === 30),
        Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))
      )
      assert.strictEqual((yield* Metric.value(metric)).count - before, 30)
      // Five lines per ten seconds, whatever the peer does.
      assert.strictEqual(warnings.length, 5)
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, collecting)))
  })
})
