/**
 * A pts sequence and its log: every event that advances a user's common pts or a channel's
 * pts, in order, with the pts it ended at and its pts_count, the way core.telegram.org/api/updates
 * describes them (`pts = previous pts + pts_count`). `updates.getState` reads the current
 * value; `updates.getDifference` / `updates.getChannelDifference` can be answered from the
 * entries after a client's pts.
 */
import type { Api } from "../../tl/index.ts"

/**
 * One pts-advancing event. `update` is the update as it was pushed (its own `pts` and
 * `pts_count` are this entry's). For a user's log it is that user's view; for a channel's log
 * the message is the neutral view (no `out` flag), which each reader's view derives from.
 */
export interface PtsEvent {
  readonly pts: number
  readonly ptsCount: number
  /** Unix seconds. */
  readonly date: number
  readonly update: Api.Update
}

/**
 * A pts sequence: the current value and the events that led to it.
 */
export interface PtsLog {
  readonly pts: number
  readonly events: ReadonlyArray<PtsEvent>
  /**
   * Advances pts by `count` and records the update `build` makes for the new pts
   * (`build(pts)` gets the pts the event ends at). Returns that update.
   */
  readonly advance: <U extends Api.Update>(date: number, count: number, build: (pts: number) => U) => U
  /** The events after `pts` (for a difference), oldest first. */
  readonly since: (pts: number) => ReadonlyArray<PtsEvent>
}

/**
 * A new log. pts starts at 1, as a fresh Telegram account's and channel's do.
 */
export const makePtsLog = (start = 1): PtsLog => {
  let pts = start
  const events: Array<PtsEvent> = []
  return {
    get pts() {
      return pts
    },
    events,
    advance: (date, count, build) => {
      if (count <= 0) throw new Error(`pts_count must be positive, got ${count}`)
      pts += count
      const update = build(pts)
      events.push({ pts, ptsCount: count, date, update })
      return update
    },
    since: (from) => {
      // Events are in pts order: binary search for the first one past `from`.
      let lo = 0, hi = events.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (events[mid]!.pts <= from) lo = mid + 1
        else hi = mid
      }
      return events.slice(lo)
    }
  }
}
