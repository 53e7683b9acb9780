/**
 * The update-state machine: a pure, synchronous core that turns what the server sends
 * (`Updates` pushes, RPC results that carry pts, `getDifference` results) into the updates to
 * emit now, in order and each once, following core.telegram.org/api/updates:
 *
 * - every update of a pts/qts sequence (the common message box, the secondary qts sequence,
 *   each channel's box) is checked against the local state: `local + pts_count == pts` applies,
 *   `local + pts_count > pts` was already applied and is dropped, `<` is a gap: the update is
 *   held, and if the gap does not fill within {@link UpdateMachineOptions.gapTimeoutMs} (0.5 s)
 *   the machine asks for `updates.getDifference` / `updates.getChannelDifference`;
 * - `updates`/`updatesCombined` with a `seq` are checked the same way against the local seq
 *   (`seq_start == 0`: no check);
 * - `updatesTooLong` asks for getDifference, `updateChannelTooLong` for the channel's
 *   difference, `updatePtsChanged` for `updates.getState`;
 * - while a difference is being fetched, updates of its sequences are postponed (held) and
 *   checked again once it is applied, so nothing is applied twice or skipped;
 * - with no update of the common sequences for {@link UpdateMachineOptions.idleTimeoutMs}
 *   (15 min) the machine asks for getDifference, and a channel that had activity is fetched
 *   once after it has been quiet for {@link UpdateMachineOptions.channelIdleTimeoutMs}: a lost
 *   last update is only noticed that way, since no later one reveals the gap.
 *
 * Updates outside every sequence (typing, user status, ...) pass straight through. The short
 * constructors are emitted as the `updateNewMessage` they stand for (`shortUpdates.ts`).
 * Exactly once holds for every update that moves its sequence (`pts_count > 0`, every qts
 * update); one with `pts_count` 0 at the current pts (`updateReadChannelInbox`) is applied
 * each time it comes, as the protocol gives no way to tell a repeat. Updates of a
 * `getDifference` come as `new_messages` (as `updateNewMessage`/`updateNewChannelMessage`
 * with the difference's pts and `pts_count` 0) before its `other_updates`.
 *
 * Memory is bounded: past {@link UpdateMachineOptions.maxHeld} held updates, the held ones are
 * dropped and their sequences fetched with getDifference instead, which recovers them.
 *
 * The machine never performs I/O and never reads the clock: every input carries `now` (ms), and
 * every call returns a {@link Step} that says what to emit, which differences to fetch, and when
 * to call {@link UpdateMachine.tick} next (never later than needed, at times earlier: such a
 * tick finds nothing due). One owner drives it (plain mutable state).
 */
import type { UpdateState } from "../../storage/index.ts"
import type { Api } from "../../tl/index.ts"
import { HeldQueue } from "./heldQueue.ts"
import { messageChannelId, ptsInfo, type SequenceKey } from "./sequence.ts"
import { expandShortChatMessage, expandShortMessage } from "./shortUpdates.ts"

/**
 * Tuning of the machine. Every field has the spec's default.
 */
export interface UpdateMachineOptions {
  /** How long a gap may stay open before its difference is fetched. Default 500 ms (the spec's "up to 0.5 seconds"). */
  readonly gapTimeoutMs?: number | undefined
  /** With no update of the common sequences this long, fetch getDifference. Default 15 min. */
  readonly idleTimeoutMs?: number | undefined
  /** A channel quiet this long after its last update is fetched once. Default 15 min. */
  readonly channelIdleTimeoutMs?: number | undefined
  /** After a failed fetch, try again this much later. Default 1 s. */
  readonly retryDelayMs?: number | undefined
  /** Most updates held at once (gaps and postponed ones, all sequences); past it they are dropped and fetched again. Default 10,000. */
  readonly maxHeld?: number | undefined
  /** `pts_total_limit` of getDifference (past it the server answers `differenceTooLong`). Default: none (the server's). */
  readonly ptsTotalLimit?: number | undefined
  /** `limit` of getChannelDifference. Default 100 (the spec recommends 10-100). */
  readonly channelDifferenceLimit?: number | undefined
  /** The logged-in user, the sender of outgoing `updateShortMessage`s. */
  readonly selfId?: bigint | undefined
  /**
   * Whether the peer cache knows a user (with its access hash). A short message from an unknown
   * user is an "incomplete update": it is not emitted, getDifference fetches it with its users.
   * Without this function every user counts as known.
   */
  readonly knowsUser?: ((userId: bigint) => boolean) | undefined
}

