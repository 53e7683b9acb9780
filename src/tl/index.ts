/**
 * `effect-mtproto/tl`: the TL binary codec and the generated types of the Telegram API
 * layer (`Api`) and the MTProto service schema (`Mt`).
 *
 * Objects are plain readonly objects discriminated by `_tag` (the schema name):
 * `{ _tag: "inputPeerUser", user_id: 1n, access_hash: 2n }`. `long` is `bigint`,
 * `int128`/`int256`/`bytes` are `Uint8Array`, `Bool` is `boolean`. Optional (flag)
 * fields are declared `name?: T | undefined`; decoded objects always carry every key
 * (`undefined` when absent, `false` for unset `flags.N?true`), which keeps one object
 * shape per constructor for the JIT. `flags` words are never stored: the writer computes
 * them from the fields present. Several fields on one bit (`message.views`/`forwards`)
 * must be given together; a `flags.N?true` on a bit shared with value fields is implied by them.
 *
 * Type names: `help.config` → `Api.help.config`, its type `help.Config` → `Api.help.Config`
 * (the union of its constructors); reserved words get a `_` suffix (`Api.true_`, `Api.null_`).
 * `Api` and `Mt` are type-only namespaces: `import type { Api } from "effect-mtproto/tl"`.
 *
 * Special MTProto shapes (the Sender decodes the inner bodies itself):
 * - `msg_container` → `{ messages: Mt.message[] }`, each `{ msg_id, seqno, bytes, body: Uint8Array }`
 *   with the raw serialized body.
 * - `rpc_result` → `{ req_msg_id, result: Uint8Array }` (raw); decode `result` with
 *   {@link deserializeResult}, which knows the expected type from the request.
 * - `gzip_packed` is inflated transparently wherever a boxed object or vector is read,
 *   within one inflate budget per decode (16 MiB in all, two levels deep by default; pass one
 *   {@link InflateBudget} to every decode of the same message); {@link serializeGzipped} writes one.
 * - `message` exists in both schemas: `_tag: "message"` means `Api.message` for
 *   `serialize`/`deserialize`; `Mt.message` only appears inside `msg_container`.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { TlDecodeError, TlEncodeError } from "./errors.ts"
import { isKnownTag, LAYER as GENERATED_LAYER, NAMES, READERS, readObject, RESULT_READERS, writeObject } from "./generated/codec.ts"
import type { AnyObject, GenericMethodTag, Methods, TlMethod } from "./generated/types.ts"
import { gzip, type InflateBudget, makeInflateBudget } from "./gzip.ts"
import { GZIP_PACKED_ID, TlReader } from "./reader.ts"
import { TlWriter } from "./writer.ts"

export type { AnyObject, Api, Methods, Mt, TlMethod } from "./generated/types.ts"
export { MtId } from "./generated/ids.ts"
export { TlDecodeError, TlEncodeError } from "./errors.ts"
export { type InflateBudget, makeInflateBudget, MAX_GZIP_DEPTH, MAX_INFLATED_SIZE } from "./gzip.ts"
export { BOOL_FALSE_ID, BOOL_TRUE_ID, constructorIdOf, GZIP_PACKED_ID, TlReader, VECTOR_ID } from "./reader.ts"
export { TlWriter } from "./writer.ts"
export { walkObjects } from "./walk.ts"

/** The API layer of `schema/api.tl` (its `// LAYER N` line); use it in `invokeWithLayer`. */
export const LAYER: number = GENERATED_LAYER

/** Any TL method, of either schema. */
export type AnyMethod = TlMethod

/**
 * The result type of a method object: `ResultOf<Api.help.getConfig>` is `Api.Config`.
 * Wrappers (`invokeWithLayer`, `initConnection`, `invokeAfterMsg`, ...) have the result
 * of their `query`, recursively.
 */
export type ResultOf<M> = M extends { readonly _tag: GenericMethodTag; readonly query: infer Q } ? ResultOf<Q>
  : M extends { readonly _tag: infer K extends keyof Methods } ? Methods[K]["result"]
  : never

// One writer reused by `serialize`: after warm-up, serializing allocates only the result copy.
let shared = new TlWriter(4096)
const SHRINK_ABOVE = 1 << 20

const finish = (w: TlWriter): Uint8Array => {
  const out = w.result()
  if (w.buf.length > SHRINK_ABOVE) shared = new TlWriter(4096)
  return out
}

const encodeFailure = (obj: { readonly _tag?: unknown } | null | undefined, e: unknown): TlEncodeError =>
  e instanceof TlEncodeError
    ? e
    : new TlEncodeError({ tag: String(obj?._tag), reason: e instanceof Error ? e.message : String(e) })

