/**
 * The Sender under load against TestDc over TCP: many concurrent calls on one connection, and
 * calls that outlive many dropped connections. A slice in `npm test`, full size in
 * `npm run test:scale` (test/support/scale.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import { count, scaled } from "../support/scale.ts"
import { harness } from "../support/dc.ts"

describe("Sender against TestDc, at scale", () => {
  const calls = scaled(1_000, 10_000)
  it.scopedLive(`${count(calls)} concurrent calls on one connection each get their own answer`, () =>
    Effect.gen(function*() {
      const { sender } = yield* harness()
      const ids = Array.from({ length: calls }, (_, i) => BigInt(i) * 7919n + 1n)
      const pongs = yield* Effect.forEach(ids, (id) => sender.invoke({ _tag: "ping", ping_id: id }), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(pongs.map((p) => p.ping_id), ids)
      assert.strictEqual(yield* sender.connections, 1)
    }))

  const drops = scaled(10, 100)
  const dropCalls = drops * 20
  it.scopedLive(`${count(drops)} connection drops during ${count(dropCalls)} calls: every call completes exactly once with its own answer`, () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness({
        sender: { reconnect: Schedule.spaced("5 millis") }
      })
      const ids = Array.from({ length: dropCalls }, (_, i) => BigInt(i) + 1n)
      let completed = 0
      const run = yield* Effect.fork(
        Effect.forEach(ids, (id) => Effect.tap(sender.invoke({ _tag: "ping", ping_id: id }), () => Effect.sync(() => completed++)), {
          concurrency: 4
        })
      )
      // Drop the connection while calls are in flight: after every ~5 answers.
      let dropped = 0
      while (dropped < drops && completed < ids.length) {
        const before = completed
        yield* Effect.sleep("2 millis").pipe(Effect.repeat({ until: () => completed >= before + 5 || completed >= ids.length }))
        yield* dc.dropConnections
        dropped++
      }
      const pongs = yield* Fiber.join(run)
      assert.deepStrictEqual(pongs.map((p) => p.ping_id), ids)
      assert.strictEqual(completed, ids.length)
      assert.strictEqual(dropped, drops)
      assert.isAtLeast(yield* sender.connections, drops)
    }), 60_000)
})
