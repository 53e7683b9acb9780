/**
 * Decompression bombs built from real TL: `gzip_packed` members inside vectors inside
 * `gzip_packed`. Each member alone fits the old 16 MiB per-member cap; together they demand
 * gigabytes. Built once per process (a 16 MiB member takes ~50 ms to compress).
 */
import { gzipSync } from "node:zlib"
import { GZIP_PACKED_ID, MAX_INFLATED_SIZE, serialize, TlWriter, VECTOR_ID } from "../../../src/tl/index.ts"

const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 9 }))

/** `gzip_packed` around serialized bytes. */
export const packed = (inner: Uint8Array): Uint8Array => {
  const data = gz(inner)
  const w = new TlWriter(data.length + 8)
  w.uint(GZIP_PACKED_ID)
  w.bytes(data)
  return w.result()
}

/** A boxed `Vector<T>` whose elements are the given encodings. */
export const vectorOf = (items: ReadonlyArray<Uint8Array>): Uint8Array => {
  const w = new TlWriter(8 + items.reduce((n, i) => n + i.length, 0))
  w.uint(VECTOR_ID)
  w.int(items.length)
  for (const i of items) w.raw(i)
  return w.result()
}

/** `messages.chats chats:Vector<Chat>` around a vector encoding. */
export const chats = (vector: Uint8Array): Uint8Array => {
  const w = new TlWriter(vector.length + 4)
  w.uint(0x64ff9fd5)
  w.raw(vector)
  return w.result()
}

/** A `Chat` of about `size` bytes (a chatForbidden with a long title). */
export const bigChat = (size: number): Uint8Array => serialize({ _tag: "chatForbidden", id: 1n, title: "x".repeat(size) } as never)

let member: Uint8Array | undefined
/** One `gzip_packed` Chat that inflates to just under 16 MiB (~16 KB on the wire). */
export const sixteenMiBMember = (): Uint8Array => (member ??= packed(bigChat(MAX_INFLATED_SIZE - 64)))

/** The inner `messages.chats` of 1,000 such members: 16 MB serialized, 16 GB demanded. */
export const thousandMembers = (): Uint8Array => chats(vectorOf(Array.from({ length: 1000 }, sixteenMiBMember)))

/** ~25 KB: `gzip_packed(messages.chats{ 1,000 × 16 MiB members })`, 16 GB demanded. */
export const bomb25KB = (): Uint8Array => packed(thousandMembers())

/** ~800 bytes: the same packed twice (three levels of gzip_packed). */
export const nestedBomb = (): Uint8Array => packed(bomb25KB())