/**
 * A difference the shell must fetch, then hand back to {@link UpdateMachine.applyState},
 * {@link UpdateMachine.applyDifference} or {@link UpdateMachine.applyChannelDifference} (or
 * report failed). The machine asks for at most one fetch per sequence at a time.
 */
export type Fetch =
  | { readonly _tag: "GetState" }
  | { readonly _tag: "GetDifference"; readonly request: Api.updates.getDifference }
  | { readonly _tag: "GetChannelDifference"; readonly channelId: bigint; readonly pts: number; readonly limit: number }

/**
 * A range of a sequence that was skipped without its updates (`differenceTooLong`,
 * `channelDifferenceTooLong`): the local state jumped from `from` to `to`.
 */
export interface Reset {
  readonly sequence: SequenceKey
  readonly from: number
  readonly to: number
}

/**
 * What one input produced.
 */
export interface Step {
  /** Updates to emit now, in this order (pts order within each sequence). */
  readonly updates: ReadonlyArray<Api.Update>
  /** Users and chats that came with the input: put them in the peer cache before emitting. */
  readonly users: ReadonlyArray<Api.User>
  readonly chats: ReadonlyArray<Api.Chat>
  /** Differences to fetch now. */
  readonly fetches: ReadonlyArray<Fetch>
  /** Ranges skipped without their updates. */
  readonly resets: ReadonlyArray<Reset>
  /** When to call {@link UpdateMachine.tick} next (ms, same clock as `now`); `undefined`: not needed. */
  readonly deadline: number | undefined
  /** Whether {@link UpdateMachine.state} changed: persist it once the updates are emitted. */
  readonly stateChanged: boolean
  /** Updates held now (gaps and postponed), all sequences. */
  readonly held: number
}

/**
 * Why a channel's difference could not be fetched: `Unavailable` (no access hash,
 * CHANNEL_PRIVATE, CHANNEL_INVALID: the channel is forgotten) or `Failed` (anything else:
 * tried again after {@link UpdateMachineOptions.retryDelayMs}).
 */
export type ChannelFailure = "Unavailable" | "Failed"

/** An `updates`/`updatesCombined` waiting for its seq. */
interface Container {
  readonly updates: ReadonlyArray<Api.Update>
  readonly date: number
  readonly seq: number
}

/** One pts (or qts) sequence: its local state and what waits on it. */
class Box {
  readonly key: SequenceKey
  pts: number
  /** Updates that do not fit yet (`undefined`: a pts-only event that emits nothing). */
  readonly held = new HeldQueue<Api.Update | undefined>()
  /** Gap deadline: fetch if the gap is still open then. */
  gapAt = Infinity
  /** Idle deadline: fetch if nothing happened until then. */
  idleAt = Infinity
  /** After a failed fetch: try again then. */
  retryAt = Infinity
  /**
   * The gaps the fetch in flight asks about end here: the largest `before` held when it started.
   * An empty answer says nothing is missing below it (see {@link UpdateMachine.drain}).
   */
  askedUpTo = -Infinity
  /** Channels only: a getChannelDifference is in flight. */
  fetching = false
  /** Channels only: fetch again once the one in flight is applied. */
  refetch = false
  /**
   * Channels only: the highest message id emitted by this machine; the messages of a
   * `channelDifferenceTooLong` above it are new. 0: none yet, so none of them is known to be new.
   */
  lastMessageId = 0
  /** Channels only: the deadline last registered with the machine. */
  scheduled = Infinity

  constructor(key: SequenceKey, pts: number) {
    this.key = key
    this.pts = pts
  }

  get deadline(): number {
    return this.fetching ? Infinity : Math.min(this.gapAt, this.idleAt, this.retryAt)
  }
}

const EMPTY: ReadonlyArray<never> = []

const concat = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>): ReadonlyArray<A> =>
  b.length === 0 ? a : a.length === 0 ? b : [...a, ...b]

/**
 * `updates.getChannelDifference` for a {@link Fetch} of a channel, given the channel's
 * `InputChannel` (its access hash comes from the peer cache).
 */
export const channelDifferenceRequest = (
  fetch: Extract<Fetch, { _tag: "GetChannelDifference" }>,
  channel: Api.InputChannel
): Api.updates.getChannelDifference => ({
  _tag: "updates.getChannelDifference",
  force: false,
  channel,
  filter: { _tag: "channelMessagesFilterEmpty" },
  pts: fetch.pts,
  limit: fetch.limit
})

/**
 * The update-state machine (see the module docs). Plain mutable state with one owner.
 */
