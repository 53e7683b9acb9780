/**
 * Serializes a handler's answer for `rpc_result.result`. `serialize` covers boxed objects;
 * vectors and `Bool` results have no `_tag`, so they are written here.
 */
import { BOOL_FALSE_ID, BOOL_TRUE_ID, serialize, TlWriter, VECTOR_ID, type AnyObject } from "../../tl/index.ts"

const writeElement = (w: TlWriter, v: unknown): void => {
  if (typeof v === "bigint") w.long(v)
  else if (typeof v === "number") w.int(v)
  else if (typeof v === "string") w.string(v)
  else w.raw(serializeResult(v))
}

/** Bytes for a result: raw bytes as given, `boolean` as Bool, arrays as `Vector`, objects boxed. */
export const serializeResult = (value: unknown): Uint8Array => {
  if (value instanceof Uint8Array) return value
  if (typeof value === "boolean") {
    const w = new TlWriter(4)
    w.uint(value ? BOOL_TRUE_ID : BOOL_FALSE_ID)
    return w.result()
  }
  if (Array.isArray(value)) {
    // Vector<long> / Vector<int> results hold bare numbers; Vector<T> of objects boxed ones.
    const w = new TlWriter(64)
    w.uint(VECTOR_ID)
    w.int(value.length)
    for (const v of value) writeElement(w, v)
    return w.result()
  }
  return serialize(value as AnyObject)
}
