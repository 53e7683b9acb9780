/**
 * HeldQueue against a reference model: a stable sort by `before`, under random interleavings
 * of pushes and shifts (long enough runs to pass the compaction threshold).
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { HeldQueue } from "../../../src/client/updates/heldQueue.ts"

describe("HeldQueue", () => {
  it("yields items by `before`, in arrival order among equal ones", () => {
    const op = fc.oneof(fc.integer({ min: 0, max: 40 }).map((before) => ({ before })), fc.constant("shift" as const))
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), fc.integer({ min: 0, max: 2000 }), (ops, ascending) => {
        const queue = new HeldQueue<number>()
        const model: Array<{ before: number; item: number }> = []
        ops.forEach((o, item) => {
          if (o === "shift") {
            const got = queue.shift()
            const want = model.shift()
            assert.deepStrictEqual(got && { before: got.before, item: got.item }, want)
          } else {
            // mostly ascending (the common case of a gap), sometimes anything
            const before = item < ascending ? item : o.before
            queue.push(before, before + 1, item)
            let i = model.length
            while (i > 0 && model[i - 1]!.before > before) i--
            model.splice(i, 0, { before, item })
          }
          assert.strictEqual(queue.size, model.length)
          assert.strictEqual(queue.firstBefore, model[0]?.before ?? Infinity)
        })
        queue.clear()
        assert.deepStrictEqual([queue.size, queue.shift()], [0, undefined])
      }),
      { numRuns: 60 }
    )
  })
})
