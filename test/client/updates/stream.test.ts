/**
 * The update stream end to end, over TCP against a TestDc (issue 16): client A sends, client B
 * consumes `client.updates`, and the TestDc's push knobs drop, reorder, duplicate, delay and
 * replace B's pushes while B's connection is cut: B's stream yields every message exactly once,
 * in pts order. A restart on the same session file resumes right after the last update taken.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ClientConfig, ClientError, ClientShape } from "../../../src/client/index.ts"
import { layerFile, makeMemory, SessionStorage } from "../../../src/storage/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import { makeCluster } from "../../support/dc.ts"
import { buildClient, recordCalls, rightCode, storedKeyId } from "../support/harness.ts"

const A_PHONE = "+15550001"
const B_PHONE = "+15550002"
/** A short gap timeout keeps the tests' wall time down (the default is 500 ms). */
const quick: Partial<ClientConfig> = { updates: { gapTimeout: "150 millis" } }

/**
 * For the group tests: gaps of hundreds of messages are fetched, not skipped. A user account
 * asks for 100 by default (the spec's advice), and past that the server answers
 * channelDifferenceTooLong: the stream then resumes from the group's latest messages.
 */
const burst: Partial<ClientConfig> = { updates: { gapTimeout: "150 millis", channelDifferenceLimit: 1000 } }

/** A message as B's stream yielded it. */
interface Seen {
  readonly id: number
  readonly text: string
  readonly pts: number
}

const seenOf = (u: Api.Update): Seen | undefined =>
  (u._tag === "updateNewMessage" || u._tag === "updateNewChannelMessage") && u.message._tag === "message" && u.message.message.startsWith("m")
    ? { id: u.message.id, text: u.message.message, pts: u.pts }
    : undefined

/** Runs `updates` in the background of the scope, collecting the test's messages. */
const collect = (updates: Stream.Stream<Api.Update, ClientError>) =>
  Effect.gen(function*() {
    const seen: Array<Seen> = []
    const fiber = yield* Effect.forkScoped(Stream.runForEach(updates, (u) =>
      Effect.sync(() => {
        const s = seenOf(u)
        if (s !== undefined) seen.push(s)
      })))
    return { seen, fiber }
  })

/** Waits (real time) until `seen` holds `n` messages; fails with what it has after `seconds`. */
const until = (seen: ReadonlyArray<Seen>, n: number, seconds = 30) =>
  Effect.gen(function*() {
    for (let i = 0; i < seconds * 20 && seen.length < n; i++) yield* Effect.sleep("50 millis")
    if (seen.length < n) {
      const have = new Set(seen.map((s) => s.text))
      const missing: Array<string> = []
      for (let i = 0; i < 1100 && missing.length < 60; i++) if (!have.has(`m${i}`) && i < n + 10) missing.push(`m${i}`)
      return yield* Effect.dieMessage(`only ${seen.length} of ${n} messages arrived; missing ${missing.join(" ")}`)
    }
  })

/** A logged-in client over `storage`. */
const login = <E>(cluster: TestDc.ClusterShape, phone: string, storage: Layer.Layer<SessionStorage, E>, extra: Partial<ClientConfig> = {}) =>
  Effect.gen(function*() {
    const client = yield* buildClient(cluster, storage, { ...quick, ...extra })
    yield* client.start({ phone: Effect.succeed(phone), code: rightCode(cluster, phone) })
    return client
  })

/** A memory session the test can read, and a client on it. */
const memoryLogin = (cluster: TestDc.ClusterShape, phone: string, extra: Partial<ClientConfig> = {}) =>
  Effect.gen(function*() {
    const storage = yield* makeMemory()
    const client = yield* login(cluster, phone, Layer.succeed(SessionStorage, storage), extra)
    return { client, storage }
  })

/** A sends `texts` to `peer`, 16 calls in flight at a time. */
const sendAll = (a: ClientShape, peer: Api.InputPeer, texts: ReadonlyArray<string>, firstRandomId: number) =>
  Effect.forEach(
    texts,
    (message, i) => a.invoke({ _tag: "messages.sendMessage", peer, message, random_id: BigInt(firstRandomId + i) }),
    { concurrency: 16, discard: true }
  )

