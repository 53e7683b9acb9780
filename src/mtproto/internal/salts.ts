/**
 * Server salts as the session core keeps them (core.telegram.org/mtproto/service_messages#request-for-several-future-salts):
 * the future salts the server handed out, which one to use now, and when to ask for more. Pure;
 * times are the server's clock, in milliseconds.
 */
import type { Mt } from "../../tl/index.ts"

interface Salt {
  readonly salt: bigint
  readonly since: number
  readonly until: number
}

/** How many salts one get_future_salts asks for. */
export const SALTS_TO_FETCH = 32

export class SaltBook {
  private salts: Array<Salt> = []
  private inFlight = false
  private retryAt = 0
  /** The user's own get_future_salts calls in flight (their answers replace the salts; don't race them). */
  userCalls = 0

  /** Takes every salt of a future_salts answer (ours or a user's: the server keeps the last list). */
  learn(answer: Mt.future_salts): void {
    this.salts = answer.salts.map((s) => ({ salt: s.salt, since: s.valid_since, until: s.valid_until }))
      .sort((a, b) => a.since - b.since)
    this.inFlight = false
  }

  /** The server refused our salt: what we had is stale; fetch again with the next frame. */
  forget(): void {
    this.salts = []
    this.retryAt = 0
  }

  /**
   * The oldest salt that is valid now and not about to end (the server's current one, left a
   * little early in case our clock is behind); `undefined` when none is known.
   */
  pick(serverMs: number): bigint | undefined {
    for (const s of this.salts) {
      const margin = Math.min(60_000, ((s.until - s.since) * 1000) / 4)
      if (s.since * 1000 <= serverMs && serverMs < s.until * 1000 - margin) return s.salt
    }
    return undefined
  }

  /** Whether to ask for more now: two or fewer left, nothing asked already, no retry pending. */
  needed(serverMs: number, localMs: number): boolean {
    if (this.inFlight || this.userCalls > 0 || localMs < this.retryAt) return false
    const now = Math.floor(serverMs / 1000)
    let left = 0
    for (const s of this.salts) if (s.until > now) left++
    return left <= 2
  }

  /** A request goes out; if it is lost or refused, the next try waits a minute. */
  requested(localMs: number): void {
    this.inFlight = true
    this.retryAt = localMs + 60_000
  }

  /** Our request failed (tried again after the retry time). */
  failed(): void {
    this.inFlight = false
  }

  /** Our request went down with the connection: ask again with the next frame. */
  lost(): void {
    this.inFlight = false
    this.retryAt = 0
  }
}
