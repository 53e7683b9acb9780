// What importing the package loads before a program's first call: the static import graph of
// `src/index.ts` (value imports only; `import type` and `import()` load nothing up front) reaches
// no module that brings `effect/Schema` and fast-check with it (@effect/platform's modules do:
// its errors are Schema classes). Those load on first use, where a path needs them (Files).
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { repoRoot } from "./support/processes.ts"

/** The specifiers a source file imports for their values, at load time. */
const staticImports = (file: string): Array<string> => {
  const text = fs.readFileSync(file, "utf8")
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^"'()]*?\bfrom\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']/g)]
    .map((m) => m[1] ?? m[2]!)
}

/** Every bare specifier reachable from `entry` through static value imports, with a file that imports it. */
const reachablePackages = (entry: string): Map<string, string> => {
  const packages = new Map<string, string>()
  const seen = new Set<string>()
  const stack = [entry]
  while (stack.length > 0) {
    const file = stack.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    for (const spec of staticImports(file)) {
      if (spec.startsWith(".")) stack.push(path.resolve(path.dirname(file), spec))
      else if (!spec.startsWith("node:") && !packages.has(spec)) packages.set(spec, path.relative(repoRoot, file))
    }
  }
  return packages
}

describe("start-up", () => {
  it("importing the package loads neither effect/Schema (nor fast-check) nor @effect/platform", () => {
    const packages = reachablePackages(path.join(repoRoot, "src", "index.ts"))
    assert.isTrue(packages.has("effect/Effect"))
    const heavy = [...packages].filter(([spec]) =>
      spec.startsWith("@effect/platform") || ["effect/Schema", "effect/ParseResult", "effect/Arbitrary", "effect/FastCheck"].includes(spec)
    )
    assert.deepStrictEqual(heavy.map(([spec, from]) => `${spec} (from ${from})`), [])
  })
})
