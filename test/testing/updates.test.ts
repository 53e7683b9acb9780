/**
 * TestDc's update recovery (issue 16): `updates.getDifference` and `getChannelDifference`
 * answered from the World's pts logs (socket-free: slices, differenceTooLong, channel hints,
 * channel pages, channelDifferenceTooLong, paging through any history gives exactly the pushed
 * events), and the push fault knobs on the wire (a raw Sender whose key the World logged in).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fc from "fast-check"
import * as TestDc from "../../src/testing/index.ts"
import { channelDifference, difference } from "../../src/testing/world/difference.ts"
import { boxOf } from "../../src/testing/world/Store.ts"
import type { AnyObject, Api } from "../../src/tl/index.ts"
import { makeDc, senderOn } from "../support/dc.ts"

const setup = () => {
  const world = TestDc.makeWorld()
  const ada = world.addUser({ firstName: "Ada", phone: "+15550001" })
  const bob = world.addUser({ firstName: "Bob", phone: "+15550002" })
  const pushed: Array<Api.Updates> = []
  world.onDelivery((d) => d.userId === bob.id && void pushed.push(d.updates))
  return { world, ada, bob, pushed }
}

const getDifference = (pts: number, extra: Partial<Api.updates.getDifference> = {}): Api.updates.getDifference =>
  ({ _tag: "updates.getDifference", pts, date: 1, qts: 0, ...extra })

const texts = (messages: ReadonlyArray<Api.Message>) => messages.map((m) => (m._tag === "message" ? m.message : m._tag))

describe("World: updates.getDifference", () => {
  it.effect("new messages and other events after the client's pts, with their users; empty when up to date", () =>
    Effect.gen(function*() {
      const { world, ada, bob } = setup()
      const start = world.stateOf(bob.id).pts
      const hi = yield* world.sendMessage(ada.id, bob.id, "hi")
      yield* world.sendMessage(ada.id, bob.id, "again")
      const bobsCopy = world.historyOf(bob.id, ada.id)[0]!
      yield* world.deleteMessages(bob.id, ada.id, [bobsCopy.id])
      const d = difference(world.store, bob.id, getDifference(start), 100)
      assert.strictEqual(d._tag, "updates.difference")
      if (d._tag !== "updates.difference") return
      assert.deepStrictEqual(texts(d.new_messages), ["hi", "again"])
      assert.deepStrictEqual(d.other_updates.map((u) => u._tag), ["updateDeleteMessages"])
      assert.deepStrictEqual(d.users.map((u) => u.id), [ada.id])
      assert.deepStrictEqual([d.state.pts, d.state.seq, d.state.date], [world.stateOf(bob.id).pts, world.stateOf(bob.id).seq, 100])
      assert.isTrue(hi.id > 0)
      const empty = difference(world.store, bob.id, getDifference(d.state.pts), 101)
      assert.deepStrictEqual(empty, { _tag: "updates.differenceEmpty", date: 101, seq: world.stateOf(bob.id).seq })
    }))

  it.effect("past the page size a differenceSlice whose intermediate state is where the next call starts; past pts_total_limit differenceTooLong", () =>
    Effect.gen(function*() {
      const { world, ada, bob } = setup()
      world.store.differencePage = 3
      const start = world.stateOf(bob.id).pts
      for (let i = 0; i < 7; i++) yield* world.sendMessage(ada.id, bob.id, `m${i}`)
      const seen: Array<string> = []
      let pts = start
      const tags: Array<string> = []
      for (;;) {
        const d = difference(world.store, bob.id, getDifference(pts), 100)
        tags.push(d._tag)
        if (d._tag === "updates.differenceSlice") {
          seen.push(...texts(d.new_messages))
          pts = d.intermediate_state.pts
        } else if (d._tag === "updates.difference") {
          seen.push(...texts(d.new_messages))
          break
        } else break
      }
      assert.deepStrictEqual(tags, ["updates.differenceSlice", "updates.differenceSlice", "updates.difference"])
      assert.deepStrictEqual(seen, ["m0", "m1", "m2", "m3", "m4", "m5", "m6"])
      assert.deepStrictEqual(difference(world.store, bob.id, getDifference(start, { pts_total_limit: 5 }), 100), {
        _tag: "updates.differenceTooLong",
        pts: world.stateOf(bob.id).pts
      })
      // pts_limit asks for smaller pages still.
      const small = difference(world.store, bob.id, getDifference(start, { pts_limit: 1 }), 100)
      assert.isTrue(small._tag === "updates.differenceSlice" && small.new_messages.length === 1)
    }))

  it.effect("member channels with events since the client's date are named with updateChannelTooLong", () =>
    Effect.gen(function*() {
      const { world, ada, bob } = setup()
      const news = yield* world.createChannel(ada.id, "News", { username: "news" })
      yield* world.joinChannel(bob.id, news)
      yield* world.sendMessage(ada.id, news, "post")
      const d = difference(world.store, bob.id, getDifference(world.stateOf(bob.id).pts, { date: 0 }), 100)
      assert.strictEqual(d._tag, "updates.difference")
      if (d._tag !== "updates.difference") return
      assert.deepStrictEqual(d.other_updates, [{ _tag: "updateChannelTooLong", channel_id: news.id, pts: news.log.pts }])
      assert.deepStrictEqual(d.chats.map((c) => c.id), [news.id])
      // Nothing since a later date: no hint.
      assert.strictEqual(difference(world.store, bob.id, getDifference(world.stateOf(bob.id).pts, { date: 2 ** 31 - 1 }), 100)._tag, "updates.differenceEmpty")
    }))

  it("paging through any history from any pts gives exactly the pushed events after it, in order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("send", "receive", "delete", "read", "edit"), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (actions, page, from) => {
          const { world, ada, bob, pushed } = setup()
          world.store.differencePage = page
          const run = <A>(e: Effect.Effect<A, unknown>) => Effect.runSync(Effect.either(e))
          for (const action of actions) {
            const last = world.historyOf(bob.id, ada.id).at(-1)
            if (action === "send") run(world.sendMessage(bob.id, ada.id, "to ada"))
            else if (action === "receive") run(world.sendMessage(ada.id, bob.id, "to bob"))
            else if (action === "delete" && last !== undefined) run(world.deleteMessages(bob.id, ada.id, [last.id]))
            else if (action === "read") run(world.readHistory(bob.id, ada.id))
            else if (action === "edit" && last !== undefined && last._tag === "message" && last.out === true) run(world.editMessage(bob.id, ada.id, last.id, "edited"))
          }
          // The events as pushed to Bob's sessions (each carries its pts).
          const events: Array<{ tag: string; pts: number }> = []
          for (const p of pushed) {
            const list = p._tag === "updates" ? p.updates : p._tag === "updateShort" ? [p.update] : []
            for (const u of list) if ("pts" in u && "pts_count" in u) events.push({ tag: u._tag, pts: u.pts as number })
            if (p._tag === "updateShortMessage") events.push({ tag: "updateNewMessage", pts: p.pts })
          }
          // Bob's own sends were answered, not pushed: take them from the log.
          const log = boxOf(world.store, bob.id).log
          const positions = [1, ...log.events.map((e) => e.pts)]
          const start = positions[Math.min(positions.length - 1, Math.floor(from * positions.length))]!
          const expected = log.since(start).map((e) => ({ tag: e.update._tag, pts: e.pts }))
          for (const e of events) if (e.pts > start) assert.isTrue(expected.some((x) => x.pts === e.pts && x.tag === e.tag), `pushed ${e.tag} ${e.pts} is in the log`)
          const got: Array<{ tag: string; pts: number }> = []
          let pts = start
          for (let guard = 0; guard < 100; guard++) {
            const d = difference(world.store, bob.id, getDifference(pts), 1)
            if (d._tag === "updates.differenceEmpty") break
            assert.notStrictEqual(d._tag, "updates.differenceTooLong")
            if (d._tag === "updates.differenceTooLong") break
            const state = d._tag === "updates.difference" ? d.state : d.intermediate_state
            const pageEvents = log.since(pts).filter((e) => e.pts <= state.pts)
            assert.deepStrictEqual(
              [...d.new_messages.map(() => "updateNewMessage"), ...d.other_updates.map((u) => u._tag)].sort(),
              pageEvents.map((e) => e.update._tag).sort()
            )
            got.push(...pageEvents.map((e) => ({ tag: e.update._tag, pts: e.pts })))
            pts = state.pts
            if (d._tag === "updates.difference") break
          }
          assert.deepStrictEqual(got, expected)
          assert.strictEqual(pts, world.stateOf(bob.id).pts)
        }
      ),
      { numRuns: 150 }
    )
  })
})

describe("World: updates.getChannelDifference", () => {
  const channelSetup = () =>
    Effect.gen(function*() {
      const s = setup()
      const group = yield* s.world.createChannel(s.ada.id, "Team", { broadcast: false, username: "team" })
      yield* s.world.joinChannel(s.bob.id, group)
      return { ...s, group, bobUser: s.world.users.get(s.bob.id)! }
    })
  const request = (group: { id: bigint; accessHash: bigint }, pts: number, limit: number): Api.updates.getChannelDifference => ({
    _tag: "updates.getChannelDifference",
    channel: { _tag: "inputChannel", channel_id: group.id, access_hash: group.accessHash },
    filter: { _tag: "channelMessagesFilterEmpty" },
    pts,
    limit
  })

  it.effect("pages of events with final on the last one; the viewer's own messages are out; empty when up to date", () =>
    Effect.gen(function*() {
      const { world, ada, bobUser, group } = yield* channelSetup()
      world.store.channelDifferencePage = 4
      const start = group.log.pts
      for (let i = 0; i < 6; i++) yield* world.sendMessage(i === 5 ? bobUser.id : ada.id, group, `m${i}`)
      yield* world.deleteMessages(ada.id, group, [group.ids.at(-2)!])
      const first = channelDifference(world.store, bobUser, group, request(group, start, 100))
      assert.isTrue(first._tag === "updates.channelDifference" && first.final !== true && first.new_messages.length === 4)
      if (first._tag !== "updates.channelDifference") return
      const second = channelDifference(world.store, bobUser, group, request(group, first.pts, 100))
      assert.isTrue(second._tag === "updates.channelDifference" && second.final === true)
      if (second._tag !== "updates.channelDifference") return
      assert.deepStrictEqual(texts([...first.new_messages, ...second.new_messages]), ["m0", "m1", "m2", "m3", "m4", "m5"])
      assert.deepStrictEqual(second.other_updates.map((u) => u._tag), ["updateDeleteChannelMessages"])
      assert.deepStrictEqual(second.new_messages.map((m) => m._tag === "message" && m.out === true), [false, true])
      assert.strictEqual(second.pts, group.log.pts)
      assert.deepStrictEqual(channelDifference(world.store, bobUser, group, request(group, group.log.pts, 100)), {
        _tag: "updates.channelDifferenceEmpty",
        final: true,
        pts: group.log.pts
      })
    }))

  it.effect("pts + limit < remote pts: channelDifferenceTooLong with the dialog's pts and the latest messages", () =>
    Effect.gen(function*() {
      const { world, ada, bobUser, group } = yield* channelSetup()
      const start = group.log.pts
      for (let i = 0; i < 8; i++) yield* world.sendMessage(ada.id, group, `m${i}`)
      const d = channelDifference(world.store, bobUser, group, request(group, start, 5))
      assert.strictEqual(d._tag, "updates.channelDifferenceTooLong")
      if (d._tag !== "updates.channelDifferenceTooLong") return
      assert.strictEqual(d.dialog._tag === "dialog" && d.dialog.pts, group.log.pts)
      assert.deepStrictEqual(texts(d.messages), ["m7", "m6", "m5", "m4", "m3"])
      assert.deepStrictEqual(d.chats.map((c) => c.id), [group.id])
    }))

  it.effect("a private channel the viewer is not in: CHANNEL_PRIVATE", () =>
    Effect.gen(function*() {
      const { world, ada, bob } = setup()
      const secret = yield* world.createChannel(ada.id, "Secret")
      const viewer = world.users.get(bob.id)!
      const refused = yield* Effect.flip(Effect.try({
        try: () => channelDifference(world.store, viewer, secret, request(secret, 1, 10)),
        catch: (e) => e as TestDc.RpcFailure
      }))
      assert.strictEqual(refused.message, "CHANNEL_PRIVATE")
    }))
})

/** A raw Sender on `dc` whose key the World logged in as `userId`, with its pushes collected. */
const listener = (dc: TestDc.TestDcShape, userId: bigint) =>
  Effect.gen(function*() {
    const { sender, authKeyId } = yield* senderOn(dc)
    dc.world.authorize(authKeyId, dc.dcId, userId)
    const received: Array<AnyObject> = []
    const updates = yield* sender.updates
    yield* Effect.forkScoped(Stream.runForEach(updates, (u) => Effect.sync(() => void received.push(u))))
    yield* sender.invoke({ _tag: "help.getNearestDc" }) // the connection speaks: pushes go to it
    return { received, authKeyId }
  })

