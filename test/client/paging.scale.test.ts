/**
 * Paging over TCP at scale: many messages through `Messages.history` with no gap or repeat at
 * page borders, the id bounds, a FLOOD_WAIT between pages, and search. A slice in `npm test`,
 * full size in `npm run test:scale` (test/support/scale.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Messages } from "../../src/client/index.ts"
import { count, scaled } from "../support/scale.ts"
import { makeCluster } from "../support/dc.ts"
import { recordCalls } from "./support/harness.ts"
import { as, collect, loginUser, textOf } from "./support/messaging.ts"

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i) // descending

describe("Paging over TCP, at scale", () => {
  // Default pages hold 100 messages; the window below reaches message 200.
  const total = scaled(300, 1_000)
  it.scopedLive(`${count(total)} messages come back newest first, each once, whatever the page size`, () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      for (let i = 1; i <= total; i++) yield* cluster.world.sendMessage(bob.id, ada.id, `message ${i}`)
      const client = yield* loginUser(cluster, "+15550001")
      const calls = yield* recordCalls(cluster)
      const run = as(client)

      const all = yield* run(collect(Messages.history("@bob_b")))
      assert.deepStrictEqual(all.map((m) => m.id), range(1, total))
      assert.strictEqual(textOf(all[0]!), `message ${total}`)
      assert.strictEqual(calls.filter((c) => c.method === "messages.getHistory").length, Math.ceil(total / 100))

      const odd = yield* run(collect(Messages.history(bob.id, { pageSize: 37, limit: 250 })))
      assert.deepStrictEqual(odd.map((m) => m.id), range(total - 249, total))
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
      assert.deepStrictEqual(afterWait.map((m) => m.id), range(total - 149, total))

      // "message 7", "message 17", ..., "message 70".."message 79", ... (and "message 700".."message 799" at full size)
      const sevens = yield* run(collect(Messages.search(bob.id, "7", { pageSize: 50 })))
      assert.strictEqual(sevens.length, [...Array(total).keys()].filter((i) => String(i + 1).includes("7")).length)
      assert.isTrue(sevens.every((m) => textOf(m).includes("7")))
      assert.strictEqual(new Set(sevens.map((m) => m.id)).size, sevens.length)
    }))
})
