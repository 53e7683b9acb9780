/**
 * `npx tsx generator/errors-from-mtcute.ts [out]`: writes `src/mtproto/rpcErrors/catalogue.ts`
 * (or `out`), the table of known RPC errors, from `raw-errors.json` in the pinned
 * `@mtcute/tl` package.
 *
 * Why from that package: it is versioned together with the API layer we take from it
 * (`generator/from-mtcute.ts`), so bumping the layer is one `npm install` plus these two
 * commands. We take only the data (names, codes, descriptions, which methods throw what)
 * and print our own compact table.
 *
 * What is changed on the way:
 * - descriptions are core.telegram.org markdown with HTML entities (`&raquo;`) and site-relative
 *   links; they become plain text, links as `text (https://core.telegram.org/...)`.
 * - everything is sorted by name, and nothing depends on the time or the machine, so two runs
 *   on the same package version give byte-identical files (tested).
 */
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

interface RawError {
  readonly code: number
  readonly name: string
  readonly description?: string
  readonly _paramNames?: ReadonlyArray<string>
}

interface RawErrors {
  readonly base: Readonly<Record<string, number>>
  readonly errors: Readonly<Record<string, RawError>>
  readonly throws: Readonly<Record<string, ReadonlyArray<string>>>
  readonly userOnly: Readonly<Record<string, 1>>
  readonly botOnly: Readonly<Record<string, 1>>
}

const require = createRequire(import.meta.url)
const inputPath = require.resolve("@mtcute/tl/raw-errors.json")
const packageVersion = (JSON.parse(readFileSync(require.resolve("@mtcute/tl/package.json"), "utf8")) as {
  readonly version: string
}).version
const outPath = process.argv[2] ?? fileURLToPath(new URL("../src/mtproto/rpcErrors/catalogue.ts", import.meta.url))

const raw = JSON.parse(readFileSync(inputPath, "utf8")) as RawErrors

const ENTITIES: Readonly<Record<string, string>> = { raquo: "»", laquo: "«", amp: "&", lt: "<", gt: ">", quot: "\"" }

const plainText = (markdown: string): string =>
  markdown
    .replace(/\[([^\]]*)\]\(([^)]*)\)/g, (_, text: string, url: string) => {
      const absolute = url.startsWith("/") ? `https://core.telegram.org${url}` : url
      return `${text} (${absolute})`
    })
    .replace(/&([a-z]+);/g, (whole, name: string) => ENTITIES[name] ?? whole)
    .replace(/\s+/g, " ")
    .trim()

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const str = (s: string) => JSON.stringify(s)

const errorLines = Object.values(raw.errors)
  .slice()
  .sort((a, b) => byName(a.name, b.name))
  .map((e) => {
    const fields = [String(e.code), str(plainText(e.description ?? ""))]
    if (e._paramNames !== undefined && e._paramNames.length > 0) fields.push(str(e._paramNames.join(",")))
    return `  ${str(e.name)}: [${fields.join(", ")}],`
  })

const throwsLines = Object.keys(raw.throws)
  .sort(byName)
  .map((method) => `  ${str(method)}: [${[...raw.throws[method]!].sort(byName).map(str).join(", ")}],`)

const list = (record: Readonly<Record<string, unknown>>) => Object.keys(record).sort(byName).map((m) => `  ${str(m)},`)

const baseLines = Object.entries(raw.base)
  .sort(([, a], [, b]) => a - b)
  .map(([name, code]) => `  ${str(String(code))}: ${str(name)},`)

const out = `/**
 * The RPC errors Telegram documents, generated from \`@mtcute/tl\` ${packageVersion} \`raw-errors.json\`.
 * Do not edit: run \`npx tsx generator/errors-from-mtcute.ts\` after updating \`@mtcute/tl\`.
 *
 * Names with a numeric parameter keep mtcute's \`%d\` placeholder (\`FLOOD_WAIT_%d\`), which
 * \`describe.ts\` matches and fills in.
 */

/**
 * Error name (or pattern) → [code, description, parameter names (comma-separated, for patterns)].
 * An empty description means Telegram documents none.
 */
export const ERRORS: { readonly [name: string]: readonly [code: number, description: string, params?: string] } = {
${errorLines.join("\n")}
}

/**
 * Method → the error names it is documented to throw.
 */
export const THROWS: { readonly [method: string]: ReadonlyArray<string> } = {
${throwsLines.join("\n")}
}

/**
 * Methods only user accounts may call.
 */
export const USER_ONLY: ReadonlyArray<string> = [
${list(raw.userOnly).join("\n")}
]

/**
 * Methods only bots may call.
 */
export const BOT_ONLY: ReadonlyArray<string> = [
${list(raw.botOnly).join("\n")}
]

/**
 * The generic name of each error code.
 */
export const BASE_CODES: { readonly [code: string]: string } = {
${baseLines.join("\n")}
}
`

writeFileSync(outPath, out)
console.log(`${outPath}: ${errorLines.length} errors, ${throwsLines.length} methods`)
