/**
 * The Sender end to end against TestDc over TCP: answers, service messages, faults and
 * reconnects (load: sender.scale.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { harness } from "../support/dc.ts"

const getNearestDc = { _tag: "help.getNearestDc" } as const

describe("Sender against TestDc", () => {
  it.scopedLive("answers a typed call and a ping", () =>
    Effect.gen(function*() {
      const { sender } = yield* harness()
      const nearest = yield* sender.invoke(getNearestDc)
      assert.strictEqual(nearest._tag, "nearestDc")
      assert.strictEqual(nearest.this_dc, 2)
      const pong = yield* sender.invoke({ _tag: "ping", ping_id: 1234567n })
      assert.strictEqual(pong._tag, "pong")
      assert.strictEqual(pong.ping_id, 1234567n)
    }))

  it.scopedLive("an unknown method fails with a typed RpcError", () =>
    Effect.gen(function*() {
      const { sender } = yield* harness()
      const error = yield* Effect.flip(sender.invoke({ _tag: "help.getAppConfig", hash: 0 }))
      assert.strictEqual(error._tag, "RpcError")
      if (error._tag === "RpcError") {
        assert.strictEqual(error.code, 400)
        assert.strictEqual(error.method, "help.getAppConfig")
      }
    }))

  it.scopedLive("get_future_salts returns future_salts", () =>
    Effect.gen(function*() {
      const { sender } = yield* harness()
      const salts = yield* sender.invoke({ _tag: "get_future_salts", num: 3 })
      assert.strictEqual(salts._tag, "future_salts")
      assert.isAtLeast(salts.salts.length, 1)
    }))

  it.scopedLive("bad_server_salt: the call is re-sent with the new salt, transparently", () =>
    Effect.gen(function*() {
      const { authKeyId, dc, sender } = yield* harness()
      yield* sender.invoke(getNearestDc)
      const [fresh] = yield* dc.rotateSalt(authKeyId)
      const nearest = yield* sender.invoke(getNearestDc)
      assert.strictEqual(nearest._tag, "nearestDc")
      assert.strictEqual((yield* sender.state).salt, fresh)
    }))

  it.scopedLive("future salts: the Sender switches to each salt before the old one expires (no bad_server_salt)", () =>
    Effect.gen(function*() {
      const served: Array<string> = []
      const { sender } = yield* harness({
        dc: {
          faults: {
            saltLifetime: 1,
            onServerMessage: (m) => Effect.sync(() => void served.push(m.tag))
          }
        }
      })
      const first = (yield* sender.state).salt
      // Calls over ~3.5 s: three salt lifetimes go by.
      for (let i = 0; i < 14; i++) {
        assert.strictEqual((yield* sender.invoke(getNearestDc))._tag, "nearestDc")
        yield* Effect.sleep("250 millis")
      }
      assert.notStrictEqual((yield* sender.state).salt, first)
      assert.isAtLeast(served.filter((t) => t === "future_salts").length, 1)
      assert.strictEqual(served.filter((t) => t === "bad_server_salt").length, 0)
    }), 20_000)

  it.scopedLive("interrupting a waiting caller sends rpc_drop_answer", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<bigint>()
      let held = false
      const { sender } = yield* harness({
        dc: {
          faults: {
            // Hold the first getNearestDc (never answer it), and report rpc_drop_answer.
            onClientMessage: (m) =>
              Effect.gen(function*() {
                if (m.body._tag === "help.getNearestDc" && !held) {
                  held = true
                  return "drop" as const
                }
                if (m.body._tag === "rpc_drop_answer") {
                  yield* Deferred.succeed(seen, (m.body as unknown as { req_msg_id: bigint }).req_msg_id)
                }
                return "process" as const
              })
          }
        }
      })
      const waiting = yield* Effect.fork(sender.invoke(getNearestDc))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(waiting)
      const dropped = yield* Deferred.await(seen).pipe(Effect.timeout("5 seconds"))
      assert.isTrue(dropped > 0n)
      // The session goes on.
      assert.strictEqual((yield* sender.invoke(getNearestDc))._tag, "nearestDc")
    }))

  it.live("closing the scope fails pending calls with SenderError Closed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { sender } = yield* harness({
        dc: { faults: { onClientMessage: (m) => Effect.succeed(m.body._tag === "help.getNearestDc" ? "drop" : "process") } }
      }).pipe(Scope.extend(scope))
      const waiting = yield* Effect.fork(sender.invoke(getNearestDc))
      yield* Effect.sleep("100 millis")
      yield* Scope.close(scope, Exit.void)
      const exit = yield* Fiber.await(waiting)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(Fiber.join(waiting))
      assert.strictEqual(error._tag, "SenderError")
      if (error._tag === "SenderError") assert.strictEqual(error.reason, "Closed")
    }))
})
