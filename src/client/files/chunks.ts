/**
 * Planning a download (pure): the `upload.getFile` requests that cover bytes `[from, to)` of
 * a file, each aligned as Telegram requires, and which of each answer's bytes are wanted.
 *
 * A download that starts at an offset (a resume) need not be aligned: the first requests
 * start at the 4 KB boundary below it and grow (4 KB, 8 KB, ... up to the chunk size) until
 * they reach a chunk boundary, so that no request crosses a 1 MB block.
 */
import { CHUNK_ALIGNMENT } from "../../mtproto/fileRules.ts"

/**
 * One `upload.getFile` of a download: `limit` bytes at `offset`, of which `skip` leading bytes
 * are dropped and at most `take` kept.
 */
export interface ChunkRequest {
  readonly offset: number
  readonly limit: number
  readonly skip: number
  readonly take: number
}

/**
 * The requests that download bytes `[from, to)` (`to` undefined: up to the end of the file,
 * which the first short answer tells), with chunks of `chunkSize` (a valid getFile limit).
 */
export function* planChunks(from: number, to: number | undefined, chunkSize: number): Generator<ChunkRequest> {
  let offset = from - (from % CHUNK_ALIGNMENT)
  let skip = from - offset
  while (to === undefined || offset + skip < to) {
    // The largest power of two (at most chunkSize) that divides the offset: the request then
    // stays inside one chunk, and so inside one 1 MB block.
    let limit = chunkSize
    while (offset % limit !== 0) limit /= 2
    const take = to === undefined ? limit - skip : Math.min(limit - skip, to - offset - skip)
    yield { offset, limit, skip, take }
    offset += limit
    skip = 0
  }
}

/** The wanted bytes of an answer to `request` (a view, no copy). */
export const wantedBytes = (request: ChunkRequest, bytes: Uint8Array): Uint8Array =>
  bytes.subarray(Math.min(request.skip, bytes.length), Math.min(request.skip + request.take, bytes.length))

/** Whether an answer to `request` ends the file: the server had fewer bytes than asked for. */
export const endsFile = (request: ChunkRequest, bytes: Uint8Array): boolean => bytes.length < request.limit
