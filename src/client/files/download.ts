/**
 * Downloading (the Effect shell around `chunks.ts` and `location.ts`): the planned
 * `upload.getFile` requests run by a bounded pool of workers, each on a file connection of
 * its own on the file's DC, and come out as a Stream in file order. FILE_MIGRATE moves the
 * rest of the download to the DC it names; an expired file reference is refreshed once for
 * all workers by fetching the message again.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { randomBytes, toHex } from "../../crypto/index.ts"
import { chunkSizeProblem } from "../../mtproto/fileRules.ts"
import type { Api } from "../../tl/index.ts"
import { Client, type ClientShape } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import { get as getMessages } from "../messages/Messages.ts"
import { UnexpectedAnswer } from "../messages/UnexpectedAnswer.ts"
import { type ChunkRequest, endsFile, planChunks, wantedBytes } from "./chunks.ts"
import { FileError } from "./FileError.ts"
import { fileSystem } from "./fileSystem.ts"
import { type FileLocation, type Located, locate, withReference } from "./location.ts"
import { checkWorkers, DEFAULT_WORKERS, withSlot, withTransientRetry } from "./workers.ts"

/**
 * Options of `Files.download`.
 */
export interface DownloadOptions {
  /** Start at this byte (any offset: a resume). Default 0. */
  readonly offset?: number | undefined
  /** At most this many bytes (default: to the end of the file). */
  readonly limit?: number | undefined
  /** Chunks requested at once, each on its own file connection (default 4, at most 16). */
  readonly workers?: number | undefined
  /** Bytes per request: a multiple of 4 KB dividing 1 MB (default 512 KB). */
  readonly chunkSize?: number | undefined
  /** The DC of an input location (photos, documents and messages say their own; default: the home DC). */
  readonly dcId?: number | undefined
}

/** The default chunk: 512 KB (the memory of a download is about workers × chunk). */
export const DEFAULT_CHUNK_SIZE = 512 * 1024

/** Moves a download follows (FILE_MIGRATE) and reference refreshes it makes before giving up. */
const MAX_MIGRATIONS = 3
const MAX_REFRESHES = 3

const invalid = (detail: string) => new FileError({ reason: "InvalidOptions", detail })

const checkRange = (name: string, value: number | undefined): Effect.Effect<void, FileError> =>
  value === undefined || (Number.isSafeInteger(value) && value >= 0)
    ? Effect.void
    : Effect.fail(invalid(`${name} must be a non-negative integer, got ${value}`))

const isReferenceError = (e: ClientError): boolean => e._tag === "RpcError" && e.message.startsWith("FILE_REFERENCE_")

/** The mutable part of a download: where the file is and the reference to ask with. */
interface Target {
  location: Api.InputFileLocation
  dcId: number
  /** Bumped by each refresh, so that workers that saw the old reference retry without refreshing again. */
  generation: number
}

/**
 * Fetches the message the file came from and takes the file reference it now has. Fails
 * with the original error when the location has no message, and with `ReferenceExpired` when
 * the message no longer holds the file.
 */
const refreshReference = (located: Located, target: Target, cause: ClientError) =>
  Effect.gen(function*() {
    const origin = located.origin
    if (origin === undefined) return yield* Effect.fail(cause)
    const gone = (detail: string, why?: unknown) =>
      new FileError({ reason: "ReferenceExpired", detail: `message ${origin.id}: ${detail}`, cause: why ?? cause })
    const [message] = yield* Effect.mapError(getMessages(origin.peer, [origin.id]), (e) => gone("could not be fetched again", e))
    if (message === undefined) return yield* gone("is gone")
    const fresh = locate(message)
    if (typeof fresh === "string") return yield* gone(fresh)
    if (fresh.fileId !== located.fileId) return yield* gone("holds another file now")
    target.location = withReference(target.location, fresh.location)
    target.generation++
    yield* Effect.logDebug("file reference refreshed").pipe(Effect.annotateLogs({ message: origin.id }))
  })

/**
 * One chunk on file connection `slot`, following FILE_MIGRATE and refreshing an expired
 * reference (once for all workers), retrying requests whose connection dropped.
 */
