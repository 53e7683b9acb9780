/**
 * The glue between a handler and the World's actions: the calling user (401 when the key is
 * not logged in), the call's origin (its auth key: that session gets the change in its answer,
 * not as a push), and World refusals as `RpcFailure`s.
 */
import * as Effect from "effect/Effect"
import type { WorldUser } from "../world/World.ts"
import { attempt, type MessageStore, type Origin } from "../world/Store.ts"
import { requireUser } from "./auth.ts"
import type { HandlerContext, RpcFailure } from "./core.ts"

/** What an action run for a call gets. */
export interface Acting {
  readonly me: WorldUser
  readonly store: MessageStore
  readonly origin: Origin
  /** The call's time, unix seconds. */
  readonly now: number
}

/** Runs `f` as the calling user. */
export const asUser = <A>(ctx: HandlerContext, f: (acting: Acting) => A): Effect.Effect<A, RpcFailure> =>
  Effect.flatMap(requireUser(ctx), (me) =>
    attempt(() => f({ me, store: ctx.world.store, origin: { authKeyId: ctx.authKeyId }, now: ctx.now })))
