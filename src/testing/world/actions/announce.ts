/**
 * Telling everyone concerned about a change that produced updates per user: the actor's call
 * is answered with its `updates`, and the same object goes to the actor's other sessions (so
 * they agree on seq); every other user gets an `updates` of their own.
 */
import type { Api } from "../../../tl/index.ts"
import { updatesFor } from "../render.ts"
import { deliver, type MessageStore, type Origin } from "../Store.ts"

/** Appends `more` to `user`'s list in `perUser`. */
export const addUpdates = (perUser: Map<bigint, Array<Api.Update>>, user: bigint, ...more: ReadonlyArray<Api.Update>): void => {
  const list = perUser.get(user)
  if (list === undefined) perUser.set(user, [...more])
  else list.push(...more)
}

/** Delivers each user's updates and returns the actor's `updates` (empty when the actor has none). */
export const announce = (
  store: MessageStore,
  actor: bigint,
  perUser: ReadonlyMap<bigint, ReadonlyArray<Api.Update>>,
  date: number,
  origin: Origin
): Api.updates => {
  const mine = perUser.get(actor) ?? []
  const answer = updatesFor(store, actor, mine, date)
  if (mine.length > 0) deliver(store, actor, answer, origin)
  for (const [user, list] of perUser) {
    if (user !== actor && list.length > 0) deliver(store, user, updatesFor(store, user, list, date), origin)
  }
  return answer
}
