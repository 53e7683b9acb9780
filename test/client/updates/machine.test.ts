/**
 * UpdateMachine unit tests: one rule of core.telegram.org/api/updates per test, socket-free,
 * with a pinned clock (plain numbers).
 */
import { assert, describe, it } from "@effect/vitest"
import { type Fetch, type Step, UpdateMachine, channelDifferenceRequest } from "../../../src/client/updates/UpdateMachine.ts"
import type { UpdateState } from "../../../src/storage/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import {
  botStopped,
  channel,
  channelDifference,
  channelMessage,
  combined,
  deleteMessages,
  difference,
  label,
  message,
  newMessage,
  peerChannel,
  short,
  state,
  updates,
  USER,
  user,
  userStatus
} from "./fixtures.ts"

const T0 = 1_700_000_000_000
const C = 555n // a channel

const base: UpdateState = { pts: 100, qts: 10, date: 1000, seq: 5 }
const make = (s: UpdateState | undefined = base, options = {}) => new UpdateMachine(s, T0, options)
const labels = (step: Step) => step.updates.map(label)
const only = <T extends Fetch["_tag"]>(step: Step, tag: T): Extract<Fetch, { _tag: T }> => {
  assert.strictEqual(step.fetches.length, 1, `one fetch expected, got ${JSON.stringify(step.fetches.map((f) => f._tag))}`)
  const fetch = step.fetches[0]!
  assert.strictEqual(fetch._tag, tag)
  return fetch as Extract<Fetch, { _tag: T }>
}

describe("UpdateMachine: pts", () => {
  it("local_pts + pts_count == pts: applied, emitted, state advanced", () => {
    const m = make()
    const step = m.processUpdates(short(newMessage(1, 101)), T0)
    assert.deepStrictEqual(labels(step), ["msg:1"])
    assert.isTrue(step.stateChanged)
    assert.strictEqual(m.state()!.pts, 101)
    const two = m.processUpdates(short(deleteMessages([1, 2], 103)), T0) // pts_count 2
    assert.deepStrictEqual(labels(two), ["del:1,2"])
    assert.strictEqual(m.state()!.pts, 103)
  })

  it("local_pts + pts_count > pts: already applied, dropped (duplicates too)", () => {
    const m = make()
    m.processUpdates(short(newMessage(1, 101)), T0)
    const dup = m.processUpdates(short(newMessage(1, 101)), T0)
    assert.deepStrictEqual(labels(dup), [])
    assert.isFalse(dup.stateChanged)
    assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(0, 100)), T0)), [])
    assert.strictEqual(m.state()!.pts, 101)
    assert.strictEqual(m.held, 0)
  })

  it("local_pts + pts_count < pts: held; a gap filled within 0.5 s emits both in pts order, no fetch", () => {
    const m = make()
    const gap = m.processUpdates(short(newMessage(2, 102)), T0)
    assert.deepStrictEqual(labels(gap), [])
    assert.strictEqual(gap.held, 1)
    assert.strictEqual(gap.deadline, T0 + 500)
    assert.isFalse(gap.stateChanged)
    const fill = m.processUpdates(short(newMessage(1, 101)), T0 + 200)
    assert.deepStrictEqual(labels(fill), ["msg:1", "msg:2"])
    assert.deepStrictEqual(fill.fetches, [])
    assert.strictEqual(fill.held, 0)
    assert.strictEqual(m.state()!.pts, 102)
    assert.strictEqual(fill.deadline, T0 + 200 + 15 * 60_000) // only the idle timer is left
  })

  it("a gap still open after 0.5 s asks for getDifference from the local state", () => {
    const m = make()
    m.processUpdates(short(newMessage(3, 103)), T0)
    assert.deepStrictEqual(m.tick(T0 + 499).fetches, [])
    const fetch = only(m.tick(T0 + 500), "GetDifference")
    assert.deepStrictEqual(fetch.request, { _tag: "updates.getDifference", pts: 100, pts_total_limit: undefined, date: 1000, qts: 10 })
    // no second fetch while one is in flight
    assert.deepStrictEqual(m.tick(T0 + 5000).fetches, [])
    assert.strictEqual(m.deadline, undefined)
  })

  it("updates arriving while a difference is fetched are postponed, then checked against its state", () => {
    const m = make()
    m.processUpdates(short(newMessage(3, 103)), T0)
    m.tick(T0 + 500)
    // 102 (covered by the difference), 104 and 105 (newer than it) arrive meanwhile
    for (const [id, pts] of [[2, 102], [5, 105], [4, 104]] as const) {
      assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(id, pts)), T0 + 600)), [])
    }
    const step = m.applyDifference(difference([message(1), message(2), message(3)], [], state(103, 10, 6, 2000)), T0 + 700)
    assert.deepStrictEqual(labels(step), ["msg:1", "msg:2", "msg:3", "msg:4", "msg:5"])
    assert.strictEqual(step.held, 0)
    assert.deepStrictEqual(m.state(), { pts: 105, qts: 10, date: 2000, seq: 6, channels: new Map() })
    assert.deepStrictEqual(step.fetches, [])
  })

  it("updates without pts pass straight through, also during a fetch", () => {
    const m = make()
    assert.deepStrictEqual(labels(m.processUpdates(short(userStatus(3n)), T0)), ["status:3"])
    m.processUpdates({ _tag: "updatesTooLong" }, T0)
    const step = m.processUpdates(updates([userStatus(4n), newMessage(1, 101)]), T0)
    assert.deepStrictEqual(labels(step), ["status:4"])
    assert.strictEqual(step.held, 1)
  })

  it("updates of one container apply in pts order whatever their order inside it", () => {
    const m = make()
    const read: Api.updateReadHistoryInbox = {
      _tag: "updateReadHistoryInbox", peer: { _tag: "peerUser", user_id: USER }, max_id: 2, still_unread_count: 0, pts: 103, pts_count: 1
    }
    const step = m.processUpdates(updates([read, newMessage(2, 102), newMessage(1, 101)]), T0)
    assert.deepStrictEqual(labels(step), ["msg:1", "msg:2", "updateReadHistoryInbox"])
    assert.strictEqual(step.deadline, T0 + 15 * 60_000)
  })
})

