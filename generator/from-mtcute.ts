/**
 * `npm run schema:update`: rebuilds `schema/api.tl` from the JSON schema shipped in
 * `@mtcute/tl` (`api-schema.json`).
 *
 * Why from that package: it is versioned by layer, installable offline from the lockfile,
 * and carries the core.telegram.org descriptions that Telegram Desktop's api.tl lacks, so
 * our generated types get documentation. We only take the *data* (names, ids, arguments,
 * descriptions) and print it back as standard TL text, the format our own parser reads.
 *
 * The JSON is not a verbatim copy of the TL file, so a few things are undone here:
 * - mtcute rewrites some `long` fields to a pseudo-type `int53` (ids that fit in a JS
 *   number); on the wire and in the CRC32 they are `long`, so we print `long`.
 * - vectors are an `isVector` modifier on the element type (on arguments, and on the
 *   entry itself for methods returning `Vector<T>`); printed as `Vector<T>`.
 * - `flags.N?` / `flags2.N?` conditions are a `predicate` modifier.
 * - generics (`{X:Type}`) are a separate `generics` list.
 * - mtcute adds its own `mtcute.*` combinators (dummy updates, a raw-call escape hatch);
 *   they are not Telegram's, so they are dropped.
 * - the built-in combinators Telegram's api.tl starts with are missing (mtcute's runtime
 *   handles them by hand); they are added back so the file is standard.
 * - mtcute keeps two combinators from old layers under renamed names
 *   (`inputPeerPhotoFileLocationLegacy`, `inputStickerSetThumbLegacy`) to decode old file
 *   ids; with the new name their ids no longer hash, and they are not in the current layer,
 *   so they are dropped (detected by the id check below, not by a name list).
 * - descriptions are HTML with mtcute-specific `{@link RawFoo}` references; they are
 *   reduced to one line of plain text with schema names.
 *
 * Output order is the JSON's order (constructors, then functions), so reruns on the same
 * package version produce byte-identical files.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { crc32 } from "node:zlib"
import { fileURLToPath } from "node:url"

interface JsonArgument {
  readonly name: string
  readonly type: string
  readonly comment?: string
  readonly typeModifiers?: {
    readonly predicate?: string
    readonly isVector?: boolean
    readonly isBareVector?: boolean
    readonly isBareType?: boolean
  }
}

interface JsonEntry {
  readonly kind: "class" | "method"
  readonly name: string
  readonly id: number
  readonly type: string
  readonly comment?: string
  /** set on methods whose result is `Vector<type>` */
  readonly typeModifiers?: JsonArgument["typeModifiers"]
  readonly generics?: ReadonlyArray<{ readonly name: string; readonly type: string }>
  readonly arguments: ReadonlyArray<JsonArgument>
}

interface JsonSchema {
  /** TL layer */
  readonly l?: number
  readonly e: ReadonlyArray<JsonEntry>
}

const require = createRequire(import.meta.url)
const schemaPath = require.resolve("@mtcute/tl/api-schema.json")
const packageJsonPath = require.resolve("@mtcute/tl/package.json")
const outPath = fileURLToPath(new URL("../schema/api.tl", import.meta.url))

const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as JsonSchema

/**
 * The layer comes from the data: the JSON's `l` field, else the package's major version
 * (mtcute versions @mtcute/tl as `<layer>.x.y`). Never a constant here, so a package bump
 * cannot silently produce a file that lies about its layer.
 */
const layer: number = (() => {
  if (typeof schema.l === "number") return schema.l
  const version = (JSON.parse(readFileSync(packageJsonPath, "utf8")) as { version: string }).version
  const major = Number.parseInt(version.split(".")[0] ?? "", 10)
  if (!Number.isFinite(major) || major <= 0) throw new Error(`cannot infer the TL layer from @mtcute/tl ${version}`)
  return major
})()

/** Lines Telegram's own api.tl starts with; added only when the JSON lacks them. */
const builtins: ReadonlyArray<readonly [name: string, line: string]> = [
  ["boolFalse", "boolFalse#bc799737 = Bool;"],
  ["boolTrue", "boolTrue#997275b5 = Bool;"],
  ["true", "true#3fedd339 = True;"],
  ["vector", "vector#1cb5c415 {t:Type} # [ t ] = Vector t;"],
  ["error", "error#c4b9f9bb code:int text:string = Error;"],
  ["null", "null#56730bcc = Null;"]
]

const hex = (id: number): string => (id >>> 0).toString(16).padStart(8, "0")

const baseType = (type: string): string => (type === "int53" ? "long" : type)

const argumentType = (arg: { readonly type: string; readonly typeModifiers?: JsonArgument["typeModifiers"] | undefined }): string => {
  const mods = arg.typeModifiers ?? {}
  let type = baseType(arg.type)
  if (mods.isBareType) type = `%${type}`
  if (mods.isVector) type = `Vector<${type}>`
  else if (mods.isBareVector) type = `vector<${type}>`
  return mods.predicate ? `${mods.predicate}?${type}` : type
}

