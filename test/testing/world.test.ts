// The World's numbering rules without sockets: one message-id sequence and one pts per user
// for private chats and basic groups (each participant sees their own id), per-channel ids
// and pts, pts_count of every kind of change, random_id de-duplication, the text limits, and
// what each user is pushed.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import * as TestDc from "../../src/testing/index.ts"
import { getDialogs } from "../../src/testing/world/dialogs.ts"
import { messagesOf, page } from "../../src/testing/world/history.ts"
import type { Api } from "../../src/tl/index.ts"

const setup = () => {
  const world = TestDc.makeWorld()
  const ada = world.addUser({ firstName: "Ada", phone: "+15550001", username: "ada_l" })
  const bob = world.addUser({ firstName: "Bob", phone: "+15550002" })
  const cy = world.addUser({ firstName: "Cy", phone: "+15550003" })
  const pushed: Array<{ readonly to: bigint; readonly updates: Api.Updates }> = []
  world.onDelivery((d) => void pushed.push({ to: d.userId, updates: d.updates }))
  return { world, ada, bob, cy, pushed }
}

const errorOf = <A>(effect: Effect.Effect<A, TestDc.RpcFailure>) =>
  Effect.match(effect, { onFailure: (e) => `${e.code} ${e.message}`, onSuccess: () => "ok" })

const ids = (messages: ReadonlyArray<Api.Message>) => messages.map((m) => m.id)

