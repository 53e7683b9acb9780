/**
 * Parser for the TL schema language as used by Telegram (`api.tl`, `mtproto.tl`).
 *
 * The parser is deliberately independent of code generation: it turns schema text into a
 * small AST ({@link TlSchema}), collects syntax errors with positions instead of stopping
 * at the first one, and can verify explicit constructor ids against the CRC32 of the
 * normalized declaration ({@link verifyIds}).
 *
 * @module
 */
import { crc32 } from "node:zlib"

/** A position-carrying problem found in a schema file. */
export interface TlDiagnostic {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly message: string
}

/** A type reference as written in a parameter or result position. */
export type TlType =
  /** `#`: a 32-bit natural number (flags words). */
  | { readonly kind: "nat" }
  /** `!X`: a query of type variable X (serialized boxed). */
  | { readonly kind: "bang"; readonly name: string }
  /**
   * A named type with optional type arguments. `bare` is true for `%T` and for names
   * whose first letter of the last segment is lower case (`vector<T>`, `int`, `future_salt`).
   */
  | { readonly kind: "named"; readonly name: string; readonly percent: boolean; readonly args: ReadonlyArray<TlType> }

/** One parameter (field) of a combinator. */
export interface TlParam {
  readonly name: string
  readonly type: TlType
  /** `flags.N?T`: the flags field holding the bit and the bit number. */
  readonly cond?: { readonly field: string; readonly bit: number } | undefined
  /** Doc text from the schema comments, if any. */
  readonly doc?: string | undefined
}

/** A constructor or function declaration. */
export interface TlCombinator {
  /** Full name including namespace, e.g. `help.config`. */
  readonly name: string
  readonly section: "types" | "functions"
  /** The explicit `#id` if present (unsigned). */
  readonly explicitId: number | undefined
  /** The id computed from the normalized declaration (unsigned). */
  readonly computedId: number
  /** The id used on the wire: explicit if present, else computed. */
  readonly id: number
  /** Type parameters `{X:Type}`. */
  readonly typeParams: ReadonlyArray<string>
  readonly params: ReadonlyArray<TlParam>
  /** Result type (`= Type`). */
  readonly result: TlType
  /** Built-in declarations (`int ? = Int;`, `vector {t:Type} # [ t ] = Vector t;`): not generated. */
  readonly builtin: boolean
  /** The text the id is computed from. */
  readonly normalized: string
  readonly doc?: string | undefined
  readonly file: string
  readonly line: number
  readonly column: number
  /** Position of the `#id` (or of the name when there is none), for id diagnostics. */
  readonly idLine: number
  readonly idColumn: number
}

/** Result of {@link parseSchema}. */
export interface TlSchema {
  readonly file: string
  readonly combinators: ReadonlyArray<TlCombinator>
  /** `N` of the last `// LAYER N` comment, if any. */
  readonly layer: number | undefined
  readonly errors: ReadonlyArray<TlDiagnostic>
}

interface Token {
  readonly kind: "ident" | "punct" | "id" | "number"
  readonly text: string
  readonly line: number
  readonly column: number
}

interface Comment {
  readonly text: string
  readonly line: number
}

class SyntaxErr extends Error {
  readonly line: number
  readonly column: number
  constructor(line: number, column: number, message: string) {
    super(message)
    this.line = line
    this.column = column
  }
}

/** CRC32 (IEEE, as zlib) of the UTF-8 text, unsigned. */
export const crc32Text = (text: string): number => crc32(Buffer.from(text, "utf8")) >>> 0

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c)
const isIdentChar = (c: string) => /[A-Za-z0-9_.]/.test(c)

/**
 * Parses TL schema text. Never throws on bad input: syntax errors are collected in
 * `errors` (line and column 1-based) and the faulty declaration is skipped.
 */
