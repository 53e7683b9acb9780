/**
 * The saved position of the update stream (`checkpoints.ts`), socket-free: which state each
 * handed-out update stands for, and that a run stopped after any number of taken updates,
 * restarted from the saved state with getDifference/getChannelDifference, yields exactly the
 * updates that were not taken (property, against the pure fake server).
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type Checkpoint, checkpointsOf, ConsumedState } from "../../../src/client/updates/checkpoints.ts"
import { type Step, UpdateMachine } from "../../../src/client/updates/UpdateMachine.ts"
import type { UpdateState } from "../../../src/storage/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import { CHANNELS, FakeServer, keyOf } from "./fakeServer.ts"
import { channelMessage, newMessage } from "./fixtures.ts"

const base: UpdateState = { pts: 10, qts: 0, date: 1, seq: 0, channels: new Map([[5n, 3]]) }

describe("checkpointsOf", () => {
  it("live updates advance their own sequence; the last of a step carries the whole state", () => {
    const after: UpdateState = { pts: 12, qts: 0, date: 2, seq: 1, channels: new Map([[5n, 4]]) }
    const cps = checkpointsOf([newMessage(1, 11), channelMessage(5n, 1, 4), newMessage(2, 12)], after)
    assert.deepStrictEqual(cps, [
      { _tag: "Advance", sequence: "common", pts: 11 },
      { _tag: "Advance", sequence: 5n, pts: 4 },
      { _tag: "Full", state: after }
    ])
  })

  it("updates of a difference (pts_count 0) and updates outside every sequence advance nothing", () => {
    const typing: Api.Update = { _tag: "updateUserTyping", user_id: 1n, action: { _tag: "sendMessageTypingAction" } }
    assert.deepStrictEqual(checkpointsOf([newMessage(1, 20, 0), typing, newMessage(2, 20, 0)], undefined), [undefined, undefined, undefined])
  })
})

describe("ConsumedState", () => {
  it("moves only as far as the items taken; sequences never go back", () => {
    const c = new ConsumedState(base)
    c.push(1, { _tag: "Advance", sequence: "common", pts: 11 })
    c.push(2, { _tag: "Advance", sequence: 5n, pts: 4 })
    c.push(3, { _tag: "Advance", sequence: "common", pts: 9 })
    assert.isFalse(c.dirty)
    assert.isTrue(c.advanceTo(1))
    assert.deepStrictEqual(c.snapshot(), { ...base, pts: 11, channels: new Map([[5n, 3]]) })
    assert.isTrue(c.advanceTo(3))
    assert.strictEqual(c.snapshot()!.pts, 11)
    assert.deepStrictEqual(c.take()!.channels, new Map([[5n, 4]]))
    assert.isFalse(c.dirty)
    assert.isFalse(c.advanceTo(3), "nothing left to apply")
    assert.strictEqual(c.waiting, 0)
  })

  it("a Full checkpoint replaces the state; without a state Advance does nothing; reset forgets pending items", () => {
    const c = new ConsumedState(undefined)
    c.push(1, { _tag: "Advance", sequence: "common", pts: 11 })
    assert.isFalse(c.advanceTo(1))
    assert.isUndefined(c.snapshot())
    c.push(2, { _tag: "Full", state: base })
    c.advanceTo(2)
    assert.deepStrictEqual(c.snapshot(), base)
    c.push(3, { _tag: "Advance", sequence: "common", pts: 50 })
    c.reset(undefined)
    assert.isFalse(c.advanceTo(3))
    assert.isUndefined(c.take())
  })
})

/** Runs `fetches` against the server at time `t` until none are left; returns the steps. */
const catchUp = (machine: UpdateMachine, server: FakeServer, first: ReadonlyArray<Step>, t: number): Array<Step> => {
  const steps: Array<Step> = []
  const pending = [...first]
  while (pending.length > 0) {
    const step = pending.shift()!
    steps.push(step)
    for (const f of step.fetches) {
      if (f._tag === "GetState") pending.push(machine.applyState(server.stateAt(t), t))
      else if (f._tag === "GetDifference") pending.push(machine.applyDifference(server.difference(f.request, t, 1000), t))
      else pending.push(machine.applyChannelDifference(f.channelId, server.channelDifference(f.channelId, f.pts, f.limit, t, undefined), t))
    }
  }
  return steps
}

/** The items an engine hands out for `steps` (as `UpdatesEngine` numbers them). */
const itemsOf = (machine: UpdateMachine, steps: ReadonlyArray<Step>, states: ReadonlyArray<UpdateState | undefined>) => {
  const items: Array<{ readonly update: Api.Update | undefined; readonly checkpoint: Checkpoint | undefined }> = []
  steps.forEach((step, i) => {
    const state = states[i]
    if (step.updates.length === 0) {
      if (state !== undefined) items.push({ update: undefined, checkpoint: { _tag: "Full", state } })
      return
    }
    const cps = checkpointsOf(step.updates, state)
    step.updates.forEach((update, k) => items.push({ update, checkpoint: cps[k] }))
  })
  return items
}

describe("restart after any number of taken updates (property)", () => {
  it("the updates taken before the stop and those after the restart are the whole history, each once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 0, max: 4 }), del: fc.boolean(), size: fc.integer({ min: 1, max: 3 }) }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (events, groups, forms, stopAt) => {
          const server = new FakeServer(events, groups, forms)
          const initial: UpdateState = { pts: 0, qts: 0, date: 1, seq: 0, channels: new Map(CHANNELS.map((c) => [c, 0])) }
          // The first run: every push in order, each step's state read right after it.
          const live = new UpdateMachine(initial, 0)
          const steps: Array<Step> = []
          const states: Array<UpdateState | undefined> = []
          for (const c of server.containers) {
            const step = live.processUpdates(c.push, c.time)
            assert.strictEqual(step.fetches.length, 0)
            steps.push(step)
            states.push(step.stateChanged ? live.state() : undefined)
          }
          const items = itemsOf(live, steps, states)
          const taken = Math.floor(stopAt * items.length)
          const consumed = new ConsumedState(initial)
          items.forEach((item, i) => item.checkpoint !== undefined && consumed.push(i + 1, item.checkpoint))
          consumed.advanceTo(taken)
          const before = items.slice(0, taken).flatMap((i) => (i.update === undefined ? [] : [i.update]))

          // The restart: from the saved state, catch up at the end of the history.
          const end = server.containers.at(-1)?.time ?? 0
          const saved = consumed.snapshot()!
          const again = new UpdateMachine(saved, end)
          const first = [again.requestDifference(end), ...[...(saved.channels ?? new Map()).keys()].map((c) => again.requestChannelDifference(c, end))]
          const after = catchUp(again, server, first, end).flatMap((s) => s.updates)

          const keys = [...before, ...after].map((u) => keyOf(u)?.key).filter((k): k is string => k !== undefined)
          assert.strictEqual(new Set(keys).size, keys.length, "an update came twice")
          assert.deepStrictEqual(new Set(keys), new Set(server.events.map((e) => e.key)))
        }
      ),
      { numRuns: 300 }
    )
  })
})
