/**
 * Turns parsed schemas into TypeScript: `types.ts` (type-only namespaces `Api` and `Mt`,
 * method→result maps) and `codec.ts` (straight-line reader/writer functions per
 * combinator, the id registry and the tag table) and `ids.ts` (the service schema's ids by
 * name). Pure: same input, same output.
 *
 * Naming: `help.config` becomes `Api.help.config` (a constructor or method interface) and
 * `help.Config` becomes `Api.help.Config` (the union of its constructors). A constructor
 * name that is a reserved word gets a trailing `_` in the type name only (`Api.true_`,
 * `Api.null_`); `_tag` always holds the schema name.
 *
 * @module
 */
import type { TlCombinator, TlSchema, TlType } from "./tl-parser.ts"
import { hex } from "./tl-parser.ts"

/** One schema with the names it is generated under. */
export interface SchemaInput {
  readonly schema: TlSchema
  /** Type namespace, `Api` or `Mt`. */
  readonly ns: string
  /** Short prefix for generated function names. */
  readonly prefix: string
}

/** Generated files, path (relative to the output dir) → contents. */
export type GeneratedFiles = ReadonlyMap<string, string>

type Prim = "int" | "long" | "double" | "string" | "bytes" | "int128" | "int256" | "Bool" | "true" | "nat"

type Resolved =
  | { readonly k: "prim"; readonly p: Prim }
  | { readonly k: "vec"; readonly boxed: boolean; readonly elem: Resolved }
  | { readonly k: "boxed"; readonly ctx: Ctx; readonly type: string }
  | { readonly k: "bare"; readonly ctx: Ctx; readonly ctor: TlCombinator }
  | { readonly k: "any"; readonly tvar?: string }
  | { readonly k: "raw" }

interface Ctx {
  readonly ns: string
  readonly prefix: string
  readonly file: string
  readonly ctors: ReadonlyArray<TlCombinator>
  readonly fns: ReadonlyArray<TlCombinator>
  readonly byName: ReadonlyMap<string, TlCombinator>
  readonly types: ReadonlyMap<string, ReadonlyArray<TlCombinator>>
  /** Constructor names that another (earlier) schema already uses: kept out of the tag table. */
  readonly shadowed: ReadonlySet<string>
}

const PRIMS: ReadonlyMap<string, Prim> = new Map<string, Prim>([
  ["int", "int"], ["long", "long"], ["double", "double"], ["string", "string"], ["bytes", "bytes"],
  ["int128", "int128"], ["int256", "int256"], ["Bool", "Bool"], ["true", "true"]
])

/** Combinators that the codec handles itself rather than by generated code. */
const SKIP = new Set(["boolFalse", "boolTrue", "vector"])

const RESERVED = new Set((
  "break case catch class const continue debugger default delete do else enum export extends false finally for " +
  "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
  "implements interface let package private protected public static yield any boolean never number object string " +
  "symbol unknown bigint undefined"
).split(" "))

const typeKey = (t: TlType): string => t.kind === "named" ? [t.name, ...t.args.map(typeKey)].join(" ") : t.kind === "bang" ? `!${t.name}` : "#"

const lastSeg = (name: string) => name.slice(name.lastIndexOf(".") + 1)
const isUpper = (name: string) => /^[A-Z]/.test(lastSeg(name))

/** `help.config` → `help.config`, `true` → `true_` (TS type path inside the namespace). */
const tsPath = (name: string): string => {
  const dot = name.lastIndexOf(".")
  const seg = name.slice(dot + 1)
  return (dot === -1 ? "" : name.slice(0, dot + 1)) + (RESERVED.has(seg) ? `${seg}_` : seg)
}
const fnId = (name: string) => name.replace(/\./g, "$")

class GenError extends Error {}

const fail = (c: TlCombinator, msg: string): never => {
  throw new GenError(`${c.file}:${c.line}:${c.column}: ${c.name}: ${msg}`)
}

