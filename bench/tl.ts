/**
 * TL codec benchmark: our generated codec against mtcute's (`@mtcute/tl-runtime` +
 * `@mtcute/tl` reader/writer maps), side by side in one process, on the same object and
 * the same bytes.
 *
 * Workload: a `messages.messages` of 100 messages / 50 users / 10 channels, the kind of
 * answer a client decodes constantly (history, dialogs, search). Also measured: the cold
 * import time of each codec in a fresh process, since a generated API of ~2,300
 * combinators is a startup cost every user pays.
 *
 * `npx tsx bench/index.ts tl` runs only this section.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { TlBinaryReader, TlBinaryWriter } from "@mtcute/tl-runtime"
import type { TlReaderMap, TlWriterMap } from "@mtcute/tl-runtime"
import { buildMessagesMessages, type TlObject } from "./fixtures/messages.ts"
import { compare, fmt, median, RUN_MS, RUNS, sinkValue, WARMUP_MS } from "./support/measure.ts"

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL("..", import.meta.url))

// ---------------------------------------------------------------------------------------
// mtcute side

const mtReaderMap = (require("@mtcute/tl/binary/reader.js") as { __tlReaderMap: TlReaderMap }).__tlReaderMap
const mtWriterMap = (require("@mtcute/tl/binary/writer.js") as { __tlWriterMap: TlWriterMap }).__tlWriterMap

/**
 * mtcute represents `long` as a `Long` from the `long` package. Resolved from
 * tl-runtime's own location, because that is the copy its writer/reader use and it is not
 * our dependency.
 */
const Long = createRequire(require.resolve("@mtcute/tl-runtime"))("long") as {
  fromBigInt(value: bigint, unsigned?: boolean): unknown
}

interface SchemaArgument {
  readonly name: string
  readonly type: string
  readonly typeModifiers?: { readonly isVector?: boolean; readonly isBareVector?: boolean }
}
const mtSchema = JSON.parse(readFileSync(require.resolve("@mtcute/tl/api-schema.json"), "utf8")) as {
  readonly e: ReadonlyArray<{ readonly name: string; readonly arguments: ReadonlyArray<SchemaArgument> }>
}
const argumentsByName = new Map(mtSchema.e.map((e) => [e.name, e.arguments]))

/** mtcute's field naming: `access_hash` → `accessHash`. */
const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())

/**
 * Our object → mtcute's object, driven by mtcute's own schema, so the conversion knows
 * which `long`s mtcute keeps as `Long` and which it narrowed to a JS number (`int53`).
 */
const toMtcute = (obj: TlObject): Record<string, unknown> => {
  const args = argumentsByName.get(obj._tag)
  if (args === undefined) throw new Error(`mtcute's schema has no ${obj._tag}`)
  const out: Record<string, unknown> = { _: obj._tag }
  for (const arg of args) {
    if (arg.type === "#") continue
    const value = obj[arg.name]
    if (value === undefined) continue
    const one = (v: unknown): unknown => {
      switch (arg.type) {
        case "long":
          return Long.fromBigInt(v as bigint)
        case "int53":
          return Number(v as bigint)
        default:
          return typeof v === "object" && v !== null && "_tag" in v ? toMtcute(v as TlObject) : v
      }
    }
    const vector = arg.typeModifiers?.isVector === true || arg.typeModifiers?.isBareVector === true
    out[camel(arg.name)] = vector ? (value as ReadonlyArray<unknown>).map(one) : one(value)
  }
  return out
}

const mtEncode = (obj: Record<string, unknown>): Uint8Array =>
  TlBinaryWriter.serializeObject(mtWriterMap, obj as { _: string })
const mtDecode = (bytes: Uint8Array): unknown => TlBinaryReader.deserializeObject(mtReaderMap, bytes)

// ---------------------------------------------------------------------------------------
// our side (loaded dynamically: the bench must still run while the codec is being built)

interface OurTl {
  readonly serialize: (obj: never) => Uint8Array
  readonly deserialize: (bytes: Uint8Array) => unknown
}

const ourEntry = join(root, "src/tl/index.ts")

