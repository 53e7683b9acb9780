/**
 * Updates waiting for a gap before them to fill, ordered by the state they need before them
 * (`pts - pts_count`, or `seq_start - 1`).
 *
 * A sorted array read from a moving head: while a gap is open, later updates mostly arrive in
 * order, so an insert is an append and a removal moves the head, both O(1); an update that
 * arrives out of order costs a binary search and a splice.
 */

/**
 * One held item: the state needed before it (`before`), the state after it (`after`) and the item.
 */
export interface Held<T> {
  readonly before: number
  readonly after: number
  readonly item: T
}

/**
 * A queue of held items ordered by `before`, in arrival order among equal ones. Plain mutable
 * state with one owner (the update machine).
 */
export class HeldQueue<T> {
  private items: Array<Held<T>> = []
  private head = 0

  /** How many items are held. */
  get size(): number {
    return this.items.length - this.head
  }

  /** `before` of the first item, `Infinity` when empty. */
  get firstBefore(): number {
    return this.head < this.items.length ? this.items[this.head]!.before : Infinity
  }

  /** `before` of the last item (the largest), `-Infinity` when empty. */
  get lastBefore(): number {
    return this.head < this.items.length ? this.items[this.items.length - 1]!.before : -Infinity
  }

  /** Holds an item after every held one with the same or a smaller `before`. */
  push(before: number, after: number, item: T): void {
    const items = this.items
    const entry: Held<T> = { before, after, item }
    if (items.length === this.head || items[items.length - 1]!.before <= before) {
      items.push(entry)
      return
    }
    let lo = this.head
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (items[mid]!.before <= before) lo = mid + 1
      else hi = mid
    }
    items.splice(lo, 0, entry)
  }

  /** Removes and returns the first item; `undefined` when empty. */
  shift(): Held<T> | undefined {
    if (this.head >= this.items.length) return undefined
    const first = this.items[this.head]!
    this.items[this.head] = undefined as never // let it be collected
    this.head++
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return first
  }

  /** Empties the queue. */
  clear(): void {
    this.items = []
    this.head = 0
  }
}
