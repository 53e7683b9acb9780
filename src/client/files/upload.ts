/**
 * Uploading (the Effect shell around `parts.ts`): the source read as a Stream, cut into
 * parts, planned (small or big), and the parts saved by a bounded pool of workers, each on
 * a file connection of its own. The MD5 of a small file is computed as its parts go by.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { createMd5, randomLong } from "../../crypto/index.ts"
import { isBigFile, MAX_PART_SIZE, MAX_PARTS, partCount, partSizeProblem } from "../../mtproto/fileRules.ts"
import type { Api } from "../../tl/index.ts"
import { Client, type ClientShape } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import { UnexpectedAnswer } from "../messages/UnexpectedAnswer.ts"
import { FileError } from "./FileError.ts"
import { fileSystem, fileSystemModule } from "./fileSystem.ts"
import { type PartJob, PartCutter, type PlanProblem, UploadPlan } from "./parts.ts"
import { checkWorkers, DEFAULT_WORKERS, withSlot, withTransientRetry } from "./workers.ts"

/**
 * What can be uploaded: the bytes, a path (read with `@effect/platform`'s `FileSystem`, which
 * the program then provides, e.g. `NodeFileSystem.layer`), or a Stream of byte chunks of any size.
 */
export type UploadSource = Uint8Array | string | Stream.Stream<Uint8Array, unknown, unknown>

/**
 * The errors a source adds: a Stream's own.
 */
export type SourceError<S> = S extends Stream.Stream<Uint8Array, infer E, infer _R> ? E : never

/**
 * What a source needs: `FileSystem` for a path, a Stream's own requirements.
 */
export type SourceContext<S> = S extends string ? FileSystem.FileSystem
  : S extends Stream.Stream<Uint8Array, infer _E, infer R> ? R
  : never

/**
 * How far an upload is: bytes saved so far, of `total` (`undefined` for a Stream of unknown size).
 */
export interface UploadProgress {
  readonly uploaded: number
  readonly total: number | undefined
}

/**
 * Options of `Files.upload`.
 */
export interface UploadOptions {
  /** The file name Telegram shows (default: the path's base name, else `"file"`). */
  readonly name?: string | undefined
  /** The MIME type (default: from the name's extension); used when the file is sent as a document. */
  readonly mimeType?: string | undefined
  /** Bytes per part: a multiple of 1 KB dividing 512 KB (default 512 KB). */
  readonly partSize?: number | undefined
  /** Parts uploaded at once, each on its own file connection (default 4, at most 16). */
  readonly workers?: number | undefined
  /**
   * The size of a Stream source, when known: parts then go at once (without it a stream's
   * first 10 MB wait until the file turns out small or big), and a stream that holds more or
   * fewer bytes fails with `FileError` "SizeMismatch".
   */
  readonly size?: number | undefined
  /** Told after each saved part. */
  readonly onProgress?: ((progress: UploadProgress) => Effect.Effect<void>) | undefined
}

const invalid = (detail: string) => new FileError({ reason: "InvalidOptions", detail })

const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1)

/** The name a source is uploaded under when none is given. */
export const defaultName = (source: UploadSource): string =>
  typeof source === "string" && baseName(source) !== "" ? baseName(source) : "file"

interface Opened {
  readonly bytes: Stream.Stream<Uint8Array, unknown, unknown>
  readonly size: number | undefined
}