const loadOurs = async (): Promise<OurTl | string> => {
  if (!existsSync(ourEntry)) return "src/tl/index.ts does not exist yet"
  if (!existsSync(join(root, "src/tl/generated"))) return "src/tl/generated/ is missing (run `npm run generate`)"
  try {
    const mod = (await import(pathToFileURL(ourEntry).href)) as Partial<OurTl>
    if (typeof mod.serialize !== "function" || typeof mod.deserialize !== "function") {
      return "src/tl/index.ts does not export serialize/deserialize"
    }
    return mod as OurTl
  } catch (e) {
    return `importing src/tl/index.ts failed: ${e instanceof Error ? e.message : String(e)}`
  }
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

const firstDifference = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return n
}

// ---------------------------------------------------------------------------------------
// cold import time, each in a fresh node process

const IMPORT_RUNS = 7

interface ImportCase {
  readonly label: string
  readonly urls: ReadonlyArray<string>
  readonly nodeArgs?: ReadonlyArray<string>
}

/** ms spent in `import()` of the case's module URLs, in a fresh node process. */
const coldImportOnce = (c: ImportCase): number | string => {
  const script =
    `const t0 = performance.now();` +
    `await Promise.all(${JSON.stringify(c.urls)}.map((u) => import(u)));` +
    `console.log(performance.now() - t0);`
  const res = spawnSync(process.execPath, [...(c.nodeArgs ?? []), "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8"
  })
  const ms = Number.parseFloat(res.stdout.trim().split("\n").pop() ?? "")
  if (res.status !== 0 || !Number.isFinite(ms)) return `failed: ${res.stderr.trim().split("\n").slice(-3).join(" | ")}`
  return ms
}

/**
 * Median per case; the cases take turns (A B C A B C ...) so background load on the
 * machine is spread over all of them instead of landing on whichever ran last.
 */
const coldImportMedians = (cases: ReadonlyArray<ImportCase>): Array<number | string> => {
  const times = cases.map((): Array<number> => [])
  const failures: Array<string | undefined> = cases.map(() => undefined)
  for (let i = 0; i < IMPORT_RUNS; i++) {
    cases.forEach((c, k) => {
      if (failures[k] !== undefined) return
      const r = coldImportOnce(c)
      if (typeof r === "string") failures[k] = r
      else times[k]?.push(r)
    })
  }
  return cases.map((_, k) => failures[k] ?? median(times[k] as Array<number>))
}

/**
 * Our codec as plain JS, so the comparison with mtcute's (shipped as JS) is not skewed by
 * tsx transforming TypeScript on the fly. Uses `dist/` when a build exists, otherwise
 * compiles `src/tl` (following its imports only) into a scratch dir with the project's tsc.
 */
const ourCompiledEntry = (): { url: string; note: string; cleanup: () => void } | string => {
  const dist = join(root, "dist/tl/index.js")
  if (existsSync(dist)) return { url: pathToFileURL(dist).href, note: "dist/tl/index.js (npm run build)", cleanup: () => {} }
  // inside the project (under node_modules/, ignored by git) so the compiled code resolves
  // its dependencies (`effect`, ...) exactly as the source does
  const cacheDir = join(root, "node_modules/.cache")
  mkdirSync(cacheDir, { recursive: true })
  const out = mkdtempSync(join(cacheDir, "effect-mtproto-bench-tl-"))
  const tsc = join(root, "node_modules/.bin/tsc")
  const res = spawnSync(
    tsc,
    [
      ourEntry,
      "--outDir", out, "--rootDir", join(root, "src"),
      "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
      "--allowImportingTsExtensions", "--rewriteRelativeImportExtensions",
      "--skipLibCheck", "--types", "node", "--noCheck",
      // TS 7 refuses to mix a tsconfig.json in cwd with files on the command line
      "--ignoreConfig"
    ],
    { cwd: root, encoding: "utf8" }
  )
  const entry = join(out, "tl/index.js")
  if (!existsSync(entry)) {
    rmSync(out, { recursive: true, force: true })
    return `tsc could not compile src/tl: ${(res.stdout + res.stderr).trim().split("\n").slice(0, 3).join(" | ")}`
  }
  return {
    url: pathToFileURL(entry).href,
    note: "src/tl compiled to JS by tsc (no dist/)",
    cleanup: () => rmSync(out, { recursive: true, force: true })
  }
}

const mtcuteCodecUrls = [
  import.meta.resolve("@mtcute/tl-runtime"),
  pathToFileURL(require.resolve("@mtcute/tl/binary/reader.js")).href,
  pathToFileURL(require.resolve("@mtcute/tl/binary/writer.js")).href
]