const makeCtx = (input: SchemaInput, shadowed: ReadonlySet<string>): Ctx => {
  const all = input.schema.combinators.filter((c) => !c.builtin && !SKIP.has(c.name))
  const ctors = all.filter((c) => c.section === "types")
  const fns = all.filter((c) => c.section === "functions")
  const byName = new Map<string, TlCombinator>()
  for (const c of all) {
    if (byName.has(c.name)) fail(c, "duplicate combinator name")
    byName.set(c.name, c)
  }
  const types = new Map<string, TlCombinator[]>()
  for (const c of ctors) {
    const k = typeKey(c.result)
    if (c.result.kind !== "named" || c.result.args.length > 0) fail(c, "constructor result must be a plain type name")
    const list = types.get(k)
    if (list) list.push(c)
    else types.set(k, [c])
    if (!isUpper(k) && k !== "Object") fail(c, `result type ${k} must start with an upper-case letter`)
    if (byName.has(k) && byName.get(k)!.section === "types") fail(c, `type ${k} has the name of a constructor`)
  }
  return { ns: input.ns, prefix: input.prefix, file: input.schema.file, ctors, fns, byName, types, shadowed }
}

const resolve = (t: TlType, ctx: Ctx, c: TlCombinator): Resolved => {
  if (t.kind === "nat") return { k: "prim", p: "nat" }
  if (t.kind === "bang") {
    if (!c.typeParams.includes(t.name)) fail(c, `!${t.name} without {${t.name}:Type}`)
    return { k: "any", tvar: t.name }
  }
  if (c.typeParams.includes(t.name)) return { k: "any", tvar: t.name }
  if (t.args.length > 0) {
    if ((t.name === "Vector" || t.name === "vector") && t.args.length === 1) {
      return { k: "vec", boxed: t.name === "Vector", elem: resolve(t.args[0]!, ctx, c) }
    }
    return fail(c, `unsupported generic type ${typeKey(t)}`)
  }
  const prim = PRIMS.get(t.name)
  if (prim !== undefined && !t.percent) return { k: "prim", p: prim }
  if (t.name === "Object") return { k: "any" }
  if (t.percent || !isUpper(t.name)) {
    // Bare: `%Type` (a single-constructor type) or a constructor name.
    const direct = ctx.byName.get(t.name)
    if (direct !== undefined && direct.section === "types") return { k: "bare", ctx, ctor: direct }
    const list = ctx.types.get(t.name) ?? ctx.types.get(t.name[0]!.toUpperCase() + t.name.slice(1))
    if (list?.length === 1) return { k: "bare", ctx, ctor: list[0]! }
    return fail(c, `cannot resolve bare type ${t.percent ? "%" : ""}${t.name}`)
  }
  if (!ctx.types.has(t.name)) fail(c, `unknown type ${t.name}`)
  return { k: "boxed", ctx, type: t.name }
}

const minSize = (r: Resolved, depth = 0): number => {
  switch (r.k) {
    case "prim":
      return r.p === "long" || r.p === "double" ? 8 : r.p === "int128" ? 16 : r.p === "int256" ? 32 : r.p === "true" ? 0 : 4
    case "vec":
      return r.boxed ? 8 : 4
    case "bare": {
      if (depth > 4) return 0
      let n = 0
      for (const p of r.ctor.params) if (p.cond === undefined) n += minSize(resolve(p.type, r.ctx, r.ctor), depth + 1)
      return n
    }
    case "raw":
      return 0
    default:
      return 4
  }
}

// ---------------------------------------------------------------------------------------
// types.ts

