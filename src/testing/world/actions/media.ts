/**
 * The media of `messages.sendMedia` that carries a file: an uploaded photo or document
 * (assembled from its parts and stored on the DC files are placed on), or an existing one
 * sent again by its `InputPhoto` / `InputDocument`.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import type { WorldFile, WorldFiles } from "../Files.ts"

/**
 * Where and when the media is sent.
 */
export interface MediaContext {
  readonly files: WorldFiles
  readonly sender: WorldUser
  /** The DC the call came to. */
  readonly dcId: number
  /** Unix seconds. */
  readonly now: number
}

/** The name an uploaded document carries: its filename attribute, else the InputFile's name. */
const withFileName = (attributes: ReadonlyArray<Api.DocumentAttribute>, file: Api.InputFile): ReadonlyArray<Api.DocumentAttribute> =>
  attributes.some((a) => a._tag === "documentAttributeFilename") || !("name" in file) || file.name === ""
    ? attributes
    : [...attributes, { _tag: "documentAttributeFilename", file_name: file.name }]

/**
 * The message media for `media`, or `undefined` when it carries no file (the caller handles
 * the other kinds). Refusals are Telegram's errors, thrown as `RpcFailure`.
 */
export const fileMedia = (ctx: MediaContext, media: Api.InputMedia): Api.MessageMedia | undefined => {
  const { files, sender } = ctx
  const where = { dcId: files.placeOn ?? sender.homeDc ?? ctx.dcId, date: ctx.now }
  /** Stores an uploaded file; the upload is forgotten only once the file is stored. */
  const store = (file: Api.InputFile, make: (bytes: Uint8Array) => WorldFile): WorldFile => {
    const stored = make(files.uploaded(sender.id, file))
    if (file._tag !== "inputFileStoryDocument") files.forgetUpload(sender.id, file.id)
    return stored
  }
  switch (media._tag) {
    case "inputMediaUploadedPhoto":
      return files.media(store(media.file, (bytes) => files.addPhoto(bytes, where)), { spoiler: media.spoiler })
    case "inputMediaUploadedDocument":
      return files.media(
        store(media.file, (bytes) => files.addDocument(bytes, { ...where, mimeType: media.mime_type, attributes: withFileName(media.attributes, media.file) })),
        { spoiler: media.spoiler }
      )
    case "inputMediaPhoto":
      return files.media(files.byInput(media.id, "photo"), { spoiler: media.spoiler })
    case "inputMediaDocument":
      return files.media(files.byInput(media.id, "document"), { spoiler: media.spoiler })
    default:
      return undefined
  }
}
