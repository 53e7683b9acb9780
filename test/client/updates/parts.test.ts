/**
 * The updates engine's small parts, socket-free: the inbox refuses counted inputs past its
 * capacity (the bounded buffer) and hands everything over in order; a signal sent before anyone
 * waits is not lost; a failed fetch is retried, stops following a channel, or ends the stream.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import { type ClientError, fromRpcError, SenderError, SessionRevoked } from "../../../src/client/errors.ts"
import { fetchFailure } from "../../../src/client/updates/fetches.ts"
import { Inbox, Signal } from "../../../src/client/updates/inbox.ts"
import type { Fetch } from "../../../src/client/updates/UpdateMachine.ts"

describe("Inbox", () => {
  it.effect("counted inputs stop at the capacity, plain ones never; take hands over everything in order", () =>
    Effect.gen(function*() {
      const inbox = new Inbox<string>(2)
      assert.isTrue(inbox.offerCounted("a"))
      inbox.offer("tick")
      assert.isTrue(inbox.offerCounted("b"))
      assert.isFalse(inbox.offerCounted("c"), "full")
      inbox.offer("answer")
      assert.deepStrictEqual(yield* inbox.take, ["a", "tick", "b", "answer"])
      assert.isTrue(inbox.offerCounted("d"), "room again once taken")
      assert.deepStrictEqual(yield* inbox.take, ["d"])
    }))

  it.effect("a take waits for the next input", () =>
    Effect.gen(function*() {
      const inbox = new Inbox<number>(1)
      const taking = yield* Effect.fork(inbox.take)
      yield* Effect.yieldNow()
      assert.isUndefined(taking.unsafePoll() ?? undefined)
      inbox.offer(7)
      assert.deepStrictEqual(yield* Fiber.join(taking), [7])
    }))
})

describe("Signal", () => {
  it.effect("a notify before the wait is kept (once); one during a wait wakes it", () =>
    Effect.gen(function*() {
      const signal = new Signal()
      signal.notify()
      signal.notify()
      yield* signal.wait
      const waiting = yield* Effect.fork(signal.wait)
      yield* Effect.yieldNow()
      assert.isUndefined(waiting.unsafePoll() ?? undefined, "the two notifies count once")
      signal.notify()
      yield* Fiber.join(waiting)
    }))
})

describe("fetchFailure", () => {
  const common: Fetch = { _tag: "GetState" }
  const channel: Fetch = { _tag: "GetChannelDifference", channelId: 9n, pts: 1, limit: 100 }
  const fail = (e: ClientError): Cause.Cause<ClientError> => Cause.fail(e)

  it("retries what may pass, drops channels that are gone, ends the stream when the session is", () => {
    assert.deepStrictEqual(fetchFailure(common, fail(new SenderError({ reason: "Timeout", method: "updates.getState" }))), {
      _tag: "Failed",
      channelId: undefined,
      reason: "Failed"
    })
    assert.deepStrictEqual(fetchFailure(channel, fail(fromRpcError(400, "CHANNEL_PRIVATE", "updates.getChannelDifference"))), {
      _tag: "Failed",
      channelId: 9n,
      reason: "Unavailable"
    })
    assert.deepStrictEqual(fetchFailure(channel, fail(fromRpcError(500, "INTERNAL", "updates.getChannelDifference"))), {
      _tag: "Failed",
      channelId: 9n,
      reason: "Failed"
    })
    assert.deepStrictEqual(fetchFailure(common, fail(new SessionRevoked({ dc: 2, reason: "AuthKeyUnknown" }))), { _tag: "Fatal" })
    assert.deepStrictEqual(fetchFailure(common, fail(fromRpcError(401, "AUTH_KEY_UNREGISTERED", "updates.getDifference"))), { _tag: "Fatal" })
    assert.deepStrictEqual(fetchFailure(common, Cause.die("bug")), { _tag: "Fatal" })
    assert.isUndefined(fetchFailure(common, Cause.interrupt(FiberId.none)))
  })
})
