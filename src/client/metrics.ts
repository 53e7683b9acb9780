/**
 * The client's metrics: Effect `Metric`s, process-wide like every Effect metric (all clients of
 * a process add to the same ones). Read one with `Metric.value`, a labelled one with
 * `Metric.tagged` in the order of its labels:
 *
 * ```ts
 * const ok = yield* Metric.value(Metrics.calls.pipe(Metric.tagged("method", "help.getConfig"), Metric.tagged("outcome", "ok")))
 * ok.count // calls of help.getConfig that succeeded
 * ```
 *
 * or all of them at once with `Metric.snapshot`, or export them (an OpenTelemetry metric
 * reader: see the README's "Observability").
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

export { reconnects, rejectedFrames } from "../mtproto/metrics.ts"

/**
 * API calls that ended with an answer or a typed error, labelled `method` (the method's `_tag`;
 * wrappers are named after their query) and `outcome`: `"ok"`, or the tag of the error the call
 * failed with (`"RpcError"`, `"FloodWait"`, `"SenderError"`, ...) after the retry policy gave
 * up. Calls the caller interrupted are not counted.
 */
export const calls = Metric.counter("mtproto_calls_total", {
  description: "API calls that ended, by method and outcome",
  incremental: true
})

/**
 * How long the calls counted by {@link calls} took, from `invoke` to the answer or error
 * (retries and migrations included), in seconds, labelled `method`. Buckets from 1 ms to ~33 s,
 * doubling.
 */
export const callDuration = Metric.histogram(
  "mtproto_call_duration_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 16 }),
  "time from invoke to the answer of API calls, in seconds"
)

/**
 * FLOOD_WAITs the client waited out before trying again (the retry policy's, and the updates
 * engine's longer ones), labelled `method`.
 */
export const floodWaits = Metric.counter("mtproto_flood_waits_total", {
  description: "FLOOD_WAITs waited out before a call was tried again, by method",
  incremental: true
})

/**
 * Seconds spent waiting out FLOOD_WAITs, labelled `method`.
 */
export const floodWaitSeconds = Metric.counter("mtproto_flood_wait_seconds_total", {
  description: "seconds spent waiting out FLOOD_WAITs, by method",
  incremental: true
})

/**
 * What the server pushed outside answers (`Updates` objects; each container counts once),
 * labelled `dc`.
 */
export const updatesReceived = Metric.counter("mtproto_updates_received_total", {
  description: "objects (Updates) the server pushed outside answers, by DC",
  incremental: true
})

/**
 * Updates handed to `client.updates` subscribers (each update once, however many subscribe).
 */
export const updatesEmitted = Metric.counter("mtproto_updates_emitted_total", {
  description: "updates handed to the update stream",
  incremental: true
})

/**
 * Pushes and results the updates engine had no room for (its inbox was full) and fetched again
 * with getDifference.
 */
export const updatesDropped = Metric.counter("mtproto_updates_dropped_total", {
  description: "pushes and results the updates engine dropped (inbox full) and fetched again with getDifference",
  incremental: true
})
