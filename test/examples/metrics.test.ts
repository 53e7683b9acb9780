/**
 * The README's "Observability" block is `examples/metrics.ts` with the package's import paths,
 * and the example runs offline as written: three calls, one FLOOD_WAIT waited out and logged,
 * the metrics read back.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"

describe("README: Observability", () => {
  it("its code block is examples/metrics.ts", () => {
    const readme = readFileSync("README.md", "utf8")
    const section = readme.slice(readme.indexOf("## Observability"))
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    const example = readFileSync("examples/metrics.ts", "utf8")
    const program = example.slice(example.indexOf("import * as Effect"))
      .replace(`from "../src/index.ts"`, `from "effect-mtproto"`)
      .replace(`from "../src/testing/index.ts"`, `from "effect-mtproto/testing"`)
    assert.strictEqual(block, program)
  })

  it("examples/metrics.ts runs: the FLOOD_WAIT is logged and counted, the calls are counted", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "examples/metrics.ts"], { encoding: "utf8", timeout: 30_000 })
    assert.strictEqual(run.status, 0, run.stderr)
    const wait = run.stdout.split("\n").find((l) => l.includes(`message="waiting out FLOOD_WAIT"`))
    assert.isDefined(wait, run.stdout)
    assert.include(wait, "level=INFO")
    assert.include(wait, "seconds=1")
    assert.include(wait, "method=help.getNearestDc")
    assert.match(run.stdout, /^3 calls answered, 1 FLOOD_WAIT waited out, slowest 1\.\d s$/m)
  }, 30_000)
})
