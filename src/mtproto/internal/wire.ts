/**
 * Wire-level helpers of the Sender: container limits, gzip_packed on the way in and out, and
 * how a call is named. (Constructor ids are `MtId`, from the schema.)
 */
import { type InflateBudget, inflateCapped } from "../../tl/gzip.ts"
import { constructorIdOf, gzipPacked, MtId, serialize, type TlMethod, TlReader } from "../../tl/index.ts"

/**
 * The name errors and logs use for a call: wrappers (`invokeWithLayer`, `initConnection`,
 * `invokeWithoutUpdates`, ...) are named after the query they carry.
 */
export const methodName = (method: TlMethod): string => {
  let m: { readonly _tag: string; readonly query?: unknown } = method
  while (typeof m.query === "object" && m.query !== null && "_tag" in m.query) m = m.query as typeof m
  return m._tag
}

export const MAX_CONTAINER_MESSAGES = 1020
export const MAX_CONTAINER_BYTES = 1 << 20

/** Inflates a `gzip_packed` body (charging `budget`, the whole frame's), or returns the body as it is. */
export const unpackGzip = (bytes: Uint8Array, budget?: InflateBudget): Uint8Array => {
  if (constructorIdOf(bytes) !== MtId.gzip_packed) return bytes
  const r = new TlReader(bytes, 4)
  return inflateCapped(r.bytes(), 0, budget)
}

/** Serializes a call, as gzip_packed when the body is over `threshold` bytes and that makes it smaller. */
export const encodeBody = (method: TlMethod, threshold: number): Uint8Array => {
  const body = serialize(method)
  if (body.length <= threshold) return body
  const packed = gzipPacked(body)
  return packed.length < body.length ? packed : body
}
