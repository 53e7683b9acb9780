/**
 * Seeded value generator for TL round-trip tests, driven by the parsed schema AST.
 * Values have the exact shape the decoder produces (every key present, `undefined` for
 * absent flag fields, booleans for `flags.N?true`), so `deserialize(serialize(v))` must
 * deep-equal `v`.
 */
import { readFileSync } from "node:fs"
import type { TlCombinator, TlSchema, TlType } from "../../generator/tl-parser.ts"
import { parseSchema } from "../../generator/tl-parser.ts"

/** xorshift32: small, deterministic. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 1
  }
  next(): number {
    let x = this.s
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.s = x >>> 0
    return this.s
  }
  int(n: number): number {
    return this.next() % n
  }
  bool(): boolean {
    return (this.next() & 1) === 1
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff
    return b
  }
}

/** Flag mode for the top-level object: every bit on, every bit off, or random. */
export type FlagMode = "on" | "off" | "random"

export interface Schemas {
  readonly api: TlSchema
  readonly mt: TlSchema
}

export const loadSchemas = (): Schemas => ({
  api: parseSchema(readFileSync("schema/api.tl", "utf8"), "schema/api.tl"),
  mt: parseSchema(readFileSync("schema/mtproto.tl", "utf8"), "schema/mtproto.tl")
})

const SKIP = new Set(["boolFalse", "boolTrue", "vector"])

/** Combinators that get generated code, per schema. */
export const generated = (s: TlSchema): ReadonlyArray<TlCombinator> => s.combinators.filter((c) => !c.builtin && !SKIP.has(c.name))

const STRINGS = ["", "a", "héllo", "日本語", "emoji 😀 pair", "x".repeat(300)]

export class ValueGen {
  private readonly byName = new Map<string, TlCombinator>()
  private readonly types = new Map<string, TlCombinator[]>()
  private readonly isMt: boolean
  private readonly rng: Rng
  constructor(schema: TlSchema, rng: Rng) {
    this.rng = rng
    this.isMt = schema.file.includes("mtproto")
    for (const c of generated(schema)) {
      this.byName.set(c.name, c)
      if (c.section !== "types" || c.result.kind !== "named") continue
      const list = this.types.get(c.result.name) ?? []
      list.push(c)
      this.types.set(c.result.name, list)
    }
  }

  /** A value for combinator `c`. */
  object(c: TlCombinator, mode: FlagMode, depth = 0): Record<string, unknown> {
    const rng = this.rng
    const on = new Map<string, boolean>()
    for (const p of c.params) {
      if (p.cond === undefined) continue
      const key = `${p.cond.field}.${p.cond.bit}`
      if (!on.has(key)) on.set(key, mode === "on" ? depth < 2 || rng.bool() : mode === "off" ? false : rng.bool())
    }
    const out: Record<string, unknown> = { _tag: c.name }
    for (const p of c.params) {
      if (p.type.kind === "nat") continue
      if (this.isMt && c.name === "rpc_result" && p.name === "result") {
        out[p.name] = rng.bytes(rng.int(40))
        continue
      }
      if (this.isMt && c.name === "message" && p.name === "body") {
        const body = rng.bytes(4 * rng.int(8))
        out.bytes = body.length
        out.body = body
        continue
      }
      const isTrue = p.type.kind === "named" && p.type.name === "true"
      if (p.cond !== undefined) {
        const set = on.get(`${p.cond.field}.${p.cond.bit}`)!
        out[p.name] = isTrue ? set : set ? this.value(p.type, c, depth + 1) : undefined
      } else {
        out[p.name] = this.value(p.type, c, depth + 1)
      }
    }
    return out
  }

  value(t: TlType, c: TlCombinator, depth: number): unknown {
    const rng = this.rng
    if (t.kind === "nat") return rng.next() | 0
    if (t.kind === "bang") return { _tag: "help.getConfig" }
    if (c.typeParams.includes(t.name)) return { _tag: "help.getConfig" }
    if (t.name === "Vector" || t.name === "vector") {
      const n = depth > 3 ? 0 : rng.int(3)
      return Array.from({ length: n }, () => this.value(t.args[0]!, c, depth + 1))
    }
    switch (t.name) {
      case "int":
        return rng.next() | 0
      case "long":
        return BigInt.asIntN(64, (BigInt(rng.next()) << 32n) | BigInt(rng.next()))
      case "double":
        return (rng.next() | 0) / 7
      case "string":
        return STRINGS[rng.int(STRINGS.length)]
      case "bytes":
        return rng.bytes(rng.int(5) === 0 ? 254 + rng.int(300) : rng.int(20))
      case "int128":
        return rng.bytes(16)
      case "int256":
        return rng.bytes(32)
      case "Bool":
        return rng.bool()
      case "true":
        return true
      case "Object":
        return { _tag: "help.getConfig" }
    }
    const bare = this.byName.get(t.name)
    if (bare !== undefined && bare.section === "types") return this.object(bare, "random", depth)
    const list = this.types.get(t.name)
    if (list === undefined) {
      const single = this.types.get(t.name[0]!.toUpperCase() + t.name.slice(1))
      if (single?.length === 1) return this.object(single[0]!, "random", depth)
      throw new Error(`no constructors for ${t.name}`)
    }
    // Deep down, prefer the smallest constructor so recursion ends.
    const pick = depth > 3 ? [...list].sort((a, b) => a.params.length - b.params.length)[0]! : list[rng.int(list.length)]!
    return this.object(pick, depth > 3 ? "off" : "random", depth)
  }
}
