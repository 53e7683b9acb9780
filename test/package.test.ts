// What the package asks of its users and of a contributor's `npm install`: `src/` imports only
// its dependencies, peers and Node's built-ins; every runtime dependency is used there and named
// in the README; the root install compiles nothing; the peer libraries stay in their own packages.
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { repoRoot } from "./support/processes.ts"

interface PackageJson {
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
}
const readJson = <A>(file: string): A => JSON.parse(fs.readFileSync(path.join(repoRoot, file), "utf8")) as A
const pkg = readJson<PackageJson>("package.json")
const names = (deps: Record<string, string> | undefined) => Object.keys(deps ?? {})

/** Every `.ts` file under `dir`. */
const sources = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []
  )

/** The packages a source file imports (static, dynamic and type imports), by package name. */
const importedPackages = (file: string): Array<string> => {
  const text = fs.readFileSync(file, "utf8")
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^"']*?\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)]
    .map((m) => m[1] ?? m[2]!)
  return specifiers
    .filter((s) => !s.startsWith(".") && !s.startsWith("node:"))
    .map((s) => s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!)
}

describe("the package's dependencies", () => {
  const srcFiles = sources(path.join(repoRoot, "src")).filter((f) => !f.includes(`${path.sep}generated${path.sep}`))
  const used = new Set(srcFiles.flatMap(importedPackages))

  it("src/ imports only dependencies and peer dependencies (never a devDependency)", () => {
    const allowed = new Set([...names(pkg.dependencies), ...names(pkg.peerDependencies)])
    assert.isAbove(used.size, 0)
    assert.deepStrictEqual([...used].filter((name) => !allowed.has(name)), [])
  })

  it("every runtime dependency is imported by src/ and named in the README", () => {
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8")
    for (const name of names(pkg.dependencies)) {
      assert.isTrue(used.has(name), `${name} is a dependency that src/ never imports`)
    }
    for (const name of [...names(pkg.dependencies), ...names(pkg.peerDependencies)]) {
      assert.include(readme, `\`${name}\``, `the README's dependency paragraph names ${name}`)
    }
  })

  it("the root install has no package that compiles at install time", () => {
    const lock = readJson<{ packages: Record<string, { hasInstallScript?: boolean }> }>("package-lock.json")
    // Their scripts only check or pick a prebuilt binary: esbuild verifies its platform package,
    // @parcel/watcher builds only with npm_config_build_from_source, msgpackr-extract is optional
    // and loads a prebuilt add-on.
    const checkOnly = new Set(["esbuild", "@parcel/watcher", "msgpackr-extract"])
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript === true)
      .map(([where]) => where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length))
    assert.deepStrictEqual(withScripts.filter((name) => !checkOnly.has(name)), [])
  })

  it("the peer libraries of the bench and the interop suites are not the library's packages", () => {
    const root = new Set([...names(pkg.dependencies), ...names(pkg.devDependencies), ...names(pkg.peerDependencies)])
    for (const folder of ["bench", "test/interop"]) {
      const peers = names(readJson<PackageJson>(`${folder}/package.json`).dependencies)
      assert.isAbove(peers.length, 0)
      // @mtcute/tl is also the generator's schema source (a root devDependency); the bench pins
      // the same version beside @mtcute/tl-runtime, which reads it.
      assert.deepStrictEqual(peers.filter((name) => root.has(name) && name !== "@mtcute/tl"), [], folder)
      assert.isTrue(fs.existsSync(path.join(repoRoot, folder, "package-lock.json")), `${folder} commits its lockfile`)
    }
  })
})