describe("UpdateMachine: qts", () => {
  it("the secondary sequence counts one event per update, independently of pts", () => {
    const m = make()
    assert.deepStrictEqual(labels(m.processUpdates(short(botStopped(1n, 11)), T0)), ["stop:1"])
    assert.deepStrictEqual(labels(m.processUpdates(short(botStopped(3n, 13)), T0)), [])
    assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(1, 101)), T0)), ["msg:1"])
    assert.deepStrictEqual(labels(m.processUpdates(short(botStopped(2n, 12)), T0)), ["stop:2", "stop:3"])
    assert.deepStrictEqual(labels(m.processUpdates(short(botStopped(2n, 12)), T0)), [])
    assert.deepStrictEqual([m.state()!.pts, m.state()!.qts], [101, 13])
  })

  it("a qts gap is recovered by getDifference too (its qts and the encrypted messages)", () => {
    const m = make()
    m.processUpdates(short(botStopped(2n, 12)), T0)
    only(m.tick(T0 + 500), "GetDifference")
    const encrypted = { _tag: "encryptedMessageService", random_id: 1n, chat_id: 1, date: 1, bytes: new Uint8Array() } as Api.EncryptedMessage
    const step = m.applyDifference({
      _tag: "updates.difference", new_messages: [], new_encrypted_messages: [encrypted],
      other_updates: [botStopped(1n, 11), botStopped(2n, 12)], chats: [], users: [], state: state(100, 12, 5, 1000)
    }, T0 + 600)
    assert.deepStrictEqual(labels(step), ["updateNewEncryptedMessage", "stop:1", "stop:2"])
    assert.strictEqual(m.state()!.qts, 12)
    assert.strictEqual(step.held, 0)
  })

  it("qts/pts 0 means unordered: passed through without touching the state", () => {
    const m = make()
    assert.deepStrictEqual(labels(m.processUpdates(short(botStopped(9n, 0)), T0)), ["stop:9"])
    assert.strictEqual(m.state()!.qts, 10)
  })
})