export class UpdateMachine {
  private readonly gapTimeout: number
  private readonly idleTimeout: number
  private readonly channelIdleTimeout: number
  private readonly retryDelay: number
  private readonly maxHeld: number
  private readonly ptsTotalLimit: number | undefined
  private readonly channelLimit: number
  private readonly selfId: bigint | undefined
  private readonly knowsUser: ((userId: bigint) => boolean) | undefined

  /** Whether the common state (pts, qts, date, seq) is known. */
  private hasState: boolean
  private readonly common: Box
  private readonly secondary: Box
  private date: number
  private seq: number
  /** Containers waiting for their seq, keyed by `seq_start - 1`. */
  private readonly seqHeld = new HeldQueue<Container>()
  private seqGapAt = Infinity
  /** Like {@link Box.askedUpTo}, for the containers held for their seq. */
  private seqAskedUpTo = -Infinity
  /** The fetch of the common sequences in flight, and the one to start after it. */
  private commonFetch: "GetState" | "GetDifference" | undefined = undefined
  private commonNext: "GetState" | "GetDifference" | undefined = undefined
  /** The state was set while a difference was in flight: its result is older, ignore it. */
  private commonStale = false
  private readonly channels = new Map<bigint, Box>()
  /**
   * Channels with a finite deadline, and a lower bound of the smallest: lowered at once, never
   * raised except by a scan in {@link tick}. Raising it on every update would mean a scan per
   * update (the channel whose idle deadline moves is often the one with the smallest); a stale
   * bound only costs one early `tick` that finds nothing due.
   */
  private readonly timed = new Set<Box>()
  private channelMin = Infinity
  private heldTotal = 0

  // The step being built (reset by every public call).
  private outUpdates: Array<Api.Update> = []
  private outUsers: ReadonlyArray<Api.User> = EMPTY
  private outChats: ReadonlyArray<Api.Chat> = EMPTY
  // Fetches and resets are rare: allocated on first use.
  private outFetches: Array<Fetch> | undefined = undefined
  private outResets: Array<Reset> | undefined = undefined
  private changed = false

  /**
   * A machine over a stored state (`undefined` for a session that has none: the first input
   * asks for `updates.getState`). `now` starts the idle timer.
   */
  constructor(state: UpdateState | undefined, now: number, options: UpdateMachineOptions = {}) {
    this.gapTimeout = options.gapTimeoutMs ?? 500
    this.idleTimeout = options.idleTimeoutMs ?? 15 * 60_000
    this.channelIdleTimeout = options.channelIdleTimeoutMs ?? 15 * 60_000
    this.retryDelay = options.retryDelayMs ?? 1000
    this.maxHeld = options.maxHeld ?? 10_000
    this.ptsTotalLimit = options.ptsTotalLimit
    this.channelLimit = options.channelDifferenceLimit ?? 100
    this.selfId = options.selfId
    this.knowsUser = options.knowsUser
    this.hasState = state !== undefined
    this.common = new Box("common", state?.pts ?? 0)
    this.secondary = new Box("secondary", state?.qts ?? 0)
    this.date = state?.date ?? 0
    this.seq = state?.seq ?? 0
    this.common.idleAt = now + this.idleTimeout
    if (state?.channels !== undefined) {
      for (const [id, pts] of state.channels) this.channels.set(id, new Box(id, pts))
    }
  }

  // ---- queries ----

  /** The state to persist (`undefined` until the common state is known). */
  state(): UpdateState | undefined {
    if (!this.hasState) return undefined
    const channels = new Map<bigint, number>()
    for (const [id, box] of this.channels) channels.set(id, box.pts)
    return { pts: this.common.pts, qts: this.secondary.pts, date: this.date, seq: this.seq, channels }
  }

  /** Updates held now, all sequences. */
  get held(): number {
    return this.heldTotal
  }

  /** When {@link tick} must run next (`undefined`: never, until another input). */
  get deadline(): number | undefined {
    const d = Math.min(this.commonDeadline(), this.channelMin)
    return d === Infinity ? undefined : d
  }

  // ---- inputs ----

  /** An `Updates` object pushed by the server or returned by a call. */
  processUpdates(updates: Api.Updates, now: number): Step {
    this.begin()
    switch (updates._tag) {
      case "updatesTooLong":
        this.startCommonFetch("GetDifference")
        break
      case "updateShort":
        this.route(updates.update, now)
        break
      case "updateShortMessage":
        this.short(updates.user_id, expandShortMessage(updates, this.selfId), now)
        break
      case "updateShortChatMessage":
        this.short(updates.from_id, expandShortChatMessage(updates), now)
        break
      case "updateShortSentMessage":
        // Without its request it cannot become a message (see `expandShortSentMessage`), but
        // its pts must still advance the common sequence.
        this.offer(this.common, updates.pts, updates.pts_count, undefined, now)
        break
      case "updates":
        this.container(updates.updates, updates.users, updates.chats, updates.date, updates.seq, updates.seq, now)
        break
      case "updatesCombined":
        this.container(updates.updates, updates.users, updates.chats, updates.date, updates.seq_start, updates.seq, now)
        break
    }
    return this.finish()
  }