export const parseSchema = (text: string, file = "<input>"): TlSchema => {
  const errors: TlDiagnostic[] = []
  const combinators: TlCombinator[] = []
  let layer: number | undefined
  let section: "types" | "functions" = "types"
  let pending: Token[] = []
  // Comment lines since the last declaration; only a contiguous block that ends on the
  // line just above a declaration becomes its doc.
  let comments: Comment[] = []
  let docForPending: Comment[] = []

  let i = 0
  let line = 1
  let col = 1
  const n = text.length
  const advance = (k: number) => {
    for (let j = 0; j < k; j++) {
      if (text[i] === "\n") {
        line++
        col = 1
      } else {
        col++
      }
      i++
    }
  }

  const flush = (endLine: number, endCol: number) => {
    const toks = pending
    pending = []
    const doc = docForPending
    docForPending = []
    if (toks.length === 0) {
      errors.push({ file, line: endLine, column: endCol, message: "empty declaration before ';'" })
      return
    }
    try {
      combinators.push(parseDeclaration(toks, section, file, doc))
    } catch (e) {
      if (e instanceof SyntaxErr) errors.push({ file, line: e.line, column: e.column, message: e.message })
      else throw e
    }
  }

  while (i < n) {
    const c = text[i]!
    if (c === "\n" || c === " " || c === "\t" || c === "\r") {
      advance(1)
      continue
    }
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i)
      const body = text.slice(i + 2, end === -1 ? n : end)
      const m = /^\s*LAYER\s+(\d+)\s*$/.exec(body)
      if (m) layer = Number(m[1])
      if (pending.length === 0) {
        const last = comments[comments.length - 1]
        if (last !== undefined && last.line !== line - 1) comments = []
        comments.push({ text: body, line })
      }
      advance((end === -1 ? n : end) - i)
      continue
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      if (end === -1) {
        errors.push({ file, line, column: col, message: "unterminated /* comment" })
        break
      }
      advance(end + 2 - i)
      continue
    }
    if (c === "-" && text.startsWith("---", i)) {
      const m = /^---(\w+)---/.exec(text.slice(i, i + 32))
      if (m && (m[1] === "types" || m[1] === "functions")) {
        if (pending.length > 0) {
          errors.push({ file, line, column: col, message: "expected ';' before section marker" })
          pending = []
        }
        section = m[1]
        comments = []
        advance(m[0].length)
        continue
      }
      errors.push({ file, line, column: col, message: "expected ---types--- or ---functions---" })
      advance(1)
      continue
    }
    if (c === ";") {
      flush(line, col)
      comments = []
      advance(1)
      continue
    }
    if (pending.length === 0) {
      // First token of a declaration: its doc is the comment block ending just above it.
      const last = comments[comments.length - 1]
      docForPending = last !== undefined && last.line === line - 1 ? comments : []
      comments = []
    }
    const startLine = line
    const startCol = col
    if (isIdentStart(c)) {
      let j = i + 1
      while (j < n && isIdentChar(text[j]!)) j++
      pending.push({ kind: "ident", text: text.slice(i, j), line: startLine, column: startCol })
      advance(j - i)
      // `name#hex` with no space: the constructor id.
      if (text[i] === "#" && /[0-9a-fA-F]/.test(text[i + 1] ?? "")) {
        let k = i + 1
        while (k < n && /[0-9a-fA-F]/.test(text[k]!)) k++
        pending.push({ kind: "id", text: text.slice(i + 1, k), line, column: col })
        advance(k - i)
      }
      continue
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1
      while (j < n && /[0-9]/.test(text[j]!)) j++
      pending.push({ kind: "number", text: text.slice(i, j), line: startLine, column: startCol })
      advance(j - i)
      continue
    }
    if ("#:?{}<>!%=[]*,().".includes(c)) {
      pending.push({ kind: "punct", text: c, line: startLine, column: startCol })
      advance(1)
      continue
    }
    errors.push({ file, line, column: col, message: `unexpected character ${JSON.stringify(c)}` })
    advance(1)
  }
  if (pending.length > 0) {
    const t = pending[0]!
    errors.push({ file, line: t.line, column: t.column, message: "expected ';' at end of declaration" })
  }
  return { file, combinators, layer, errors }
}

const BUILTIN_MARKERS = new Set(["?", "[", "*"])

