/**
 * A small pure model of Telegram's update delivery for the property tests: a generated
 * ground-truth history (the common pts sequence, the qts sequence and several channels),
 * packed into `Updates` pushes (short forms, `updates`/`updatesCombined` with and without seq),
 * and the server side of `updates.getState` / `getDifference` (slices, `differenceTooLong`,
 * `updateChannelTooLong` hints) and `getChannelDifference` (limits, non-final pages,
 * `channelDifferenceTooLong`), each answered from the history as it stood at a given time.
 */
import type { Api } from "../../../src/tl/index.ts"
import { botStopped, message, peerChannel, USER } from "./fixtures.ts"

export const CHANNELS = [1001n, 1002n, 1003n] as const

/** `"common"`, `"secondary"` or a channel id, as the machine names sequences. */
export type Seq = "common" | "secondary" | bigint

/** One event of the history. */
export interface Event {
  readonly index: number
  readonly seq: Seq
  /** `msg` (a new message) or `del` (a deletion counting `count` pts). */
  readonly kind: "msg" | "del"
  /** Unique over the history: `${seqName}:${kind}:${index}`. */
  readonly key: string
  readonly pts: number
  readonly count: number
  readonly container: number
  readonly update: Api.Update
}

/** What the generator decides for one event. */
export interface EventSpec {
  /** 0 common, 1 qts, 2.. a channel. */
  readonly seq: number
  readonly del: boolean
  readonly size: number
}

/** One generated container and the server state right after it. */
export interface Container {
  readonly index: number
  readonly time: number
  readonly events: ReadonlyArray<Event>
  readonly push: Api.Updates
  /** seq before/after it (equal when it is not seq-numbered). */
  readonly seqBefore: number
  readonly seqAfter: number
}

export const seqName = (seq: Seq): string => (typeof seq === "bigint" ? `c${seq}` : seq)

/** The key of an emitted update (see {@link Event.key}), or `undefined` for one no event has. */
export const keyOf = (update: Api.Update): { seq: Seq; key: string; kind: "msg" | "del" } | undefined => {
  switch (update._tag) {
    case "updateNewMessage":
      return { seq: "common", key: `common:msg:${update.message.id}`, kind: "msg" }
    case "updateDeleteMessages":
      return { seq: "common", key: `common:del:${update.messages[0]}`, kind: "del" }
    case "updateBotStopped":
      return { seq: "secondary", key: `secondary:msg:${update.user_id}`, kind: "msg" }
    case "updateNewChannelMessage": {
      const peer = update.message.peer_id as Api.peerChannel
      return { seq: peer.channel_id, key: `c${peer.channel_id}:msg:${update.message.id}`, kind: "msg" }
    }
    case "updateDeleteChannelMessages":
      return { seq: update.channel_id, key: `c${update.channel_id}:del:${update.messages[0]}`, kind: "del" }
    default:
      return undefined
  }
}

const STEP_MS = 10

/** A history and everything the server answers about it. */
export class FakeServer {
  readonly events: Array<Event> = []
  readonly containers: Array<Container> = []

  /**
   * `specs` in order; `groups` (cyclic) says how many events go into each container, `forms`
   * (cyclic) which `Updates` constructor carries it.
   */
  constructor(specs: ReadonlyArray<EventSpec>, groups: ReadonlyArray<number>, forms: ReadonlyArray<number>) {
    const pts = new Map<Seq, number>()
    let seq = 0
    let i = 0
    for (let c = 0; i < specs.length; c++) {
      const size = Math.min(groups[c % groups.length]!, specs.length - i)
      const events: Array<Event> = []
      for (let k = 0; k < size; k++, i++) {
        const spec = specs[i]!
        const s: Seq = spec.seq === 0 ? "common" : spec.seq === 1 ? "secondary" : CHANNELS[(spec.seq - 2) % CHANNELS.length]!
        const kind = s === "secondary" || !spec.del ? "msg" : "del"
        const count = kind === "del" ? spec.size : 1
        const after = (pts.get(s) ?? 0) + count
        pts.set(s, after)
        const event: Event = { index: i, seq: s, kind, key: `${seqName(s)}:${kind}:${i}`, pts: after, count, container: c, update: toUpdate(s, kind, i, after, count) }
        events.push(event)
        this.events.push(event)
      }
      const form = forms[c % forms.length]!
      const seqBefore = seq
      const numbered = form === 2 || (form === 3 && events.length > 1)
      const seqStart = numbered ? seq + 1 : 0
      if (numbered) seq += form === 3 ? 2 : 1
      const push = toPush(events, form, seqStart, numbered ? seq : 0, 1000 + c)
      this.containers.push({ index: c, time: c * STEP_MS, events, push, seqBefore, seqAfter: seq })
    }
  }

  /** Events generated at or before `t`, in order. */
  private upTo(t: number): Array<Event> {
    return this.events.filter((e) => this.containers[e.container]!.time <= t)
  }

  private lastContainer(t: number): Container | undefined {
    let last: Container | undefined
    for (const c of this.containers) if (c.time <= t) last = c
    return last
  }

  /** The server's pts (qts) of a sequence at time `t`. */
  ptsAt(seq: Seq, t: number): number {
    let pts = 0
    for (const e of this.upTo(t)) if (e.seq === seq) pts = e.pts
    return pts
  }

  stateAt(t: number): Api.updates.state {
    const last = this.lastContainer(t)
    return {
      _tag: "updates.state", pts: this.ptsAt("common", t), qts: this.ptsAt("secondary", t),
      date: last === undefined ? 1 : 1000 + last.index, seq: last?.seqAfter ?? 0, unread_count: 0
    }
  }