/** The texts of the new messages in pushes, in arrival order (short forms and containers). */
const pushedTexts = (received: ReadonlyArray<AnyObject>): Array<string> =>
  received.flatMap((p): Array<string> => {
    if (p._tag === "updateShortMessage") return [p.message]
    if (p._tag === "updates") {
      return p.updates.flatMap((u) =>
        (u._tag === "updateNewMessage" || u._tag === "updateNewChannelMessage") && u.message._tag === "message" ? [u.message.message] : []
      )
    }
    return [p._tag]
  })

const waitFor = (received: ReadonlyArray<AnyObject>, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && received.length < n; i++) yield* Effect.sleep("20 millis")
  })

describe("TestDc push knobs on the wire", () => {
  it.scopedLive("drop, duplicate, reorder, delay, updatesTooLong; pushTo limits them to one key", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const ada = dc.world.addUser({ firstName: "Ada", phone: "+15550001" })
      const bob = dc.world.addUser({ firstName: "Bob", phone: "+15550002" })
      const bobSide = yield* listener(dc, bob.id)
      const other = yield* listener(dc, bob.id) // a second session of Bob: untouched by pushTo
      // Each knob is set once the push before it went out (the other session has it).
      let sent = 0
      const say = (text: string) =>
        Effect.zipRight(dc.world.sendMessage(ada.id, bob.id, text), Effect.suspend(() => waitFor(other.received, ++sent)))

      yield* dc.faults.set({ pushTo: bobSide.authKeyId, dropPushes: 1 })
      yield* say("dropped")
      yield* say("kept")
      yield* dc.faults.set({ duplicatePushes: 1 })
      yield* say("twice")
      yield* dc.faults.set({ reorderPushes: 1 })
      yield* say("first")
      yield* say("second")
      yield* dc.faults.set({ tooLongPushes: 1 })
      yield* say("replaced")
      yield* dc.faults.set({ delayPushes: 1, delayPushMs: 300 })
      const started = Date.now()
      yield* say("late")
      yield* say("on time")
      yield* waitFor(bobSide.received, 8)
      assert.deepStrictEqual(pushedTexts(bobSide.received), ["kept", "twice", "twice", "second", "first", "updatesTooLong", "on time", "late"])
      assert.isAtLeast(Date.now() - started, 250)
      assert.deepStrictEqual(pushedTexts(other.received), ["dropped", "kept", "twice", "first", "second", "replaced", "late", "on time"])
    }))

  it.scopedLive("updateChannelTooLong replaces a channel's push, with the channel's pts before it", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const ada = dc.world.addUser({ firstName: "Ada", phone: "+15550001" })
      const bob = dc.world.addUser({ firstName: "Bob", phone: "+15550002" })
      const group = yield* dc.world.createChannel(ada.id, "Team", { broadcast: false, username: "team" })
      yield* dc.world.joinChannel(bob.id, group)
      const bobSide = yield* listener(dc, bob.id)
      yield* dc.faults.set({ channelTooLongPushes: 1 })
      const before = group.log.pts
      yield* dc.world.sendMessage(ada.id, group, "hidden")
      yield* waitFor(bobSide.received, 1)
      const push = bobSide.received[0]!
      assert.strictEqual(push._tag, "updateShort")
      assert.deepStrictEqual((push as { readonly update?: unknown }).update, { _tag: "updateChannelTooLong", channel_id: group.id, pts: before })
    }))
})