/**
 * Serializes a TL object or method, boxed (constructor id first).
 *
 * @throws TlEncodeError for an unknown `_tag`, a missing or mistyped field.
 */
export const serialize = (obj: AnyObject | TlMethod): Uint8Array => {
  const w = shared
  w.reset()
  try {
    writeObject(w, obj)
  } catch (e) {
    throw encodeFailure(obj, e)
  }
  return finish(w)
}

/** Already serialized bytes, wrapped in `gzip_packed#3072cfa1`. */
export const gzipPacked = (bytes: Uint8Array): Uint8Array => {
  const packed = gzip(bytes)
  // id, the bytes header (1 or 4) and at most 3 bytes of padding
  const w = new TlWriter(packed.length + 12)
  w.uint(GZIP_PACKED_ID)
  w.bytes(packed)
  return w.result()
}

/**
 * Serializes `obj` wrapped in `gzip_packed#3072cfa1` (what a client sends for large bodies).
 */
export const serializeGzipped = (obj: AnyObject | TlMethod): Uint8Array => gzipPacked(serialize(obj))

// Decoders throw TlDecodeError; anything else (a stack overflow on absurd nesting) is
// reported as one too, so callers only ever see TlDecodeError.
const guard = <A>(r: TlReader, read: (r: TlReader) => A): A => {
  try {
    return read(r)
  } catch (e) {
    if (e instanceof TlDecodeError) throw e
    throw new TlDecodeError({ offset: r.pos, reason: `decoder failure: ${e instanceof Error ? e.message : String(e)}` })
  }
}

const whole = <A>(bytes: Uint8Array, read: (r: TlReader) => A, budget?: InflateBudget): A => {
  const r = new TlReader(bytes, 0, bytes.length, budget)
  const value = guard(r, read)
  if (r.pos !== r.end) throw new TlDecodeError({ offset: r.pos, reason: `${r.end - r.pos} trailing bytes after the object` })
  return value
}

/**
 * Deserializes one boxed object (constructor or method of either schema) that must fill
 * `bytes` exactly. `gzip_packed` is inflated transparently, charged to `budget` (default: a
 * fresh {@link makeInflateBudget}; share one across the decodes of one message).
 *
 * @throws TlDecodeError
 */
export const deserialize = (bytes: Uint8Array, budget?: InflateBudget): AnyObject => whole(bytes, readObject, budget)

/**
 * Deserializes one boxed object that must be one of the constructors named in `tags` and fill
 * `bytes` exactly; anything else fails before a field is read. For input that may only be a
 * few known messages (the handshake's plain messages: pass `makeInflateBudget(0, 0)` so that
 * no `gzip_packed` is accepted anywhere inside).
 *
 * @throws TlDecodeError
 */
export const deserializeOneOf = (bytes: Uint8Array, tags: ReadonlySet<string>, budget?: InflateBudget): AnyObject =>
  whole<AnyObject>(bytes, (r: TlReader): AnyObject => {
    const id = r.uint()
    const name = NAMES.get(id)
    const read: ((r: TlReader) => unknown) | undefined = READERS.get(id)
    if (name === undefined || read === undefined || !tags.has(name)) return r.unknown(id, [...tags].join(" | "))
    return read(r) as AnyObject
  }, budget)

const resultReader = (method: TlMethod | string): ((r: TlReader) => unknown) => {
  let m: TlMethod | string = method
  // Generic wrappers: the result is the result of the innermost query.
  for (;;) {
    const tag = typeof m === "string" ? m : m._tag
    const f = RESULT_READERS[tag]
    if (f === undefined) throw new TlDecodeError({ offset: 0, reason: `unknown method ${tag}` })
    if (f !== null) return f
    if (typeof m === "string" || typeof (m as { query?: unknown }).query !== "object") return readObject
    m = (m as unknown as { readonly query: TlMethod }).query
  }
}

/**
 * Deserializes the result of an RPC call (the `result` bytes of `rpc_result`) as the type
 * the method declares. Needed because some results carry no type information on the
 * wire (`Vector<long>`, `Vector<int>` hold bare elements). Pass the method object (so
 * that `invokeWithLayer(...)` and friends resolve to their query's result) or just its
 * tag (a generic wrapper's tag then decodes any boxed object).
 *
 * It expects a successful result: check for `rpc_error` first (e.g. the first 4 bytes
 * equal `0x2144ca19`).
 *
 * @throws TlDecodeError
 */
export function deserializeResult<M extends TlMethod>(method: M, bytes: Uint8Array, budget?: InflateBudget): ResultOf<M>
export function deserializeResult<K extends keyof Methods>(method: K, bytes: Uint8Array, budget?: InflateBudget): Methods[K]["result"]
export function deserializeResult(method: TlMethod | string, bytes: Uint8Array, budget?: InflateBudget): unknown {
  return whole(bytes, resultReader(method), budget)
}