  /**
   * The pts of a call's `messages.affectedMessages`/`affectedHistory`/`affectedFoundMessages`
   * (common sequence, or `channelId`'s for channel calls): the state advances, nothing is emitted.
   */
  processAffected(affected: { readonly pts: number; readonly pts_count: number }, now: number, channelId?: bigint): Step {
    this.begin()
    const box = channelId === undefined ? this.common : this.channels.get(channelId)
    if (box !== undefined) this.offer(box, affected.pts, affected.pts_count, undefined, now)
    else if (channelId !== undefined) this.channels.set(channelId, new Box(channelId, affected.pts)) // first sight
    return this.finish()
  }

  /**
   * The result of `updates.getState` (after login, on a {@link Fetch} `GetState`, after
   * `updatePtsChanged`): the common state becomes exactly this.
   */
  applyState(state: Api.updates.State, now: number): Step {
    this.begin()
    this.common.pts = state.pts
    this.secondary.pts = state.qts
    this.date = state.date
    this.seq = state.seq
    this.hasState = true
    this.changed = true
    if (this.commonFetch === "GetState") this.endCommonFetch(now)
    else if (this.commonFetch === undefined) this.releaseCommon(now)
    else this.commonStale = true
    return this.finish()
  }

  /** The result of a {@link Fetch} `GetDifference`. Ignored when none is in flight. */
  applyDifference(difference: Api.updates.Difference, now: number): Step {
    this.begin()
    if (this.commonFetch !== "GetDifference") return this.finish()
    if (this.commonStale) {
      this.commonStale = false
      this.endCommonFetch(now)
      return this.finish()
    }
    switch (difference._tag) {
      case "updates.differenceEmpty":
        // Nothing happened since the local state: the gaps this fetch asked about hold nothing,
        // so the updates held behind them apply now instead of being asked about again and again.
        this.date = difference.date
        this.seq = difference.seq
        this.changed = true
        this.endCommonFetch(now, true)
        break
      case "updates.difference":
      case "updates.differenceSlice": {
        const state = difference._tag === "updates.difference" ? difference.state : difference.intermediate_state
        this.addPeers(difference.users, difference.chats)
        for (const message of difference.new_messages) {
          if (message._tag !== "messageEmpty") {
            this.outUpdates.push({ _tag: "updateNewMessage", message, pts: state.pts, pts_count: 0 })
          }
        }
        for (const message of difference.new_encrypted_messages) {
          this.outUpdates.push({ _tag: "updateNewEncryptedMessage", message, qts: state.qts })
        }
        for (const update of difference.other_updates) this.differenceUpdate(update, undefined, now)
        // A slice that does not move the state would be asked for again forever.
        const progressed = state.pts > this.common.pts || state.qts > this.secondary.pts
        this.common.pts = state.pts
        this.secondary.pts = state.qts
        this.date = state.date
        this.seq = state.seq
        this.changed = true
        if (difference._tag === "updates.differenceSlice" && progressed) this.request(this.differenceFetch())
        else this.endCommonFetch(now)
        break
      }
      case "updates.differenceTooLong":
        // > the specified state must be used to refetch updates
        if (difference.pts > this.common.pts) {
          this.reset({ sequence: "common", from: this.common.pts, to: difference.pts })
          this.common.pts = difference.pts
          this.changed = true
          this.request(this.differenceFetch())
        } else {
          this.endCommonFetch(now)
        }
        break
    }
    return this.finish()
  }

