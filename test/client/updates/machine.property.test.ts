/**
 * Property tests of the update machine against a pure fake of the server (`fakeServer.ts`):
 * a generated history of the common pts sequence, the qts sequence and three channels is
 * pushed in random containers with random delays, drops, duplicates and reorderings, plus
 * stray `updatesTooLong`/`updateChannelTooLong`; every fetch the machine asks for is answered
 * from the history as it stood when asked (slices, tooLong, non-final channel pages, failures),
 * after a random latency during which more pushes arrive. After a final catch-up (one
 * getDifference and one getChannelDifference per channel), the emitted stream holds every event
 * of the history exactly once, in order per sequence, except the ranges the machine reported
 * as skipped (tooLong), and the machine's state equals the server's.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type Fetch, type Step, UpdateMachine } from "../../../src/client/updates/UpdateMachine.ts"
import type { Api } from "../../../src/tl/index.ts"
import { CHANNELS, type Event, FakeServer, keyOf, type Seq } from "./fakeServer.ts"

interface Scenario {
  readonly events: ReadonlyArray<{ seq: number; del: boolean; size: number }>
  readonly groups: ReadonlyArray<number>
  readonly forms: ReadonlyArray<number>
  /** Per container: how many copies arrive (0 = dropped) and after which delays. */
  readonly fates: ReadonlyArray<{ copies: number; delays: readonly [number, number] }>
  readonly latencies: ReadonlyArray<number>
  readonly failures: ReadonlyArray<boolean>
  readonly slice: number
  readonly ptsTotalLimit: number | null
  readonly channelLimit: number
  readonly channelTooLong: number | null
  readonly maxHeld: number
  readonly withoutState: boolean
  readonly stray: ReadonlyArray<{ at: number; channel: number | null }>
}

const delay = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 1200 }))

const scenario: fc.Arbitrary<Scenario> = fc.record({
  events: fc.array(fc.record({ seq: fc.integer({ min: 0, max: 4 }), del: fc.boolean(), size: fc.integer({ min: 1, max: 3 }) }), { maxLength: 80, size: "max" }),
  groups: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 20 }),
  forms: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }),
  fates: fc.array(
    fc.record({ copies: fc.constantFrom(0, 1, 1, 1, 1, 2), delays: fc.tuple(delay, delay) }),
    { minLength: 1, maxLength: 40, size: "max" }
  ),
  latencies: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 10 }),
  failures: fc.array(fc.constantFrom(false, false, false, false, true), { minLength: 1, maxLength: 10 }),
  slice: fc.integer({ min: 1, max: 12 }),
  ptsTotalLimit: fc.option(fc.integer({ min: 2, max: 20 }), { freq: 2 }),
  channelLimit: fc.integer({ min: 1, max: 8 }),
  channelTooLong: fc.option(fc.integer({ min: 3, max: 12 }), { freq: 2 }),
  maxHeld: fc.constantFrom(3, 8, 10_000),
  withoutState: fc.boolean(),
  stray: fc.array(fc.record({ at: fc.integer({ min: 0, max: 1500 }), channel: fc.option(fc.integer({ min: 0, max: 2 })) }), { maxLength: 3 })
})

type Item =
  | { readonly t: number; readonly kind: "push"; readonly push: Api.Updates }
  | { readonly t: number; readonly kind: "answer"; readonly apply: (now: number) => Step }

interface Outcome {
  readonly emitted: ReadonlyArray<Api.Update>
  readonly resets: ReadonlyArray<{ sequence: Seq; from: number; to: number }>
  /** pts/qts of the state `updates.getState` gave a machine without one (events up to it are history). */
  readonly history: { pts: number; qts: number } | undefined
  readonly machine: UpdateMachine
  readonly server: FakeServer
}

const at = <A>(list: ReadonlyArray<A>, i: number): A => list[i % list.length]!