/**
 * Whether `tag` names a method of either schema (what `invoke` takes), as opposed to a
 * constructor or nothing at all.
 */
export const isMethodTag = (tag: unknown): boolean => typeof tag === "string" && RESULT_READERS[tag] !== undefined

/**
 * The error for something given where a method goes that is none: a constructor, an unknown
 * name, or no TL object at all.
 */
export const notAMethod = (method: unknown): TlEncodeError => {
  const tag = typeof method === "object" && method !== null ? (method as { readonly _tag?: unknown })._tag : undefined
  const reason = typeof tag !== "string"
    ? "expected a method object with a _tag (e.g. { _tag: \"help.getConfig\" })"
    : isKnownTag(tag)
    ? "a constructor, not a method: invoke takes a method (e.g. { _tag: \"help.getConfig\" })"
    : "unknown _tag: no method of this layer has this name"
  return new TlEncodeError({ tag: String(tag), reason })
}

/** Effect form of {@link serialize}; an unserializable object is a defect. */
export const encode = (obj: AnyObject | TlMethod): Effect.Effect<Uint8Array> => Effect.sync(() => serialize(obj))

/**
 * Effect form of {@link deserialize}, failing with {@link TlDecodeError}.
 *
 * Typing note: `AnyObject` is a union of about 2,400 members. In an `Effect.gen` that also
 * yields other effects, `yield* decode(bytes)` makes tsc stop with TS2590 ("union type
 * too complex"), because it compares every member with every other. Narrow first:
 * `yield* decode(bytes).pipe(Effect.map((o) => o._tag === "rpc_result" ? o : ...))`, or use
 * {@link decodeResult} / {@link deserialize}.
 */
export const decode = (bytes: Uint8Array): Effect.Effect<AnyObject, TlDecodeError> =>
  Effect.try({
    try: () => deserialize(bytes),
    catch: (e) => e instanceof TlDecodeError ? e : new TlDecodeError({ offset: -1, reason: String(e) })
  })

/** Effect form of {@link deserializeResult}, failing with {@link TlDecodeError}. */
export const decodeResult = <M extends TlMethod>(method: M, bytes: Uint8Array): Effect.Effect<ResultOf<M>, TlDecodeError> =>
  Effect.try({
    try: () => deserializeResult(method, bytes),
    catch: (e) => e instanceof TlDecodeError ? e : new TlDecodeError({ offset: -1, reason: String(e) })
  })

/** The schema name for a constructor or method id (unsigned 32-bit), if known. */
export const nameForId = (id: number): string | undefined => NAMES.get(id >>> 0)

/** Whether the registry can decode this id (unsigned 32-bit) as a boxed object. */
export const hasReader = (id: number): boolean => READERS.has(id >>> 0)

/** A JSON value, as produced by {@link toJson}. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const toBase64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64")

/**
 * A JSON-safe form of a TL value that {@link fromJson} turns back into an equal value:
 * `bigint` → `{"$bigint":"123"}`, `Uint8Array` → `{"$bytes":"<base64>"}`; keys whose value
 * is `undefined` are dropped. `JSON.stringify` the result to get text.
 */
export const toJson = (value: unknown): Json => {
  switch (typeof value) {
    case "bigint":
      return { $bigint: value.toString() }
    case "string":
    case "boolean":
      return value
    case "number":
      // JSON has no NaN/Infinity; doubles from the wire can hold them.
      return Number.isFinite(value) ? value : { $double: String(value) }
    case "object": {
      if (value === null) return null
      if (value instanceof Uint8Array) return { $bytes: toBase64(value) }
      if (Array.isArray(value)) return value.map(toJson)
      const out: Record<string, Json> = {}
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v)
      return out
    }
    default:
      return null
  }
}

/**
 * Inverse of {@link toJson}. The input is a parsed JSON value (use `JSON.parse` on text).
 * The result is not validated against the schema; `serialize` it to check.
 */
export const fromJson = <T = AnyObject>(json: unknown): T => revive(json) as T

const revive = (json: unknown): unknown => {
  if (json === null || typeof json !== "object") return json
  if (Array.isArray(json)) return json.map(revive)
  const o = json as Record<string, unknown>
  const keys = Object.keys(o)
  if (keys.length === 1) {
    if (typeof o.$bigint === "string") return BigInt(o.$bigint)
    if (typeof o.$bytes === "string") return new Uint8Array(Buffer.from(o.$bytes, "base64"))
    if (typeof o.$double === "string") return Number(o.$double)
  }
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = revive(o[k])
  return out
}
