// TestDc survives malformed clients: each bad connection is closed (with transport error
// -404 where Telegram sends one), is cleaned up, and good connections keep working.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import { randomBytes } from "../../src/crypto/index.ts"
import { encodePlainMessage, nextClientMsgId } from "../../src/mtproto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { serialize } from "../../src/tl/index.ts"
import { captureLogs } from "../support/logs.ts"
import { handshake, session } from "../support/bareClient.ts"
import { le32 } from "../support/bytes.ts"
import { makeDc, openChannel } from "../support/dc.ts"
import { closedByServer, intermediate, INTERMEDIATE_TAG, raw } from "./support/rawSocket.ts"

/** Waits (up to 5 s) until the server has no open connection left. */
const allCleanedUp = (dc: TestDc.TestDcShape) =>
  dc.connections.pipe(
    Effect.filterOrFail((n) => n === 0, () => new Error("connections still open")),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds")))
  )

/** A fresh good client still gets a key and a pong. */
const goodClient = (dc: TestDc.TestDcShape) =>
  Effect.scoped(Effect.gen(function*() {
    const ch = yield* openChannel(dc)
    const key = yield* handshake(ch, dc)
    const s = session(ch, key)
    yield* s.send(serialize({ _tag: "ping", ping_id: 9n }))
    yield* s.until((m) => m.obj._tag === "pong")
  }))

describe("TestDc robustness", () => {
  it.scopedLive("garbage, HTTP, hostile lengths, half frames and half handshakes", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const dc = yield* makeDc()
      // Garbage that passes as nothing: an HTTP request.
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        yield* closedByServer(s)
      }))
      // Random bytes (read as an obfuscation header or an implausible full frame).
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        s.write(Buffer.concat([Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), randomBytes(120)]))
        yield* closedByServer(s)
      }))
      // A 2 GiB length prefix.
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        s.write(Buffer.concat([INTERMEDIATE_TAG, le32(0x7ffffff0), randomBytes(16)]))
        yield* closedByServer(s)
      }))
      // A frame that is not a message: too short for an auth_key_id.
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        s.write(Buffer.concat([INTERMEDIATE_TAG, intermediate(Uint8Array.of(1, 2, 3, 4))]))
        const sent = yield* closedByServer(s)
        assert.deepStrictEqual([...sent], [...le32(4), ...le32(-404)])
      }))
      // An encrypted message under an auth key the server never made: -404, then closed.
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        s.write(Buffer.concat([INTERMEDIATE_TAG, intermediate(randomBytes(96))]))
        const sent = yield* closedByServer(s)
        assert.deepStrictEqual([...sent], [...le32(4), ...le32(-404)])
      }))
      // Dropped mid-frame, and half a handshake then gone.
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        s.write(Buffer.concat([INTERMEDIATE_TAG, le32(200), randomBytes(50)]))
      }))
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* raw(dc.port)
        const body = serialize({ _tag: "req_pq_multi", nonce: randomBytes(16) })
        s.write(Buffer.concat([INTERMEDIATE_TAG, intermediate(encodePlainMessage(nextClientMsgId(Date.now(), 0n), body))]))
        yield* Effect.async<void>((resume) => void s.once("data", () => resume(Effect.void)))
      }))
      yield* allCleanedUp(dc)
      yield* goodClient(dc)
      yield* allCleanedUp(dc)
    }))

  it.scopedLive("handshake violations: wrong nonce, bad inner hash, while other connections keep working", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const dc = yield* makeDc()
      // A good session that stays open the whole time.
      const ch = yield* openChannel(dc, { codec: "abridged", obfuscated: true })
      const key = yield* handshake(ch, dc)
      const good = session(ch, key)

      for (const misbehave of [{ wrongNonceAt: "req_DH_params" }, { wrongNonceAt: "set_client_DH_params" }, { badInnerHash: true }] as const) {
        const exit = yield* Effect.scoped(Effect.flatMap(openChannel(dc), (bad) => Effect.exit(handshake(bad, dc, misbehave))))
        // The client transport turns the 4-byte error frame into TransportError("ServerError").
        const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
        assert.strictEqual(error?._tag, "TransportError", JSON.stringify(misbehave))
        assert.deepStrictEqual(error?._tag === "TransportError" && [error.reason, error.code], ["ServerError", -404])
      }
      // The bad connections are gone on the server too; the good one is left.
      yield* dc.connections.pipe(
        Effect.filterOrFail((n) => n === 1, () => new Error("bad connections still open")),
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds")))
      )
      assert.strictEqual(dc.authKeys.size, 1)

      const id = yield* good.send(serialize({ _tag: "ping", ping_id: 5n }))
      const got = yield* good.until((m) => m.obj._tag === "pong")
      assert.deepStrictEqual(got.find((m) => m.obj._tag === "pong")?.obj, { _tag: "pong", msg_id: id, ping_id: 5n })
      yield* goodClient(dc)
    }))
})
