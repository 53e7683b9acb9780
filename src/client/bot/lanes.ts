/**
 * Per-key FIFO lanes (pure bookkeeping behind `Bot.run`): events of one key (a chat) wait in
 * their lane and are handed out one at a time, in order; different keys are independent. A
 * lane exists only while it holds or handles events, so a bot that has seen millions of chats
 * keeps only the busy ones.
 *
 * One owner (the runner) calls it; JavaScript runs each call to the end, so `push` and `next`
 * never interleave.
 */

/** Per-key serial lanes: work for one key (a chat) runs in order, different keys run at once. */
export class Lanes<A> {
  private readonly lanes = new Map<string, Array<A>>()

  /** Queues `item` under `key`; `true` when the lane was idle, so a worker must start draining it. */
  push(key: string, item: A): boolean {
    const lane = this.lanes.get(key)
    if (lane !== undefined) {
      lane.push(item)
      return false
    }
    this.lanes.set(key, [item])
    return true
  }

  /**
   * The next item of `key`'s lane. The lane stays open while its worker handles an item (a push
   * then queues behind it); asked again when empty, it closes and says `undefined`.
   */
  next(key: string): { readonly item: A } | undefined {
    const lane = this.lanes.get(key)
    if (lane === undefined) return undefined
    if (lane.length === 0) {
      this.lanes.delete(key)
      return undefined
    }
    // Wrapped, so that any `A` (`undefined` too) can be queued; lanes are short (the runner bounds them).
    return { item: lane.shift() as A }
  }

  /** Keys with a lane (busy chats). */
  get size(): number {
    return this.lanes.size
  }

  /** Items waiting (not handed out) in `key`'s lane. */
  waiting(key: string): number {
    return this.lanes.get(key)?.length ?? 0
  }
}