const doc = (text: string | undefined, indent: string, extra?: string): string => {
  const parts = [text, extra].filter((x): x is string => x !== undefined && x !== "")
  if (parts.length === 0) return ""
  const body = parts.join("\n\n").replace(/\*\//g, "*\\/").split("\n")
  if (body.length === 1) return `${indent}/** ${body[0]} */\n`
  return `${indent}/**\n${body.map((l) => `${indent} * ${l}`.trimEnd()).join("\n")}\n${indent} */\n`
}

const tsType = (r: Resolved): string => {
  switch (r.k) {
    case "prim":
      switch (r.p) {
        case "int":
        case "double":
        case "nat":
          return "number"
        case "long":
          return "bigint"
        case "string":
          return "string"
        case "bytes":
        case "int128":
        case "int256":
          return "Uint8Array"
        case "Bool":
        case "true":
          return "boolean"
      }
      break
    case "vec":
      return `ReadonlyArray<${tsType(r.elem)}>`
    case "boxed":
      return `${r.ctx.ns}.${tsPath(r.type)}`
    case "bare":
      return `${r.ctx.ns}.${tsPath(r.ctor.name)}`
    case "any":
      return r.tvar ?? "AnyObject"
    case "raw":
      return "Uint8Array"
  }
}

/** Fields whose `Object` type the codec keeps as raw bytes (see the module docs of `src/tl`). */
const rawField = (ctx: Ctx, c: TlCombinator, field: string): boolean =>
  ctx.ns === "Mt" && ((c.name === "rpc_result" && field === "result") || (c.name === "message" && field === "body"))

const fieldResolved = (ctx: Ctx, c: TlCombinator, i: number): Resolved => {
  const p = c.params[i]!
  return rawField(ctx, c, p.name) ? { k: "raw" } : resolve(p.type, ctx, c)
}

const RAW_NOTE: Record<string, string> = {
  "rpc_result": "The codec keeps `result` as the raw bytes of the answer (everything after `req_msg_id`); decode it with `deserializeResult(request, result)`.",
  "message": "Bare inside `msg_container`. `body` is the raw serialized inner message; when writing, `bytes` is ignored and `body.length` is written.",
  "gzip_packed": "Readers inflate it transparently: `deserialize` never returns a `gzip_packed`. Write one with `serializeGzipped`."
}

const interfaceFor = (ctx: Ctx, c: TlCombinator, indent: string): string => {
  const kind = c.section === "functions" ? "Method" : "Constructor"
  const typeInfo = `${kind} \`${c.name}#${hex(c.id)}\` → \`${typeKey(c.result)}\`.`
  let out = doc(c.doc, indent, [typeInfo, ctx.ns === "Mt" ? RAW_NOTE[c.name] : undefined].filter(Boolean).join(" "))
  const generic = c.typeParams.map((x) => `${x} extends TlMethod = TlMethod`).join(", ")
  out += `${indent}export interface ${lastSegTs(c.name)}${generic ? `<${generic}>` : ""} {\n`
  out += `${indent}  readonly _tag: ${JSON.stringify(c.name)}\n`
  c.params.forEach((p, i) => {
    if (p.type.kind === "nat") return
    const r = fieldResolved(ctx, c, i)
    const isTrue = r.k === "prim" && r.p === "true"
    const flagNote = p.cond !== undefined ? `Present when bit ${p.cond.bit} of \`${p.cond.field}\` is set.` : undefined
    out += doc(p.doc, `${indent}  `, flagNote)
    if (p.cond !== undefined) out += `${indent}  readonly ${p.name}?: ${tsType(r)} | undefined\n`
    else if (isTrue) out += `${indent}  readonly ${p.name}?: true | undefined\n`
    else out += `${indent}  readonly ${p.name}: ${tsType(r)}\n`
  })
  out += `${indent}}\n`
  return out
}

const lastSegTs = (name: string) => {
  const s = lastSeg(name)
  return RESERVED.has(s) ? `${s}_` : s
}

const nsOf = (name: string) => (name.includes(".") ? name.slice(0, name.indexOf(".")) : "")

const genTypes = (ctxs: ReadonlyArray<Ctx>, layer: number | undefined): string => {
  let out = HEADER + "\n"
  out += `/** Any TL method of either schema (the type of \`query\` in \`invokeWithLayer\` and friends). */\n`
  out += `export type TlMethod = ${ctxs.map((c) => `${c.ns}.AnyMethod`).join(" | ")}\n\n`
  out += `/** Any TL object the registry can decode: constructors and methods of both schemas. */\n`
  out += `export type AnyObject = ${ctxs.map((c) => `${c.ns}.AnyObject | ${c.ns}.AnyMethod`).join(" | ")}\n\n`
  out += `/** Method tag → \`{ params, result }\` for both schemas. */\n`
  out += `export interface Methods extends ${ctxs.map((c) => `${c.ns}.Methods`).join(", ")} {}\n\n`
  const generic = ctxs.flatMap((c) => c.fns.filter((f) => f.typeParams.length > 0 && f.result.kind === "named" && f.typeParams.includes(f.result.name)))
  out += `/** Methods whose result is the result of their \`query\`. */\n`
  out += `export type GenericMethodTag = ${generic.length ? generic.map((f) => JSON.stringify(f.name)).join(" | ") : "never"}\n\n`
  if (layer !== undefined) out += `/** The API layer of \`schema/api.tl\`. */\nexport type Layer = ${layer}\n\n`
  for (const ctx of ctxs) {
    const groups = new Map<string, string[]>()
    const push = (name: string, text: string) => {
      const g = nsOf(name)
      const list = groups.get(g)
      if (list) list.push(text)
      else groups.set(g, [text])
    }
    const ind = (name: string) => (nsOf(name) ? "    " : "  ")
    for (const c of ctx.ctors) push(c.name, interfaceFor(ctx, c, ind(c.name)))
    for (const [type, list] of ctx.types) {
      if (type === "Object" || type === "Bool") continue
      const members = list.map((c) => `${ctx.ns}.${tsPath(c.name)}`).join(" | ")
      push(type, `${doc(`Any of: ${list.map((c) => `\`${c.name}\``).join(", ")}.`, ind(type))}${ind(type)}export type ${lastSegTs(type)} = ${members}\n`)
    }
    for (const f of ctx.fns) push(f.name, interfaceFor(ctx, f, ind(f.name)))
    const title = ctx.ns === "Api" ? `The Telegram API layer${layer !== undefined ? ` ${layer}` : ""} (\`schema/api.tl\`).` : "The MTProto service schema (`schema/mtproto.tl`)."
    out += `${doc(`${title} Types only: objects are plain readonly objects discriminated by \`_tag\`.`, "")}export declare namespace ${ctx.ns} {\n`
    for (const [g, items] of groups) {
      if (g === "") out += items.join("")
    }
    for (const [g, items] of groups) {
      if (g === "") continue
      out += `  export namespace ${g} {\n${items.join("")}  }\n`
    }
    const objs = ctx.ctors.filter((c) => !ctx.shadowed.has(c.name)).map((c) => `${ctx.ns}.${tsPath(c.name)}`)
    out += `  /** Every constructor of this schema${ctx.shadowed.size ? ` (except ${[...ctx.shadowed].map((s) => `\`${s}\``).join(", ")}, whose name the other schema uses)` : ""}. */\n`
    out += `  export type AnyObject = ${objs.length ? objs.join(" | ") : "never"}\n`
    out += `  /** Every method of this schema. */\n`
    out += `  export type AnyMethod = ${ctx.fns.length ? ctx.fns.map((c) => `${ctx.ns}.${tsPath(c.name)}`).join(" | ") : "never"}\n`
    out += `  /** Method tag → \`{ params: the method object, result: its result }\`. */\n`
    out += `  export interface Methods {\n`
    for (const f of ctx.fns) {
      const isGeneric = f.result.kind === "named" && f.typeParams.includes(f.result.name)
      const res = isGeneric ? "unknown" : tsType(resolve(f.result, ctx, f))
      out += `    readonly ${JSON.stringify(f.name)}: { readonly params: ${ctx.ns}.${tsPath(f.name)}; readonly result: ${res} }\n`
    }
    out += `  }\n}\n\n`
  }
  return out
}

// ---------------------------------------------------------------------------------------
// codec.ts

const readFn = (c: TlCombinator, ctx: Ctx) => `r${ctx.prefix}_${fnId(c.name)}`
const writeFn = (c: TlCombinator, ctx: Ctx) => `w${ctx.prefix}_${fnId(c.name)}`
// Union readers actually referenced (unreferenced ones would trip `noUnusedLocals`).
const usedTypeFns = new Set<string>()
const typeFn = (type: string, ctx: Ctx) => {
  const f = `t${ctx.prefix}_${fnId(type)}`
  usedTypeFns.add(f)
  return f
}

const PRIM_READ: Record<Prim, string> = {
  int: "r.int()", long: "r.long()", double: "r.double()", string: "r.string()", bytes: "r.bytes()",
  int128: "r.int128()", int256: "r.int256()", Bool: "r.bool()", true: "true", nat: "r.uint()"
}

const readExpr = (r: Resolved): string => {
  switch (r.k) {
    case "prim":
      return PRIM_READ[r.p]
    case "vec":
      if (r.boxed && r.elem.k === "prim" && r.elem.p === "int") return "r.vectorInt()"
      if (r.boxed && r.elem.k === "prim" && r.elem.p === "long") return "r.vectorLong()"
      return `r.${r.boxed ? "vector" : "bareVector"}(${readRef(r.elem)}, ${Math.max(4, minSize(r.elem))})`
    case "boxed":
      return `${typeFn(r.type, r.ctx)}(r)`
    case "bare":
      return `${readFn(r.ctor, r.ctx)}(r)`
    case "any":
      return "readObject(r)"
    case "raw":
      return "r.rest()"
  }
}

const readRef = (r: Resolved): string => {
  switch (r.k) {
    case "prim":
      return `P_${r.p}`
    case "boxed":
      return typeFn(r.type, r.ctx)
    case "bare":
      return readFn(r.ctor, r.ctx)
    case "any":
      return "readObject"
    default:
      return `(r: TlReader) => ${readExpr(r)}`
  }
}

const PRIM_WRITE: Record<Prim, (e: string) => string> = {
  int: (e) => `w.int(${e})`, long: (e) => `w.long(${e})`, double: (e) => `w.double(${e})`, string: (e) => `w.string(${e})`,
  bytes: (e) => `w.bytes(${e})`, int128: (e) => `w.int128(${e})`, int256: (e) => `w.int256(${e})`, Bool: (e) => `w.bool(${e})`,
  true: () => "", nat: (e) => `w.int(${e})`
}

// A boxed type whose only constructor lost its name to the other schema in the tag table
// (MTProto `Message` in `msg_copy`): write its id and body directly.
const shadowedSingle = (r: Resolved): TlCombinator | undefined => {
  if (r.k !== "boxed") return undefined
  const list = r.ctx.types.get(r.type)
  return list?.length === 1 && r.ctx.shadowed.has(list[0]!.name) ? list[0] : undefined
}

const writeStmt = (r: Resolved, e: string): string => {
  const sh = shadowedSingle(r)
  if (sh !== undefined && r.k === "boxed") return `{ w.uint(0x${hex(sh.id)}); ${writeFn(sh, r.ctx)}(w, ${e}) }`
  switch (r.k) {
    case "prim":
      return PRIM_WRITE[r.p](e)
    case "vec":
      if (r.boxed && r.elem.k === "prim" && r.elem.p === "int") return `w.vectorInt(${e})`
      if (r.boxed && r.elem.k === "prim" && r.elem.p === "long") return `w.vectorLong(${e})`
      return `${r.boxed ? "wVec" : "wBareVec"}(w, ${e}, ${writeRef(r.elem)})`
    case "boxed":
    case "any":
      return `writeObject(w, ${e})`
    case "bare":
      return `${writeFn(r.ctor, r.ctx)}(w, ${e})`
    case "raw":
      return `w.raw(${e})`
  }
}

const writeRef = (r: Resolved): string => {
  if (shadowedSingle(r) !== undefined) return `(w: TlWriter, v: any) => ${writeStmt(r, "v")}`
  switch (r.k) {
    case "prim":
      return `Q_${r.p}`
    case "boxed":
    case "any":
      return "writeObject"
    case "bare":
      return writeFn(r.ctor, r.ctx)
    default:
      return `(w: TlWriter, v: any) => { ${writeStmt(r, "v")} }`
  }
}

const mask = (bit: number) => `0x${(2 ** bit).toString(16)}`

const genReader = (ctx: Ctx, c: TlCombinator): string => {
  const name = readFn(c, ctx)
  if (ctx.ns === "Mt" && c.name === "message") {
    // The body length comes from the `bytes` field; the body stays raw.
    return `function ${name}(r: TlReader): any {\n  const msg_id = r.long()\n  const seqno = r.int()\n  const bytes = r.int()\n  return { _tag: "message", msg_id, seqno, bytes, body: r.raw(bytes) }\n}\n`
  }
  const hasFlags = c.params.some((p) => p.type.kind === "nat")
  const fields: string[] = []
  if (!hasFlags) {
    c.params.forEach((p, i) => fields.push(`${p.name}: ${readExpr(fieldResolved(ctx, c, i))}`))
    return `function ${name}(r: TlReader): any {\n  return { _tag: ${JSON.stringify(c.name)}${fields.map((f) => `, ${f}`).join("")} }\n}\n`
  }
  const natLocal = new Map<string, string>()
  let body = ""
  c.params.forEach((p, i) => {
    const v = `v${i}`
    if (p.type.kind === "nat") {
      natLocal.set(p.name, v)
      body += c.params.some((q) => q.cond?.field === p.name) ? `  const ${v} = r.uint()\n` : "  r.uint()\n"
      return
    }
    const r = fieldResolved(ctx, c, i)
    if (p.cond !== undefined) {
      const test = `(${natLocal.get(p.cond.field)} & ${mask(p.cond.bit)}) !== 0`
      if (r.k === "prim" && r.p === "true") body += `  const ${v} = ${test}\n`
      else body += `  const ${v} = ${test} ? ${readExpr(r)} : undefined\n`
    } else {
      body += `  const ${v} = ${readExpr(r)}\n`
    }
    fields.push(`${p.name}: ${v}`)
  })
  return `function ${name}(r: TlReader): any {\n${body}  return { _tag: ${JSON.stringify(c.name)}${fields.map((f) => `, ${f}`).join("")} }\n}\n`
}

const genWriter = (ctx: Ctx, c: TlCombinator): string => {
  const name = writeFn(c, ctx)
  if (ctx.ns === "Mt" && c.name === "message") {
    return `function ${name}(w: TlWriter, o: any): void {\n  w.long(o.msg_id)\n  w.int(o.seqno)\n  w.int(o.body.length)\n  w.raw(o.body)\n}\n`
  }
  let body = ""
  // Bits shared by several fields: a set bit requires every value field on it.
  const bitOwners = new Map<string, number>()
  for (const p of c.params) if (p.cond !== undefined) bitOwners.set(`${p.cond.field}.${p.cond.bit}`, (bitOwners.get(`${p.cond.field}.${p.cond.bit}`) ?? 0) + 1)
  const natLocal = new Map<string, string>()
  c.params.forEach((p, i) => {
    const v = `f${i}`
    if (p.type.kind === "nat") {
      natLocal.set(p.name, v)
      const parts: string[] = []
      for (const q of c.params) {
        if (q.cond?.field !== p.name) continue
        const isTrue = q.type.kind === "named" && q.type.name === "true" && !q.type.percent
        parts.push(`(o.${q.name} ${isTrue ? "=== true" : "!== undefined"} ? ${mask(q.cond.bit)} : 0)`)
      }
      body += `  const ${v} = ${parts.length ? parts.join(" | ") : "0"}\n  w.int(${v})\n`
      return
    }
    const r = fieldResolved(ctx, c, i)
    if (r.k === "prim" && r.p === "true") return
    if (p.cond !== undefined) {
      const shared = (bitOwners.get(`${p.cond.field}.${p.cond.bit}`) ?? 0) > 1
      const e = shared ? `need(o, ${JSON.stringify(p.name)}, ${JSON.stringify(`${p.cond.field}.${p.cond.bit}`)})` : `o.${p.name}`
      body += `  if ((${natLocal.get(p.cond.field)} & ${mask(p.cond.bit)}) !== 0) ${writeStmt(r, e)}\n`
    } else {
      body += `  ${writeStmt(r, `o.${p.name}`)}\n`
    }
  })
  return `function ${name}(${body === "" ? "_w" : "w"}: TlWriter, ${body.includes("o.") || body.includes("need(o") ? "o" : "_o"}: any): void {\n${body}}\n`
}

const genTypeReader = (ctx: Ctx, type: string, list: ReadonlyArray<TlCombinator>): string => {
  const fn = typeFn(type, ctx)
  let out = `function ${fn}(r: TlReader): any {\n  const id = r.uint()\n  switch (id) {\n`
  for (const c of list) out += `    case 0x${hex(c.id)}: return ${readFn(c, ctx)}(r)\n`
  out += `    case 0x3072cfa1: return r.gunzip(${fn})\n    default: return r.unknown(id, ${JSON.stringify(type)})\n  }\n}\n`
  return out
}

const HEADER = "// Generated by generator/generate.ts from schema/*.tl. Do not edit.\n/* eslint-disable */"

const genCodec = (ctxs: ReadonlyArray<Ctx>, layer: number | undefined, allNames: ReadonlyArray<readonly [number, string]>): string => {
  let out = `${HEADER}
import { TlEncodeError } from "../errors.ts"
import type { TlReader } from "../reader.ts"
import { encodeContext, type TlWriter, TlValueError, unknownObject } from "../writer.ts"

/** The API layer (from \`// LAYER N\` in schema/api.tl). */
export const LAYER = ${layer ?? 0}

const P_int = (r: TlReader) => r.int()
const P_long = (r: TlReader) => r.long()
const P_double = (r: TlReader) => r.double()
const P_string = (r: TlReader) => r.string()
const P_bytes = (r: TlReader) => r.bytes()
const P_int128 = (r: TlReader) => r.int128()
const P_int256 = (r: TlReader) => r.int256()
const P_Bool = (r: TlReader) => r.bool()
const P_nat = (r: TlReader) => r.uint()
const P_true = (_r: TlReader) => true
const Q_int = (w: TlWriter, v: number) => w.int(v)
const Q_long = (w: TlWriter, v: bigint) => w.long(v)
const Q_double = (w: TlWriter, v: number) => w.double(v)
const Q_string = (w: TlWriter, v: string) => w.string(v)
const Q_bytes = (w: TlWriter, v: Uint8Array) => w.bytes(v)
const Q_int128 = (w: TlWriter, v: Uint8Array) => w.int128(v)
const Q_int256 = (w: TlWriter, v: Uint8Array) => w.int256(v)
const Q_Bool = (w: TlWriter, v: boolean) => w.bool(v)
const Q_nat = (w: TlWriter, v: number) => w.int(v)
const Q_true = (_w: TlWriter, _v: unknown) => {}
void [P_int, P_long, P_double, P_string, P_bytes, P_int128, P_int256, P_Bool, P_nat, P_true]
void [Q_int, Q_long, Q_double, Q_string, Q_bytes, Q_int128, Q_int256, Q_Bool, Q_nat, Q_true]

const wVec = (w: TlWriter, a: ReadonlyArray<any>, f: (w: TlWriter, v: any) => void): void => {
  if (!Array.isArray(a)) throw new TlValueError("a Vector (an array)", a)
  const n = a.length
  w.vectorHeader(n)
  for (let i = 0; i < n; i++) f(w, a[i])
}
const wBareVec = (w: TlWriter, a: ReadonlyArray<any>, f: (w: TlWriter, v: any) => void): void => {
  if (!Array.isArray(a)) throw new TlValueError("a vector (an array)", a)
  const n = a.length
  w.int(n)
  for (let i = 0; i < n; i++) f(w, a[i])
}
const need = (o: any, field: string, bit: string): any => {
  const v = o[field]
  if (v === undefined) throw new TlEncodeError({ tag: String(o._tag), reason: \`\${field} is required: another field sets \${bit}\` })
  return v
}

/** Reads any boxed object of either schema by its id; \`gzip_packed\` is inflated transparently. */
export function readObject(r: TlReader): any {
  const id = r.uint()
  if (id === 0x3072cfa1) return r.gunzip(readObject)
  const f = READERS.get(id)
  if (f === undefined) return r.unknown(id, "Object")
  return f(r)
}

/** Writes any object boxed (its constructor id, then its fields). */
export function writeObject(w: TlWriter, o: any): void {
  const e = typeof o === "object" && o !== null ? TAGS[o._tag] : undefined
  if (e === undefined) throw unknownObject(o)
  w.uint(e[0])
  try {
    e[1](w, o)
  } catch (err) {
    throw encodeContext(o, err)
  }
}
`
  usedTypeFns.clear()
  for (const ctx of ctxs) {
    out += `\n// ---- ${ctx.ns} (${ctx.file}) ----\n`
    for (const c of [...ctx.ctors, ...ctx.fns]) out += genReader(ctx, c) + genWriter(ctx, c)
  }
  let results = `/** Method tag → result reader; \`null\` for generic methods (the result is their query's). No prototype. */\nexport const RESULT_READERS: Record<string, ((r: TlReader) => any) | null> = Object.setPrototypeOf({\n`
  for (const ctx of ctxs) {
    for (const f of ctx.fns) {
      const isGeneric = f.result.kind === "named" && f.typeParams.includes(f.result.name)
      results += `  ${JSON.stringify(f.name)}: ${isGeneric ? "null" : readRef(resolve(f.result, ctx, f))},\n`
    }
  }
  results += `}, null)\n\n`
  out += `\n// ---- union readers: id switch, gzip_packed accepted anywhere ----\n`
  for (const ctx of ctxs) {
    for (const [type, list] of ctx.types) {
      const fn = `t${ctx.prefix}_${fnId(type)}`
      if (type !== "Bool" && usedTypeFns.has(fn)) out += genTypeReader(ctx, type, list)
    }
  }
  // Registry: id → reader. Earlier schemas win on an id clash (there is none in practice).
  const seenIds = new Set<number>()
  out += `\n/** Constructor/method id (unsigned) → body reader, both schemas. */\nexport const READERS: ReadonlyMap<number, (r: TlReader) => any> = new Map<number, (r: TlReader) => any>([\n`
  for (const ctx of ctxs) {
    for (const c of [...ctx.ctors, ...ctx.fns]) {
      if (seenIds.has(c.id)) continue
      seenIds.add(c.id)
      out += `  [0x${hex(c.id)}, ${readFn(c, ctx)}],\n`
    }
  }
  out += `])\n\n`
  // Tag table: `_tag` → [id, body writer]. A name defined by both schemas keeps the first (API) one.
  const seenTags = new Set<string>()
  out += `/** \`_tag\` → [id, body writer] (no prototype: \`_tag: "toString"\` is unknown, not a function). */\nconst TAGS: Record<string, readonly [number, (w: TlWriter, o: any) => void]> = Object.setPrototypeOf({\n`
  for (const ctx of ctxs) {
    for (const c of [...ctx.ctors, ...ctx.fns]) {
      if (seenTags.has(c.name)) continue
      seenTags.add(c.name)
      out += `  ${JSON.stringify(c.name)}: [0x${hex(c.id)}, ${writeFn(c, ctx)}],\n`
    }
  }
  out += `}, null)\n\n`
  out += `/** Whether \`tag\` names a constructor or method of either schema. */\nexport const isKnownTag = (tag: string): boolean => TAGS[tag] !== undefined\n\n`
  out += results
  out += `/** Id (unsigned) → schema name, every declaration with an id (built-ins included). */\nexport const NAMES: ReadonlyMap<number, string> = new Map<number, string>([\n`
  for (const [id, name] of allNames) out += `  [0x${hex(id)}, ${JSON.stringify(name)}],\n`
  out += `])\n`
  return out
}

/**
 * `ids.ts`: the constructor and method ids of the MTProto service schema (`Mt`) by schema name,
 * a module of its own so that code which only dispatches on ids does not load the codec.
 */
const genIds = (ctxs: ReadonlyArray<Ctx>): string => {
  let out = `${HEADER}\n`
  for (const ctx of ctxs) {
    if (ctx.ns !== "Mt") continue
    out += `/** Constructor and method ids (unsigned) of the MTProto service schema (${ctx.file}), by schema name. */\n`
    out += `export const MtId = {\n`
    for (const c of [...ctx.ctors, ...ctx.fns]) out += `  ${c.name}: 0x${hex(c.id)},\n`
    out += `} as const\n`
  }
  return out
}

/**
 * Generates `types.ts`, `codec.ts` and `ids.ts`. The first input is the API schema (its `// LAYER N`
 * gives `LAYER`); on a constructor name defined by both schemas the first input keeps the
 * name in the `_tag` table and in the global `AnyObject` union.
 *
 * @throws Error with `file:line:column` when a type cannot be resolved.
 */
export const generate = (inputs: ReadonlyArray<SchemaInput>): GeneratedFiles => {
  const ctxs: Ctx[] = []
  const taken = new Set<string>()
  for (const input of inputs) {
    const names = input.schema.combinators.filter((c) => !c.builtin && !SKIP.has(c.name) && c.section === "types").map((c) => c.name)
    ctxs.push(makeCtx(input, new Set(names.filter((n) => taken.has(n)))))
    for (const n of names) taken.add(n)
  }
  // Resolve every field once up front so errors surface with positions.
  for (const ctx of ctxs) {
    for (const c of [...ctx.ctors, ...ctx.fns]) {
      c.params.forEach((_, i) => fieldResolved(ctx, c, i))
      if (c.section === "functions" && !(c.result.kind === "named" && c.typeParams.includes(c.result.name))) resolve(c.result, ctx, c)
    }
  }
  const layer = inputs[0]?.schema.layer
  const seen = new Set<number>()
  const names: Array<readonly [number, string]> = []
  for (const input of inputs) {
    for (const c of input.schema.combinators) {
      if (seen.has(c.id) || (c.builtin && c.explicitId === undefined)) continue
      seen.add(c.id)
      names.push([c.id, c.name])
    }
  }
  return new Map([
    ["types.ts", genTypes(ctxs, layer)],
    ["codec.ts", genCodec(ctxs, layer, names)],
    ["ids.ts", genIds(ctxs)]
  ])
}
