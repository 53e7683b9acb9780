/**
 * The Sender against a hostile server (the scripted server of `support/scriptedServer.ts`,
 * honest handshake, then a misbehaving session): a server that stalls after the handshake, one
 * that dies after one answer, and frames with a wrong auth_key_id or msg_key. Every call ends
 * with a typed error within `requestTimeout`; frames that fail a check count as nothing, and
 * repeated failures close the connection. Small real timeouts (real sockets, so no TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Sender, SenderError } from "../../src/mtproto/index.ts"
import { senderOn as senderOnDc } from "../support/dc.ts"
import { captureLogs } from "../support/logs.ts"
import * as Scripted from "./support/scriptedServer.ts"

const getNearestDc = { _tag: "help.getNearestDc" } as const

/** An honest handshake with the scripted server, then a Sender on the session behaviour under test. */
const senderOn = (behaviour: Scripted.SessionBehaviour, options: Partial<Sender.SenderOptions> = {}) =>
  Effect.gen(function*() {
    const server = yield* Scripted.make("none", { session: behaviour })
    const { sender } = yield* senderOnDc(server, {
      sender: { rotateSalts: false, requestTimeout: "1500 millis", reconnect: Schedule.spaced("50 millis"), ...options }
    })
    return { server, sender }
  })

/** Runs `call`, which must fail; returns the error and how long it took. */
const timedFailure = <A>(call: Effect.Effect<A, unknown>) =>
  Effect.gen(function*() {
    const start = Date.now()
    const error = yield* Effect.flip(call).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the call never ended") }))
    return { error: error as SenderError, elapsed: Date.now() - start }
  })

describe("Sender against a hostile server", () => {
  it.scopedLive("the honest script answers (the harness itself works)", () =>
    Effect.gen(function*() {
      const { sender } = yield* senderOn("honest")
      assert.strictEqual((yield* sender.invoke(getNearestDc))._tag, "nearestDc")
    }))

  it.scopedLive("stalls after the handshake: the silent link is probed, dropped and re-opened; the call ends with Timeout in time", () =>
    Effect.gen(function*() {
      const { sender, server } = yield* senderOn("stall", { probeAfter: "200 millis", pongTimeout: "300 millis" })
      const { elapsed, error } = yield* timedFailure(sender.invoke(getNearestDc))
      assert.strictEqual(error._tag, "SenderError")
      assert.strictEqual(error.reason, "Timeout")
      assert.match(error.message, /no answer within the request timeout/)
      assert.isAtLeast(elapsed, 1400)
      assert.isBelow(elapsed, 4000)
      // The probe ping went out, and the dead link was replaced (the call went out again on it).
      assert.include(server.encrypted, "ping")
      assert.isAtLeast(yield* sender.connections, 2)
      assert.isAtLeast(server.encrypted.filter((t) => t === "help.getNearestDc").length, 2)
    }))

  it.scopedLive("dies after one answer: the first call is answered, the next ends with Timeout while reconnects are refused", () =>
    Effect.gen(function*() {
      const { sender } = yield* senderOn("dieAfterOne")
      assert.strictEqual((yield* sender.invoke(getNearestDc))._tag, "nearestDc")
      const { elapsed, error } = yield* timedFailure(sender.invoke(getNearestDc))
      assert.strictEqual(error.reason, "Timeout")
      assert.isBelow(elapsed, 4000)
    }))

  for (const behaviour of ["wrongAuthKeyId", "wrongMsgKey"] as const) {
    it.scopedLive(`${behaviour}: the frames count as nothing, repeated ones close the connection, the call ends with Timeout`, () =>
      Effect.gen(function*() {
        yield* captureLogs // the test provokes these on purpose
        const { sender, server } = yield* senderOn(behaviour, { probeAfter: "200 millis", pongTimeout: "300 millis" })
        const { elapsed, error } = yield* timedFailure(sender.invoke(getNearestDc))
        assert.strictEqual(error.reason, "Timeout")
        assert.isBelow(elapsed, 4000)
        // Forged answers did not count as life: the link was dropped and opened again.
        assert.isAtLeast(yield* sender.connections, 2)
        assert.isAtLeast(server.encrypted.length, 2)
      }))
  }

  it.scopedLive("requestTimeout Duration.infinity: the call waits (here: until interrupted), it is not failed by a deadline", () =>
    Effect.gen(function*() {
      const { sender } = yield* senderOn("stall", { requestTimeout: Duration.infinity })
      const result = yield* sender.invoke(getNearestDc).pipe(Effect.timeoutFail({ duration: "1800 millis", onTimeout: () => "still waiting" as const }), Effect.flip)
      assert.strictEqual(result, "still waiting")
    }))
})