  /** The result of a {@link Fetch} `GetChannelDifference`. Ignored when none is in flight for the channel. */
  applyChannelDifference(channelId: bigint, difference: Api.updates.ChannelDifference, now: number): Step {
    this.begin()
    const box = this.channels.get(channelId)
    if (box === undefined || !box.fetching) return this.finish()
    const before = box.pts
    switch (difference._tag) {
      case "updates.channelDifferenceEmpty":
        box.pts = difference.pts
        break
      case "updates.channelDifference":
        this.addPeers(difference.users, difference.chats)
        for (const message of difference.new_messages) {
          if (message._tag !== "messageEmpty") this.emitChannelMessage(box, message, difference.pts)
        }
        for (const update of difference.other_updates) this.differenceUpdate(update, box, now)
        box.pts = difference.pts
        break
      case "updates.channelDifferenceTooLong": {
        const dialog = difference.dialog
        const pts = dialog._tag === "dialog" ? dialog.pts : undefined
        this.addPeers(difference.users, difference.chats)
        if (pts === undefined) {
          this.forgetChannel(box) // nothing to follow it from
          return this.finish()
        }
        this.reset({ sequence: channelId, from: box.pts, to: pts })
        box.pts = pts
        // The channel's latest messages: emit the ones not emitted before, oldest first. With
        // none emitted yet (e.g. since a restart) any of them may have been: they are skipped.
        const fresh = box.lastMessageId === 0
          ? []
          : difference.messages.filter((m) => m._tag !== "messageEmpty" && m.id > box.lastMessageId)
        fresh.sort((a, b) => a.id - b.id)
        for (const message of fresh) this.emitChannelMessage(box, message, pts)
        break
      }
    }
    this.changed = true
    // An empty answer: the gaps it asked about hold nothing (as for differenceEmpty).
    const empty = difference._tag === "updates.channelDifferenceEmpty"
    if (difference.final === true || box.pts <= before) this.endChannelFetch(box, now, empty)
    else this.request(this.channelFetch(box))
    return this.finish()
  }

  /** A {@link Fetch} `GetState` or `GetDifference` failed for good: held updates stay, it is tried again later. */
  differenceFailed(now: number): Step {
    this.begin()
    if (this.commonFetch !== undefined) {
      this.commonFetch = undefined
      this.commonStale = false
      this.commonNext = undefined
      if (this.hasState) this.releaseCommon(now)
      this.common.gapAt = this.secondary.gapAt = this.seqGapAt = Infinity
      this.common.retryAt = now + this.retryDelay
    }
    return this.finish()
  }

  /** A {@link Fetch} `GetChannelDifference` failed for good (see {@link ChannelFailure}). */
  channelDifferenceFailed(channelId: bigint, reason: ChannelFailure, now: number): Step {
    this.begin()
    const box = this.channels.get(channelId)
    if (box !== undefined && box.fetching) {
      if (reason === "Unavailable") {
        this.forgetChannel(box)
      } else {
        box.fetching = false
        box.refetch = false
        box.retryAt = now + this.retryDelay
        this.drain(box, now, this.retryDelay) // what still does not fit waits for the retry
      }
    }
    return this.finish()
  }

  /**
   * Fetch getDifference now: on start-up, and on every new MTProto session (the pushes of the
   * gap between connections are gone).
   */
  requestDifference(_now: number): Step {
    this.begin()
    this.startCommonFetch("GetDifference")
    return this.finish()
  }

  /** Fetch a channel's difference now (e.g. the user opened it). Does nothing for a channel without a known pts. */
  requestChannelDifference(channelId: bigint, _now: number): Step {
    this.begin()
    const box = this.channels.get(channelId)
    if (box !== undefined) this.startChannelFetch(box)
    return this.finish()
  }

  /** Starts following a channel from a pts (a dialog's, a full channel's) unless it is followed already. */
  setChannelPts(channelId: bigint, pts: number): Step {
    this.begin()
    if (!this.channels.has(channelId)) {
      this.channels.set(channelId, new Box(channelId, pts))
      this.changed = true
    }
    return this.finish()
  }

  /** The clock reached a {@link Step.deadline}: starts the fetches that are due. */
  tick(now: number): Step {
    this.begin()
    if (this.commonDeadline() <= now) this.startCommonFetch("GetDifference")
    if (this.channelMin <= now) {
      const due: Array<Box> = []
      let min = Infinity
      for (const box of this.timed) {
        if (box.scheduled <= now) due.push(box)
        else if (box.scheduled < min) min = box.scheduled
      }
      this.channelMin = min
      for (const box of due) this.startChannelFetch(box) // each leaves `timed`: fetching has no deadline
    }
    return this.finish()
  }

  // ---- the step being built ----

  private begin(): void {
    this.outUpdates = []
    this.outUsers = EMPTY
    this.outChats = EMPTY
    this.outFetches = undefined
    this.outResets = undefined
    this.changed = false
  }

  private finish(): Step {
    return {
      updates: this.outUpdates,
      users: this.outUsers,
      chats: this.outChats,
      fetches: this.outFetches ?? EMPTY,
      resets: this.outResets ?? EMPTY,
      deadline: this.deadline,
      stateChanged: this.changed,
      held: this.heldTotal
    }
  }