const simulate = (s: Scenario): Outcome => {
  const server = new FakeServer(s.events, s.groups, s.forms)
  const machine = new UpdateMachine(
    s.withoutState ? undefined : { pts: 0, qts: 0, date: 1, seq: 0 },
    0,
    {
      maxHeld: s.maxHeld,
      ptsTotalLimit: s.ptsTotalLimit ?? undefined,
      channelDifferenceLimit: s.channelLimit,
      channelIdleTimeoutMs: 3000,
      retryDelayMs: 700
    }
  )
  for (const channel of CHANNELS) machine.setChannelPts(channel, 0)

  const queue: Array<Item> = []
  const enqueue = (item: Item) => {
    let i = queue.length
    while (i > 0 && queue[i - 1]!.t > item.t) i--
    queue.splice(i, 0, item)
  }
  server.containers.forEach((c, i) => {
    const fate = at(s.fates, i)
    for (let k = 0; k < fate.copies; k++) enqueue({ t: c.time + fate.delays[k]!, kind: "push", push: c.push })
  })
  for (const stray of s.stray) {
    const push: Api.Updates = stray.channel === null
      ? { _tag: "updatesTooLong" }
      : { _tag: "updateShort", update: { _tag: "updateChannelTooLong", channel_id: CHANNELS[stray.channel]! }, date: 1 }
    enqueue({ t: stray.at, kind: "push", push })
  }

  const emitted: Array<Api.Update> = []
  const resets: Array<{ sequence: Seq; from: number; to: number }> = []
  let history: { pts: number; qts: number } | undefined
  let fetchCount = 0
  let live = true
  const inFlight = new Set<string>()

  const answer = (fetch: Fetch, now: number): Item => {
    const n = fetchCount++
    const t = now + at(s.latencies, n)
    const fail = live && at(s.failures, n) // fetches fail only in the live phase, so the catch-up converges
    const name = fetch._tag === "GetChannelDifference" ? `channel:${fetch.channelId}` : "common"
    assert.isFalse(inFlight.has(name), `a second fetch for ${name} while one is in flight`)
    inFlight.add(name)
    const done = (step: (time: number) => Step) => (time: number) => {
      inFlight.delete(name)
      return step(time)
    }
    switch (fetch._tag) {
      case "GetState": {
        const state = server.stateAt(now)
        return {
          t, kind: "answer", apply: done((time) => {
            if (fail) return machine.differenceFailed(time)
            history ??= { pts: state.pts, qts: state.qts }
            return machine.applyState(state, time)
          })
        }
      }
      case "GetDifference": {
        const difference = server.difference(fetch.request, now, s.slice)
        return { t, kind: "answer", apply: done((time) => fail ? machine.differenceFailed(time) : machine.applyDifference(difference, time)) }
      }
      case "GetChannelDifference": {
        const difference = server.channelDifference(fetch.channelId, fetch.pts, fetch.limit, now, s.channelTooLong ?? undefined)
        return {
          t, kind: "answer", apply: done((time) =>
            fail ? machine.channelDifferenceFailed(fetch.channelId, "Failed", time) : machine.applyChannelDifference(fetch.channelId, difference, time))
        }
      }
    }
  }

  const handle = (step: Step, now: number) => {
    emitted.push(...step.updates)
    resets.push(...step.resets)
    for (const fetch of step.fetches) enqueue(answer(fetch, now))
  }

  let now = 0
  const run = (limit: number) => {
    for (let guard = 0; ; guard++) {
      assert.isBelow(guard, 100_000, "the simulation does not settle")
      const deadline = machine.deadline
      const next = queue[0]
      const tickDue = deadline !== undefined && deadline <= limit
      if (next === undefined && !tickDue) return
      if (tickDue && (next === undefined || deadline <= next.t)) {
        now = Math.max(now, deadline)
        handle(machine.tick(now), now)
      } else {
        queue.shift()
        now = Math.max(now, next!.t)
        handle(next!.kind === "push" ? machine.processUpdates(next!.push, now) : next!.apply(now), now)
      }
    }
  }
  // live phase: pushes, gaps, fetches, idle refetches of channels
  run(30_000)
  // catch-up, as after a reconnect: one getDifference and each channel's difference
  now = Math.max(now, 30_000)
  live = false
  handle(machine.requestDifference(now), now)
  for (const channel of CHANNELS) handle(machine.requestChannelDifference(channel, now), now)
  run(now + 60_000)
  return { emitted, resets, history, machine, server }
}

const inReset = (e: Event, resets: Outcome["resets"]) =>
  resets.some((r) => r.sequence === e.seq && e.pts - e.count >= r.from && e.pts <= r.to)

const check = (o: Outcome) => {
  const truth = new Map(o.server.events.map((e) => [e.key, e]))
  const historic = (e: Event) =>
    o.history !== undefined &&
    ((e.seq === "common" && e.pts <= o.history.pts) || (e.seq === "secondary" && e.pts <= o.history.qts))
  const seen = new Set<string>()
  const lastIndex = new Map<string, number>() // per sequence and kind: the history index of the last emitted event
  for (const update of o.emitted) {
    const key = keyOf(update)
    assert.isDefined(key, `emitted an update no event has: ${update._tag}`)
    const event = truth.get(key!.key)
    assert.isDefined(event, `emitted an event not in the history: ${key!.key}`)
    assert.isFalse(seen.has(key!.key), `emitted twice: ${key!.key}`)
    assert.isFalse(historic(event!), `emitted an event from before the initial state: ${key!.key}`)
    seen.add(key!.key)
    const order = `${String(event!.seq)}:${event!.kind}`
    assert.isAbove(event!.index, lastIndex.get(order) ?? -1, `out of order in ${order}: ${key!.key}`)
    lastIndex.set(order, event!.index)
  }
  for (const event of o.server.events) {
    if (historic(event) || inReset(event, o.resets)) continue
    assert.isTrue(seen.has(event.key), `never emitted: ${event.key} (pts ${event.pts})`)
  }
  for (const r of o.resets) assert.isAbove(r.to, r.from)
  assert.strictEqual(o.machine.held, 0, "updates left held")
  const end = Infinity
  const state = o.machine.state()!
  assert.deepStrictEqual(
    [state.pts, state.qts, ...CHANNELS.map((c) => state.channels!.get(c))],
    [o.server.ptsAt("common", end), o.server.ptsAt("secondary", end), ...CHANNELS.map((c) => o.server.ptsAt(c, end))]
  )
}

describe("UpdateMachine properties", () => {
  it("every event exactly once, in order per sequence, whatever the network does", () => {
    fc.assert(fc.property(scenario, (s) => check(simulate(s))), { numRuns: 400 })
  })

  it("without loss, duplicates and reordering alone never cost a fetch", () => {
    const clean = scenario.map((s): Scenario => ({
      ...s,
      fates: s.fates.map((f) => ({ copies: Math.max(1, f.copies), delays: [Math.min(f.delays[0], 400), Math.min(f.delays[1], 400)] as const })),
      stray: [],
      maxHeld: 10_000,
      withoutState: false
    }))
    fc.assert(
      fc.property(clean, (s) => {
        const o = simulate(s)
        check(o)
        // no reset and nothing but the final catch-up was fetched: every gap filled in time
        assert.deepStrictEqual(o.resets.filter((r) => r.sequence === "common"), [])
      }),
      { numRuns: 200 }
    )
  })
})
