import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generate } from "../../generator/codegen.ts"
import { hasReader, MtId, nameForId } from "../../src/tl/index.ts"
import { generated, loadSchemas } from "./values.ts"

const hasSchemas = existsSync("schema/api.tl") && existsSync("schema/mtproto.tl")

describe.skipIf(!hasSchemas)("generator", () => {
  it("is deterministic and matches the checked-out output", () => {
    const { api, mt } = loadSchemas()
    const inputs = [{ schema: api, ns: "Api", prefix: "a" }, { schema: mt, ns: "Mt", prefix: "m" }]
    const a = generate(inputs)
    const b = generate(inputs)
    assert.deepStrictEqual([...a.keys()], ["types.ts", "codec.ts", "ids.ts"])
    for (const [name, text] of a) {
      assert.strictEqual(text, b.get(name), name)
      assert.strictEqual(text, readFileSync(join("src/tl/generated", name), "utf8"), `${name} is stale: run npm run generate`)
    }
  })

  it("the CLI writes byte-identical files into a temp dir", () => {
    const dir = mkdtempSync(join(tmpdir(), "tlgen-"))
    try {
      execFileSync(process.execPath, ["--import", "tsx", "generator/generate.ts", dir], { stdio: "pipe" })
      for (const name of ["types.ts", "codec.ts", "ids.ts"]) {
        assert.isTrue(readFileSync(join(dir, name)).equals(readFileSync(join("src/tl/generated", name))), name)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it("the registry covers every id of both schemas", () => {
    const { api, mt } = loadSchemas()
    let n = 0
    for (const s of [api, mt]) {
      for (const c of generated(s)) {
        assert.isTrue(hasReader(c.id), c.name)
        // `message` exists in both schemas: the id tells which one.
        assert.strictEqual(nameForId(c.id), c.name)
        n++
      }
    }
    // Everything but the built-ins (7 in mtproto.tl) and boolFalse/boolTrue/vector, which the codec handles itself.
    assert.strictEqual(n, api.combinators.length + mt.combinators.length - 3 - 7)
  })

  it("MtId names every id of the service schema once, as the registry does", () => {
    const { mt } = loadSchemas()
    const expected = Object.fromEntries(generated(mt).map((c) => [c.name, c.id]))
    assert.deepStrictEqual({ ...MtId }, expected)
    for (const [name, id] of Object.entries(MtId)) assert.strictEqual(nameForId(id), name)
    assert.strictEqual(MtId.rpc_result, 0xf35c6d01)
  })
})