/** The source as a Stream of chunks, and its size when known. */
const open = (source: UploadSource, partSize: number, declared: number | undefined): Effect.Effect<Opened, FileError, unknown> => {
  if (source instanceof Uint8Array) {
    return declared !== undefined && declared !== source.length
      ? Effect.fail(new FileError({ reason: "SizeMismatch", detail: `the bytes are ${source.length} long, not ${declared}` }))
      : Effect.succeed({ bytes: Stream.succeed(source), size: source.length })
  }
  if (typeof source === "string") {
    const unreadable = (cause: unknown) =>
      new FileError({ reason: "SourceUnreadable", detail: `${source}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
    return Effect.gen(function*() {
      const { Size } = yield* fileSystemModule
      const fs = yield* fileSystem
      const info = yield* Effect.mapError(fs.stat(source), unreadable)
      if (info.type !== "File") return yield* new FileError({ reason: "SourceUnreadable", detail: `${source} is not a file (${info.type})` })
      // Reads of one part each: the parts are then views of what was read, never copies.
      const bytes = Stream.mapError(fs.stream(source, { chunkSize: Size(partSize) }), unreadable)
      return { bytes, size: Number(info.size) }
    })
  }
  if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) {
    return Effect.fail(invalid(`size must be a non-negative integer, got ${declared}`))
  }
  return Effect.succeed({ bytes: source, size: declared })
}

const fromPlan = <A>(result: A | PlanProblem): Effect.Effect<A, FileError> =>
  typeof result === "object" && result !== null && "_tag" in result && result._tag === "PlanProblem"
    ? Effect.fail(new FileError({ reason: result.reason, detail: result.detail }))
    : Effect.succeed(result as A)

/** Saves one part on file connection `slot` (retried when the connection lost the answer). */
const savePart = (client: ClientShape, fileId: bigint, job: PartJob, slot: number) => {
  const method: Api.upload.saveBigFilePart | Api.upload.saveFilePart = job.big
    ? { _tag: "upload.saveBigFilePart", file_id: fileId, file_part: job.index, file_total_parts: job.totalParts, bytes: job.bytes }
    : { _tag: "upload.saveFilePart", file_id: fileId, file_part: job.index, bytes: job.bytes }
  return withTransientRetry(client.invoke(method, { fileConnection: slot })).pipe(
    Effect.flatMap((saved) =>
      saved ? Effect.void : Effect.fail(new UnexpectedAnswer({ method: method._tag, detail: `part ${job.index} was not saved` }))
    )
  )
}

/**
 * Uploads `source` (bytes, a path, or a Stream of chunks of any size) and returns the
 * `InputFile` to send it with (`Messages.sendFile`, or any method taking an `InputFile`).
 *
 * Files up to 10 MB go up with `upload.saveFilePart` and an MD5 checksum, larger ones with
 * `upload.saveBigFilePart`; a Stream without a declared `size` holds its first 10 MB until it
 * knows which. The parts (512 KB unless `partSize` says otherwise) are saved by `workers`
 * requests at once, each on a file connection of its own to the home DC; a part whose answer
 * a dropped connection lost is saved again. A source that fails fails the upload with its own
 * error; interrupting it stops the workers. Reading a path needs `FileSystem` (e.g.
 * `NodeFileSystem.layer`).
 */
export const upload = <S extends UploadSource>(
  source: S,
  options: UploadOptions = {}
): Effect.Effect<Api.InputFile, FileError | UnexpectedAnswer | ClientError | SourceError<S>, Client | SourceContext<S>> =>
  uploadUntyped(source, options) as Effect.Effect<
    Api.InputFile,
    FileError | UnexpectedAnswer | ClientError | SourceError<S>,
    Client | SourceContext<S>
  >

const uploadUntyped = (source: UploadSource, options: UploadOptions): Effect.Effect<Api.InputFile, unknown, unknown> =>
  Effect.gen(function*() {
    const partSize = options.partSize ?? MAX_PART_SIZE
    const badPartSize = partSizeProblem(partSize)
    if (badPartSize !== undefined) return yield* invalid(badPartSize)
    const workers = yield* checkWorkers(options.workers ?? DEFAULT_WORKERS)
    const name = options.name ?? defaultName(source)
    const client = yield* Client
    const { bytes, size } = yield* open(source, partSize, options.size)
    if (size !== undefined && partCount(size, partSize) > MAX_PARTS) {
      return yield* new FileError({ reason: "TooLarge", detail: `${size} bytes are ${partCount(size, partSize)} parts of ${partSize}; at most ${MAX_PARTS}` })
    }
    const fileId = randomLong() // the client names its uploads
    const plan = new UploadPlan(size, partSize, MAX_PARTS)
    // A big file's parts need no checksum; an unknown size may still turn out small.
    const md5 = size !== undefined && isBigFile(size) ? undefined : createMd5()
    const slots = yield* Queue.unbounded<number>()
    yield* Queue.offerAll(slots, Array.from({ length: workers }, (_, i) => i))
    let uploaded = 0
    const save = (job: PartJob) =>
      withSlot(slots, (slot) => savePart(client, fileId, job, slot)).pipe(
        Effect.zipRight(Effect.suspend(() => {
          uploaded += job.bytes.length
          return options.onProgress === undefined ? Effect.void : options.onProgress({ uploaded, total: size })
        }))
      )

    const cutter = new PartCutter(partSize)
    const parts = bytes.pipe(
      Stream.mapConcat((chunk) => cutter.push(chunk)),
      Stream.concat(Stream.suspend(() => {
        const last = cutter.end()
        return last === undefined || last.length === 0 ? Stream.empty : Stream.make(last)
      }))
    )
    let planned: { readonly big: boolean; readonly parts: number } | undefined
    const jobs = parts.pipe(
      Stream.mapConcatEffect((part) => {
        md5?.update(part)
        return fromPlan(plan.add(part))
      }),
      Stream.concat(Stream.unwrap(Effect.map(Effect.suspend(() => fromPlan(plan.finish())), (done) => {
        planned = done.file
        return Stream.fromIterable(done.jobs)
      })))
    )
    yield* Stream.runDrain(Stream.mapEffect(jobs, save, { concurrency: workers, unordered: true }))
    const file = planned!
    return file.big
      ? { _tag: "inputFileBig", id: fileId, parts: file.parts, name } satisfies Api.inputFileBig
      : { _tag: "inputFile", id: fileId, parts: file.parts, name, md5_checksum: md5?.hex() ?? "" } satisfies Api.inputFile
  }).pipe(Effect.withSpan("Files.upload"))
