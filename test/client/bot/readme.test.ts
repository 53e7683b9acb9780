/**
 * The README's "Write a bot" block is `examples/bot.ts` (which `npx tsx examples/bot.ts` runs),
 * with the package's import paths: the two never drift apart.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"

describe("README: Write a bot", () => {
  it("its code block is examples/bot.ts", () => {
    const readme = readFileSync("README.md", "utf8")
    const section = readme.slice(readme.indexOf("## Write a bot"))
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    const example = readFileSync("examples/bot.ts", "utf8")
    const program = example.slice(example.indexOf("import * as Effect"))
      .replace(`from "../src/index.ts"`, `from "effect-mtproto"`)
      .replace(`from "../src/testing/index.ts"`, `from "effect-mtproto/testing"`)
    assert.strictEqual(block, program)
  })
})