  /**
   * `updates.getDifference` at time `t`. `tooLong`: the server answers `differenceTooLong` when
   * more pts than this are pending (`pts_total_limit`); `slice`: most events per answer.
   */
  difference(request: Api.updates.getDifference, t: number, slice: number): Api.updates.Difference {
    const now = this.stateAt(t)
    if (request.pts_total_limit !== undefined && now.pts - request.pts > request.pts_total_limit) {
      return { _tag: "updates.differenceTooLong", pts: now.pts }
    }
    const pending = this.upTo(t).filter((e) =>
      (e.seq === "common" && e.pts > request.pts) || (e.seq === "secondary" && e.pts > request.qts)
    )
    // channels with events since the client's common position are worth a getChannelDifference
    const position = this.events.findLast((e) => e.seq === "common" && e.pts <= request.pts)?.container ?? -1
    const hinted = new Set(this.upTo(t).filter((e) => typeof e.seq === "bigint" && e.container > position).map((e) => e.seq as bigint))
    const hints: Array<Api.Update> = [...hinted].map((channel_id) => ({ _tag: "updateChannelTooLong", channel_id }))
    if (pending.length === 0 && hints.length === 0) return { _tag: "updates.differenceEmpty", date: now.date, seq: now.seq }
    const part = pending.slice(0, slice)
    const isSlice = part.length < pending.length
    const newMessages = part.filter((e) => e.seq === "common" && e.kind === "msg").map((e) => (e.update as Api.updateNewMessage).message)
    const other = [...part.filter((e) => !(e.seq === "common" && e.kind === "msg")).map((e) => e.update), ...(isSlice ? [] : hints)]
    if (!isSlice) {
      return { _tag: "updates.difference", new_messages: newMessages, new_encrypted_messages: [], other_updates: other, chats: [], users: [], state: now }
    }
    const lastOf = (seq: Seq, fallback: number) => part.findLast((e) => e.seq === seq)?.pts ?? fallback
    // the seq of the slice: every container before the first event left out is covered
    const firstOut = this.containers[pending[part.length]!.container]!
    const state: Api.updates.state = {
      _tag: "updates.state", pts: lastOf("common", request.pts), qts: lastOf("secondary", request.qts),
      date: 1000 + this.containers[part[part.length - 1]!.container]!.index, seq: firstOut.seqBefore, unread_count: 0
    }
    return { _tag: "updates.differenceSlice", new_messages: newMessages, new_encrypted_messages: [], other_updates: other, chats: [], users: [], intermediate_state: state }
  }

  /**
   * `updates.getChannelDifference` at time `t`: at most `limit` events per answer, and
   * `channelDifferenceTooLong` (with the channel's last 3 messages) past `tooLong` pending events.
   */
  channelDifference(channel: bigint, pts: number, limit: number, t: number, tooLong: number | undefined): Api.updates.ChannelDifference {
    const events = this.upTo(t).filter((e) => e.seq === channel)
    const pending = events.filter((e) => e.pts > pts)
    const serverPts = events.at(-1)?.pts ?? 0
    if (tooLong !== undefined && pending.length > tooLong) {
      const messages = events.filter((e) => e.kind === "msg").slice(-3).reverse().map((e) => (e.update as Api.updateNewChannelMessage).message)
      const dialog = { _tag: "dialog", peer: peerChannel(channel), top_message: messages[0]?.id ?? 0, pts: serverPts } as Api.dialog
      return { _tag: "updates.channelDifferenceTooLong", final: true, dialog, messages, chats: [], users: [] }
    }
    if (pending.length === 0) return { _tag: "updates.channelDifferenceEmpty", final: true, pts: Math.max(pts, serverPts) }
    const part = pending.slice(0, limit)
    return {
      _tag: "updates.channelDifference",
      final: part.length === pending.length,
      pts: part.at(-1)!.pts,
      new_messages: part.filter((e) => e.kind === "msg").map((e) => (e.update as Api.updateNewChannelMessage).message),
      other_updates: part.filter((e) => e.kind === "del").map((e) => e.update),
      chats: [],
      users: []
    }
  }
}

const toUpdate = (seq: Seq, kind: "msg" | "del", i: number, pts: number, count: number): Api.Update => {
  if (seq === "secondary") return botStopped(BigInt(i), pts)
  if (seq === "common") {
    return kind === "msg"
      ? { _tag: "updateNewMessage", message: message(i), pts, pts_count: count }
      : { _tag: "updateDeleteMessages", messages: [i], pts, pts_count: count }
  }
  return kind === "msg"
    ? { _tag: "updateNewChannelMessage", message: message(i, peerChannel(seq)), pts, pts_count: count }
    : { _tag: "updateDeleteChannelMessages", channel_id: seq, messages: [i], pts, pts_count: count }
}

const toPush = (events: ReadonlyArray<Event>, form: number, seqStart: number, seq: number, date: number): Api.Updates => {
  const updates = events.map((e) => e.update)
  if (events.length === 1) {
    const only = events[0]!
    if (form === 3 && only.seq === "common" && only.kind === "msg") {
      const m = (only.update as Api.updateNewMessage).message as Api.message
      return { _tag: "updateShortMessage", out: false, id: m.id, user_id: USER, message: m.message, pts: only.pts, pts_count: 1, date }
    }
    if (form === 0 || form === 3) return { _tag: "updateShort", update: updates[0]!, date }
  }
  if (form === 3) return { _tag: "updatesCombined", updates, users: [], chats: [], date, seq_start: seqStart, seq }
  return { _tag: "updates", updates, users: [], chats: [], date, seq: form === 2 ? seq : 0 }
}
