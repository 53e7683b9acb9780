/**
 * Carrying the World's deliveries to this DC's connections, as core.telegram.org/api/updates
 * describes: to every logged-in auth key of the user (on the user's home DC), one push per
 * key, into its most recently active session; the key whose call caused the change is skipped
 * (its answer carries the change). Connections that carried only file queries (or queries in
 * `invokeWithoutUpdates`) are not subscribed to updates and get none.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { serialize } from "../../tl/index.ts"
import type { Delivery } from "../world/Store.ts"
import type { ConnectionHandle, ServerState } from "./state.ts"

/** The connections a delivery goes to on this DC: the latest one of each of the user's keys. */
export const recipients = (state: ServerState, delivery: Delivery): ReadonlyArray<ConnectionHandle> => {
  const user = state.world.users.get(delivery.userId)
  if (user === undefined || (user.homeDc !== undefined && user.homeDc !== state.dcId)) return []
  const latest = new Map<string, { readonly handle: ConnectionHandle; readonly activeAt: number }>()
  for (const handle of state.connections.values()) {
    const current = handle.current()
    if (current === undefined || current.authKeyId === delivery.exceptAuthKey || !handle.receivesUpdates()) continue
    const a = state.world.authorizations.get(current.authKeyId)
    if (a === undefined || a.passwordPending || a.userId !== delivery.userId) continue
    const seen = latest.get(current.authKeyId)
    if (seen === undefined || seen.activeAt < current.activeAt) latest.set(current.authKeyId, { handle, activeAt: current.activeAt })
  }
  return [...latest.values()].map((l) => l.handle)
}

/** Pushes one delivery (serialized once) to its recipients. */
export const pushDelivery = (state: ServerState, delivery: Delivery): Effect.Effect<void> =>
  Effect.suspend(() => {
    const to = recipients(state, delivery)
    if (to.length === 0) return Effect.void
    const body = serialize(delivery.updates)
    return Effect.forEach(to, (c) => c.push(body, true), { discard: true })
  })

/**
 * Listens to the World's deliveries for the life of the scope and pushes them in order from
 * one fiber (the World calls listeners synchronously; the queue hands them to that fiber).
 */
export const runPushes = (state: ServerState): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Delivery>()
    const stop = state.world.onDelivery((d) => void queue.unsafeOffer(d))
    yield* Effect.addFinalizer(() => Effect.sync(stop))
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(queue), (d) => pushDelivery(state, d))))
  })
