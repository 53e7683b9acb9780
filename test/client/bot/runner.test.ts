/**
 * `Bot.run` without sockets: per-key order under concurrency with a bound, failures and defects
 * that do not stop the other events (logged, counted, handed to `onError`), the bounded buffer
 * that stops pulling the stream, and the end (the stream's end or failure).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import { Bot } from "../../../src/client/index.ts"

interface Ev {
  readonly _tag: "Test"
  readonly chatKey: string
  readonly seq: number
}

const events = (chats: number, perChat: number): ReadonlyArray<Ev> => {
  const out: Array<Ev> = []
  for (let i = 0; i < perChat; i++) for (let c = 0; c < chats; c++) out.push({ _tag: "Test", chatKey: `c${c}`, seq: i })
  return out
}

const counterValue = (kind: string) => Effect.map(Metric.value(Metric.tagged(Bot.failuresTotal, "kind", kind)), (s) => s.count)

describe("Bot.run", () => {
  it.live("keeps each chat in order, runs chats in parallel, never above the bound", () =>
    Effect.gen(function*() {
      const seen = new Map<string, Array<number>>()
      let running = 0
      let most = 0
      yield* Bot.run(Stream.fromIterable(events(6, 15)), (e) =>
        Effect.gen(function*() {
          running++
          most = Math.max(most, running)
          yield* Effect.sleep(`${yield* Random.nextIntBetween(0, 4)} millis`)
          seen.set(e.chatKey, [...(seen.get(e.chatKey) ?? []), e.seq])
          running--
        }), { concurrency: 3 })
      assert.strictEqual(seen.size, 6)
      for (const [, order] of seen) assert.deepStrictEqual(order, Array.from({ length: 15 }, (_, i) => i))
      assert.isAtMost(most, 3)
      assert.isAbove(most, 1)
    }))

  it.live("without keys everything may run at once (up to the bound)", () =>
    Effect.gen(function*() {
      let running = 0
      let most = 0
      yield* Bot.run(Stream.fromIterable(events(1, 20)), () =>
        Effect.gen(function*() {
          most = Math.max(most, ++running)
          yield* Effect.sleep("5 millis")
          running--
        }), { concurrency: 4, key: () => undefined })
      assert.strictEqual(most, 4) // one chat, yet parallel: no order was asked for
    }))

  it.live("a failing or dying handler is counted and reported; the other events are handled", () =>
    Effect.gen(function*() {
      const kind = "FailTest"
      const before = yield* counterValue(kind)
      const handled: Array<number> = []
      const reported: Array<string> = []
      const stream = Stream.fromIterable([1, 2, 3, 4, 5, 6].map((n) => ({ _tag: kind, chatKey: "one", n })))
      const logged: Array<string> = []
      yield* Bot.run(stream, (e) =>
        e.n === 2 ? Effect.fail("bad input" as const) : e.n === 4 ? Effect.die(new Error("boom")) : Effect.sync(() => void handled.push(e.n)), {
        onError: (cause, e) => Effect.sync(() => void reported.push(`${e.n}:${Cause.isDie(cause) ? "die" : "fail"}`))
      }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make((o) => void logged.push(`${o.logLevel.label} ${String(o.message)}`)))))
      assert.deepStrictEqual(handled, [1, 3, 5, 6])
      assert.deepStrictEqual(reported, ["2:fail", "4:die"])
      assert.strictEqual((yield* counterValue(kind)) - before, 2)
      assert.deepStrictEqual(logged, Array(2).fill("ERROR bot handler failed; going on with the next events"))
    }))

  it.live("a handler over its timeout is interrupted and counted; its chat goes on", () =>
    Effect.gen(function*() {
      const kind = "SlowTest"
      const before = yield* counterValue(kind)
      const done: Array<number> = []
      let interrupted = 0
      const stream = Stream.fromIterable([1, 2, 3].map((n) => ({ _tag: kind, chatKey: "one", n })))
      yield* Bot.run(stream, (e) =>
        e.n === 2
          ? Effect.onInterrupt(Effect.never, () => Effect.sync(() => void interrupted++))
          : Effect.sync(() => void done.push(e.n)), { timeout: "30 millis", onError: () => Effect.void }).pipe(
        Effect.provide(Logger.remove(Logger.defaultLogger))
      )
      assert.deepStrictEqual(done, [1, 3])
      assert.strictEqual(interrupted, 1)
      assert.strictEqual((yield* counterValue(kind)) - before, 1)
    }))

  it.live("stops pulling the stream while `buffer` events wait, and goes on when they are handled", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let pulled = 0
      const stream = Stream.fromIterable(events(1, 10)).pipe(Stream.tap(() => Effect.sync(() => void pulled++)))
      const fiber = yield* Effect.fork(Bot.run(stream, () => Deferred.await(gate), { concurrency: 1, buffer: 3 }))
      yield* Effect.sleep("50 millis")
      assert.isAtMost(pulled, 4) // three accepted, at most one more pulled and waiting for room
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(fiber)
      assert.strictEqual(pulled, 10)
    }))

  it.live("fails when the stream fails, interrupting the handlers still running", () =>
    Effect.gen(function*() {
      let interrupted = 0
      const stream = Stream.concat(Stream.fromIterable(events(2, 1)), Stream.fail("gone" as const))
      const exit = yield* Effect.exit(Bot.run(stream, () => Effect.onInterrupt(Effect.never, () => Effect.sync(() => void interrupted++))))
      assert.deepStrictEqual(exit, Exit.fail("gone"))
      assert.strictEqual(interrupted, 2)
    }))
})
