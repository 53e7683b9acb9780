/**
 * `Bot.run`: handles each event of a stream with a handler, one chat at a time in arrival
 * order, different chats in parallel up to a bound, with a bounded number of events accepted
 * and not yet handled (the stream is not pulled further until room frees up). A handler that
 * fails or dies is logged and counted, and the next events are handled as usual.
 *
 * The shell around {@link Lanes}: a semaphore for the running handlers, one for the accepted
 * events, a FiberSet for the lane workers (one per busy chat).
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"
import { Lanes } from "./lanes.ts"

/**
 * Options of `Bot.run`.
 */
export interface RunOptions<A> {
  /** At most this many handlers run at once (default 16). */
  readonly concurrency?: number | undefined
  /** At most this many events are accepted and not yet handled (default 1024); then the stream waits. */
  readonly buffer?: number | undefined
  /**
   * The ordering key of an event: events with one key are handled one after the other, in
   * order; `undefined` puts no order on the event. Default: the event's `chatKey` (one per
   * chat) when it has one; `() => undefined` handles everything in parallel.
   */
  readonly key?: ((event: A) => string | undefined) | undefined
  /**
   * A handler still running after this long is interrupted and counted as failed, so one stuck
   * call does not hold its chat forever (default: no limit).
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Called (after logging and counting) with each failed handler's cause. */
  readonly onError?: ((cause: Cause.Cause<unknown>, event: A) => Effect.Effect<void>) | undefined
}

/**
 * Events handled (successfully or not), tagged by `kind` (the event's `_tag`).
 */
export const handledTotal = Metric.counter("bot_events_handled_total", {
  description: "bot events whose handler finished (successfully or not)",
  incremental: true
})

/**
 * Handlers that failed or died, tagged by `kind` (the event's `_tag`).
 */
export const failuresTotal = Metric.counter("bot_handler_failures_total", {
  description: "bot handlers that failed or died; the stream went on",
  incremental: true
})

const kindOf = (event: unknown): string =>
  typeof event === "object" && event !== null && "_tag" in event && typeof event._tag === "string" ? event._tag : "event"

const defaultKey = (event: unknown): string | undefined =>
  typeof event === "object" && event !== null && "chatKey" in event && typeof event.chatKey === "string" ? event.chatKey : undefined

/**
 * Runs `handler` on every event of `stream` (see the module docs). Ends when the stream ends
 * and every accepted event is handled; fails when the stream fails (running handlers are then
 * interrupted). Handler failures never end it.
 */
export const run = <A, E, R, H extends Effect.Effect<unknown, unknown, any>>(
  stream: Stream.Stream<A, E, R>,
  handler: (event: A) => H,
  options: RunOptions<A> = {}
): Effect.Effect<void, E, R | Effect.Effect.Context<H>> =>
  Effect.gen(function*() {
    const running = yield* Effect.makeSemaphore(Math.max(1, Math.floor(options.concurrency ?? 16)))
    const room = yield* Effect.makeSemaphore(Math.max(1, Math.floor(options.buffer ?? 1024)))
    const keyOf = options.key ?? defaultKey
    const workers = yield* FiberSet.make()
    const lanes = new Lanes<A>() // owned by this run

    const timeout = options.timeout
    const handleOne = (event: A): Effect.Effect<void, never, Effect.Effect.Context<H>> => {
      const kind = kindOf(event)
      // Any handler's error is caught below, so its type does not matter here.
      const handled = Effect.suspend((): Effect.Effect<unknown, unknown, Effect.Effect.Context<H>> => handler(event))
      return (timeout === undefined ? handled : Effect.timeout(handled, timeout)).pipe(
        Effect.catchAllCause((cause) =>
          Effect.gen(function*() {
            yield* Metric.increment(Metric.tagged(failuresTotal, "kind", kind))
            yield* Effect.logError("bot handler failed; going on with the next events", cause).pipe(
              Effect.annotateLogs({ kind, key: keyOf(event) ?? "-" })
            )
            if (options.onError !== undefined) yield* Effect.catchAllCause(options.onError(cause, event), () => Effect.void)
          })
        ),
        Effect.zipRight(Metric.increment(Metric.tagged(handledTotal, "kind", kind))),
        Effect.withSpan("Bot.handle", { attributes: { kind }, captureStackTrace: false }),
        running.withPermits(1),
        Effect.ensuring(room.release(1))
      )
    }

    /** Handles `key`'s events one after the other until its lane is empty. */
    const drain = (key: string): Effect.Effect<void, never, Effect.Effect.Context<H>> =>
      Effect.gen(function*() {
        for (let next = lanes.next(key); next !== undefined; next = lanes.next(key)) yield* handleOne(next.item)
      })

    yield* Stream.runForEach(stream, (event) =>
      Effect.zipRight(
        room.take(1),
        Effect.suspend(() => {
          const key = keyOf(event)
          if (key === undefined) return FiberSet.run(workers, handleOne(event))
          return lanes.push(key, event) ? FiberSet.run(workers, drain(key)) : Effect.void
        })
      ))
    yield* FiberSet.awaitEmpty(workers)
  }).pipe(Effect.scoped)
