/**
 * The `InputMedia` a file is sent with (pure): an uploaded photo (JPEG or PNG, not asked to
 * be a document, small enough) or an uploaded document named after the file.
 */
import type { Api } from "../../tl/index.ts"
import { isPhotoMime, mimeOf } from "./mime.ts"

/**
 * How a file goes out.
 */
export interface MediaOptions {
  /** The name shown (default: the uploaded file's). */
  readonly name?: string | undefined
  /** Default: from the name's extension. */
  readonly mimeType?: string | undefined
  /** Send an image as a file (uncompressed), not as a photo. */
  readonly asDocument?: boolean | undefined
  /** More document attributes (video, audio, image size ...); the file name is always set. */
  readonly attributes?: ReadonlyArray<Api.DocumentAttribute> | undefined
  /** Hide the media behind a spoiler. */
  readonly spoiler?: boolean | undefined
}

/** Whether `value` is an uploaded file (`Api.InputFile`). */
export const isInputFile = (value: unknown): value is Api.InputFile =>
  typeof value === "object" && value !== null && "_tag" in value &&
  (value._tag === "inputFile" || value._tag === "inputFileBig" || value._tag === "inputFileStoryDocument")

/** Whether `value` is ready-made media (`Api.InputMedia`). */
export const isInputMedia = (value: unknown): value is Api.InputMedia =>
  typeof value === "object" && value !== null && "_tag" in value && typeof value._tag === "string" && value._tag.startsWith("inputMedia")

/**
 * The media that sends the uploaded `file`.
 */
export const uploadedMedia = (file: Api.InputFile, options: MediaOptions = {}): Api.InputMedia => {
  const name = options.name ?? ("name" in file ? file.name : "file")
  const mime = options.mimeType ?? mimeOf(name)
  const spoiler = options.spoiler === true ? { spoiler: true } : {}
  // Photos over 10 MB are refused: those go as documents.
  if (options.asDocument !== true && isPhotoMime(mime) && file._tag === "inputFile") {
    return { _tag: "inputMediaUploadedPhoto", ...spoiler, file }
  }
  const extra = (options.attributes ?? []).filter((a) => a._tag !== "documentAttributeFilename")
  return {
    _tag: "inputMediaUploadedDocument",
    ...spoiler,
    // An image asked to be a document stays one (no conversion into a photo).
    ...(options.asDocument === true && mime.startsWith("image/") ? { force_file: true } : {}),
    file,
    mime_type: mime,
    attributes: [{ _tag: "documentAttributeFilename", file_name: name }, ...extra]
  }
}