const texts = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`)

/**
 * Exactly `expected`, none twice, in order: message ids increase, and so does pts (messages
 * recovered by one getDifference share its pts, with pts_count 0).
 */
const assertExactly = (seen: ReadonlyArray<Seen>, expected: ReadonlyArray<string>) => {
  assert.strictEqual(seen.length, expected.length, "count")
  for (let i = 1; i < seen.length; i++) {
    assert.isTrue(seen[i]!.id > seen[i - 1]!.id, `id order at ${i}`)
    assert.isTrue(seen[i]!.pts >= seen[i - 1]!.pts, `pts order at ${i}`)
  }
  assert.deepStrictEqual([...seen.map((s) => s.text)].sort(), [...expected].sort())
}

const sessionPath = () => join(mkdtempSync(join(tmpdir(), "effect-mtproto-updates-")), "session.json")

/** A connection cut of `key` (the test fails unless B had one open). */
const cut = (dc: TestDc.TestDcShape, key: string) =>
  Effect.flatMap(dc.faults.dropConnectionsOf(key), (n) => Effect.sync(() => assert.isAtLeast(n, 1, "B's connection to cut")))

/** The push knobs the 1,000-message tests go through, one before each batch of 100. */
const faultPlan = (dc: TestDc.TestDcShape, key: string, channel?: { readonly tooLong: boolean }) => [
  dc.faults.set({ pushTo: key, dropPushes: 5 }),
  dc.faults.set({ pushTo: key, reorderPushes: 8 }),
  cut(dc, key),
  dc.faults.set({ pushTo: key, duplicatePushes: 10 }),
  dc.faults.set({ pushTo: key, delayPushes: 3, delayPushMs: 400 }),
  cut(dc, key),
  dc.faults.set({ pushTo: key, ...(channel?.tooLong === true ? { channelTooLongPushes: 1 } : { tooLongPushes: 1 }), dropPushes: 3 }),
  dc.faults.set({ pushTo: key, reorderPushes: 5, duplicatePushes: 5 }),
  cut(dc, key),
  dc.faults.set({ pushTo: key, dropPushes: 4 })
]

/** Every counted push knob was used up: the faults really happened. */
const assertKnobsUsed = (dc: TestDc.TestDcShape) =>
  Effect.map(dc.faults.current, (k) => {
    for (const knob of ["dropPushes", "reorderPushes", "duplicatePushes", "delayPushes", "tooLongPushes", "channelTooLongPushes"] as const) {
      assert.isTrue((k[knob] ?? 0) === 0, `${knob} left: ${k[knob]}`)
    }
  })

/** Sends 1,000 in batches of 100, each after the next fault of the plan. */
const sendThroughFaults = (
  a: ClientShape,
  peer: Api.InputPeer,
  plan: ReadonlyArray<Effect.Effect<void>>,
  randomBase: number
): Effect.Effect<void, ClientError, Scope.Scope> =>
  Effect.forEach(plan, (fault, k) => Effect.zipRight(fault, sendAll(a, peer, texts(k * 100, k * 100 + 100), randomBase + k * 100)), {
    discard: true
  })

describe("client.updates over TCP", () => {
  it.scopedLive("1,000 private messages through dropped, reordered, duplicated, delayed pushes and cut connections: each once, in order", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const dc = cluster.dc(1)
      cluster.world.addUser({ phone: A_PHONE, firstName: "A" })
      const bUser = cluster.world.addUser({ phone: B_PHONE, firstName: "B" })
      const { client: a } = yield* memoryLogin(cluster, A_PHONE)
      const { client: b, storage } = yield* memoryLogin(cluster, B_PHONE)
      const key = (yield* storedKeyId(storage, 1))!
      const calls = yield* recordCalls(cluster)
      const { seen } = yield* collect(b.updates)
      const toB: Api.InputPeer = { _tag: "inputPeerUser", user_id: bUser.id, access_hash: bUser.accessHash }
      yield* sendThroughFaults(a, toB, faultPlan(dc, key), 1)
      yield* until(seen, 1000)
      // Nothing more comes: no repeats after the gaps closed.
      yield* Effect.sleep("600 millis")
      assertExactly(seen, texts(0, 1000))
      assert.strictEqual(seen[seen.length - 1]!.pts, cluster.world.stateOf(bUser.id).pts)
      yield* assertKnobsUsed(dc)
      // Gaps, cuts and updatesTooLong were filled with getDifference.
      assert.isAtLeast(calls.filter((c) => c.method === "updates.getDifference").length, 6)
    }), 60_000)

  it.scopedLive("stopped after 500, restarted on the same session file: exactly the 500 missed, then live ones", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: A_PHONE, firstName: "A" })
      const bUser = cluster.world.addUser({ phone: B_PHONE, firstName: "B" })
      const path = sessionPath()
      const { client: a } = yield* memoryLogin(cluster, A_PHONE)
      const toB: Api.InputPeer = { _tag: "inputPeerUser", user_id: bUser.id, access_hash: bUser.accessHash }

      const first = yield* Effect.scoped(Effect.gen(function*() {
        const b = yield* login(cluster, B_PHONE, layerFile(path))
        const updates = yield* b.subscribeUpdates
        const taking = yield* Effect.fork(Stream.runCollect(updates.pipe(Stream.filterMap((u) => Option.fromNullable(seenOf(u))), Stream.take(500))))
        yield* sendAll(a, toB, texts(0, 500), 1)
        return [...yield* Fiber.join(taking)]
      }))
      assertExactly(first, texts(0, 500))
      // B is gone; A goes on.
      yield* sendAll(a, toB, texts(500, 1000), 501)

      const b = yield* login(cluster, B_PHONE, layerFile(path))
      const { seen } = yield* collect(b.updates)
      yield* until(seen, 500)
      yield* sendAll(a, toB, texts(1000, 1010), 1001)
      yield* until(seen, 510)
      yield* Effect.sleep("400 millis")
      assertExactly(seen, texts(500, 1010))
      assert.isTrue(seen[0]!.pts > first[first.length - 1]!.pts)
    }), 60_000)

  it.scopedLive("a supergroup: 1,000 messages with channel pts through the same faults and updateChannelTooLong: each once, in order", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const dc = cluster.dc(1)
      cluster.world.addUser({ phone: A_PHONE, firstName: "A" })
      cluster.world.addUser({ phone: B_PHONE, firstName: "B" })
      const { client: a } = yield* memoryLogin(cluster, A_PHONE)
      const { client: b, storage } = yield* memoryLogin(cluster, B_PHONE, burst)
      const key = (yield* storedKeyId(storage, 1))!
      const calls = yield* recordCalls(cluster)
      // Subscribed before B joins: the join's answer tells the stream the group's pts.
      const { seen } = yield* collect(yield* b.subscribeUpdates)
      const group = yield* supergroup(cluster, a, b)
      yield* sendThroughFaults(a, group.peer, faultPlan(dc, key, { tooLong: true }), 1)
      yield* until(seen, 1000)
      yield* Effect.sleep("600 millis")
      assertExactly(seen, texts(0, 1000))
      assert.strictEqual(seen[seen.length - 1]!.pts, group.world.log.pts)
      yield* assertKnobsUsed(dc)
      assert.isAtLeast(calls.filter((c) => c.method === "updates.getChannelDifference").length, 3)
    }), 60_000)

  it.scopedLive("a supergroup: stopped after 500, restarted: the 500 missed come from getChannelDifference pages, then live ones", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: A_PHONE, firstName: "A" })
      cluster.world.addUser({ phone: B_PHONE, firstName: "B" })
      const path = sessionPath()
      const { client: a } = yield* memoryLogin(cluster, A_PHONE)
      const calls = yield* recordCalls(cluster)

      const { first, group } = yield* Effect.scoped(Effect.gen(function*() {
        const b = yield* login(cluster, B_PHONE, layerFile(path), burst)
        const updates = yield* b.subscribeUpdates
        const group = yield* supergroup(cluster, a, b)
        const taking = yield* Effect.fork(Stream.runCollect(updates.pipe(Stream.filterMap((u) => Option.fromNullable(seenOf(u))), Stream.take(500))))
        yield* sendAll(a, group.peer, texts(0, 500), 1)
        return { first: [...yield* Fiber.join(taking)], group }
      }))
      assertExactly(first, texts(0, 500))
      yield* sendAll(a, group.peer, texts(500, 1000), 501)

      const pages = calls.length
      const b = yield* login(cluster, B_PHONE, layerFile(path), burst)
      const { seen } = yield* collect(b.updates)
      yield* until(seen, 500)
      yield* sendAll(a, group.peer, texts(1000, 1010), 1001)
      yield* until(seen, 510)
      yield* Effect.sleep("400 millis")
      assertExactly(seen, texts(500, 1010))
      // 500 events in pages of 100.
      assert.isAtLeast(calls.slice(pages).filter((c) => c.method === "updates.getChannelDifference").length, 5)
    }), 60_000)
})

/** A public supergroup A creates and B joins (B's client learns it from the join's answer). */
const supergroup = (cluster: TestDc.ClusterShape, a: ClientShape, b: ClientShape) =>
  Effect.gen(function*() {
    const created = (yield* a.invoke({ _tag: "channels.createChannel", megagroup: true, title: "Feed", about: "" })) as Api.updates
    const channel = created.chats[0] as Api.channel
    const input: Api.InputChannel = { _tag: "inputChannel", channel_id: channel.id, access_hash: channel.access_hash! }
    yield* a.invoke({ _tag: "channels.updateUsername", channel: input, username: `feed_${channel.id}` })
    yield* b.invoke({ _tag: "channels.joinChannel", channel: input })
    const peer: Api.InputPeer = { _tag: "inputPeerChannel", channel_id: channel.id, access_hash: channel.access_hash! }
    return { peer, world: cluster.world.store.channels.get(channel.id)! }
  })
