/**
 * Telegram's rules for moving files (core.telegram.org/api/files), as pure checks shared by
 * the client (which plans its requests by them) and TestDc (which enforces them):
 *
 * - uploads are cut into parts of one size (the last may be shorter): a multiple of 1 KB that
 *   divides 512 KB; at most 4000 parts; files over 10 MB go up with `upload.saveBigFilePart`;
 * - `upload.getFile` asks for `limit` bytes at `offset`: offset divisible by 4 KB, limit
 *   divisible by 4 KB and dividing 1 MB, and the range inside one 1 MB block; with `precise`,
 *   offset and limit need only be divisible by 1 KB, limit at most 1 MB.
 */

/** The largest (and recommended) upload part: 512 KB. */
export const MAX_PART_SIZE = 512 * 1024

/** Files larger than this go up with `upload.saveBigFilePart` (`inputFileBig`). */
export const BIG_FILE_THRESHOLD = 10 * 1024 * 1024

/** Parts a file may have (`upload_max_fileparts_default`; premium accounts get 8000). */
export const MAX_PARTS = 4000

/** The largest `limit` of one `upload.getFile`: 1 MB. */
export const MAX_CHUNK_SIZE = 1024 * 1024

/** Offsets and limits of `upload.getFile` are multiples of this (4 KB). */
export const CHUNK_ALIGNMENT = 4096

/** Why `size` cannot be an upload part size (`undefined`: it can). */
export const partSizeProblem = (size: number): string | undefined =>
  !Number.isInteger(size) || size <= 0 || size % 1024 !== 0 || MAX_PART_SIZE % size !== 0
    ? `a part size must be a multiple of 1 KB that divides 512 KB (1, 2, 4, ... 512 KB), got ${size} bytes`
    : undefined

/** Why `size` cannot be the `limit` of every `upload.getFile` of a download (`undefined`: it can). */
export const chunkSizeProblem = (size: number): string | undefined =>
  !Number.isInteger(size) || size <= 0 || size % CHUNK_ALIGNMENT !== 0 || MAX_CHUNK_SIZE % size !== 0
    ? `a chunk size must be a multiple of 4 KB that divides 1 MB (4, 8, 16, ... 1024 KB), got ${size} bytes`
    : undefined

/** How many parts a file of `size` bytes has (an empty file is one empty part). */
export const partCount = (size: number, partSize: number): number => Math.max(1, Math.ceil(size / partSize))

/** Whether a file of `size` bytes is uploaded as a big file. */
export const isBigFile = (size: number): boolean => size > BIG_FILE_THRESHOLD

/**
 * The error Telegram answers an `upload.getFile` of `limit` bytes at `offset` with, if the
 * range breaks the rules; `undefined` when it is fine.
 */
export const getFileProblem = (offset: number, limit: number, precise: boolean): "OFFSET_INVALID" | "LIMIT_INVALID" | undefined => {
  if (precise) {
    if (offset < 0 || offset % 1024 !== 0) return "OFFSET_INVALID"
    if (limit <= 0 || limit % 1024 !== 0 || limit > MAX_CHUNK_SIZE) return "LIMIT_INVALID"
    return undefined
  }
  if (offset < 0 || offset % CHUNK_ALIGNMENT !== 0) return "OFFSET_INVALID"
  if (limit <= 0 || limit % CHUNK_ALIGNMENT !== 0 || MAX_CHUNK_SIZE % limit !== 0) return "LIMIT_INVALID"
  if (Math.floor(offset / MAX_CHUNK_SIZE) !== Math.floor((offset + limit - 1) / MAX_CHUNK_SIZE)) return "LIMIT_INVALID"
  return undefined
}
