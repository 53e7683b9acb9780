/**
 * The retry policy of `Client.invoke` as one Schedule the user can replace: FLOOD_WAIT up to
 * a threshold is slept through, internal errors (500, -503, timeouts) back off exponentially
 * with jitter, and nothing retries forever.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { ClientError } from "./errors.ts"

/** Whether an error is worth another try, and after how long (`attempt` counts from 0). */
const retryDelay = (e: ClientError, attempt: number, floodSleepThreshold: number): Duration.Duration | undefined => {
  switch (e._tag) {
    case "FloodWait":
      return e.seconds <= floodSleepThreshold ? Duration.seconds(e.seconds) : undefined
    case "RpcError":
      // -503 is the server's timeout; 500 an internal error. Both are worth a capped backoff.
      return e.code === 500 || e.code === -503 || /^(INTERNAL|RPC_CALL_FAIL|RPC_MCGET_FAIL|TIMEOUT)/.test(e.message)
        ? backoff(attempt)
        : undefined
    case "TransportError":
      return e.reason === "Timeout" || e.reason === "Closed" || e.reason === "Open" ? backoff(attempt) : undefined
    default:
      return undefined
  }
}

const backoff = (attempt: number) => Duration.millis(Math.min(500 * 2 ** attempt, 10_000))

/**
 * The default policy: at most `maxRetries` (default 5) further tries; FLOOD_WAIT_X with
 * X ≤ `floodSleepThreshold` (default 60 s) waits X seconds, longer ones fail with `FloodWait`;
 * 500/-503/timeouts wait 0.5 s, 1 s, 2 s … (capped at 10 s, jittered). Migration, auth and
 * decode errors are never retried here (the client handles migration itself).
 */
export const retryPolicy = (options: { readonly floodSleepThreshold?: number; readonly maxRetries?: number } = {}) => {
  const threshold = options.floodSleepThreshold ?? 60
  const maxRetries = options.maxRetries ?? 5
  return Schedule.identity<ClientError>().pipe(
    Schedule.zipWith(Schedule.count, (error, attempt) => ({ error, attempt })),
    Schedule.whileOutput(({ attempt, error }) => attempt < maxRetries && retryDelay(error, attempt, threshold) !== undefined),
    Schedule.addDelay(({ attempt, error }) => retryDelay(error, attempt, threshold) ?? Duration.zero),
    // The server's FLOOD_WAIT is kept exact; backoffs get ±20% jitter so many clients don't retry together.
    Schedule.modifyDelayEffect(({ error }, delay) =>
      error._tag === "FloodWait"
        ? Effect.succeed(delay)
        : Effect.map(Random.next, (r) => Duration.millis(Duration.toMillis(delay) * (0.8 + 0.4 * r)))
    )
  ) satisfies Schedule.Schedule<unknown, ClientError>
}