const parseDeclaration = (
  toks: ReadonlyArray<Token>,
  section: "types" | "functions",
  file: string,
  doc: ReadonlyArray<Comment>
): TlCombinator => {
  let p = 0
  const peek = () => toks[p]
  const last = toks[toks.length - 1]!
  const fail = (what: string): never => {
    const t = toks[p]
    if (t === undefined) throw new SyntaxErr(last.line, last.column + last.text.length, `expected ${what}, found ';'`)
    throw new SyntaxErr(t.line, t.column, `expected ${what}, found ${JSON.stringify(t.text)}`)
  }
  const expectPunct = (s: string) => {
    const t = peek()
    if (t?.kind !== "punct" || t.text !== s) fail(`'${s}'`)
    p++
  }
  const nameTok = peek()
  if (nameTok?.kind !== "ident") fail("a combinator name")
  const name = nameTok!.text
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new SyntaxErr(nameTok!.line, nameTok!.column, `expected a combinator name (ns.name), found ${JSON.stringify(name)}`)
  }
  p++
  let explicitId: number | undefined
  let idLine = nameTok!.line
  let idColumn = nameTok!.column
  if (peek()?.kind === "id") {
    const t = peek()!
    if (t.text.length > 8) throw new SyntaxErr(t.line, t.column, "expected at most 8 hex digits in constructor id")
    explicitId = parseInt(t.text, 16) >>> 0
    idLine = t.line
    idColumn = t.column
    p++
  }
  const eqIndex = toks.findIndex((t) => t.kind === "punct" && t.text === "=")
  if (eqIndex === -1) {
    p = toks.length
    fail("'=' and a result type")
  }
  const docs = parseDoc(doc)
  // Built-ins (`int ? = Int`, `int128 4*[ int ] = Int128`, `vector {t:Type} # [ t ] = Vector t`)
  // use syntax outside the combinator subset; their ids are checked on the raw text.
  if (toks.slice(p, eqIndex).some((t) => t.kind === "punct" && BUILTIN_MARKERS.has(t.text) && !isCondQuestion(toks, toks.indexOf(t)))) {
    const raw = toks.slice(p).filter((t) => !(t.kind === "punct" && (t.text === "{" || t.text === "}")))
    const normalized = [name, ...raw.map((t) => t.text)].join(" ").replace(/\s*:\s*/g, ":")
    const computedId = crc32Text(normalized)
    return {
      name, section, explicitId, computedId, id: explicitId ?? computedId, typeParams: [], params: [],
      result: { kind: "named", name: toks.slice(eqIndex + 1).map((t) => t.text).join(" "), percent: false, args: [] },
      builtin: true, normalized, doc: docs.description, file, line: nameTok!.line, column: nameTok!.column, idLine, idColumn
    }
  }
  const typeParams: string[] = []
  const params: TlParam[] = []
  while (p < eqIndex) {
    const t = peek()!
    if (t.kind === "punct" && t.text === "{") {
      p++
      const v = peek()
      if (v?.kind !== "ident") fail("a type variable name")
      p++
      expectPunct(":")
      const k = peek()
      if (k?.kind !== "ident" || k.text !== "Type") fail("'Type'")
      p++
      expectPunct("}")
      typeParams.push(v!.text)
      continue
    }
    if (t.kind !== "ident") fail("a parameter name")
    const pname = t.text
    p++
    expectPunct(":")
    let cond: TlParam["cond"]
    const maybeFlag = peek()
    const q = toks[p + 1]
    if (maybeFlag?.kind === "ident" && /^[A-Za-z_]\w*\.\d+$/.test(maybeFlag.text) && q?.kind === "punct" && q.text === "?") {
      const [field, bit] = maybeFlag.text.split(".") as [string, string]
      const b = Number(bit)
      if (b > 31) throw new SyntaxErr(maybeFlag.line, maybeFlag.column, "expected a flag bit between 0 and 31")
      if (!params.some((x) => x.name === field && x.type.kind === "nat")) {
        throw new SyntaxErr(maybeFlag.line, maybeFlag.column, `expected a preceding '${field}:#' parameter for ${maybeFlag.text}`)
      }
      cond = { field, bit: b }
      p += 2
    }
    const [type, next] = parseType(toks, p, eqIndex, fail)
    p = next
    params.push({ name: pname, type, cond, doc: docs.params.get(pname) })
  }
  p = eqIndex + 1
  if (p >= toks.length) fail("a result type")
  const [result, after] = parseResultType(toks, p, fail)
  if (after < toks.length) {
    p = after
    fail("';'")
  }
  const normalized = normalize(name, typeParams, params, result)
  const computedId = crc32Text(normalized)
  return {
    name, section, explicitId, computedId, id: explicitId ?? computedId, typeParams, params, result,
    builtin: false, normalized, doc: docs.description, file, line: nameTok!.line, column: nameTok!.column, idLine, idColumn
  }
}