const fetchChunk = (
  client: ClientShape,
  located: Located,
  target: Target,
  refreshLock: Effect.Semaphore,
  request: ChunkRequest,
  slot: number
): Effect.Effect<Uint8Array, ClientError | FileError | UnexpectedAnswer, Client> =>
  Effect.gen(function*() {
    let migrations = 0
    let refreshes = 0
    for (;;) {
      const generation = target.generation
      const answer = yield* Effect.either(withTransientRetry(client.invoke({
        _tag: "upload.getFile",
        location: target.location,
        offset: BigInt(request.offset),
        limit: request.limit
      }, { dcId: target.dcId, fileConnection: slot })))
      if (answer._tag === "Right") {
        const file = answer.right
        if (file._tag !== "upload.file") {
          return yield* new UnexpectedAnswer({ method: "upload.getFile", detail: `${file._tag} (a CDN redirect was not asked for)` })
        }
        return file.bytes
      }
      const error = answer.left
      if (error._tag === "Migrate" && error.kind === "FILE" && migrations++ < MAX_MIGRATIONS) {
        target.dcId = error.dc
        continue
      }
      if (isReferenceError(error) && refreshes++ < MAX_REFRESHES) {
        // One refresh for all workers: whoever comes second finds the generation moved on.
        yield* refreshLock.withPermits(1)(
          Effect.suspend(() => target.generation === generation ? refreshReference(located, target, error) : Effect.void)
        )
        continue
      }
      return yield* Effect.fail(error)
    }
  })

/**
 * The bytes of `location` (a message with a photo or document, its media, a photo, a
 * document, or an `InputFileLocation`) as a Stream of chunks in file order, from `offset`
 * (default 0, any value: a resume) for `limit` bytes (default: to the end).
 *
 * Chunks of `chunkSize` (512 KB) are requested `workers` at a time (default 4), each on a file
 * connection of its own on the file's DC, aligned as `upload.getFile` requires, and put back in
 * order: the download holds about `workers × chunkSize` bytes whatever the file's size. It
 * follows FILE_MIGRATE (the authorization exported to the new DC once), refreshes an expired
 * file reference by fetching the message again (a photo or document on its own cannot be
 * refreshed: the server's FILE_REFERENCE_EXPIRED comes through), and re-sends a request whose
 * answer a dropped connection lost. Nothing is requested until the stream is run.
 */
export const download = (
  location: FileLocation,
  options: DownloadOptions = {}
): Stream.Stream<Uint8Array, ClientError | FileError | UnexpectedAnswer, Client> =>
  Stream.unwrap(Effect.gen(function*() {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
    const badChunk = chunkSizeProblem(chunkSize)
    if (badChunk !== undefined) return yield* invalid(badChunk)
    const workers = yield* checkWorkers(options.workers ?? DEFAULT_WORKERS)
    yield* checkRange("offset", options.offset)
    yield* checkRange("limit", options.limit)
    const located = locate(location)
    if (typeof located === "string") return yield* new FileError({ reason: "NoMedia", detail: located })
    const client = yield* Client
    const target: Target = { location: located.location, dcId: options.dcId ?? located.dcId ?? (yield* client.homeDc), generation: 0 }
    const from = options.offset ?? 0
    const wanted = options.limit === undefined ? undefined : from + options.limit
    const to = located.size === undefined ? wanted : Math.min(wanted ?? located.size, located.size)
    const refreshLock = yield* Effect.makeSemaphore(1)
    const slots = yield* Queue.unbounded<number>()
    yield* Queue.offerAll(slots, Array.from({ length: workers }, (_, i) => i))
    // Failures travel as values until their turn: a request beyond the end of a file of unknown
    // size may fail after the short answer that ends the download, and must not end it.
    const fetch = (request: ChunkRequest) =>
      Effect.map(
        Effect.exit(withSlot(slots, (slot) => fetchChunk(client, located, target, refreshLock, request, slot))),
        (exit) => ({ request, exit })
      )
    return Stream.fromIterable(planChunks(from, to, chunkSize)).pipe(
      Stream.mapEffect(fetch, { concurrency: workers }),
      Stream.takeUntil(({ exit, request }) => Exit.isSuccess(exit) && endsFile(request, exit.value)),
      Stream.mapEffect(({ exit, request }) => Effect.map(exit, (bytes) => wantedBytes(request, bytes))),
      Stream.filter((bytes) => bytes.length > 0)
    )
  })).pipe(Stream.withSpan("Files.download"))

/**
 * Downloads `location` into the file at `path`, atomically: the bytes go to a temporary file
 * beside it, renamed to `path` when complete (removed on failure). Returns the bytes written.
 */
export const downloadTo = (
  location: FileLocation,
  path: string,
  options: DownloadOptions = {}
): Effect.Effect<number, ClientError | FileError | UnexpectedAnswer, Client | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* fileSystem
    const temp = `${path}.${toHex(randomBytes(6))}.part`
    const cannotWrite = (cause: unknown) =>
      new FileError({ reason: "WriteFailed", detail: `${path}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
    let written = 0
    const write = download(location, options).pipe(
      Stream.tap((bytes) => Effect.sync(() => void (written += bytes.length))),
      Stream.run(fs.sink(temp)),
      Effect.catchTag("SystemError", cannotWrite),
      Effect.catchTag("BadArgument", cannotWrite)
    )
    yield* Effect.onError(
      Effect.zipRight(write, Effect.mapError(fs.rename(temp, path), cannotWrite)),
      () => Effect.ignore(fs.remove(temp))
    )
    return written
  }).pipe(Effect.withSpan("Files.downloadTo"))