describe("UpdateMachine: seq", () => {
  it("seq 0 is not checked; local_seq + 1 == seq_start applies and takes seq and date", () => {
    const m = make()
    m.processUpdates(updates([newMessage(1, 101)], 0, 1500), T0)
    assert.deepStrictEqual([m.state()!.seq, m.state()!.date], [5, 1000])
    const step = m.processUpdates(updates([newMessage(2, 102)], 6, 1600), T0)
    assert.deepStrictEqual(labels(step), ["msg:2"])
    assert.deepStrictEqual([m.state()!.seq, m.state()!.date], [6, 1600])
    m.processUpdates(combined([newMessage(3, 103), newMessage(4, 104)], 7, 8, 1700), T0)
    assert.deepStrictEqual([m.state()!.pts, m.state()!.seq, m.state()!.date], [104, 8, 1700])
  })

  it("local_seq + 1 > seq_start: the whole container was applied, ignored (its unordered updates too)", () => {
    const m = make()
    m.processUpdates(updates([newMessage(1, 101)], 6), T0)
    const step = m.processUpdates(updates([userStatus(1n), newMessage(1, 101)], 6), T0)
    assert.deepStrictEqual(labels(step), [])
    assert.deepStrictEqual(labels(m.processUpdates(combined([userStatus(1n)], 5, 6), T0)), [])
  })

  it("local_seq + 1 < seq_start: held until the missing container comes, else getDifference", () => {
    const m = make()
    assert.deepStrictEqual(labels(m.processUpdates(updates([userStatus(8n)], 8), T0)), [])
    assert.deepStrictEqual(labels(m.processUpdates(updates([userStatus(7n)], 7), T0 + 10)), [])
    assert.strictEqual(m.held, 2)
    const step = m.processUpdates(updates([userStatus(6n)], 6), T0 + 20)
    assert.deepStrictEqual(labels(step), ["status:6", "status:7", "status:8"])
    assert.strictEqual(m.state()!.seq, 8)

    m.processUpdates(updates([userStatus(10n)], 10), T0 + 100)
    only(m.tick(T0 + 600), "GetDifference")
    const done = m.applyDifference({ _tag: "updates.differenceEmpty", date: 3000, seq: 10 }, T0 + 700)
    assert.deepStrictEqual(labels(done), []) // seq 10 is covered by the difference's state
    assert.strictEqual(done.held, 0)
    assert.deepStrictEqual([m.state()!.seq, m.state()!.date], [10, 3000])
  })
})

describe("UpdateMachine: getDifference results", () => {
  const gapThenFetch = (m: UpdateMachine) => {
    m.processUpdates(short(newMessage(9, 109)), T0)
    return only(m.tick(T0 + 500), "GetDifference")
  }

  it("differenceSlice: emits, saves the intermediate state and asks again from it", () => {
    const m = make()
    gapThenFetch(m)
    const slice = m.applyDifference(difference([message(1), message(2)], [], state(102, 10, 5, 1100), true), T0 + 600)
    assert.deepStrictEqual(labels(slice), ["msg:1", "msg:2"])
    assert.isTrue(slice.stateChanged)
    assert.strictEqual(only(slice, "GetDifference").request.pts, 102)
    assert.strictEqual(m.state()!.pts, 102)
    const rest = m.applyDifference(difference([3, 4, 5, 6, 7, 8, 9].map((i) => message(i)), [], state(109, 10, 5, 1200)), T0 + 700)
    assert.deepStrictEqual(labels(rest), ["msg:3", "msg:4", "msg:5", "msg:6", "msg:7", "msg:8", "msg:9"])
    assert.deepStrictEqual(rest.fetches, [])
    assert.strictEqual(rest.held, 0) // the held 109 was covered
  })

  it("differenceTooLong: the range is reported as skipped, pts jumps, fetching goes on from there", () => {
    const m = make({ ...base }, { ptsTotalLimit: 1000 })
    assert.strictEqual(gapThenFetch(m).request.pts_total_limit, 1000)
    const step = m.applyDifference({ _tag: "updates.differenceTooLong", pts: 5000 }, T0 + 600)
    assert.deepStrictEqual(step.resets, [{ sequence: "common", from: 100, to: 5000 }])
    assert.strictEqual(only(step, "GetDifference").request.pts, 5000)
    const end = m.applyDifference(difference([message(5001)], [], state(5001, 10, 5, 1000)), T0 + 700)
    assert.deepStrictEqual(labels(end), ["msg:5001"])
    assert.strictEqual(end.held, 0)
  })

  it("a slice or tooLong that does not move the state ends the fetch instead of looping", () => {
    const m = make()
    gapThenFetch(m)
    const ended = m.applyDifference(difference([], [], state(100, 10, 5, 1000), true), T0 + 600)
    assert.deepStrictEqual(ended.fetches, [])
    // the gap is still there: it waits again, then is fetched again
    assert.strictEqual(ended.deadline, T0 + 1100)
    only(m.tick(T0 + 1100), "GetDifference")
    assert.deepStrictEqual(m.applyDifference({ _tag: "updates.differenceTooLong", pts: 100 }, T0 + 1200).fetches, [])
  })

  it("other_updates: own sequences are emitted as given; channel ones go through the channel's pts", () => {
    const m = make({ ...base, channels: new Map([[C, 50]]) })
    m.processUpdates(short(channelMessage(C, 51, 51)), T0) // channel pts 51
    gapThenFetch(m)
    const step = m.applyDifference(
      difference([message(1)], [deleteMessages([1], 102), channelMessage(C, 51, 51), channelMessage(C, 52, 52)], state(109, 10, 5, 1000)),
      T0 + 600
    )
    assert.deepStrictEqual(labels(step), ["msg:1", "del:1", "cmsg:52"])
  })

  it("a result with no fetch in flight is ignored", () => {
    const m = make()
    const step = m.applyDifference(difference([message(1)], [], state(500)), T0)
    assert.deepStrictEqual(labels(step), [])
    assert.strictEqual(m.state()!.pts, 100)
    assert.deepStrictEqual(labels(m.applyChannelDifference(C, channelDifference(9, [message(1, peerChannel(C))]), T0)), [])
  })

  it("users and chats of pushes and differences come with the step", () => {
    const m = make()
    const step = m.processUpdates(updates([newMessage(1, 101)], 0, 1, { users: [user(7n)], chats: [channel(C)] }), T0)
    assert.deepStrictEqual(step.users.map((u) => u._tag === "user" && u.id), [7n])
    assert.deepStrictEqual(step.chats.map((c) => c._tag === "channel" && c.id), [C])
    // also for a container that is held: the peers can be cached early
    const held = m.processUpdates(updates([newMessage(3, 103)], 0, 1, { users: [user(8n)] }), T0)
    assert.deepStrictEqual([held.updates.length, held.users.length], [0, 1])
    gapThenFetch(m)
    const diff = m.applyDifference({ ...difference([message(2)], [], state(103)), users: [user(9n)] } as Api.updates.Difference, T0)
    assert.deepStrictEqual(diff.users.map((u) => u._tag === "user" && u.id), [9n])
  })

  it("a state set while a difference is in flight makes its (older) result ignored", () => {
    const m = make()
    gapThenFetch(m)
    m.applyState(state(300, 20, 9), T0 + 600)
    const late = m.applyDifference(difference([message(1)], [], state(109)), T0 + 700)
    assert.deepStrictEqual([labels(late), m.state()!.pts, late.held], [[], 300, 0])
    assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(301, 301)), T0 + 800)), ["msg:301"])
  })

  it("differenceFailed: held updates stay and the fetch is tried again after the retry delay", () => {
    const m = make(base, { retryDelayMs: 2000 })
    m.processUpdates(short(newMessage(3, 103)), T0)
    m.tick(T0 + 500)
    const failed = m.differenceFailed(T0 + 600)
    assert.strictEqual(failed.held, 1)
    assert.strictEqual(failed.deadline, T0 + 2600)
    assert.deepStrictEqual(m.tick(T0 + 2599).fetches, [])
    only(m.tick(T0 + 2600), "GetDifference")
  })
})