const isCondQuestion = (toks: ReadonlyArray<Token>, idx: number): boolean => {
  const t = toks[idx]!
  const prev = toks[idx - 1]
  return t.text === "?" && prev?.kind === "ident" && /^[A-Za-z_]\w*\.\d+$/.test(prev.text)
}

type Fail = (what: string) => never

const parseType = (toks: ReadonlyArray<Token>, p: number, end: number, fail: Fail): [TlType, number] => {
  const t = toks[p]
  if (t === undefined || p >= end) return fail("a type")
  if (t.kind === "punct" && t.text === "#") return [{ kind: "nat" }, p + 1]
  if (t.kind === "punct" && t.text === "!") {
    const v = toks[p + 1]
    if (v?.kind !== "ident") return fail("a type variable after '!'")
    return [{ kind: "bang", name: v.text }, p + 2]
  }
  let percent = false
  if (t.kind === "punct" && t.text === "%") {
    percent = true
    p++
  }
  const nameTok = toks[p]
  if (nameTok?.kind !== "ident") return fail("a type name")
  p++
  const args: TlType[] = []
  const lt = toks[p]
  if (lt?.kind === "punct" && lt.text === "<") {
    p++
    for (;;) {
      const [arg, next] = parseType(toks, p, end, fail)
      args.push(arg)
      p = next
      const sep = toks[p]
      if (sep?.kind === "punct" && sep.text === ",") {
        p++
        continue
      }
      if (sep?.kind === "punct" && sep.text === ">") {
        p++
        break
      }
      return fail("'>' or ','")
    }
  }
  return [{ kind: "named", name: nameTok.text, percent, args }, p]
}

/** Result types may use `Vector<T>` or the juxtaposition form `Vector t`. */
const parseResultType = (toks: ReadonlyArray<Token>, p: number, fail: Fail): [TlType, number] => {
  const [head, next] = parseType(toks, p, toks.length, fail)
  if (head.kind !== "named" || head.args.length > 0) return [head, next]
  const args: TlType[] = []
  let q = next
  while (q < toks.length && toks[q]!.kind === "ident") {
    args.push({ kind: "named", name: toks[q]!.text, percent: false, args: [] })
    q++
  }
  return [args.length > 0 ? { ...head, args } : head, q]
}

/** Prints a type in the normalized form used for the CRC (`Vector<T>` → `Vector T`). */
const typeText = (t: TlType): string => {
  switch (t.kind) {
    case "nat":
      return "#"
    case "bang":
      return `!${t.name}`
    case "named":
      return [(t.percent ? "%" : "") + t.name, ...t.args.map(typeText)].join(" ")
  }
}

const isTrueType = (t: TlType) => t.kind === "named" && t.name === "true" && !t.percent && t.args.length === 0

/**
 * The normalized declaration the id is the CRC32 of (see
 * `shared/vectors/tl_serialization.json`, `constructor_id_rule`): no id, no `;`,
 * `flags.N?true` params removed, a top-level `bytes` type hashed as `string`,
 * `<`/`>` and `{`/`}` dropped, single spaces.
 */
