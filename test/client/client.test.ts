/**
 * The Client service against a TestDc over TCP: typed invoke, lazy connection, the retry
 * policy (FLOOD_WAIT below/above the threshold under TestClock, bounded 500 retries, a custom
 * Schedule), session persistence across client restarts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ClientError } from "../../src/client/index.ts"
import { layerFile, layerMemory } from "../../src/storage/index.ts"
import { RpcFailure } from "../../src/testing/index.ts"
import { makeDc } from "../support/dc.ts"
import { buildClient, memoryClient } from "./support/harness.ts"

/** Waits (in real time) until some fiber sleeps until `now + millis` on the TestClock. */
const awaitSleep = (millis: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      const now = yield* TestClock.currentTimeMillis
      const sleeps = yield* TestClock.sleeps()
      for (const at of sleeps) if (Number(at) === now + millis) return
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)))
    }
    return yield* Effect.dieMessage(`no sleep of ${millis} ms appeared`)
  })

describe("Client", () => {
  it.scopedLive("invoke is typed, connects lazily and caches help.getConfig", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({})
      const client = yield* buildClient(dc, layerMemory)
      assert.strictEqual(yield* dc.connections, 0)
      const nearest = yield* client.invoke({ _tag: "help.getNearestDc" })
      assert.strictEqual(nearest.this_dc, dc.dcId)
      assert.strictEqual(yield* dc.connections, 1)
      const config = yield* client.getConfig
      assert.strictEqual(config.this_dc, dc.dcId)
      assert.strictEqual(yield* client.getConfig, config)
      assert.isFalse(yield* client.isAuthorized)
    }))

  it.scopedLive("a stored session survives a restart: same auth key, no new handshake", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({})
      const path = join(mkdtempSync(join(tmpdir(), "effect-mtproto-")), "session.json")
      yield* Effect.scoped(Effect.flatMap(buildClient(dc, layerFile(path)), (c) => c.invoke({ _tag: "help.getNearestDc" })))
      assert.strictEqual(dc.authKeys.size, 1)
      // A new client (new layer, new state) with the same file.
      yield* Effect.scoped(Effect.flatMap(buildClient(dc, layerFile(path)), (c) => c.invoke({ _tag: "help.getNearestDc" })))
      assert.strictEqual(dc.authKeys.size, 1)
    }))

  it.scoped("FLOOD_WAIT below the threshold is slept through (TestClock) and retried", () =>
    Effect.gen(function*() {
      let calls = 0
      const dc = yield* makeDc({
        handlers: {
          "help.getNearestDc": (_req, ctx) =>
            ++calls === 1
              ? Effect.fail(new RpcFailure({ code: 420, message: "FLOOD_WAIT_3" }))
              : Effect.succeed({ _tag: "nearestDc", country: "XX", this_dc: ctx.dcId, nearest_dc: ctx.dcId })
        }
      })
      const client = yield* buildClient(dc, layerMemory)
      const fiber = yield* Effect.fork(client.invoke({ _tag: "help.getNearestDc" }))
      yield* awaitSleep(3000)
      assert.strictEqual(calls, 1)
      yield* TestClock.adjust("3 seconds")
      const nearest = yield* Fiber.join(fiber)
      assert.strictEqual(nearest._tag, "nearestDc")
      assert.strictEqual(calls, 2)
    }))

  it.scopedLive("FLOOD_WAIT above the threshold fails at once with FloodWait", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({
        handlers: { "help.getNearestDc": () => Effect.fail(new RpcFailure({ code: 420, message: "FLOOD_WAIT_3600" })) }
      })
      const client = yield* buildClient(dc, layerMemory, { floodSleepThreshold: 60 })
      const error = yield* Effect.flip(client.invoke({ _tag: "help.getNearestDc" }))
      assert.strictEqual(error._tag, "FloodWait")
      if (error._tag === "FloodWait") assert.strictEqual(error.seconds, 3600)
    }))

  it.scoped("500 errors retry with a bounded backoff, then fail", () =>
    Effect.gen(function*() {
      let calls = 0
      const dc = yield* makeDc({
        handlers: {
          "help.getNearestDc": () => Effect.sync(() => calls++).pipe(Effect.zipRight(Effect.fail(new RpcFailure({ code: 500, message: "INTERNAL" }))))
        }
      })
      const client = yield* buildClient(dc, layerMemory)
      const fiber = yield* Effect.fork(client.invoke({ _tag: "help.getNearestDc" }))
      // Five retries; each backoff is at most 10 s (+20% jitter).
      for (let i = 0; i < 5; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
        yield* TestClock.adjust("13 seconds")
      }
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(calls, 6)
    }))

  it.scopedLive("a custom retry Schedule replaces the policy", () =>
    Effect.gen(function*() {
      let calls = 0
      const dc = yield* makeDc({
        handlers: {
          "help.getNearestDc": (_req, ctx) =>
            ++calls <= 2
              ? Effect.fail(new RpcFailure({ code: 400, message: "SOMETHING_ODD" }))
              : Effect.succeed({ _tag: "nearestDc", country: "XX", this_dc: ctx.dcId, nearest_dc: ctx.dcId })
        }
      })
      // Retries every RpcError twice, quickly: a policy the default would never apply to 400s.
      const retry: Schedule.Schedule<unknown, ClientError> = Schedule.recurs(2).pipe(
        Schedule.intersect(Schedule.spaced("10 millis")),
        Schedule.whileInput((e: ClientError) => e._tag === "RpcError")
      )
      const client = yield* buildClient(dc, layerMemory, { retry })
      const nearest = yield* client.invoke({ _tag: "help.getNearestDc" })
      assert.strictEqual(nearest._tag, "nearestDc")
      assert.strictEqual(calls, 3)
    }))

  it.scopedLive("updates pushed by the DC arrive on the client's update stream, unpacked; service messages never do", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({})
      const client = yield* buildClient(dc, layerMemory)
      yield* client.invoke({ _tag: "help.getNearestDc" })
      const updates = yield* client.subscribeUpdates
      // Service messages and non-updates pushed as if they were updates are not updates.
      yield* dc.faults.push({ _tag: "msgs_state_info", req_msg_id: 1n, info: new Uint8Array([1]) } as never)
      yield* dc.faults.push({ _tag: "updateConfig" })
      yield* dc.faults.push({
        _tag: "updates",
        updates: [{ _tag: "updateConfig" }, { _tag: "updateUserTyping", user_id: 5n, action: { _tag: "sendMessageTypingAction" } }],
        users: [],
        chats: [],
        date: 1,
        seq: 0
      })
      const first = yield* Stream.runCollect(Stream.take(updates, 2)).pipe(Effect.timeout("5 seconds"))
      assert.deepStrictEqual([...first].map((u) => u._tag), ["updateConfig", "updateUserTyping"])
    }))

  it.scopedLive("peer cache is filled from results", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({
        handlers: {
          "users.getUsers": () =>
            Effect.succeed([{ _tag: "user", id: 77n, access_hash: 1234n, first_name: "Ann", username: "ann" }] as never)
        }
      })
      const { client, storage } = yield* memoryClient(dc)
      yield* client.invoke({ _tag: "users.getUsers", id: [{ _tag: "inputUserSelf" }] })
      const peer = yield* storage.peerByUsername("@ann")
      assert.isTrue(Option.isSome(peer))
      if (Option.isSome(peer)) assert.strictEqual(peer.value.accessHash, 1234n)
    }))
})
