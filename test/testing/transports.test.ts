// TestDc detects every transport per connection and speaks MTProto over each.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { serialize } from "../../src/tl/index.ts"
import type { CodecKind } from "../../src/transport/index.ts"
import { handshake, session } from "../support/bareClient.ts"
import { makeDc, openChannel } from "../support/dc.ts"

const cases: ReadonlyArray<readonly [CodecKind, boolean]> = [
  ["abridged", false],
  ["abridged", true],
  ["intermediate", false],
  ["intermediate", true],
  ["padded", false],
  ["padded", true],
  ["full", false]
]

describe("TestDc transports", () => {
  it.scopedLive("handshake and ping over every transport, on one server", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 3 })
      yield* Effect.forEach(cases, ([codec, obfuscated]) =>
        Effect.scoped(Effect.gen(function*() {
          const ch = yield* openChannel(dc, { codec, obfuscated })
          const key = yield* handshake(ch, dc)
          const s = session(ch, key)
          const id = yield* s.send(serialize({ _tag: "ping", ping_id: 42n }))
          const got = yield* s.until((m) => m.obj._tag === "pong")
          assert.deepStrictEqual(got.find((m) => m.obj._tag === "pong")?.obj, { _tag: "pong", msg_id: id, ping_id: 42n }, `${codec} obfuscated=${obfuscated}`)
        })), { concurrency: "unbounded", discard: true })
      assert.strictEqual(dc.authKeys.size, cases.length)
    }))

})
