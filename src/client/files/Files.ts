/**
 * `Files`: uploading and downloading files as Effect Streams, as functions that need the
 * `Client` in their context.
 *
 * Parts and chunks travel on file connections of their own (several per DC, to the DC's
 * media-only address when the config announces one), a bounded number at once; a download
 * comes out in file order whatever order its chunks arrive in, and holds about `workers ×
 * chunkSize` bytes at a time, whatever the file's size.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const file = yield* Files.upload(bytes, { name: "report.pdf" })    // Api.InputFile
 *   const sent = yield* Messages.sendFile("@durov", "photo.jpg", { caption: "**Look**" })
 *   const copy = yield* Stream.runCollect(Files.download(sent, { workers: 8 }))
 *   yield* Files.downloadTo(sent, "copy.jpg")                          // atomic: temp file + rename
 * })
 * ```
 *
 * Paths are read and written with `@effect/platform`'s `FileSystem`: a program that uploads
 * from or downloads to a path provides one (`NodeFileSystem.layer` from
 * `@effect/platform-node`). Bytes and Streams need nothing besides the `Client`.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
import type { Api } from "../../tl/index.ts"
import type { Client } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import type { UnexpectedAnswer } from "../messages/UnexpectedAnswer.ts"
import type { FileError } from "./FileError.ts"
import { type SourceContext, type SourceError, upload, type UploadOptions, type UploadProgress, type UploadSource } from "./upload.ts"

export { FileError } from "./FileError.ts"
export { type FileLocation } from "./location.ts"
export {
  type SourceContext,
  type SourceError,
  upload,
  type UploadOptions,
  type UploadProgress,
  type UploadSource
} from "./upload.ts"
export { download, type DownloadOptions, downloadTo } from "./download.ts"

/**
 * An event of {@link uploadWithProgress}: progress after each saved part, then the result.
 */
export type UploadEvent =
  | ({ readonly _tag: "Progress" } & UploadProgress)
  | { readonly _tag: "Done"; readonly file: Api.InputFile }

/**
 * {@link upload} as a Stream of its progress (`{ uploaded, total }` after each saved part),
 * ending with `Done` and the `InputFile`. The upload runs while the stream is consumed and
 * stops when the consumer stops.
 */
export const uploadWithProgress = <S extends UploadSource>(
  source: S,
  options: Omit<UploadOptions, "onProgress"> = {}
): Stream.Stream<UploadEvent, FileError | UnexpectedAnswer | ClientError | SourceError<S>, Client | SourceContext<S>> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const events = yield* Queue.unbounded<Take.Take<UploadEvent, FileError | UnexpectedAnswer | ClientError | SourceError<S>>>()
    yield* upload(source, {
      ...options,
      onProgress: (p) => Effect.asVoid(Queue.offer(events, Take.of({ _tag: "Progress", ...p })))
    }).pipe(
      Effect.matchCauseEffect({
        onSuccess: (file) => Queue.offerAll(events, [Take.of({ _tag: "Done", file } as const), Take.end]),
        onFailure: (cause) => Queue.offer(events, Take.failCause(cause))
      }),
      Effect.forkScoped
    )
    return Stream.flattenTake(Stream.fromQueue(events))
  }))
