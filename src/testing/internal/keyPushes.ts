/**
 * Pushes addressed to one auth key rather than to a user: what a key that is not logged in
 * yet can receive, such as `updateLoginToken` once its QR login token is accepted.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { type AnyObject, serialize } from "../../tl/index.ts"
import type { LoginToken } from "../world/LoginTokens.ts"
import type { ServerState } from "./state.ts"

/**
 * Sends `message` (content-related) on every connection of this DC whose last message came
 * under `authKeyId`, in the session it last spoke with. Returns how many got it.
 */
export const pushToKey = (state: ServerState, authKeyId: string, message: AnyObject): Effect.Effect<number> =>
  Effect.suspend(() => {
    const to = [...state.connections.values()].filter((c) => c.authKeyId() === authKeyId)
    if (to.length === 0) return Effect.succeed(0)
    const body = serialize(message)
    return Effect.map(
      Effect.forEach(to, (c) => c.push(body, true)),
      (ids) => ids.filter((id) => id !== undefined).length
    )
  })

/**
 * For the life of the scope: when a token this DC exported is accepted, the exporting key
 * gets `updateShort{updateLoginToken}`. The World calls listeners synchronously; a queue
 * hands the tokens to one fiber that pushes them in order.
 */
export const runLoginTokenPushes = (state: ServerState): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const accepted = yield* Queue.unbounded<LoginToken>()
    const stop = state.world.onLoginTokenAccepted((token) => {
      if (token.dcId === state.dcId) accepted.unsafeOffer(token)
    })
    yield* Effect.addFinalizer(() => Effect.sync(stop))
    const pushOne = (token: LoginToken) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        pushToKey(state, token.authKeyId, {
          _tag: "updateShort",
          update: { _tag: "updateLoginToken" },
          date: Math.floor(now / 1000)
        }))
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(accepted), pushOne)))
  })