  private request(fetch: Fetch): void {
    this.outFetches ??= []
    this.outFetches.push(fetch)
  }

  private reset(reset: Reset): void {
    this.outResets ??= []
    this.outResets.push(reset)
  }

  private addPeers(users: ReadonlyArray<Api.User>, chats: ReadonlyArray<Api.Chat>): void {
    this.outUsers = concat(this.outUsers, users)
    this.outChats = concat(this.outChats, chats)
  }

  // ---- routing ----

  private boxOf(key: SequenceKey): Box | undefined {
    return key === "common" ? this.common : key === "secondary" ? this.secondary : this.channels.get(key)
  }

  /** One update of a push (or of a released container). */
  private route(update: Api.Update, now: number): void {
    if (update._tag === "updateChannelTooLong") return this.channelTooLong(update.channel_id, update.pts)
    if (update._tag === "updatePtsChanged") return this.startCommonFetch("GetState")
    const info = ptsInfo(update)
    if (info === undefined) {
      this.outUpdates.push(update)
      return
    }
    let box = this.boxOf(info.sequence)
    if (box === undefined) {
      // A channel seen for the first time: with no state to check against, this update is
      // right by definition, so the state before it is `pts - pts_count`.
      box = new Box(info.sequence, info.pts - info.count)
      this.channels.set(info.sequence as bigint, box)
    }
    this.offer(box, info.pts, info.count, update, now)
  }

  /** A short message: expanded, or an incomplete update when its sender is unknown. */
  private short(userId: bigint, update: Api.updateNewMessage, now: number): void {
    if (this.knowsUser !== undefined && !this.knowsUser(userId)) {
      // > Incomplete update: the client is missing data about a chat/user from one of the
      // > shortened constructors → getDifference, which brings the message with its users.
      this.hold(this.common, update.pts - update.pts_count, update.pts, update)
      this.startCommonFetch("GetDifference")
      return
    }
    this.offer(this.common, update.pts, update.pts_count, update, now)
  }

  /** An update of a channel difference or of the common difference (`channel` undefined). */
  private differenceUpdate(update: Api.Update, channel: Box | undefined, now: number): void {
    if (update._tag === "updateChannelTooLong") return this.channelTooLong(update.channel_id, update.pts)
    if (update._tag === "updatePtsChanged") return this.startCommonFetch("GetState")
    const info = ptsInfo(update)
    // The difference is authoritative for the sequence it was fetched for: its updates are
    // new relative to the state it started from. Those of other channels are checked as usual.
    const own = info === undefined ||
      (channel === undefined ? typeof info.sequence === "string" : info.sequence === channel.key)
    if (own) {
      if (channel !== undefined && update._tag === "updateNewChannelMessage") this.noteMessage(channel, update.message)
      this.outUpdates.push(update)
    } else {
      this.route(update, now)
    }
  }

  /** The pts rules for one event of `box` (`update` undefined: a pts-only event). */
  private offer(box: Box, pts: number, count: number, update: Api.Update | undefined, now: number): void {
    const before = pts - count
    if (this.blocked(box)) {
      this.hold(box, before, pts, update) // postponed until the fetch in flight is applied
      this.needState()
    } else if (before === box.pts) {
      this.apply(box, pts, update, now)
      this.drain(box, now)
    } else if (before > box.pts) {
      this.hold(box, before, pts, update)
      if (box.gapAt === Infinity) {
        box.gapAt = now + this.gapTimeout
        this.touch(box)
      }
    }
    // before < local: already applied (a duplicate, or covered by a difference): dropped.
  }

  private blocked(box: Box): boolean {
    return box.key === "common" || box.key === "secondary"
      ? !this.hasState || this.commonFetch !== undefined
      : box.fetching
  }

  private apply(box: Box, pts: number, update: Api.Update | undefined, now: number): void {
    box.pts = pts
    this.changed = true
    if (update !== undefined) {
      this.outUpdates.push(update)
      if (update._tag === "updateNewChannelMessage") this.noteMessage(box, update.message)
    }
    if (typeof box.key === "bigint") {
      box.idleAt = now + this.channelIdleTimeout
      this.touch(box)
    } else {
      this.common.idleAt = now + this.idleTimeout
    }
  }