describe("UpdateMachine: channels", () => {
  const withChannel = (pts = 50) => make({ ...base, channels: new Map([[C, pts]]) })

  it("each channel has its own pts; a channel seen first is followed from its first update", () => {
    const m = make()
    assert.deepStrictEqual(labels(m.processUpdates(short(channelMessage(C, 7, 70)), T0)), ["cmsg:7"])
    assert.deepStrictEqual(labels(m.processUpdates(short(channelMessage(C, 8, 71)), T0)), ["cmsg:8"])
    assert.deepStrictEqual(labels(m.processUpdates(short(channelMessage(C, 8, 71)), T0)), [])
    assert.deepStrictEqual(labels(m.processUpdates(short(channelMessage(C + 1n, 1, 5)), T0)), ["cmsg:1"])
    assert.deepStrictEqual(m.state()!.channels, new Map([[C, 71], [C + 1n, 5]]))
    assert.strictEqual(m.state()!.pts, 100)
  })

  it("a channel gap fetches that channel's difference; non-final differences continue", () => {
    const m = withChannel()
    m.processUpdates(short(channelMessage(C, 53, 53)), T0)
    const fetch = only(m.tick(T0 + 500), "GetChannelDifference")
    assert.deepStrictEqual(fetch, { _tag: "GetChannelDifference", channelId: C, pts: 50, limit: 100 })
    const input = { _tag: "inputChannel", channel_id: C, access_hash: 1n } as const
    assert.deepStrictEqual(channelDifferenceRequest(fetch, input), {
      _tag: "updates.getChannelDifference", force: false, channel: input, filter: { _tag: "channelMessagesFilterEmpty" }, pts: 50, limit: 100
    })
    m.processUpdates(short(channelMessage(C, 54, 54)), T0 + 600) // postponed
    const first = m.applyChannelDifference(C, channelDifference(51, [message(51, peerChannel(C))], [], false), T0 + 700)
    assert.deepStrictEqual(labels(first), ["cmsg:51"])
    assert.deepStrictEqual(only(first, "GetChannelDifference").pts, 51)
    const last = m.applyChannelDifference(C, channelDifference(53, [message(52, peerChannel(C)), message(53, peerChannel(C))]), T0 + 800)
    assert.deepStrictEqual(labels(last), ["cmsg:52", "cmsg:53", "cmsg:54"])
    assert.strictEqual(last.held, 0)
    assert.strictEqual(m.state()!.channels!.get(C), 54)
  })

  it("updateChannelTooLong asks for the channel's difference (from the given pts for an unknown channel)", () => {
    const m = withChannel()
    const known = m.processUpdates(short({ _tag: "updateChannelTooLong", channel_id: C, pts: 90 }), T0)
    assert.deepStrictEqual(only(known, "GetChannelDifference").pts, 50)
    assert.deepStrictEqual(labels(known), [])
    const unknown = m.processUpdates(short({ _tag: "updateChannelTooLong", channel_id: 9n, pts: 30 }), T0)
    assert.deepStrictEqual(only(unknown, "GetChannelDifference"), { _tag: "GetChannelDifference", channelId: 9n, pts: 30, limit: 100 })
    assert.deepStrictEqual(m.processUpdates(short({ _tag: "updateChannelTooLong", channel_id: 10n }), T0).fetches, [])
    // during the fetch: fetched again after it
    assert.deepStrictEqual(m.processUpdates(short({ _tag: "updateChannelTooLong", channel_id: C }), T0).fetches, [])
    const end = m.applyChannelDifference(C, { _tag: "updates.channelDifferenceEmpty", final: true, pts: 50 }, T0)
    assert.deepStrictEqual(only(end, "GetChannelDifference").pts, 50)
  })

  it("channelDifferenceTooLong: reset from the dialog's pts, emitting only the messages not emitted yet", () => {
    const m = withChannel()
    m.processUpdates(short(channelMessage(C, 51, 51)), T0)
    m.processUpdates(short(channelMessage(C, 60, 60)), T0)
    only(m.tick(T0 + 500), "GetChannelDifference")
    const dialog = { _tag: "dialog", peer: peerChannel(C), top_message: 300, pts: 400 } as Api.dialog
    const step = m.applyChannelDifference(C, {
      _tag: "updates.channelDifferenceTooLong", final: true, dialog,
      messages: [300, 299, 51, 298].map((id) => message(id, peerChannel(C))), chats: [channel(C)], users: []
    }, T0 + 600)
    assert.deepStrictEqual(labels(step), ["cmsg:298", "cmsg:299", "cmsg:300"])
    assert.deepStrictEqual(step.resets, [{ sequence: C, from: 51, to: 400 }])
    assert.strictEqual(step.chats.length, 1)
    assert.strictEqual(step.held, 0) // 60 is below the new pts
    assert.deepStrictEqual(labels(m.processUpdates(short(channelMessage(C, 301, 401)), T0 + 700)), ["cmsg:301"])

    // a machine that emitted nothing of the channel yet (restarted) cannot tell which are new: none is emitted
    const fresh = withChannel()
    fresh.requestChannelDifference(C, T0)
    const again = fresh.applyChannelDifference(C, {
      _tag: "updates.channelDifferenceTooLong", final: true, dialog, messages: [message(300, peerChannel(C))], chats: [], users: []
    }, T0)
    assert.deepStrictEqual([labels(again), again.resets], [[], [{ sequence: C, from: 50, to: 400 }]])
  })

  it("other_updates of a channel difference are emitted; a count-0 update sorts after the message of its pts", () => {
    const m = withChannel()
    const read: Api.updateReadChannelInbox = { _tag: "updateReadChannelInbox", channel_id: C, max_id: 51, still_unread_count: 0, pts: 51 }
    // the read (pts 51, count 0) comes before the message it follows (pts 51, count 1)
    const step = m.processUpdates(updates([read, channelMessage(C, 51, 51)]), T0)
    assert.deepStrictEqual(labels(step), ["cmsg:51", "updateReadChannelInbox"])
    m.processUpdates(short(channelMessage(C, 55, 55)), T0)
    m.tick(T0 + 500)
    const diff = m.applyChannelDifference(C, channelDifference(55, [], [deleteChannel(52), read]), T0 + 600)
    assert.deepStrictEqual(labels(diff), ["del:52", "updateReadChannelInbox"])
  })

  it("channelDifferenceFailed: Unavailable forgets the channel, Failed retries later", () => {
    const m = withChannel()
    m.processUpdates(short(channelMessage(C, 53, 53)), T0)
    m.tick(T0 + 500)
    const failed = m.channelDifferenceFailed(C, "Failed", T0 + 600)
    assert.strictEqual(failed.held, 1)
    assert.strictEqual(failed.deadline, T0 + 1600)
    only(m.tick(T0 + 1600), "GetChannelDifference")
    const gone = m.channelDifferenceFailed(C, "Unavailable", T0 + 1700)
    assert.strictEqual(gone.held, 0)
    assert.isTrue(gone.stateChanged)
    assert.isFalse(m.state()!.channels!.has(C))
  })

  it("a channel quiet for 15 min after activity is fetched once; the common state after 15 min without updates", () => {
    const m = withChannel()
    m.processUpdates(short(channelMessage(C, 51, 51)), T0)
    const minutes = (n: number) => T0 + n * 60_000
    assert.deepStrictEqual(m.tick(minutes(14)).fetches, [])
    const due = m.tick(minutes(15))
    assert.deepStrictEqual(due.fetches.map((f) => f._tag).sort(), ["GetChannelDifference", "GetDifference"])
    m.applyChannelDifference(C, { _tag: "updates.channelDifferenceEmpty", final: true, pts: 51 }, minutes(15))
    const done = m.applyDifference({ _tag: "updates.differenceEmpty", date: 1, seq: 5 }, minutes(15))
    // the channel is not polled again until it has activity; the common sequence is
    assert.strictEqual(done.deadline, minutes(30))
    assert.deepStrictEqual(m.tick(minutes(30)).fetches.map((f) => f._tag), ["GetDifference"])
  })

  it("a channel deadline that moves later may be reported early once: that tick fetches nothing", () => {
    const m = withChannel()
    assert.strictEqual(m.processUpdates(short(channelMessage(C, 52, 52)), T0).deadline, T0 + 500)
    const filled = m.processUpdates(short(channelMessage(C, 51, 51)), T0 + 100)
    assert.deepStrictEqual(labels(filled), ["cmsg:51", "cmsg:52"])
    assert.strictEqual(filled.deadline, T0 + 500) // a lower bound: the gap is gone
    const early = m.tick(T0 + 500)
    assert.deepStrictEqual(early.fetches, [])
    assert.strictEqual(early.deadline, T0 + 15 * 60_000) // now exact: the common idle timer (the channel's is 100 ms later)
  })

  it("requestChannelDifference and setChannelPts", () => {
    const m = make()
    assert.deepStrictEqual(m.requestChannelDifference(C, T0).fetches, [])
    assert.isTrue(m.setChannelPts(C, 40).stateChanged)
    assert.isFalse(m.setChannelPts(C, 99).stateChanged) // already followed
    assert.deepStrictEqual(only(m.requestChannelDifference(C, T0), "GetChannelDifference").pts, 40)
  })
})

