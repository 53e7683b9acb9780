/**
 * Wire-level helpers of the Sender: constructor ids it dispatches on, container limits,
 * gzip_packed on the way in and out, and how a call is named.
 */
import { gzip, type InflateBudget, inflateCapped } from "../../tl/gzip.ts"
import { GZIP_PACKED_ID, serialize, type TlMethod, TlReader, TlWriter } from "../../tl/index.ts"

export const ID = {
  rpcResult: 0xf35c6d01,
  rpcError: 0x2144ca19,
  msgContainer: 0x73f1f8dc,
  gzipPacked: GZIP_PACKED_ID
} as const

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

export const readId = (bytes: Uint8Array): number =>
  bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : -1

/** Inflates a `gzip_packed` body (charging `budget`, the whole frame's), or returns the body as it is. */
export const unpackGzip = (bytes: Uint8Array, budget?: InflateBudget): Uint8Array => {
  if (readId(bytes) !== ID.gzipPacked) return bytes
  const r = new TlReader(bytes, 4)
  return inflateCapped(r.bytes(), 0, budget)
}

/** Serializes a call, as gzip_packed when the body is over `threshold` bytes and that makes it smaller. */
export const encodeBody = (method: TlMethod, threshold: number): Uint8Array => {
  const body = serialize(method)
  if (body.length <= threshold) return body
  const packed = gzip(body)
  if (packed.length + 8 >= body.length) return body
  const w = new TlWriter(packed.length + 8)
  w.uint(ID.gzipPacked)
  w.bytes(packed)
  return w.result()
}
