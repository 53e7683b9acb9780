import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  emptySession,
  layerMemory,
  make,
  SessionStorage,
  SessionStorageError
} from "../../src/storage/index.ts"

const key = (seed: number) => Redacted.make(Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + seed) & 255))

describe("SessionStorage (memory)", () => {
  it.effect("starts empty and applies the focused setters", () =>
    Effect.gen(function*() {
      const s = yield* SessionStorage
      assert.deepStrictEqual(yield* s.load, emptySession)
      yield* s.setHomeDc(2)
      yield* s.setAuthKey(2, Option.some(key(1)))
      yield* s.setSalt(2, -5n)
      yield* s.setTimeOffset(2, 12)
      yield* s.setSalt(4, 9n)
      yield* s.setUser({ id: 42n, bot: true, username: "robot" })
      yield* s.setUpdateState({ pts: 1, qts: 2, date: 3, seq: 4 })
      const data = yield* s.load
      assert.strictEqual(data.homeDc, 2)
      assert.deepStrictEqual(Redacted.value(data.dcs.get(2)!.authKey!), Redacted.value(key(1)))
      assert.strictEqual(data.dcs.get(2)!.salt, -5n)
      assert.strictEqual(data.dcs.get(2)!.timeOffset, 12)
      assert.deepStrictEqual(data.dcs.get(4), { salt: 9n, timeOffset: 0 })
      assert.deepStrictEqual(data.user, { id: 42n, bot: true, username: "robot" })
      assert.deepStrictEqual(data.updateState, { pts: 1, qts: 2, date: 3, seq: 4 })
      yield* s.setAuthKey(2, Option.none())
      assert.deepStrictEqual(Object.keys((yield* s.load).dcs.get(2)!), ["salt", "timeOffset"])
      yield* s.clear
      assert.deepStrictEqual(yield* s.load, emptySession)
    }).pipe(Effect.provide(layerMemory)))

  it.effect("a wrong-size auth key is a defect", () =>
    Effect.gen(function*() {
      const s = yield* SessionStorage
      const exit = yield* Effect.exit(s.setAuthKey(1, Option.some(Redacted.make(new Uint8Array(8)))))
      assert.isTrue(exit._tag === "Failure")
    }).pipe(Effect.provide(layerMemory)))

  it.effect("peer cache: upsert, lookup by kind/id and username, min rule", () =>
    Effect.gen(function*() {
      const s = yield* SessionStorage
      yield* s.upsertPeers([
        { id: 1n, kind: "user", accessHash: 100n, min: false, username: "Alice" },
        { id: 1n, kind: "channel", accessHash: 200n, min: true, usernames: ["news", "news_nft"] }
      ])
      yield* s.upsertPeers([{ id: 1n, kind: "user", accessHash: 555n, min: true }])
      const alice = yield* s.getPeer("user", 1n)
      assert.strictEqual(Option.getOrThrow(alice).accessHash, 100n)
      assert.isFalse(Option.getOrThrow(alice).min)
      assert.strictEqual(Option.getOrThrow(yield* s.peerByUsername("@alice")).id, 1n)
      assert.strictEqual(Option.getOrThrow(yield* s.peerByUsername("NEWS_nft")).kind, "channel")
      assert.isTrue(Option.isNone(yield* s.peerByUsername("bob")))
      assert.isTrue(Option.isNone(yield* s.getPeer("chat", 1n)))
    }).pipe(Effect.provide(layerMemory)))

  it.effect("writes are serialized", () =>
    Effect.gen(function*() {
      const s = yield* SessionStorage
      yield* Effect.forEach(
        Array.from({ length: 200 }, () => s.update((d) => ({ ...d, homeDc: (d.homeDc ?? 0) + 1 }))),
        (e) => Effect.zipRight(Effect.yieldNow(), e),
        { concurrency: "unbounded", discard: true }
      )
      assert.strictEqual((yield* s.load).homeDc, 200)
    }).pipe(Effect.provide(layerMemory)))

  it.effect("a failed persist leaves the state unchanged; unchanged data is not persisted", () =>
    Effect.gen(function*() {
      let writes = 0
      let fail = false
      const s = yield* make({
        initial: emptySession,
        persist: () =>
          Effect.suspend(() => {
            writes++
            return fail ? Effect.fail(new SessionStorageError({ reason: "Io", detail: "disk full" })) : Effect.void
          })
      })
      yield* s.setHomeDc(2)
      yield* s.setHomeDc(2)
      const peer = { id: 1n, kind: "user", accessHash: 1n, min: false } as const
      yield* s.upsertPeers([peer])
      yield* s.upsertPeers([peer])
      assert.strictEqual(writes, 2)
      fail = true
      const error = yield* Effect.flip(s.setHomeDc(3))
      assert.strictEqual(error.reason, "Io")
      assert.strictEqual((yield* s.load).homeDc, 2)
    }))
})