const deleteChannel = (id: number): Api.updateDeleteChannelMessages =>
  ({ _tag: "updateDeleteChannelMessages", channel_id: C, messages: [id], pts: 52, pts_count: 1 })

describe("UpdateMachine: other inputs", () => {
  it("updatesTooLong asks for getDifference", () => {
    const m = make()
    only(m.processUpdates({ _tag: "updatesTooLong" }, T0), "GetDifference")
  })

  it("requestDifference (start-up, new session) asks once, however often it is called", () => {
    const m = make()
    only(m.requestDifference(T0), "GetDifference")
    assert.deepStrictEqual(m.requestDifference(T0).fetches, [])
    // the second request is served after the first (pushes in between may be lost)
    only(m.applyDifference({ _tag: "updates.differenceEmpty", date: 1, seq: 5 }, T0), "GetDifference")
  })

  it("without a state: asks for updates.getState once and holds the common sequences until it comes", () => {
    const m = new UpdateMachine(undefined, T0)
    assert.strictEqual(m.state(), undefined)
    const step = m.processUpdates(short(newMessage(1, 101)), T0)
    only(step, "GetState")
    assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(2, 102)), T0)), [])
    assert.deepStrictEqual(labels(m.processUpdates(short(userStatus(1n)), T0)), ["status:1"])
    assert.deepStrictEqual(labels(m.processUpdates(short(channelMessage(C, 1, 1)), T0)), ["cmsg:1"])
    const ready = m.applyState(state(100, 0, 3), T0)
    assert.deepStrictEqual(labels(ready), ["msg:1", "msg:2"])
    assert.deepStrictEqual(m.state(), { pts: 102, qts: 0, date: 100, seq: 3, channels: new Map([[C, 1]]) })
    assert.isTrue(ready.stateChanged)
    assert.strictEqual(only(new UpdateMachine(undefined, T0).requestDifference(T0), "GetState")._tag, "GetState")
  })

  it("updatePtsChanged re-fetches the state", () => {
    const m = make()
    only(m.processUpdates(short({ _tag: "updatePtsChanged" }), T0), "GetState")
    m.applyState(state(7, 1, 1), T0)
    assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(1, 8)), T0)), ["msg:1"])
  })

  it("processAffected advances a sequence without emitting anything", () => {
    const m = make({ ...base, channels: new Map([[C, 50]]) })
    const step = m.processAffected({ pts: 102, pts_count: 2 }, T0)
    assert.deepStrictEqual([step.updates.length, m.state()!.pts, step.stateChanged], [0, 102, true])
    m.processAffected({ pts: 51, pts_count: 1 }, T0, C)
    assert.strictEqual(m.state()!.channels!.get(C), 51)
    assert.deepStrictEqual(labels(m.processUpdates(short(newMessage(3, 103)), T0)), ["msg:3"])
  })

  it("updateShortSentMessage alone advances pts and emits nothing", () => {
    const m = make()
    const step = m.processUpdates({ _tag: "updateShortSentMessage", out: true, id: 5, pts: 101, pts_count: 1, date: 1 }, T0)
    assert.deepStrictEqual([step.updates.length, m.state()!.pts], [0, 101])
  })

  it("short messages are emitted as updateNewMessage; from an unknown user they are fetched with getDifference", () => {
    const known = new Set([USER])
    const m = make(base, { selfId: 1n, knowsUser: (id: bigint) => known.has(id) })
    const shortMessage = (id: number, user_id: bigint, pts: number): Api.updateShortMessage =>
      ({ _tag: "updateShortMessage", out: false, id, user_id, message: "hi", pts, pts_count: 1, date: 5 })
    const step = m.processUpdates(shortMessage(1, USER, 101), T0)
    assert.deepStrictEqual(labels(step), ["msg:1"])
    const got = step.updates[0] as Api.updateNewMessage
    assert.deepStrictEqual([(got.message as Api.message).peer_id, (got.message as Api.message).from_id], [
      { _tag: "peerUser", user_id: USER }, { _tag: "peerUser", user_id: USER }
    ])
    const unknown = m.processUpdates(shortMessage(2, 99n, 102), T0)
    assert.deepStrictEqual(labels(unknown), [])
    only(unknown, "GetDifference")
    const diff = m.applyDifference({ ...difference([message(2)], [], state(102)), users: [user(99n)] } as Api.updates.Difference, T0)
    assert.deepStrictEqual(labels(diff), ["msg:2"])
    assert.strictEqual(diff.held, 0)
  })

  it("past maxHeld the held updates are dropped and getDifference recovers them", () => {
    const m = make({ ...base, channels: new Map([[C, 50]]) }, { maxHeld: 3 })
    m.processUpdates(short(channelMessage(C, 60, 60)), T0)
    for (let pts = 102; pts <= 103; pts++) m.processUpdates(short(newMessage(pts - 100, pts)), T0)
    assert.strictEqual(m.held, 3)
    const over = m.processUpdates(short(newMessage(4, 104)), T0)
    assert.strictEqual(over.held, 0)
    assert.deepStrictEqual(over.fetches.map((f) => f._tag).sort(), ["GetChannelDifference", "GetDifference"])
    const diff = m.applyDifference(difference([1, 2, 3, 4].map((i) => message(i)), [], state(104)), T0)
    assert.deepStrictEqual(labels(diff), ["msg:1", "msg:2", "msg:3", "msg:4"])
  })

  it("the persisted state restarts a machine where the old one stopped", () => {
    const m = make({ ...base, channels: new Map([[C, 50]]) })
    m.processUpdates(updates([newMessage(1, 101), channelMessage(C, 51, 51), botStopped(1n, 11)], 6, 2000), T0)
    const saved = m.state()!
    assert.deepStrictEqual(saved, { pts: 101, qts: 11, date: 2000, seq: 6, channels: new Map([[C, 51]]) })
    const next = new UpdateMachine(saved, T0)
    assert.deepStrictEqual(labels(next.processUpdates(updates([newMessage(1, 101), newMessage(2, 102)], 7), T0)), ["msg:2"])
    assert.deepStrictEqual(labels(next.processUpdates(short(channelMessage(C, 51, 51)), T0)), [])
  })
})

