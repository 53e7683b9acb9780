/**
 * Per-method error injection: a DC answers the next calls of a method with a given
 * `rpc_error` before the handler runs (FLOOD_WAIT, 500s, forced FILE/USER_MIGRATE ...).
 */
import * as Effect from "effect/Effect"
import { type Handlers, RpcFailure } from "./core.ts"

/**
 * An error to answer a method with. `times`: how many calls get it (default: every call,
 * until cleared).
 */
export interface InjectedError {
  readonly code: number
  readonly message: string
  readonly times?: number | undefined
}

/** A DC's injection table and its controls. */
export interface Injector {
  /** The interceptor table to put first in the DC's handler tables. */
  readonly table: Handlers
  readonly inject: (method: string, error: InjectedError) => void
  /** Forgets the errors of `method`, or of every method. */
  readonly clear: (method?: string) => void
}

/** A fresh injector with nothing injected. */
export const makeInjector = (): Injector => {
  // Queued per method, first in first out; owned by the DC's handler runs.
  const pending = new Map<string, Array<{ readonly code: number; readonly message: string; left: number }>>()
  return {
    table: {
      "*": (request, _ctx, next) =>
        Effect.suspend(() => {
          const queue = pending.get(request._tag)
          const head = queue?.[0]
          if (queue === undefined || head === undefined) return next
          if (--head.left <= 0) queue.shift()
          if (queue.length === 0) pending.delete(request._tag)
          return Effect.fail(new RpcFailure({ code: head.code, message: head.message }))
        })
    },
    inject: (method, error) => {
      const queue = pending.get(method) ?? []
      queue.push({ code: error.code, message: error.message, left: error.times ?? Number.POSITIVE_INFINITY })
      pending.set(method, queue)
    },
    clear: (method) => (method === undefined ? pending.clear() : void pending.delete(method))
  }
}
