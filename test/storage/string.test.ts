import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  decodeStringSession,
  emptySession,
  encodeStringSession,
  layerString,
  SessionStorage,
  StringSession,
  type SessionData
} from "../../src/storage/index.ts"

const keyBytes = Uint8Array.from({ length: 256 }, (_, i) => (i * 13 + 5) & 255)
const state: SessionData = {
  ...emptySession,
  homeDc: 4,
  dcs: new Map([[4, { authKey: Redacted.make(keyBytes), salt: -0x1234567890abcdefn, timeOffset: -3 }], [2, {
    salt: 1n,
    timeOffset: 0
  }]]),
  user: { id: 7_000_000_123n, bot: true, username: "not_kept" }
}

const decode = (s: string) => decodeStringSession(Redacted.make(s))

describe("StringSession", () => {
  it("round-trips the home DC, its key, salt, offset and the user", () => {
    const encoded = encodeStringSession(state)
    assert.match(Redacted.value(encoded), /^[A-Za-z0-9_-]+$/)
    assert.strictEqual(Redacted.value(encoded).length, 378)
    const back = Either.getOrThrow(decodeStringSession(encoded))
    assert.strictEqual(back.homeDc, 4)
    assert.deepStrictEqual(Redacted.value(back.dcs.get(4)!.authKey!), keyBytes)
    assert.strictEqual(back.dcs.get(4)!.salt, -0x1234567890abcdefn)
    assert.strictEqual(back.dcs.get(4)!.timeOffset, -3)
    assert.isFalse(back.dcs.has(2)) // a DC without a key has nothing to keep
    assert.deepStrictEqual(back.user, { id: 7_000_000_123n, bot: true })
    assert.strictEqual(Redacted.value(encodeStringSession(back)), Redacted.value(encoded))
  })

  it("encodes partial states", () => {
    const empty = Either.getOrThrow(decodeStringSession(encodeStringSession(emptySession)))
    assert.deepStrictEqual(empty, emptySession)
    assert.deepStrictEqual(Either.getOrThrow(decode("")), emptySession)
    assert.deepStrictEqual(Either.getOrThrow(decode("  \n")), emptySession)
    const userOnly = Either.getOrThrow(decodeStringSession(encodeStringSession({
      ...emptySession,
      homeDc: 2,
      user: { id: 1n, bot: false }
    })))
    assert.strictEqual(userOnly.homeDc, 2)
    assert.strictEqual(userOnly.dcs.size, 0)
    assert.deepStrictEqual(userOnly.user, { id: 1n, bot: false })
  })

  it("keeps every DC's key, and a session exported before login (no home DC yet, no user) keeps its keys", () => {
    const other = Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 1) & 255)
    const beforeLogin: SessionData = {
      ...emptySession,
      dcs: new Map([[2, { authKey: Redacted.make(keyBytes), salt: 5n, timeOffset: 1 }], [4, { authKey: Redacted.make(other), salt: 6n, timeOffset: 2 }]])
    }
    const back = Either.getOrThrow(decodeStringSession(encodeStringSession(beforeLogin)))
    assert.deepStrictEqual([...back.dcs.keys()].sort(), [2, 4])
    assert.deepStrictEqual(Redacted.value(back.dcs.get(4)!.authKey!), other)
    assert.strictEqual(back.dcs.get(2)!.salt, 5n)
    assert.isUndefined(back.user)
    // The string is not the empty one a keyless session makes.
    assert.notStrictEqual(Redacted.value(encodeStringSession(beforeLogin)), Redacted.value(encodeStringSession(emptySession)))
  })

  it("still reads version 1 strings (the home DC's key only)", () => {
    const v1 = Buffer.alloc(4 + 268 + 8)
    v1[0] = 1
    v1[1] = 1 | 2
    v1.writeInt16LE(3, 2)
    Buffer.from(keyBytes).copy(v1, 4)
    v1.writeBigInt64LE(9n, 4 + 256)
    v1.writeInt32LE(-2, 4 + 264)
    v1.writeBigInt64LE(77n, 4 + 268)
    const back = Either.getOrThrow(decode(v1.toString("base64url")))
    assert.strictEqual(back.homeDc, 3)
    assert.deepStrictEqual(Redacted.value(back.dcs.get(3)!.authKey!), keyBytes)
    assert.deepStrictEqual([back.dcs.get(3)!.salt, back.dcs.get(3)!.timeOffset, back.user?.id], [9n, -2, 77n])
  })

  it("rejects bad strings with a typed error", () => {
    const good = Redacted.value(encodeStringSession(state))
    const bytes = Buffer.from(good, "base64url")
    const variant = (f: (b: Buffer) => void) => {
      const copy = Buffer.from(bytes)
      f(copy)
      return copy.toString("base64url")
    }
    const reasons = [
      "not a session!",
      good.slice(0, 100),
      good + "AAAA",
      "AQ",
      variant((b) => { b[1] = 0xff }),
      variant((b) => { b[5] = 0; b[6] = 0 })
    ].map((s) => Either.flip(decode(s)).pipe(Either.getOrThrow).reason)
    assert.deepStrictEqual(reasons, ["Corrupt", "Corrupt", "Corrupt", "Corrupt", "Corrupt", "Corrupt"])
    assert.strictEqual(Either.getOrThrow(Either.flip(decode(variant((b) => { b[0] = 9 })))).reason, "UnsupportedVersion")
  })

  it.effect("layerString seeds memory and exports the current state", () =>
    Effect.gen(function*() {
      const storage = yield* SessionStorage
      const exporter = yield* StringSession
      assert.strictEqual((yield* storage.load).homeDc, 4)
      assert.strictEqual(Redacted.value(yield* exporter.export), Redacted.value(encodeStringSession(state)))
      yield* storage.setSalt(4, 99n)
      const after = Either.getOrThrow(decodeStringSession(yield* exporter.export))
      assert.strictEqual(after.dcs.get(4)!.salt, 99n)
    }).pipe(Effect.provide(layerString(encodeStringSession(state)))))

  it.effect("layerString fails to build on a bad string, and starts empty without one", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(SessionStorage, layerString(Redacted.make("%%%"))))
      assert.strictEqual(error._tag, "SessionStorageError")
      if (error._tag === "SessionStorageError") assert.strictEqual(error.reason, "Corrupt")
      const s = yield* Effect.provide(SessionStorage, layerString())
      assert.deepStrictEqual(yield* s.load, emptySession)
      yield* s.setUser({ id: 5n, bot: false })
      assert.isTrue(Option.isNone(yield* s.getPeer("user", 5n)))
    }))

  it("secrets do not leak through String or JSON", () => {
    const encoded = encodeStringSession(state)
    const secret = Redacted.value(encoded)
    for (const shown of [String(encoded), JSON.stringify(encoded), JSON.stringify({ s: encoded }), `${encoded}`]) {
      assert.notInclude(shown, secret.slice(0, 20))
    }
    assert.strictEqual(String(encoded), "<redacted>")
    const key = state.dcs.get(4)!.authKey!
    assert.strictEqual(String(key), "<redacted>")
    assert.notInclude(JSON.stringify({ key }), "13")
    const error = Either.getOrThrow(Either.flip(decode(secret.slice(0, 50))))
    assert.notInclude(JSON.stringify(error), secret.slice(0, 20))
    assert.notInclude(String(error), secret.slice(0, 20))
  })
})
