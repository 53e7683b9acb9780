/**
 * The updates engine's other promises, over TCP against a TestDc: FLOOD_WAIT on getDifference
 * is slept through, several subscribers each get every update from the moment they subscribe,
 * a subscriber that does not pull costs bounded memory and still gets everything afterwards,
 * the stream follows the home DC when it moves, a channel gap past the difference limit resumes
 * from the channel's latest messages, and a revoked session ends the stream with its error.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ClientConfig, ClientError, ClientShape } from "../../../src/client/index.ts"
import { makeMemory, SessionStorage } from "../../../src/storage/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import { makeCluster } from "../../support/dc.ts"
import { buildClient, recordCalls, rightCode, storedKeyId } from "../support/harness.ts"
import { captureLogs } from "../../support/logs.ts"

const A_PHONE = "+15550001"
const B_PHONE = "+15550002"

const textOf = (u: Api.Update): string | undefined =>
  (u._tag === "updateNewMessage" || u._tag === "updateNewChannelMessage") && u.message._tag === "message" && u.message.message.startsWith("m")
    ? u.message.message
    : undefined

const login = (cluster: TestDc.ClusterShape, phone: string, extra: Partial<ClientConfig> = {}) =>
  Effect.gen(function*() {
    const storage = yield* makeMemory()
    const client = yield* buildClient(cluster, Layer.succeed(SessionStorage, storage), { updates: { gapTimeout: "150 millis" }, ...extra })
    yield* client.start({ phone: Effect.succeed(phone), code: rightCode(cluster, phone) })
    return { client, storage }
  })

/** Collects the test's message texts of `updates` in the background of the scope. */
const collect = (updates: Stream.Stream<Api.Update, ClientError>) =>
  Effect.gen(function*() {
    const seen: Array<string> = []
    const fiber = yield* Effect.forkScoped(Stream.runForEach(updates, (u) =>
      Effect.sync(() => {
        const t = textOf(u)
        if (t !== undefined) seen.push(t)
      })))
    return { seen, fiber }
  })

const until = (seen: ReadonlyArray<string>, n: number, seconds = 15) =>
  Effect.gen(function*() {
    for (let i = 0; i < seconds * 20 && seen.length < n; i++) yield* Effect.sleep("50 millis")
    if (seen.length < n) return yield* Effect.dieMessage(`only ${seen.length} of ${n} arrived: ${seen.slice(-5).join(" ")}`)
  })

