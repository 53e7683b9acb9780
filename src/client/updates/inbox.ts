/**
 * The two hand-offs between the updates engine's fibers, as small mutable structures with one
 * taker: the engine's {@link Inbox} (what the Sender's reader, the Client's calls and the
 * fetches give the engine fiber) and a {@link Signal} (a wake-up for the saver).
 */
import * as Effect from "effect/Effect"

/**
 * Inputs waiting for one fiber. Counted offers (pushes, call results) are refused past
 * `capacity`, so a stalled taker costs bounded memory; plain offers (the engine's own inputs:
 * fetch answers, ticks) are few and always taken.
 */
export class Inbox<A> {
  private items: Array<A> = []
  private counted = 0
  private waiter: (() => void) | undefined
  private readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Offers an input that is always taken. */
  offer(input: A): void {
    this.items.push(input)
    const wake = this.waiter
    if (wake !== undefined) {
      this.waiter = undefined
      wake()
    }
  }

  /** Offers a counted input; false (and nothing offered) when `capacity` of them wait already. */
  offerCounted(input: A): boolean {
    if (this.counted >= this.capacity) return false
    this.counted++
    this.offer(input)
    return true
  }

  /** Everything waiting, in order (waits for at least one input). */
  readonly take: Effect.Effect<Array<A>> = Effect.suspend(() =>
    this.items.length > 0 ? Effect.succeed(this.drain()) : Effect.async<Array<A>>((resume) => {
      this.waiter = () => resume(Effect.sync(() => this.drain()))
      return Effect.sync(() => void (this.waiter = undefined))
    })
  )

  private drain(): Array<A> {
    const out = this.items
    this.items = []
    this.counted = 0
    return out
  }
}

/**
 * A wake-up that is not lost when nobody waits yet: the next {@link wait} then returns at once.
 */
export class Signal {
  private waiter: (() => void) | undefined
  private pending = false

  notify(): void {
    const wake = this.waiter
    if (wake === undefined) {
      this.pending = true
      return
    }
    this.waiter = undefined
    wake()
  }

  readonly wait: Effect.Effect<void> = Effect.suspend(() => {
    if (this.pending) {
      this.pending = false
      return Effect.void
    }
    return Effect.async<void>((resume) => {
      this.waiter = () => resume(Effect.void)
      return Effect.sync(() => void (this.waiter = undefined))
    })
  })
}