export const normalize = (
  name: string,
  typeParams: ReadonlyArray<string>,
  params: ReadonlyArray<TlParam>,
  result: TlType
): string => {
  const parts = [name, ...typeParams.map((x) => `${x}:Type`)]
  for (const prm of params) {
    if (prm.cond !== undefined && isTrueType(prm.type)) continue
    const ty = prm.type.kind === "named" && prm.type.name === "bytes" && prm.type.args.length === 0 && !prm.type.percent
      ? "string"
      : typeText(prm.type)
    parts.push(`${prm.name}:${prm.cond !== undefined ? `${prm.cond.field}.${prm.cond.bit}?` : ""}${ty}`)
  }
  parts.push("=", typeText(result))
  return parts.join(" ")
}

interface ParsedDoc {
  readonly description: string | undefined
  readonly params: Map<string, string>
}

/**
 * Doc comments: either the tagged style (`// @description text`, `// @param name text`,
 * `//@name text` as in TDLib, several tags per line allowed) or plain `//` lines, which
 * become the declaration's description. Lenient: unknown shapes are kept as text.
 */
const parseDoc = (lines: ReadonlyArray<Comment>): ParsedDoc => {
  const params = new Map<string, string>()
  if (lines.length === 0) return { description: undefined, params }
  const text = lines.map((l) => l.text.trim()).join("\n")
  if (!/(^|\s)@\w/.test(text)) {
    const plain = text.trim()
    return { description: plain === "" ? undefined : plain, params }
  }
  let description: string | undefined
  const plainHead = text.slice(0, text.search(/(^|\s)@\w/)).trim()
  const re = /(?:^|\s)@(\w+)\s+([\s\S]*?)(?=(?:\s@\w+\s)|$)/g
  for (const m of text.matchAll(re)) {
    const tag = m[1]!
    let body = m[2]!.trim()
    if (tag === "description") {
      description = body
    } else if (tag === "param") {
      const sp = /^(\w+)\s*([\s\S]*)$/.exec(body)
      if (sp) params.set(sp[1]!, sp[2]!.trim())
    } else if (tag === "class" || tag === "type" || tag === "method" || tag === "returns" || tag === "throws") {
      // Not field docs; ignore.
      body = ""
    } else {
      params.set(tag === "param_description" ? "description" : tag, body)
    }
  }
  if (description === undefined && plainHead !== "") description = plainHead
  return { description, params }
}

/** Known explicit ids that do not follow the CRC32 rule (see `shared/schema/SOURCE.md`). */
export const ID_RULE_EXCEPTIONS: ReadonlyMap<string, number> = new Map([
  // Hashed as `msg_container messages:vector message = MessageContainer` (bare lower-case `message`).
  ["msg_container", 0x73f1f8dc],
  // tdesktop's mtproto.tl: hashed with `bytes` kept; config-over-DNS types not reproducible.
  ["ipPortSecret", 0x37982646],
  ["accessPointRule", 0x4679b65f],
  ["help.configSimple", 0x5a592a6c]
])

/**
 * Returns a diagnostic for every explicit id that differs from the computed one,
 * except the documented exceptions in `allow` (name → exact id).
 */
export const verifyIds = (
  schema: TlSchema,
  allow: ReadonlyMap<string, number> = ID_RULE_EXCEPTIONS
): ReadonlyArray<TlDiagnostic> => {
  const out: TlDiagnostic[] = []
  for (const c of schema.combinators) {
    if (c.explicitId === undefined || c.explicitId === c.computedId) continue
    if (allow.get(c.name) === c.explicitId) continue
    out.push({
      file: c.file, line: c.idLine, column: c.idColumn,
      message: `constructor id mismatch for ${c.name}: explicit #${hex(c.explicitId)}, computed #${hex(c.computedId)} from "${c.normalized}"`
    })
  }
  return out
}

/** 8-digit lower-case hex of an unsigned 32-bit id. */
export const hex = (id: number): string => (id >>> 0).toString(16).padStart(8, "0")

/** `file:line:column: message`. */
export const formatDiagnostic = (d: TlDiagnostic): string => `${d.file}:${d.line}:${d.column}: ${d.message}`