const declaration = (entry: JsonEntry): string => {
  const parts = [`${entry.name}#${hex(entry.id)}`]
  for (const g of entry.generics ?? []) parts.push(`{${g.name}:${g.type}}`)
  for (const arg of entry.arguments) parts.push(`${arg.name}:${argumentType(arg)}`)
  parts.push("=", `${argumentType(entry)};`)
  return parts.join(" ")
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " }
const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10)
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole
    }
    return entities[body.toLowerCase()] ?? whole
  })

/** `{@link messages.RawGetHistoryRequest}` → `messages.getHistory`, `{@link RawUser}` → `user`. */
const linkToSchemaName = (ref: string): string => {
  const dot = ref.lastIndexOf(".")
  const ns = dot >= 0 ? ref.slice(0, dot + 1) : ""
  let name = ref.slice(dot + 1).replace(/^Raw/, "").replace(/Request$/, "")
  name = name.charAt(0).toLowerCase() + name.slice(1)
  return ns + name
}

/**
 * One line of plain text: the schema file is line-oriented (a comment must not spill onto
 * the next line), and generated JSDoc should not carry HTML. Link targets are dropped
 * (the link text stays), inline code becomes backticks, emoji images become their alt.
 */
const plainText = (html: string): string => {
  let s = html
  s = s.replace(/<code>([\s\S]*?)<\/code>/gi, (_m, inner: string) => `\`${inner.replace(/<[^>]+>/g, (t) => `\u0000${t}\u0001`)}\``)
  s = s.replace(/<img\b[^>]*\balt="([^"]*)"[^>]*>/gi, "$1")
  s = s.replace(/<br\s*\/?>/gi, " ")
  s = s.replace(/\{@link\s+([^}\s]+)\s*\}/g, (_m, ref: string) => linkToSchemaName(ref))
  // strip every remaining tag, but not the ones protected inside <code> above
  s = s.replace(/<\/?[a-z][^>]*>/gi, "")
  s = s.replace(/\u0000([^\u0001]*)\u0001/g, "$1")
  s = decodeEntities(s)
  // "*/" would end the JSDoc block the generator writes these into
  s = s.replace(/\*\//g, "* /")
  return s.replace(/\s+/g, " ").trim()
}

const docLines = (entry: JsonEntry): Array<string> => {
  const lines: Array<string> = []
  const description = entry.comment ? plainText(entry.comment) : ""
  if (description) lines.push(`// @description ${description}`)
  for (const arg of entry.arguments) {
    const text = arg.comment ? plainText(arg.comment) : ""
    if (text) lines.push(`// @param ${arg.name} ${text}`)
  }
  return lines
}

/**
 * The constructor-id rule (shared/vectors/tl_serialization.json): CRC32 of the declaration
 * without id, `?true` params and braces, `bytes` hashed as `string`, `<`/`>` flattened.
 * Checking it here proves that what we print is what Telegram hashed.
 */
const normalizedForId = (line: string): string =>
  line
    .replace(/;\s*$/, "")
    .replace(/^([\w.]+)#[0-9a-f]+/, "$1")
    .replace(/ \w+:flags2?\.\d+\?true\b/g, "")
    .replace(/:bytes\b/g, ":string")
    .replace(/\?bytes\b/g, "?string")
    .replace(/</g, " ")
    .replace(/[>{}]/g, "")
    .replace(/\s+/g, " ")
    .trim()

const idMatches = (line: string, id: number): boolean => crc32(normalizedForId(line)) >>> 0 === id >>> 0

const isMtcuteOnly = (entry: JsonEntry): boolean => entry.name.startsWith("mtcute.")

/** A renamed old-layer combinator: its id hashes once the `Legacy` suffix is removed. */
const isRenamedLegacy = (entry: JsonEntry): boolean =>
  entry.name.endsWith("Legacy") &&
  !idMatches(declaration(entry), entry.id) &&
  idMatches(declaration({ ...entry, name: entry.name.slice(0, -"Legacy".length) }), entry.id)

const dropped = schema.e.filter((e) => isMtcuteOnly(e) || isRenamedLegacy(e))
const entries = schema.e.filter((e) => !dropped.includes(e))

const wrongIds = entries.filter((e) => !idMatches(declaration(e), e.id))
if (wrongIds.length > 0) {
  // a mismatch means this script misprints some construct: refuse to write a bad schema
  throw new Error(`constructor id check failed for: ${wrongIds.map((e) => declaration(e)).join("\n")}`)
}

const present = new Set(entries.map((e) => e.name))
const classes = entries.filter((e) => e.kind === "class")
const methods = entries.filter((e) => e.kind === "method")

const out: Array<string> = []
const missingBuiltins = builtins.filter(([name]) => !present.has(name))
for (const [, line] of missingBuiltins) out.push(line)
if (missingBuiltins.length > 0) out.push("")

for (const entry of classes) {
  out.push(...docLines(entry), declaration(entry))
}
out.push("", "---functions---", "")
for (const entry of methods) {
  out.push(...docLines(entry), declaration(entry))
}
out.push("", `// LAYER ${layer}`, "")

writeFileSync(outPath, out.join("\n"))
console.log(
  `schema/api.tl: layer ${layer}, ${classes.length + missingBuiltins.length} constructors ` +
    `(${missingBuiltins.length} built-ins added), ${methods.length} functions, ` +
    `all ids verified; dropped ${dropped.length} non-layer entries (${dropped.map((e) => e.name).join(", ")})`
)
