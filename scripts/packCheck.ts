/**
 * `npm run test:pack`: the package as a user installs it. `npm pack` builds it into a tarball,
 * which is installed with the pinned peer dependencies (package.json's `peerDependencies`) into
 * a new project in a temporary folder. There it checks that `node_modules` holds one copy of
 * `effect` (the library shares the app's), that the app's TypeScript (NodeNext, strict,
 * `skipLibCheck: false`) accepts two of the README's programs (`examples/readme/`: the first one,
 * and the one with typed calls and errors), and that they run there as written, from the
 * installed `dist/`, against an embedded TestDc.
 * One line per check; exit code 1 when one fails. CI runs it (`.ci/run`).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string
  version: string
  peerDependencies: Record<string, string>
  devDependencies: Record<string, string>
}
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli")
const tsc = path.join(root, "node_modules", ".bin", "tsc")

let failed = 0
const check = (ok: boolean, what: string, detail = "") => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok || detail === "" ? "" : `\n${detail}`}`)
  if (!ok) failed++
}

/** Runs a command to its end; its output is kept (npm's goes to stderr when it fails). */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "error" } })
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}` }
}

/**
 * Where plain Node resolves `specifier` from `file` (real path), asked in a child process: this
 * script runs under tsx, whose resolver applies this repository's tsconfig paths.
 */
const resolveFrom = (file: string, specifier: string): string => {
  const code = "const m = require('node:module'); console.log(require('node:fs').realpathSync(m.createRequire(process.argv[1]).resolve(process.argv[2])))"
  const r = exec(process.execPath, ["-e", code, file, specifier], path.dirname(file))
  return r.ok ? r.out.trim() : `(not resolved: ${r.out.trim()})`
}

/** Every installed copy of `name` under a node_modules tree. */
const copiesOf = (dir: string, name: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory()) return []
    const full = path.join(dir, entry.name)
    if (entry.name === "node_modules" || entry.name.startsWith("@")) return copiesOf(full, name)
    const nested = fs.existsSync(path.join(full, "node_modules")) ? copiesOf(path.join(full, "node_modules"), name) : []
    const manifest = path.join(full, "package.json")
    const here = fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === name
    return here ? [full, ...nested] : nested
  })


/** README programs run in the app (examples/readme/), with a line each prints. */
const programs: Record<string, string> = {
  "quickstart.ts": "\nbot: You said: hello\n",
  "invoke.ts": "\n400 USERNAME_NOT_OCCUPIED - The provided username is not occupied.\n"
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-mtproto-pack-"))
try {
  const packed = exec("npm", ["pack", "--pack-destination", tmp], root)
  const tarball = path.join(tmp, `${pkg.name}-${pkg.version}.tgz`)
  check(packed.ok && fs.existsSync(tarball), "npm pack builds the package into a tarball", packed.out)

  const app = path.join(fs.realpathSync(tmp), "app")
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }, null, 2))
  const peers = Object.entries(pkg.peerDependencies).map(([name, range]) => `${name}@${range}`)
  const installed = exec("npm", ["install", "--no-audit", "--no-fund", tarball, ...peers, `@types/node@${pkg.devDependencies["@types/node"]}`], app)
  check(installed.ok, `npm install ${pkg.name}-${pkg.version}.tgz ${peers.join(" ")}`, installed.out)

  const effects = installed.ok ? copiesOf(path.join(app, "node_modules"), "effect") : []
  check(effects.length === 1, `one copy of effect in the app (${effects.length})`, effects.join("\n"))
  // What Node loads: `effect` as the library resolves it from where it really lies (a linked
  // folder would resolve it from the clone's own node_modules) is the app's.
  const effectOf = (from: string) => resolveFrom(from, "effect/package.json")
  const library = fs.realpathSync(path.join(app, "node_modules", pkg.name, "package.json"))
  const [ofApp, ofLibrary] = installed.ok ? [effectOf(path.join(app, "package.json")), effectOf(library)] : ["", "?"]
  check(ofApp === ofLibrary, "the library loads the app's effect", `${ofApp}\n${ofLibrary}`)

  for (const file of Object.keys(programs)) fs.copyFileSync(path.join(root, "examples", "readme", file), path.join(app, file))
  fs.writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      types: ["node"],
      noEmit: true
    },
    include: Object.keys(programs)
  }, null, 2))
  const typed = exec(tsc, ["-p", app], app)
  check(typed.ok, "the app's TypeScript (NodeNext, strict, skipLibCheck off) accepts programs using the package", typed.out)

  const entry = installed.ok ? resolveFrom(path.join(app, "package.json"), pkg.name) : ""
  check(entry === path.join(app, "node_modules", pkg.name, "dist", "index.js"), `${pkg.name} resolves to its installed dist/`, entry)
  for (const [file, expected] of Object.entries(programs)) {
    const ran = exec(process.execPath, [tsxCli, file], app)
    check(ran.ok && ran.out.includes(expected), `the README's ${file} runs as written in the app`, ran.out)
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true })
}
console.log(failed === 0 ? "the packed package installs and works" : `${failed} check(s) failed`)
process.exit(failed === 0 ? 0 : 1)
