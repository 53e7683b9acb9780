/**
 * Paging over TCP: 1,000 messages through `Messages.history` with no gap or repeat at page
 * borders, the id bounds and search; `Dialogs.list` across many dialogs with the same date,
 * pinned dialogs first, and the archive.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { Dialogs, Messages } from "../../src/client/index.ts"
import type * as TestDc from "../../src/testing/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster, recordCalls } from "./support/harness.ts"
import { as, loginUser, textOf } from "./support/messaging.ts"

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)
const inputOf = (u: TestDc.WorldUser): Api.InputPeer => ({ _tag: "inputPeerUser", user_id: u.id, access_hash: u.accessHash })
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i) // descending

describe("Paging over TCP", () => {
  it.scopedLive("1,000 messages come back newest first, each once, whatever the page size", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      for (let i = 1; i <= 1000; i++) yield* cluster.world.sendMessage(bob.id, ada.id, `message ${i}`)
      const client = yield* loginUser(cluster, "+15550001")
      const calls = yield* recordCalls(cluster)
      const run = as(client)

      const all = yield* run(collect(Messages.history("@bob_b")))
      assert.deepStrictEqual(all.map((m) => m.id), range(1, 1000))
      assert.strictEqual(textOf(all[0]!), "message 1000")
      assert.strictEqual(calls.filter((c) => c.method === "messages.getHistory").length, 10)

      const odd = yield* run(collect(Messages.history(bob.id, { pageSize: 37, limit: 250 })))
      assert.deepStrictEqual(odd.map((m) => m.id), range(751, 1000))
      const window = yield* run(collect(Messages.history(bob.id, { pageSize: 30, minId: 100, maxId: 200 })))
      assert.deepStrictEqual(window.map((m) => m.id), range(101, 199))
      const below = yield* run(collect(Messages.history(bob.id, { offsetId: 11 })))
      assert.deepStrictEqual(below.map((m) => m.id), range(1, 10))

      // Pages are fetched on demand: taking 5 asks for one page only.
      calls.length = 0
      const five = yield* run(collect(Stream.take(Messages.history(bob.id, { pageSize: 20 }), 5)))
      assert.strictEqual(five.length, 5)
      assert.strictEqual(calls.filter((c) => c.method === "messages.getHistory").length, 1)

      // A page answered with FLOOD_WAIT is waited out and asked again by the Client's policy.
      yield* cluster.injectError("messages.getHistory", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
      const afterWait = yield* run(collect(Messages.history(bob.id, { limit: 150 })))
      assert.deepStrictEqual(afterWait.map((m) => m.id), range(851, 1000))

      // "message 7", "message 17", ... "message 997" and "message 70".."message 79", "message 700".."message 799"
      const sevens = yield* run(collect(Messages.search(bob.id, "7", { pageSize: 50 })))
      assert.strictEqual(sevens.length, [...Array(1000).keys()].filter((i) => String(i + 1).includes("7")).length)
      assert.isTrue(sevens.every((m) => textOf(m).includes("7")))
      assert.strictEqual(new Set(sevens.map((m) => m.id)).size, sevens.length)
    }))

  it.scoped("dialogs sharing one date page without repeats or gaps; pinned first; the archive apart", () =>
    Effect.gen(function*() {
      // The test clock stands still: every message below has the same date.
      yield* TestClock.setTime(1_750_000_000_000)
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const friends = Array.from({ length: 30 }, (_, i) =>
        cluster.world.addUser({ phone: `+1555100${String(i).padStart(2, "0")}`, firstName: `Friend ${i}` }))
      for (const f of friends) yield* cluster.world.sendMessage(f.id, ada.id, `hi from ${f.firstName}`)
      const client = yield* loginUser(cluster, "+15550001")
      const run = as(client)

      // Pin two, archive three.
      for (const f of [friends[3]!, friends[17]!]) {
        yield* client.invoke({ _tag: "messages.toggleDialogPin", pinned: true, peer: { _tag: "inputDialogPeer", peer: inputOf(f) } })
      }
      const archived = [friends[0]!, friends[10]!, friends[20]!]
      yield* client.invoke({
        _tag: "folders.editPeerFolders",
        folder_peers: archived.map((f) => ({ _tag: "inputFolderPeer", peer: inputOf(f), folder_id: 1 }))
      })

      const main = yield* run(collect(Dialogs.list({ pageSize: 7 })))
      const ids = main.map((d) => d.dialog.peer._tag === "peerUser" ? d.dialog.peer.user_id : -1n)
      assert.strictEqual(main.length, 27)
      assert.strictEqual(new Set(ids).size, 27)
      assert.deepStrictEqual(ids.slice(0, 2), [friends[17]!.id, friends[3]!.id]) // last pinned on top
      const rest = friends.filter((f) => !archived.includes(f) && f !== friends[3] && f !== friends[17]).reverse().map((f) => f.id)
      assert.deepStrictEqual(ids.slice(2), rest)
      const dateOf = (d: Dialogs.Dialog) => (d.topMessage === undefined || d.topMessage._tag === "messageEmpty" ? -1 : d.topMessage.date)
      assert.isTrue(main.every((d) => dateOf(d) === 1_750_000_000))
      assert.isTrue(main.every((d) => d.entity._tag === "user" && d.dialog.unread_count === 1))

      const firstTen = yield* run(collect(Dialogs.list({ limit: 10, pageSize: 4 })))
      assert.deepStrictEqual(firstTen.map((d) => d.dialog.peer), main.slice(0, 10).map((d) => d.dialog.peer))
      const inArchive = yield* run(collect(Dialogs.list({ archived: true, pageSize: 2 })))
      assert.deepStrictEqual(
        inArchive.map((d) => d.dialog.peer._tag === "peerUser" ? d.dialog.peer.user_id : -1n).sort(),
        archived.map((f) => f.id).sort()
      )
      assert.isTrue(inArchive.every((d) => d.dialog.folder_id === 1))
      void ada
    }))
})