describe("World numbering", () => {
  it.effect("private chats and basic groups share one id sequence and one pts per user", () =>
    Effect.gen(function*() {
      const { ada, bob, cy, world } = setup()
      const start = world.stateOf(ada.id).pts
      const first = yield* world.sendMessage(ada.id, bob.id, "hi Bob")
      assert.strictEqual(first.id, 1)
      assert.strictEqual((yield* world.sendMessage(bob.id, ada.id, "hi Ada")).id, 2)
      // Cy has no messages yet: the group's creation message is Cy's 1st, Ada's and Bob's 3rd.
      const group = yield* world.createChat(ada.id, "Trio", [bob.id, cy.id])
      assert.deepStrictEqual(ids(world.historyOf(ada.id, group)), [3])
      assert.deepStrictEqual(ids(world.historyOf(cy.id, group)), [1])
      const inGroup = yield* world.sendMessage(cy.id, group, "hello all")
      assert.strictEqual(inGroup.id, 2)
      assert.deepStrictEqual(ids(world.historyOf(bob.id, group)), [3, 4])
      assert.deepStrictEqual(ids(world.historyOf(bob.id, ada.id)), [1, 2])
      // Each new message advanced each holder's pts by exactly 1.
      assert.strictEqual(world.stateOf(ada.id).pts, start + 4)
      assert.strictEqual(world.stateOf(cy.id).pts, start + 2)
      const [, bobsCopy] = world.historyOf(bob.id, ada.id)
      assert.strictEqual(bobsCopy?._tag === "message" && bobsCopy.out, true)
    }))

  it.effect("channels number their own messages and pts; members' pts do not move", () =>
    Effect.gen(function*() {
      const { ada, bob, world } = setup()
      const news = yield* world.createChannel(ada.id, "News", { username: "ada_news" })
      assert.strictEqual(news.log.pts, 2) // the creation message
      yield* world.joinChannel(bob.id, news)
      const before = world.stateOf(bob.id).pts
      const post = yield* world.sendMessage(ada.id, news, "first post")
      assert.strictEqual(post.id, 2)
      assert.strictEqual(post._tag === "message" && post.post, true)
      assert.strictEqual(news.log.pts, 3)
      assert.strictEqual(world.stateOf(bob.id).pts, before)
      // A broadcast channel: subscribers may not post.
      assert.strictEqual(yield* errorOf(world.sendMessage(bob.id, news, "me too")), "403 CHAT_ADMIN_REQUIRED")
      const group = yield* world.createChannel(ada.id, "Chat", { broadcast: false, username: "ada_chat" })
      yield* world.joinChannel(bob.id, group) // service message 2
      assert.strictEqual((yield* world.sendMessage(bob.id, group, "hey")).id, 3)
      assert.strictEqual(group.log.pts, 4)
    }))

  it.effect("edits, deletes, reads and pins advance pts by their pts_count", () =>
    Effect.gen(function*() {
      const { ada, bob, world, pushed } = setup()
      for (let i = 0; i < 3; i++) yield* world.sendMessage(ada.id, bob.id, `m${i}`)
      const a0 = world.stateOf(ada.id).pts, b0 = world.stateOf(bob.id).pts
      yield* world.editMessage(ada.id, bob.id, 1, "m0 (edited)")
      assert.strictEqual(world.stateOf(ada.id).pts, a0 + 1)
      assert.strictEqual(world.stateOf(bob.id).pts, b0 + 1)
      assert.strictEqual(yield* errorOf(world.editMessage(bob.id, ada.id, 1, "not mine")), "403 MESSAGE_AUTHOR_REQUIRED")
      assert.strictEqual(yield* errorOf(world.editMessage(ada.id, bob.id, 1, "m0 (edited)")), "400 MESSAGE_NOT_MODIFIED")
      // Bob reads: his pts +1 (inbox), Ada's +1 (outbox).
      yield* world.readHistory(bob.id, ada.id)
      assert.strictEqual(world.stateOf(bob.id).pts, b0 + 2)
      assert.strictEqual(world.stateOf(ada.id).pts, a0 + 2)
      const outbox = pushed.findLast((p) => p.to === ada.id)!.updates
      assert.strictEqual(outbox._tag === "updates" && outbox.updates[0]?._tag, "updateReadHistoryOutbox")
      // Deleting two for everyone: pts_count 2 on both sides.
      assert.strictEqual(yield* world.deleteMessages(ada.id, bob.id, [2, 3], { revoke: true }), 2)
      assert.strictEqual(world.stateOf(ada.id).pts, a0 + 4)
      assert.strictEqual(world.stateOf(bob.id).pts, b0 + 4)
      assert.deepStrictEqual(ids(world.historyOf(bob.id, ada.id)), [1])
      // Pinning: the pin (+1) and its service message (+1) for both.
      yield* world.pinMessage(ada.id, bob.id, 1)
      assert.strictEqual(world.stateOf(bob.id).pts, b0 + 6)
      const pinned = world.historyOf(bob.id, ada.id)
      assert.strictEqual(pinned[0]?._tag === "message" && pinned[0].pinned, true)
      assert.strictEqual(pinned[1]?._tag, "messageService")
      // The World's pts log holds every event with its pts and pts_count, gap-free.
      const log = world.store.boxes.get(bob.id)!.log
      let pts = 1
      for (const e of log.events) {
        assert.strictEqual(e.pts, pts + e.ptsCount)
        pts = e.pts
      }
      assert.strictEqual(pts, log.pts)
      assert.deepStrictEqual(log.since(log.pts - 2).map((e) => e.update._tag), ["updatePinnedMessages", "updateNewMessage"])
    }))

  it.effect("the same random_id twice posts one message and answers the same", () =>
    Effect.gen(function*() {
      const { ada, bob, world } = setup()
      const first = yield* world.sendMessage(ada.id, bob.id, "once", { randomId: 42n })
      const again = yield* world.sendMessage(ada.id, bob.id, "once", { randomId: 42n })
      assert.strictEqual(again.id, first.id)
      assert.strictEqual(world.historyOf(bob.id, ada.id).length, 1)
    }))

  it.effect("text limits are in UTF-16 code units; blank text is refused", () =>
    Effect.gen(function*() {
      const { ada, bob, world } = setup()
      assert.strictEqual(yield* errorOf(world.sendMessage(ada.id, bob.id, "x".repeat(4096))), "ok")
      assert.strictEqual(yield* errorOf(world.sendMessage(ada.id, bob.id, "x".repeat(4097))), "400 MESSAGE_TOO_LONG")
      // An emoji outside the BMP is two code units.
      assert.strictEqual(yield* errorOf(world.sendMessage(ada.id, bob.id, "😀".repeat(2048))), "ok")
      assert.strictEqual(yield* errorOf(world.sendMessage(ada.id, bob.id, "😀".repeat(2048) + "!")), "400 MESSAGE_TOO_LONG")
      assert.strictEqual(yield* errorOf(world.sendMessage(ada.id, bob.id, " \n ")), "400 MESSAGE_EMPTY")
      assert.strictEqual(yield* errorOf(world.sendMessage(ada.id, bob.id, "bold", {
        entities: [{ _tag: "messageEntityBold", offset: 2, length: 3 }]
      })), "400 ENTITY_BOUNDS_INVALID")
    }))

  it.effect("pushes: short forms between users who know each other, full updates otherwise", () =>
    Effect.gen(function*() {
      const { ada, bob, world, pushed } = setup()
      yield* world.sendMessage(ada.id, bob.id, "first")
      // Bob never saw Ada: he gets `updates` with her user.
      const toBob = pushed.find((p) => p.to === bob.id)!.updates
      assert.strictEqual(toBob._tag, "updates")
      assert.deepStrictEqual(toBob._tag === "updates" && toBob.users.map((u) => u.id), [ada.id])
      pushed.length = 0
      yield* world.sendMessage(ada.id, bob.id, "second")
      const short = pushed.find((p) => p.to === bob.id)!.updates
      assert.strictEqual(short._tag, "updateShortMessage")
      if (short._tag === "updateShortMessage") {
        assert.strictEqual(short.user_id, ada.id)
        assert.isUndefined(short.out)
        assert.strictEqual(short.id, 2)
      }
      // Ada's own sessions see it as outgoing, addressed to Bob.
      const mine = pushed.find((p) => p.to === ada.id)!.updates
      assert.isTrue(mine._tag === "updateShortMessage" && mine.out === true && mine.user_id === bob.id)
    }))

  it.effect("channel members unknown to a reader come as min users, resolvable only through the message", () =>
    Effect.gen(function*() {
      const { ada, bob, cy, world, pushed } = setup()
      const group = yield* world.createChannel(ada.id, "Open", { broadcast: false, username: "open_group" })
      yield* world.joinChannel(bob.id, group)
      yield* world.joinChannel(cy.id, group)
      pushed.length = 0
      yield* world.sendMessage(cy.id, group, "hi from Cy")
      const toBob = pushed.find((p) => p.to === bob.id)!.updates
      assert.strictEqual(toBob._tag, "updates")
      const cyAsBobSees = toBob._tag === "updates" ? toBob.users.find((u) => u.id === cy.id) : undefined
      assert.strictEqual(cyAsBobSees?._tag === "user" && cyAsBobSees.min, true)
      assert.notStrictEqual(cyAsBobSees?._tag === "user" && cyAsBobSees.access_hash, cy.accessHash)
    }))

  it("getHistory answers any paging parameters within bounds, never throwing (property)", () => {
    const { ada, bob, world } = setup()
    Effect.runSync(Effect.forEach(Array.from({ length: 40 }, (_, i) => i), (i) => world.sendMessage(bob.id, ada.id, `n${i}`)))
    const all = messagesOf(world.store, ada.id, { kind: "user", id: bob.id })
    const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    fc.assert(fc.property(int, int, int, int, int, int, (offsetId, offsetDate, addOffset, limit, maxId, minId) => {
      const result = page(all, { offsetId, offsetDate, addOffset, limit, maxId, minId })
      assert.isAtMost(result.page.length, 100)
      assert.isAtLeast(result.offset, 0)
      for (let i = 1; i < result.page.length; i++) assert.isBelow(result.page[i]!.id, result.page[i - 1]!.id)
      for (const m of result.page) {
        if (minId > 0) assert.isAbove(m.id, minId)
        if (maxId > 0) assert.isBelow(m.id, maxId)
      }
    }), { numRuns: 300 })
  })

  it.effect("getDialogs continues after the offset peer, or by position when its last message changed", () =>
    Effect.gen(function*() {
      const { ada, world } = setup()
      const others = Array.from({ length: 6 }, (_, i) => world.addUser({ firstName: `U${i}` }))
      for (const u of others) yield* world.sendMessage(u.id, ada.id, "hi")
      const ids = (answer: Api.messages.Dialogs) =>
        answer._tag === "messages.dialogsNotModified" ? [] : answer.dialogs.map((d) => d.peer._tag === "peerUser" ? d.peer.user_id : 0n)
      const query = { folderId: 0, excludePinned: false, offsetDate: 0, offsetId: 0, offsetPeer: undefined, limit: 3 }
      const first = getDialogs(world.store, ada.id, query)
      assert.deepStrictEqual(ids(first), [others[5]!.id, others[4]!.id, others[3]!.id])
      const lastOf = (d: Api.messages.Dialogs) => d._tag === "messages.dialogsNotModified" ? undefined : d.messages.at(-1)
      const last = lastOf(first)
      if (last === undefined || last._tag === "messageEmpty") return assert.fail("no top message")
      const next = { ...query, offsetDate: last.date, offsetId: last.id, offsetPeer: { kind: "user" as const, id: others[3]!.id } }
      assert.deepStrictEqual(ids(getDialogs(world.store, ada.id, next)), [others[2]!.id, others[1]!.id, others[0]!.id])
      // The offset dialog moved to the top meanwhile: the page still starts below the old position.
      yield* world.sendMessage(others[3]!.id, ada.id, "again")
      assert.deepStrictEqual(ids(getDialogs(world.store, ada.id, next)), [others[2]!.id, others[1]!.id, others[0]!.id])
    }))

  it("history pages cover every message once, whatever the page size (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), (count, pageSize) => {
      const { ada, bob, world } = setup()
      Effect.runSync(Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) => world.sendMessage(ada.id, bob.id, `n${i}`)))
      const seen: Array<number> = []
      let offsetId = 0
      for (;;) {
        const ids = pageOf(world, ada.id, bob.id, offsetId, pageSize)
        if (ids.length === 0) break
        seen.push(...ids)
        offsetId = ids[ids.length - 1]!
      }
      assert.deepStrictEqual(seen, Array.from({ length: count }, (_, i) => count - i))
    }), { numRuns: 30 })
  })
})


const pageOf = (world: TestDc.World, viewer: bigint, peer: bigint, offsetId: number, limit: number) =>
  page(messagesOf(world.store, viewer, { kind: "user", id: peer }), { offsetId, offsetDate: 0, addOffset: 0, limit, maxId: 0, minId: 0 })
    .page.map((m) => m.id)