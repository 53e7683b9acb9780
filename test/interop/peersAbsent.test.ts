// Without test/interop/node_modules, the interop files load and report one skipped test each
// whose title says why and what to run, instead of failing on their peers' imports. Proven on a
// copy of this folder without node_modules, run by vitest in a child process.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot, run } from "../support/processes.ts"
import { notInstalledReason } from "./support/peers.ts"

describe("interop suites without their peer libraries", () => {
  it.live("each file is one skipped test that gives the reason; nothing fails", () =>
    Effect.gen(function*() {
      const here = path.join(repoRoot, "test", "interop")
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "mtproto-interop-skip-"))
      const copy = path.join(root, "test", "interop")
      fs.mkdirSync(path.join(copy, "support"), { recursive: true })
      const wrappers = fs.readdirSync(here).filter((f) => f.endsWith(".test.ts") && f !== path.basename(import.meta.filename))
      for (const file of wrappers) fs.copyFileSync(path.join(here, file), path.join(copy, file))
      fs.copyFileSync(path.join(here, "support", "peers.ts"), path.join(copy, "support", "peers.ts"))
      // The library's own packages (vitest, @effect/vitest), not the peers.
      fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"), "dir")
      const report = path.join(root, "report.json")
      const vitest = path.join(repoRoot, "node_modules", "vitest", "vitest.mjs")
      const result = yield* run(process.execPath, [vitest, "run", "--root", root, "--reporter=json", `--outputFile=${report}`], { cwd: root }, "90 seconds")
      assert.strictEqual(result.code, 0, result.stdout + result.stderr)
      const r = JSON.parse(fs.readFileSync(report, "utf8")) as {
        numFailedTests: number
        numPendingTests: number
        numTotalTests: number
        testResults: Array<{ name: string; assertionResults: Array<{ title: string; status: string }> }>
      }
      assert.deepStrictEqual([r.numTotalTests, r.numPendingTests, r.numFailedTests], [wrappers.length, wrappers.length, 0])
      assert.deepStrictEqual(r.testResults.map((f) => path.basename(f.name)).sort(), [...wrappers].sort())
      for (const file of r.testResults) {
        assert.deepStrictEqual(file.assertionResults.map((t) => [t.status, t.title]), [["skipped", `skipped: ${notInstalledReason}`]])
      }
      fs.rmSync(root, { recursive: true, force: true })
    }), 120_000)
})
