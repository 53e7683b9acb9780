/**
 * Secrets travel as `Redacted` values (auth keys, the API hash, bot tokens, passwords, login
 * codes, string sessions, proxy passwords and secrets), so that they never show in logs,
 * errors or traces. A plain value where a secret goes is refused with {@link SecretNotRedacted}.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/**
 * A secret was given as a plain value (a string, bytes) where a `Redacted` one goes: wrap it
 * with `Redacted.make(...)`. The value itself is never part of the error.
 */
export class SecretNotRedacted extends Data.TaggedError("SecretNotRedacted")<{
  /** Where the secret was given (`apiHash`, `botToken`, `layerString(session)`, ...). */
  readonly field: string
  /** What was given instead (its kind only: `a string`, `bytes`, ...). */
  readonly got: string
}> {
  override get message(): string {
    return `${this.field} must be a Redacted value (Redacted.make(…)), so that it never shows in logs or errors; got ${this.got}`
  }
}

const kindOf = (value: unknown): string =>
  value === undefined ? "nothing" : value === null ? "null" : value instanceof Uint8Array ? "bytes" : `a ${typeof value}`

/**
 * `value` when it is `Redacted`, else a {@link SecretNotRedacted} for `field`.
 */
export const requireRedacted = <A>(field: string, value: Redacted.Redacted<A>): Effect.Effect<Redacted.Redacted<A>, SecretNotRedacted> =>
  Redacted.isRedacted(value) ? Effect.succeed(value) : Effect.fail(new SecretNotRedacted({ field, got: kindOf(value) }))
