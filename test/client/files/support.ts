/**
 * Shared pieces of the Files tests: deterministic file contents, collecting a download, and
 * picking the document or photo out of a message.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createCipheriv, createHash } from "node:crypto"
import type { Api } from "../../../src/tl/index.ts"
import { concat } from "../../support/bytes.ts"

/** `size` deterministic pseudo-random bytes (AES-CTR keystream of `seed`): fast, reproducible. */
export const bytesOf = (size: number, seed = 1): Uint8Array => {
  const key = createHash("sha256").update(`file-${seed}`).digest().subarray(0, 16)
  const out = createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(size))
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

export const digest = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex")

/** Runs a download to the end and joins its chunks. */
export const collectBytes = <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Effect.Effect<Uint8Array, E, R> =>
  Effect.map(Stream.runCollect(stream), (chunks) => concat(Chunk.toReadonlyArray(chunks)))

export const documentOf = (m: Api.Message): Api.document => {
  if (m._tag !== "message" || m.media?._tag !== "messageMediaDocument" || m.media.document?._tag !== "document") {
    throw new Error(`not a document message: ${m._tag}`)
  }
  return m.media.document
}

export const photoOf = (m: Api.Message): Api.photo => {
  if (m._tag !== "message" || m.media?._tag !== "messageMediaPhoto" || m.media.photo?._tag !== "photo") {
    throw new Error(`not a photo message: ${m._tag}`)
  }
  return m.media.photo
}

/** A PNG of `w`×`h` as far as its header goes (signature and IHDR), then `rest` bytes of data. */
export const pngOf = (w: number, h: number, rest: number): Uint8Array => {
  const head = new Uint8Array(33)
  head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
  const view = new DataView(head.buffer)
  view.setUint32(16, w)
  view.setUint32(20, h)
  head.set([8, 6, 0, 0, 0], 24)
  return concat([head, bytesOf(rest, w * h)])
}
