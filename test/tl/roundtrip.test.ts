import { assert, describe, it } from "@effect/vitest"
import { existsSync } from "node:fs"
import { deserialize, fromJson, serialize, toJson } from "../../src/tl/index.ts"
import type { TlCombinator } from "../../generator/tl-parser.ts"
import { type FlagMode, generated, loadSchemas, Rng, ValueGen } from "./values.ts"

const hasSchemas = existsSync("schema/api.tl") && existsSync("schema/mtproto.tl")

// Not round-trippable on their own, by design: MTProto `message` shares its `_tag` with
// the API's `message` (it is covered inside msg_container), and `gzip_packed` is inflated
// transparently by the reader (covered in codec.test.ts).
const STANDALONE_SKIP = new Set(["mt:message", "mt:gzip_packed"])

describe.skipIf(!hasSchemas)("round trip of every constructor and method", () => {
  const { api, mt } = hasSchemas ? loadSchemas() : ({} as ReturnType<typeof loadSchemas>)
  const cases: Array<[string, TlCombinator, ValueGen]> = []
  if (hasSchemas) {
    const rng = new Rng(0x5eed)
    for (const c of generated(api)) cases.push(["api", c, new ValueGen(api, rng)])
    for (const c of generated(mt)) if (!STANDALONE_SKIP.has(`mt:${c.name}`)) cases.push(["mt", c, new ValueGen(mt, rng)])
  }

  const modes: ReadonlyArray<FlagMode> = ["on", "off", "random", "random"]
  for (const section of ["types", "functions"] as const) {
    for (const schemaName of ["api", "mt"]) {
      it(`${schemaName} ${section}: all flags on, off, and random`, () => {
        let n = 0
        for (const [s, c, gen] of cases) {
          if (s !== schemaName || c.section !== section) continue
          for (const mode of modes) {
            const value = gen.object(c, mode)
            const bytes = serialize(value as never)
            assert.strictEqual(new DataView(bytes.buffer).getUint32(0, true), c.id, c.name)
            const back = deserialize(bytes)
            assert.deepStrictEqual(back, value as never, `${c.name} (${mode})`)
            assert.deepStrictEqual(serialize(fromJson(JSON.parse(JSON.stringify(toJson(back))))), bytes, `${c.name} json`)
            n++
          }
        }
        assert.isAbove(n, 0)
      })
    }
  }

  it("msg_container with raw message bodies, and msg_copy", () => {
    const gen = new ValueGen(mt, new Rng(7))
    const container = gen.object(mt.combinators.find((c) => c.name === "msg_container")!, "on")
    const back = deserialize(serialize(container as never)) as unknown as { messages: ReadonlyArray<{ body: Uint8Array; bytes: number }> }
    assert.deepStrictEqual(back, container as never)
    for (const m of back.messages) assert.strictEqual(m.bytes, m.body.length)
  })
})
