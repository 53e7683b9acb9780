/**
 * `npm run generate`: reads `schema/api.tl` and `schema/mtproto.tl` of the repository,
 * checks syntax and every explicit constructor id, and writes `src/tl/generated/`.
 * Files are only rewritten when their content changes, so repeated runs keep mtimes.
 *
 * Usage: `tsx generator/generate.ts [outDir]` (default `src/tl/generated`).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { generate } from "./codegen.ts"
import { formatDiagnostic, parseSchema, verifyIds } from "./tl-parser.ts"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const outDir = resolve(process.argv[2] ?? join(root, "src/tl/generated"))
const t0 = performance.now()

const load = (name: string) => {
  const path = join(root, "schema", name)
  if (!existsSync(path)) {
    console.error(`generate: ${relative(process.cwd(), path) || path} is missing. The TL generator needs schema/api.tl and schema/mtproto.tl in the repository.`)
    process.exit(1)
  }
  return parseSchema(readFileSync(path, "utf8"), `schema/${name}`)
}

const api = load("api.tl")
const mt = load("mtproto.tl")
const problems = [...api.errors, ...mt.errors, ...verifyIds(api), ...verifyIds(mt)]
if (problems.length > 0) {
  for (const d of problems) console.error(formatDiagnostic(d))
  console.error(`generate: ${problems.length} problem(s) in the schema; nothing written.`)
  process.exit(1)
}
if (api.layer === undefined) console.warn("generate: no `// LAYER N` line in schema/api.tl; LAYER will be 0")

let files
try {
  files = generate([{ schema: api, ns: "Api", prefix: "a" }, { schema: mt, ns: "Mt", prefix: "m" }])
} catch (e) {
  console.error(`generate: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
}
mkdirSync(outDir, { recursive: true })
let written = 0
for (const [name, text] of files) {
  const path = join(outDir, name)
  if (existsSync(path) && readFileSync(path, "utf8") === text) continue
  writeFileSync(path, text)
  written++
}
console.log(
  `generate: layer ${api.layer}, ${api.combinators.length} + ${mt.combinators.length} declarations → ${relative(root, outDir) || outDir} ` +
    `(${written} file(s) updated) in ${Math.round(performance.now() - t0)} ms`
)
