// A decompression bomb pushed by the server as an update: the client drops that message
// (TlDecodeError inside, one inflate budget), keeps its connection, memory and stream, and
// answers calls as before. The process used to die of a V8 heap OOM after ~28 s.
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { gzipSync } from "node:zlib"
import { bomb25KB, thousandMembers } from "../tl/support/bombs.ts"
import { harness } from "../support/dc.ts"

const getNearestDc = { _tag: "help.getNearestDc" } as const

describe("a decompression bomb pushed to the client", () => {
  it.scopedLive("fails its frame, not the process: the next update and the next call arrive", () =>
    Effect.gen(function*() {
      const { dc, sender } = yield* harness()
      const updates = yield* sender.updates
      yield* sender.invoke(getNearestDc)
      const rssBefore = process.memoryUsage().rss
      // The whole message gzip_packed (25 KB), then the same bomb one level deeper (800 bytes).
      const bombs = [
        { _tag: "gzip_packed", packed_data: new Uint8Array(gzipSync(thousandMembers(), { level: 9 })) },
        { _tag: "gzip_packed", packed_data: new Uint8Array(gzipSync(bomb25KB(), { level: 9 })) }
      ] as const
      const [elapsed] = yield* Effect.timed(Effect.gen(function*() {
        for (const bomb of bombs) {
          yield* dc.faults.push(bomb as never)
          yield* dc.faults.push({ _tag: "updatesTooLong" })
        }
        // Only the two honest updates reach the stream, in order.
        const got = yield* Stream.runCollect(Stream.take(updates, 2)).pipe(Effect.timeout("20 seconds"))
        assert.deepStrictEqual([...got].map((u) => u._tag), ["updatesTooLong", "updatesTooLong"])
        assert.strictEqual((yield* sender.invoke(getNearestDc).pipe(Effect.timeout("10 seconds")))._tag, "nearestDc")
      }))
      assert.isBelow(Duration.toMillis(elapsed), 20_000)
      // Bounded by one inflate budget per decode (tens of MB), not 16 GB.
      assert.isBelow(process.memoryUsage().rss - rssBefore, 400 * 1024 * 1024)
    }), 60_000)
})
