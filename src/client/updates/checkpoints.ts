/**
 * The update state as far as the subscribers have taken the updates: what is persisted, so that
 * a later run resumes (with `getDifference`) right after the last update a subscriber took.
 *
 * Every item the engine hands out is numbered and comes with a {@link Checkpoint}: where the
 * state stands once the item is taken. Within one machine step, an update that moves its
 * sequence (`pts_count > 0`, live pushes) advances that sequence to its own pts; the last item
 * of the step carries the machine's whole state. The updates of a `getDifference` answer
 * (`pts_count` 0) cannot be placed one by one, so they advance nothing until the last one: a
 * run stopped in the middle of a catch-up batch resumes before it.
 *
 * Plain mutable state with one owner (the engine).
 */
import type { UpdateState } from "../../storage/index.ts"
import type { Api } from "../../tl/index.ts"
import { ptsInfo, type SequenceKey } from "./sequence.ts"

/**
 * Where the state stands once an item is taken: one sequence moved to `pts`, or the whole state.
 */
export type Checkpoint =
  | { readonly _tag: "Advance"; readonly sequence: SequenceKey; readonly pts: number }
  | { readonly _tag: "Full"; readonly state: UpdateState }

/**
 * The checkpoints of one machine step's updates, one per update (`undefined`: the update moves
 * nothing by itself); `state` is the machine's state after the step, carried by the last one.
 */
export const checkpointsOf = (
  updates: ReadonlyArray<Api.Update>,
  state: UpdateState | undefined
): Array<Checkpoint | undefined> => {
  const out: Array<Checkpoint | undefined> = []
  const last = updates.length - 1
  for (let i = 0; i < updates.length; i++) {
    if (i === last && state !== undefined) {
      out.push({ _tag: "Full", state })
      continue
    }
    const info = ptsInfo(updates[i]!)
    out.push(info !== undefined && info.count > 0 ? { _tag: "Advance", sequence: info.sequence, pts: info.pts } : undefined)
  }
  return out
}

/**
 * The state the subscribers have reached, fed with numbered checkpoints and moved by
 * {@link advanceTo} as the slowest subscriber takes items.
 */
export class ConsumedState {
  private pts = 0
  private qts = 0
  private date = 0
  private seq = 0
  private channels = new Map<bigint, number>()
  private known = false
  /** Checkpoints not reached yet, in item order (a queue read from `head`). */
  private pending: Array<{ readonly n: number; readonly checkpoint: Checkpoint }> = []
  private head = 0
  /** Changed since {@link take} last returned it. */
  private dirtyFlag = false

  constructor(initial: UpdateState | undefined) {
    this.load(initial)
  }

  /** Whether the state moved since it was last taken for saving. */
  get dirty(): boolean {
    return this.dirtyFlag
  }

  /** Items waiting to be reached. */
  get waiting(): number {
    return this.pending.length - this.head
  }

  /** Records the checkpoint of item `n` (items come in increasing `n`). */
  push(n: number, checkpoint: Checkpoint): void {
    this.pending.push({ n, checkpoint })
  }

  /** Every item up to `n` has been taken: applies their checkpoints. Returns whether the state moved. */
  advanceTo(n: number): boolean {
    let moved = false
    const pending = this.pending
    while (this.head < pending.length && pending[this.head]!.n <= n) {
      const { checkpoint } = pending[this.head]!
      pending[this.head] = undefined as never
      this.head++
      moved = this.apply(checkpoint) || moved
    }
    if (this.head === pending.length) {
      this.pending = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= pending.length) {
      this.pending = pending.slice(this.head)
      this.head = 0
    }
    if (moved) this.dirtyFlag = true
    return moved
  }

  /** Starts over from `state` (a new login, a log-out): pending checkpoints are forgotten. */
  reset(state: UpdateState | undefined): void {
    this.pending = []
    this.head = 0
    this.load(state)
    this.dirtyFlag = state !== undefined
  }

  /** The state to save (a copy), clearing {@link dirty}; `undefined` while no state is known. */
  take(): UpdateState | undefined {
    this.dirtyFlag = false
    return this.snapshot()
  }

  /** The state as it stands (a copy); `undefined` while no state is known. */
  snapshot(): UpdateState | undefined {
    if (!this.known) return undefined
    return { pts: this.pts, qts: this.qts, date: this.date, seq: this.seq, channels: new Map(this.channels) }
  }

  private load(state: UpdateState | undefined): void {
    this.known = state !== undefined
    this.pts = state?.pts ?? 0
    this.qts = state?.qts ?? 0
    this.date = state?.date ?? 0
    this.seq = state?.seq ?? 0
    this.channels = new Map(state?.channels ?? [])
  }

  private apply(checkpoint: Checkpoint): boolean {
    if (checkpoint._tag === "Full") {
      this.load(checkpoint.state)
      return true
    }
    if (!this.known) return false
    const { sequence, pts } = checkpoint
    if (sequence === "common") {
      if (pts <= this.pts) return false
      this.pts = pts
    } else if (sequence === "secondary") {
      if (pts <= this.qts) return false
      this.qts = pts
    } else {
      const current = this.channels.get(sequence)
      if (current !== undefined && pts <= current) return false
      this.channels.set(sequence, pts)
    }
    return true
  }
}
