/**
 * What upload and download workers share: each worker holds one file connection (a slot)
 * while its request runs, and a request whose answer a dropped connection lost is sent again
 * (file parts and chunks are idempotent: saving a part twice or reading a chunk twice is harmless).
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type { ClientError } from "../errors.ts"
import { FileError } from "./FileError.ts"

/** Requests in flight by default, and at most (each on its own connection). */
export const DEFAULT_WORKERS = 4
export const MAX_WORKERS = 16

/** Checks a worker count. */
export const checkWorkers = (workers: number): Effect.Effect<number, FileError> =>
  Number.isInteger(workers) && workers >= 1 && workers <= MAX_WORKERS
    ? Effect.succeed(workers)
    : Effect.fail(new FileError({ reason: "InvalidOptions", detail: `workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}` }))

/** Runs `use` with a free connection slot, handing it back afterwards (also on failure or interruption). */
export const withSlot = <A, E, R>(slots: Queue.Queue<number>, use: (slot: number) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(Queue.take(slots), use, (slot) => Queue.offer(slots, slot))

/** Whether a call failed only because its connection did (its answer was lost or late). */
export const isTransient = (e: ClientError): boolean =>
  e._tag === "SenderError" && (e.reason === "ResultUnknown" || e.reason === "Timeout" || e.reason === "TooManyResends")

/** Tries a file request up to 4 times while it fails transiently (50 ms, 100 ms, 200 ms between). */
export const withTransientRetry = <A, R>(effect: Effect.Effect<A, ClientError, R>): Effect.Effect<A, ClientError, R> =>
  Effect.retry(effect, { while: isTransient, schedule: Schedule.exponential("50 millis"), times: 3 })