  /**
   * Applies the held updates the local state has reached; drops those it has passed. With
   * `filled`, the server answered that nothing is missing: the gaps the fetch asked about are
   * closed (the state moves to the held update after each) and what waited behind them applies.
   * A gap left behind waits `wait` ms from now.
   */
  private drain(box: Box, now: number, wait = this.gapTimeout, filled = false): void {
    const held = box.held
    const upTo = filled ? box.askedUpTo : -Infinity
    box.askedUpTo = -Infinity
    let progressed = false
    while (held.firstBefore <= Math.max(box.pts, upTo)) {
      const next = held.shift()!
      this.heldTotal--
      if (next.before > box.pts) box.pts = next.before // a gap with nothing in it
      if (next.before === box.pts) {
        this.apply(box, next.after, next.item, now)
        progressed = true
      }
    }
    if (held.size === 0) box.gapAt = Infinity
    else if (progressed || box.gapAt === Infinity) box.gapAt = now + wait // a new gap starts waiting
    this.touch(box)
  }

  private hold(box: Box, before: number, after: number, update: Api.Update | undefined): void {
    box.held.push(before, after, update)
    if (++this.heldTotal > this.maxHeld) this.overflow()
  }

  // ---- seq ----

  private container(
    updates: ReadonlyArray<Api.Update>,
    users: ReadonlyArray<Api.User>,
    chats: ReadonlyArray<Api.Chat>,
    date: number,
    seqStart: number,
    seq: number,
    now: number
  ): void {
    this.addPeers(users, chats)
    // > If seq_start === 0, the updates can be applied: [they] aren't ordered
    if (seqStart === 0) {
      for (const update of updates) this.route(update, now)
      return
    }
    const item: Container = { updates, date, seq }
    if (!this.hasState || this.commonFetch !== undefined) {
      this.holdContainer(seqStart, item)
      this.needState()
    } else if (this.seq + 1 === seqStart) {
      this.applyContainer(item, now)
      this.drainSeq(now)
    } else if (this.seq + 1 < seqStart) {
      this.holdContainer(seqStart, item)
      if (this.seqGapAt === Infinity) this.seqGapAt = now + this.gapTimeout
    }
    // seq_start <= local seq: already applied.
  }

  private applyContainer(item: Container, now: number): void {
    // > local Updates state must be updated with seq (unless it's 0) and date from the constructor
    if (item.seq !== 0) this.seq = item.seq
    this.date = item.date
    this.changed = true
    this.common.idleAt = now + this.idleTimeout
    for (const update of item.updates) this.route(update, now)
  }

  private holdContainer(seqStart: number, item: Container): void {
    this.seqHeld.push(seqStart - 1, item.seq, item)
    this.heldTotal += Math.max(1, item.updates.length)
    if (this.heldTotal > this.maxHeld) this.overflow()
  }

  /** {@link drain} for the containers held for their seq. */
  private drainSeq(now: number, filled = false): void {
    const upTo = filled ? this.seqAskedUpTo : -Infinity
    this.seqAskedUpTo = -Infinity
    let progressed = false
    // An applied container can start a fetch (updatePtsChanged): the rest waits for it.
    while (this.seqHeld.firstBefore <= Math.max(this.seq, upTo) && this.commonFetch === undefined) {
      const next = this.seqHeld.shift()!
      this.heldTotal -= Math.max(1, next.item.updates.length)
      if (next.before > this.seq) this.seq = next.before // a gap with nothing in it
      if (next.before === this.seq) {
        this.applyContainer(next.item, now)
        progressed = true
      }
    }
    if (this.seqHeld.size === 0) this.seqGapAt = Infinity
    else if (progressed || this.seqGapAt === Infinity) this.seqGapAt = now + this.gapTimeout
  }

  // ---- fetches ----

  private differenceFetch(): Fetch {
    return {
      _tag: "GetDifference",
      request: {
        _tag: "updates.getDifference",
        pts: this.common.pts,
        pts_total_limit: this.ptsTotalLimit,
        date: Math.max(this.date, 1), // 0 is refused (DATE_EMPTY)
        qts: this.secondary.pts
      }
    }
  }

  private channelFetch(box: Box): Fetch {
    return { _tag: "GetChannelDifference", channelId: box.key as bigint, pts: box.pts, limit: this.channelLimit }
  }

  private startCommonFetch(kind: "GetState" | "GetDifference"): void {
    if (this.commonFetch !== undefined) {
      // One at a time; the one in flight may predate what asked for this one, so it follows.
      // A state refetch replaces a queued difference (the state resets the sequence anyway).
      if (kind === "GetState" || this.commonNext === undefined) this.commonNext = kind
      return
    }
    const effective = this.hasState ? kind : "GetState"
    this.commonFetch = effective
    this.common.askedUpTo = this.common.held.lastBefore
    this.secondary.askedUpTo = this.secondary.held.lastBefore
    this.seqAskedUpTo = this.seqHeld.lastBefore
    this.common.gapAt = this.secondary.gapAt = this.seqGapAt = Infinity
    this.common.retryAt = Infinity
    this.request(effective === "GetState" ? { _tag: "GetState" } : this.differenceFetch())
  }