describe("UpdateMachine: an empty answer closes the gaps it was asked about", () => {
  const empty = (seq = 5): Api.updates.differenceEmpty => ({ _tag: "updates.differenceEmpty", date: 1000, seq })
  /** No fetch at any tick until `until`: the machine does not ask again. */
  const quietUntil = (m: UpdateMachine, from: number, until: number) => {
    for (let t = from; t <= until; t += 250) assert.deepStrictEqual(m.tick(t).fetches, [], `asked again at +${t - T0} ms`)
  }

  it("differenceEmpty: the held pts, qts and seq updates apply, and nothing is asked again every 0.5 s", () => {
    const m = make()
    m.processUpdates(short(newMessage(3, 103)), T0) // pts 100 → waits for 102
    m.processUpdates(short(botStopped(2n, 12)), T0) // qts 10 → waits for 11
    m.processUpdates(updates([userStatus(8n)], 8), T0) // seq 5 → waits for 7
    assert.strictEqual(m.held, 3)
    only(m.tick(T0 + 500), "GetDifference")
    const done = m.applyDifference(empty(), T0 + 600)
    assert.deepStrictEqual(labels(done), ["msg:3", "stop:2", "status:8"])
    assert.deepStrictEqual([done.fetches, done.resets, done.held], [[], [], 0])
    assert.isTrue(done.stateChanged)
    assert.deepStrictEqual([m.state()!.pts, m.state()!.qts, m.state()!.seq], [103, 12, 8])
    assert.strictEqual(done.deadline, T0 + 600 + 15 * 60_000) // only the idle timer is left
    quietUntil(m, T0 + 600, T0 + 10_000)
  })

  it("every gap below the last held update is closed; a gap that opened during the fetch is asked about once", () => {
    const m = make()
    m.processUpdates(short(newMessage(3, 103)), T0)
    m.processUpdates(short(newMessage(6, 106)), T0) // a second gap: 103 → 105
    only(m.tick(T0 + 500), "GetDifference")
    m.processUpdates(short(newMessage(9, 109)), T0 + 550) // arrives during the fetch, after a gap the server was not asked about
    const done = m.applyDifference(empty(), T0 + 600)
    assert.deepStrictEqual(labels(done), ["msg:3", "msg:6"])
    assert.strictEqual(m.state()!.pts, 106)
    assert.strictEqual(done.held, 1)
    assert.strictEqual(done.deadline, T0 + 600 + 500)
    assert.deepStrictEqual(only(m.tick(T0 + 1100), "GetDifference").request.pts, 106)
    assert.deepStrictEqual(labels(m.applyDifference(empty(), T0 + 1200)), ["msg:9"])
    quietUntil(m, T0 + 1200, T0 + 10_000)
  })

  it("a difference that does not reach the gap leaves it open; the empty answer after it closes it", () => {
    const m = make()
    m.processUpdates(short(newMessage(9, 109)), T0)
    only(m.tick(T0 + 500), "GetDifference")
    const lagging = m.applyDifference(difference([message(1)], [], state(101, 10, 5, 1000)), T0 + 600)
    assert.deepStrictEqual(labels(lagging), ["msg:1"])
    assert.strictEqual(lagging.held, 1)
    only(m.tick(T0 + 1100), "GetDifference")
    assert.deepStrictEqual(labels(m.applyDifference(empty(), T0 + 1200)), ["msg:9"])
    assert.strictEqual(m.state()!.pts, 109)
    quietUntil(m, T0 + 1200, T0 + 5000)
  })

  it("channelDifferenceEmpty: the channel takes the server's pts, the held updates apply, no refetch loop", () => {
    const m = make({ ...base, channels: new Map([[C, 50]]) })
    m.processUpdates(short(channelMessage(C, 53, 53)), T0) // waits for 52
    only(m.tick(T0 + 500), "GetChannelDifference")
    const done = m.applyChannelDifference(C, { _tag: "updates.channelDifferenceEmpty", final: true, pts: 50 }, T0 + 600)
    assert.deepStrictEqual(labels(done), ["cmsg:53"])
    assert.deepStrictEqual([done.fetches, done.held], [[], 0])
    assert.strictEqual(m.state()!.channels!.get(C), 53)
    quietUntil(m, T0 + 600, T0 + 10_000)
    // A server pts past the held update: it was covered, not emitted twice.
    m.processUpdates(short(channelMessage(C, 56, 56)), T0 + 20_000)
    only(m.tick(T0 + 20_500), "GetChannelDifference")
    const covered = m.applyChannelDifference(C, { _tag: "updates.channelDifferenceEmpty", final: true, pts: 57 }, T0 + 20_600)
    assert.deepStrictEqual([labels(covered), covered.held, m.state()!.channels!.get(C)], [[], 0, 57])
  })
})