const printImportTimes = (oursAvailable: boolean): void => {
  const tsx = ["--import", "tsx"]
  const cases: Array<ImportCase> = [{ label: "mtcute: tl-runtime + binary/reader.js + writer.js", urls: mtcuteCodecUrls }]
  let cleanup = (): void => {}
  let compileFailure: string | undefined
  if (oursAvailable) {
    const compiled = ourCompiledEntry()
    if (typeof compiled === "string") {
      compileFailure = compiled
    } else {
      cleanup = compiled.cleanup
      cases.push({ label: `ours: ${compiled.note}`, urls: [compiled.url] })
    }
    cases.push(
      // our codec's only runtime dependency; its share of our number is fixed cost
      { label: "  reference: effect/Effect alone (ours imports it)", urls: [import.meta.resolve("effect/Effect")] },
      // what a user running TypeScript directly sees; tsx's transform (and its disk cache,
      // warm after the first run) is included, so mtcute is measured under tsx too
      { label: "under tsx: mtcute (same modules)", urls: mtcuteCodecUrls, nodeArgs: tsx },
      { label: "under tsx: ours src/tl/index.ts", urls: [pathToFileURL(ourEntry).href], nodeArgs: tsx }
    )
  }
  let results: Array<number | string>
  try {
    results = coldImportMedians(cases)
  } finally {
    cleanup()
  }
  console.log(`\ncold import (fresh node process each, median of ${IMPORT_RUNS}, cases interleaved):`)
  const show = (label: string, v: number | string) =>
    console.log(`  ${label.padEnd(52)} ${typeof v === "number" ? `${v.toFixed(1).padStart(7)} ms` : v}`)
  cases.forEach((c, k) => show(c.label, results[k] as number | string))
  if (!oursAvailable) console.log("  ours: skipped (codec not available yet)")
  if (compileFailure !== undefined) show("ours: (compiled JS)", compileFailure)
}

// ---------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const fixture = buildMessagesMessages()
  const mtObject = toMtcute(fixture)
  const mtBytes = mtEncode(mtObject)
  console.log(
    `workload: messages.messages with 100 messages, 50 users, 10 channels (${mtBytes.length} bytes encoded)`
  )
  console.log(`node ${process.version}, ${RUNS} runs of ~${RUN_MS} ms per contender after ${WARMUP_MS} ms warmup; median ops/s`)

  const ours = await loadOurs()
  if (typeof ours === "string") {
    console.log(`ours: not measured — ${ours}`)
    const r = compare({ encode: () => mtEncode(mtObject), decode: () => mtDecode(mtBytes) })
    console.log(`  mtcute encode ${fmt(r["encode"] as number)} ops/s`)
    console.log(`  mtcute decode ${fmt(r["decode"] as number)} ops/s`)
    printImportTimes(false)
    return
  }

  const serialize = ours.serialize as (obj: unknown) => Uint8Array
  const ourBytes = serialize(fixture)
  const identical = bytesEqual(ourBytes, mtBytes)
  console.log(
    identical
      ? `encodings identical: yes (${ourBytes.length} bytes)`
      : `encodings identical: NO — ours ${ourBytes.length} bytes, mtcute ${mtBytes.length} bytes, first difference at offset ${firstDifference(ourBytes, mtBytes)}`
  )
  const decodedOnce = ours.deserialize(mtBytes)
  const roundTrip = bytesEqual(serialize(decodedOnce), mtBytes)
  console.log(`ours: deserialize(mtcute bytes) re-serializes to the same bytes: ${roundTrip ? "yes" : "NO"}`)

  // both decoders read the same buffer: mtcute's encoding (identical to ours when the line above says so)
  const enc = compare({ ours: () => serialize(fixture), mtcute: () => mtEncode(mtObject) })
  const dec = compare({ ours: () => ours.deserialize(mtBytes), mtcute: () => mtDecode(mtBytes) })

  const line = (what: string, r: Record<string, number>) => {
    const o = r["ours"] as number
    const m = r["mtcute"] as number
    console.log(`  ${what}  ours ${fmt(o)} ops/s   mtcute ${fmt(m)} ops/s   ours/mtcute ${(o / m).toFixed(2)}x`)
  }
  line("encode", enc)
  line("decode", dec)

  printImportTimes(true)
  if (sinkValue() === 0x7fffffff) console.log("") // keeps the sink observable
}