  /** Without a common state nothing of the common sequences can be checked: fetch it once. */
  private needState(): void {
    if (!this.hasState && this.commonFetch === undefined) this.startCommonFetch("GetState")
  }

  /** `filled`: the answer was `differenceEmpty` (see {@link drain}). */
  private endCommonFetch(now: number, filled = false): void {
    this.commonFetch = undefined
    const next = this.commonNext
    this.commonNext = undefined
    if (next !== undefined) this.startCommonFetch(next)
    else this.releaseCommon(now, filled)
  }

  /** After the common state moved under the held updates: apply, drop or keep them waiting. */
  private releaseCommon(now: number, filled = false): void {
    this.common.idleAt = now + this.idleTimeout
    this.drain(this.common, now, this.gapTimeout, filled)
    this.drain(this.secondary, now, this.gapTimeout, filled)
    this.drainSeq(now, filled)
  }

  private startChannelFetch(box: Box): void {
    if (box.fetching) {
      box.refetch = true
      return
    }
    box.fetching = true
    box.askedUpTo = box.held.lastBefore
    box.gapAt = box.retryAt = box.idleAt = Infinity // the fetch covers them; idle re-arms on activity
    this.touch(box)
    this.request(this.channelFetch(box))
  }

  /** `filled`: the answer was `channelDifferenceEmpty` (see {@link drain}). */
  private endChannelFetch(box: Box, now: number, filled = false): void {
    box.fetching = false
    if (box.refetch) {
      box.refetch = false
      this.startChannelFetch(box)
    } else {
      this.drain(box, now, this.gapTimeout, filled)
    }
  }

  private channelTooLong(channelId: bigint, pts: number | undefined): void {
    let box = this.channels.get(channelId)
    if (box === undefined) {
      // > if the channel isn't currently in the states, start fetching from the specified pts
      if (pts === undefined) return
      box = new Box(channelId, pts)
      this.channels.set(channelId, box)
      this.changed = true
    }
    this.startChannelFetch(box)
  }

  private forgetChannel(box: Box): void {
    this.heldTotal -= box.held.size
    box.held.clear()
    this.channels.delete(box.key as bigint)
    box.fetching = false
    box.gapAt = box.idleAt = box.retryAt = Infinity
    this.touch(box)
    this.changed = true
  }

  private emitChannelMessage(box: Box, message: Api.Message, pts: number): void {
    this.outUpdates.push({ _tag: "updateNewChannelMessage", message, pts, pts_count: 0 })
    this.noteMessage(box, message)
  }

  private noteMessage(box: Box, message: Api.Message): void {
    if (message.id > box.lastMessageId && messageChannelId(message) === box.key) box.lastMessageId = message.id
  }

  /** Past `maxHeld`: drop every held update and fetch the sequences they belonged to. */
  private overflow(): void {
    const common = this.seqHeld.size > 0 || this.common.held.size > 0 || this.secondary.held.size > 0
    this.seqHeld.clear()
    this.common.held.clear()
    this.secondary.held.clear()
    this.seqGapAt = this.common.gapAt = this.secondary.gapAt = Infinity
    for (const box of this.channels.values()) {
      if (box.held.size === 0) continue
      box.held.clear()
      box.gapAt = Infinity
      this.touch(box)
      this.startChannelFetch(box) // already fetching: fetch again after it, the dropped ones may be newer
    }
    this.heldTotal = 0
    if (common) this.startCommonFetch("GetDifference") // in flight: again after it
  }

  // ---- deadlines ----

  private commonDeadline(): number {
    if (this.commonFetch !== undefined) return Infinity
    if (!this.hasState) return this.common.retryAt // a failed getState is retried
    return Math.min(this.common.gapAt, this.secondary.gapAt, this.seqGapAt, this.common.idleAt, this.common.retryAt)
  }

  /** Registers a channel's new deadline (see {@link channelMin}). */
  private touch(box: Box): void {
    if (typeof box.key !== "bigint") return
    const next = box.deadline
    const old = box.scheduled
    if (next === old) return
    box.scheduled = next
    if (next === Infinity) this.timed.delete(box)
    else if (old === Infinity) this.timed.add(box)
    if (next < this.channelMin) this.channelMin = next
  }
}
