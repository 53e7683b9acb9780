/**
 * Future salts (core.telegram.org/mtproto/service_messages#request-for-several-future-salts):
 * the client fetches the server's upcoming salts and switches to each one when it becomes
 * valid, fetching more before the last runs out, so calls don't bounce off bad_server_salt.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Mt } from "../tl/index.ts"

/** What the salt keeper needs from its Sender. */
export interface SaltSource {
  /** `get_future_salts` through the Sender. */
  readonly getFutureSalts: Effect.Effect<Mt.future_salts, { readonly _tag: string; readonly reason?: string }>
  /** The server's clock, unix seconds (local time + the session's offset). */
  readonly serverNow: Effect.Effect<number>
  readonly setSalt: (salt: bigint) => Effect.Effect<void>
}

/**
 * Runs until the Sender closes. A failed fetch is retried a minute later; bad_server_salt
 * remains the fallback when the clock or the server disagrees.
 */
export const keepSaltsFresh = (source: SaltSource): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (;;) {
      const answer = yield* Effect.either(source.getFutureSalts)
      if (answer._tag === "Left") {
        if (answer.left._tag === "SenderError" && answer.left.reason === "Closed") return
        yield* Effect.sleep("1 minute")
        continue
      }
      const salts = [...answer.right.salts].sort((a, b) => a.valid_since - b.valid_since)
      let applied = false
      for (let i = 0; i < salts.length; i++) {
        const salt = salts[i]!
        if (salt.valid_until <= (yield* source.serverNow)) continue
        const wait = salt.valid_since - (yield* source.serverNow)
        if (wait > 0) yield* Effect.sleep(Duration.seconds(wait))
        yield* source.setSalt(salt.salt)
        applied = true
        // On the last salt: sleep until shortly before it ends, then fetch more.
        if (i === salts.length - 1) {
          const left = salt.valid_until - (yield* source.serverNow) - 60
          if (left > 0) yield* Effect.sleep(Duration.seconds(left))
        }
      }
      // Nothing usable came back: don't ask again at once.
      if (!applied) yield* Effect.sleep("1 minute")
    }
  })
