/**
 * How the Client records its calls: the call metrics; one span per call (`Client.invoke`, kind
 * client, no stack capture: a stack per call costs more than the call) with the method, the DC,
 * the msg_id and the retries, made when a tracer that exports spans is in place; and each
 * FLOOD_WAIT the retry policy waits out (counted and logged).
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as MetricLabel from "effect/MetricLabel"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Tracer from "effect/Tracer"
import { methodName } from "../mtproto/internal/wire.ts"
import { labelCache } from "../mtproto/metrics.ts"
import type { TlMethod } from "../tl/index.ts"
import type { ClientError, FloodWait } from "./errors.ts"
import { callDuration, calls, floodWaits, floodWaitSeconds } from "./metrics.ts"

const methodLabels = labelCache<string>("method")
export const dcLabels = labelCache<number>("dc")
/** `[method, outcome]` label pairs, made once per pair (see `labelCache`). */
const outcomeLabels = new Map<string, Map<string, ReadonlyArray<MetricLabel.MetricLabel>>>()

const callLabels = (method: string, outcome: string): ReadonlyArray<MetricLabel.MetricLabel> => {
  let byOutcome = outcomeLabels.get(method)
  if (byOutcome === undefined) outcomeLabels.set(method, byOutcome = new Map())
  let labels = byOutcome.get(outcome)
  if (labels === undefined) {
    labels = [MetricLabel.make("method", method), MetricLabel.make("outcome", outcome)]
    byOutcome.set(outcome, labels)
  }
  return labels
}

/** `"ok"`, the failure's tag, or nothing for an interruption or a defect. */
const outcomeOf = (exit: Exit.Exit<unknown, ClientError>): string | undefined => {
  if (Exit.isSuccess(exit)) return "ok"
  const failure = Cause.failureOption(exit.cause)
  return failure._tag === "Some" ? failure.value._tag : undefined
}

const spanOptions = { kind: "client", captureStackTrace: false } as const

/**
 * Effect's own tracer, the one in place when no exporter is: nobody can read the spans it
 * makes (they are not made parents), and each costs more than the metrics (random ids, maps).
 */
const nativeTracer = Effect.runSync(Effect.tracer)

/** The fiber's tracer, when it is one that exports spans (not {@link nativeTracer}). */
const exportingTracer = <A, E>(fiber: Fiber.RuntimeFiber<A, E>): Tracer.Tracer | undefined => {
  const tracer = Context.get(fiber.getFiberRef(DefaultServices.currentServices), Tracer.Tracer)
  return tracer === nativeTracer ? undefined : tracer
}

/**
 * Runs one call and records it: its metrics, and its span (`Client.invoke`) when a tracer that
 * exports spans is in place; `body` gets the span (if any) to note the DC and retries on, and
 * hands it to the Sender, which notes the msg_id.
 */
export const observeCall = <A>(
  clock: Clock.Clock,
  method: TlMethod,
  body: (span: Tracer.Span | undefined) => Effect.Effect<A, ClientError>
): Effect.Effect<A, ClientError> =>
  Effect.withFiberRuntime((fiber) => {
    const name = methodName(method)
    const start = clock.unsafeCurrentTimeNanos()
    const record = (outcome: string) => {
      const end = clock.unsafeCurrentTimeNanos()
      calls.unsafeUpdate(1, callLabels(name, outcome))
      callDuration.unsafeUpdate(Number(end - start) / 1e9, methodLabels(name))
      return end
    }
    if (exportingTracer(fiber) === undefined) {
      // No span to end: the answer or the error is recorded on its way out (cheaper than
      // `onExit`, which a call would pay for every time); an interrupted call is not counted.
      return Effect.matchEffect(body(undefined), {
        onSuccess: (a) => {
          record("ok")
          return Effect.succeed(a)
        },
        onFailure: (e) => {
          record(e._tag)
          return Effect.fail(e)
        }
      })
    }
    return Effect.flatMap(Effect.makeSpan("Client.invoke", spanOptions), (span) => {
      span.attribute("rpc.method", name)
      // A span must end however the call does, interrupted too.
      return Effect.onExit(body(span), (exit) =>
        Effect.sync(() => {
          const outcome = outcomeOf(exit)
          // As without a span, the metrics count answers and typed failures only.
          span.end(outcome === undefined ? clock.unsafeCurrentTimeNanos() : record(outcome), exit)
        }))
    })
  })

/**
 * `self` in a span named `name` (no stack capture) when a tracer that exports spans is in place,
 * as is otherwise: for module functions on a hot path (`Messages.send`), where `Effect.fn`'s
 * span and call-site stack would cost more than the function's own work.
 */
export const traced = <A, E, R>(name: string, self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    exportingTracer(fiber) === undefined
      ? self
      : Effect.withSpan(self, name, spanOptions)
  )

/** Counts a FLOOD_WAIT of `seconds` about to be waited out. */
export const countFloodWait = (method: string, seconds: number): void => {
  const labels = methodLabels(method)
  floodWaits.unsafeUpdate(1, labels)
  floodWaitSeconds.unsafeUpdate(seconds, labels)
}

/**
 * Counts a FLOOD_WAIT about to be waited out and logs it (INFO: a wait a user may notice) with
 * the seconds the server asked for, and the policy's own delay when that differs.
 */
export const floodWaitSlept = (error: FloodWait, delay: Duration.Duration): Effect.Effect<void> =>
  Effect.suspend(() => {
    const waiting = Math.round(Duration.toMillis(delay)) / 1000
    const seconds = Math.abs(waiting - error.seconds) < 0.05 ? error.seconds : waiting
    countFloodWait(error.method, seconds)
    return Effect.logInfo("waiting out FLOOD_WAIT").pipe(
      Effect.annotateLogs(seconds === error.seconds ? { method: error.method, seconds } : { method: error.method, seconds: error.seconds, waiting })
    )
  })

/**
 * The retry policy (the default one or the user's), observed: each FLOOD_WAIT it decides to
 * wait out is counted and logged with its method and seconds.
 */
export const observedRetries = <Out>(policy: Schedule.Schedule<Out, ClientError>): Schedule.Schedule<Out, ClientError> =>
  policy.pipe(
    // The input rides along with the output, so that each decision knows its error.
    Schedule.zipWith(Schedule.identity<ClientError>(), (out, error) => [out, error] as const),
    Schedule.onDecision(([, error], decision) =>
      error._tag === "FloodWait" && ScheduleDecision.isContinue(decision)
        ? Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) =>
          floodWaitSlept(error, Duration.millis(Math.max(0, ScheduleIntervals.start(decision.intervals) - now))))
        : Effect.void
    ),
    Schedule.map(([out]) => out)
  )