const texts = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`)

let randomId = 1n
const send = (a: ClientShape, peer: Api.InputPeer, list: ReadonlyArray<string>) =>
  Effect.forEach(list, (message) => a.invoke({ _tag: "messages.sendMessage", peer, message, random_id: randomId++ }), {
    concurrency: 8,
    discard: true
  })

/** Two logged-in users on DC 1 of a fresh cluster; A writes to B. */
const pair = (dcIds: ReadonlyArray<number> = [1], extraB: Partial<ClientConfig> = {}) =>
  Effect.gen(function*() {
    const cluster = yield* makeCluster(dcIds)
    cluster.world.addUser({ phone: A_PHONE, firstName: "A" })
    const bUser = cluster.world.addUser({ phone: B_PHONE, firstName: "B", homeDc: 1 })
    const a = yield* login(cluster, A_PHONE)
    const b = yield* login(cluster, B_PHONE, extraB)
    const toB: Api.InputPeer = { _tag: "inputPeerUser", user_id: bUser.id, access_hash: bUser.accessHash }
    return { cluster, bUser, a: a.client, b: b.client, bStorage: b.storage, toB }
  })

describe("updates engine over TCP", () => {
  it.scopedLive("a FLOOD_WAIT on getDifference longer than the client sleeps for is waited out by the engine, not fatal", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      // floodSleepThreshold 0: the retry policy sleeps through nothing, so the engine must.
      const { cluster, a, b, toB } = yield* pair([1], { floodSleepThreshold: 0 })
      const calls = yield* recordCalls(cluster)
      yield* cluster.dc(1).injectError("updates.getDifference", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
      const started = Date.now()
      const { seen, fiber } = yield* collect(yield* b.subscribeUpdates)
      yield* send(a, toB, texts(0, 3))
      yield* until(seen, 3)
      assert.deepStrictEqual(seen, texts(0, 3))
      assert.isUndefined(fiber.unsafePoll() ?? undefined, "the stream is still running")
      // The flooded getDifference came again after the wait.
      const difference = calls.filter((c) => c.method === "updates.getDifference")
      assert.isAtLeast(difference.length, 1)
      assert.isAtLeast(Date.now() - started, 900)
    }))

  it.scopedLive("several subscribers: each gets every update from the moment it subscribes, once", () =>
    Effect.gen(function*() {
      const { a, b, toB } = yield* pair()
      const first = yield* collect(yield* b.subscribeUpdates)
      yield* send(a, toB, texts(0, 10))
      yield* until(first.seen, 10)
      const second = yield* collect(yield* b.subscribeUpdates)
      const third = yield* collect(b.updates) // starts when its fiber runs: give it a moment
      yield* Effect.sleep("100 millis")
      yield* send(a, toB, texts(10, 20))
      yield* until(first.seen, 20)
      yield* until(second.seen, 10)
      yield* until(third.seen, 10)
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(first.seen, texts(0, 20))
      assert.deepStrictEqual(second.seen, texts(10, 20))
      assert.deepStrictEqual(third.seen, texts(10, 20))
    }))

  it.scopedLive("a subscriber that does not pull: the engine stops at the buffer, drops pushes, and fetches them later", () =>
    Effect.gen(function*() {
      const { cluster, a, b, toB } = yield* pair([1], { updates: { gapTimeout: "150 millis", bufferSize: 8 } })
      const calls = yield* recordCalls(cluster)
      const updates = yield* b.subscribeUpdates
      yield* send(a, toB, texts(0, 300))
      const before = calls.filter((c) => c.method === "updates.getDifference").length
      // Now pull: everything comes, in order, once, though at most 8 + 8 were ever waiting.
      const got = yield* Stream.runCollect(updates.pipe(Stream.filterMap((u) => Option.fromNullable(textOf(u))), Stream.take(300))).pipe(
        Effect.timeout("15 seconds")
      )
      assert.deepStrictEqual([...got], texts(0, 300))
      assert.isAbove(calls.filter((c) => c.method === "updates.getDifference").length, before, "the dropped pushes were fetched")
    }))

  it.scopedLive("the stream follows the home DC when the account moves (USER_MIGRATE)", () =>
    Effect.gen(function*() {
      const { cluster, bUser, a, b, toB } = yield* pair([1, 2])
      const { seen } = yield* collect(yield* b.subscribeUpdates)
      yield* send(a, toB, texts(0, 5))
      yield* until(seen, 5)
      // The account moves to DC 2: the World pushes from there, the client is told on its next call.
      cluster.world.users.set(bUser.id, { ...bUser, homeDc: 2 })
      yield* cluster.dc(1).injectError("users.getUsers", { code: 303, message: "USER_MIGRATE_2", times: 1 })
      yield* b.getMe
      assert.strictEqual(yield* b.homeDc, 2)
      yield* send(a, toB, texts(5, 10))
      yield* until(seen, 10)
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(seen, texts(0, 10))
    }))

  it.scopedLive("a channel gap past the difference limit (channelDifferenceTooLong) resumes from the group's latest messages", () =>
    Effect.gen(function*() {
      const logs = yield* captureLogs
      const { cluster, a, b, bStorage } = yield* pair()
      const key = (yield* storedKeyId(bStorage, 1))!
      const { seen, fiber } = yield* collect(yield* b.subscribeUpdates)
      const created = (yield* a.invoke({ _tag: "channels.createChannel", megagroup: true, title: "Burst", about: "" })) as Api.updates
      const channel = created.chats[0] as Api.channel
      const input: Api.InputChannel = { _tag: "inputChannel", channel_id: channel.id, access_hash: channel.access_hash! }
      yield* a.invoke({ _tag: "channels.updateUsername", channel: input, username: "burst_group" })
      yield* b.invoke({ _tag: "channels.joinChannel", channel: input })
      const peer: Api.InputPeer = { _tag: "inputPeerChannel", channel_id: channel.id, access_hash: channel.access_hash! }
      yield* send(a, peer, texts(0, 5))
      yield* until(seen, 5)
      // 150 pushes lost: more than the 100 a user account asks getChannelDifference for.
      yield* cluster.dc(1).faults.set({ pushTo: key, dropPushes: 150 })
      yield* send(a, peer, texts(5, 155))
      yield* send(a, peer, texts(155, 160))
      yield* until(seen, 5 + 100)
      yield* Effect.sleep("300 millis")
      // The latest 100 messages came (once, in order); the 55 before them were skipped.
      assert.deepStrictEqual(seen, [...texts(0, 5), ...texts(60, 160)])
      assert.isUndefined(fiber.unsafePoll() ?? undefined)
      // The skip is not silent: one warning (the README says so).
      assert.deepStrictEqual(logs.messages("WARN"), ["updates skipped (difference too long)"])
    }))

  it.scopedLive("a session the server revoked ends the stream with SessionRevoked", () =>
    Effect.gen(function*() {
      yield* captureLogs // the test provokes these on purpose
      const { cluster, b, bStorage } = yield* pair()
      const key = (yield* storedKeyId(bStorage, 1))!
      const updates = yield* b.subscribeUpdates
      const running = yield* Effect.fork(Stream.runDrain(updates))
      yield* Effect.sleep("200 millis")
      yield* cluster.dc(1).dropAuthKey(key)
      yield* cluster.dc(1).faults.dropConnectionsOf(key)
      const exit = yield* Fiber.join(running).pipe(Effect.either, Effect.timeout("10 seconds"))
      assert.isTrue(Either.isLeft(exit))
      if (Either.isLeft(exit)) assert.strictEqual(exit.left._tag, "SessionRevoked")
    }))
})
