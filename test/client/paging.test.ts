/**
 * Paging over TCP: `Dialogs.list` across many dialogs with the same date, pinned dialogs first,
 * and the archive. (`Messages.history` across many pages: paging.scale.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Dialogs } from "../../src/client/index.ts"
import type * as TestDc from "../../src/testing/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster } from "../support/dc.ts"
import { as, collect, loginUser } from "./support/messaging.ts"

const inputOf = (u: TestDc.WorldUser): Api.InputPeer => ({ _tag: "inputPeerUser", user_id: u.id, access_hash: u.accessHash })

describe("Paging over TCP", () => {
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
