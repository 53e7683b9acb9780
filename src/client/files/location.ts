/**
 * What `Files.download` accepts as a location, and how each becomes an `InputFileLocation`
 * (pure): a message with a photo or document, the media itself, a photo (its largest size), a
 * document, or an input location. Photos and documents carry their DC and size; a message
 * also says where to refetch the file reference when it expires.
 */
import type { Api } from "../../tl/index.ts"

/**
 * Anything `Files.download` can download.
 */
export type FileLocation = Api.Message | Api.MessageMedia | Api.Photo | Api.Document | Api.InputFileLocation

/**
 * A location made ready for `upload.getFile`.
 */
export interface Located {
  readonly location: Api.InputFileLocation
  /** The DC the file lives on, when the location says so. */
  readonly dcId: number | undefined
  /** The file's size in bytes, when known. */
  readonly size: number | undefined
  /** The message holding the file: its file reference is refreshed by fetching it again. */
  readonly origin: { readonly peer: Api.Peer; readonly id: number } | undefined
  /** The photo's or document's id, to find the same file in a refetched message. */
  readonly fileId: bigint | undefined
}

const MESSAGE_TAGS = new Set(["message", "messageEmpty", "messageService"])

type Sized = Api.photoSize | Api.photoSizeProgressive
const bytesOf = (s: Sized): number => (s._tag === "photoSize" ? s.size : s.sizes[s.sizes.length - 1] ?? 0)

/** The largest size of a photo that lives on the DC (not the inline thumbnails). */
const largestSize = (photo: Api.photo): Sized | undefined => {
  let best: Sized | undefined
  for (const s of photo.sizes) {
    if (s._tag !== "photoSize" && s._tag !== "photoSizeProgressive") continue
    if (best === undefined || s.w * s.h > best.w * best.h || (s.w * s.h === best.w * best.h && bytesOf(s) > bytesOf(best))) best = s
  }
  return best
}

const ofPhoto = (photo: Api.Photo, origin: Located["origin"]): Located | string => {
  if (photo._tag === "photoEmpty") return "the photo is empty"
  const size = largestSize(photo)
  if (size === undefined) return "the photo has no downloadable size"
  return {
    location: { _tag: "inputPhotoFileLocation", id: photo.id, access_hash: photo.access_hash, file_reference: photo.file_reference, thumb_size: size.type },
    dcId: photo.dc_id,
    size: bytesOf(size),
    origin,
    fileId: photo.id
  }
}

const ofDocument = (document: Api.Document, origin: Located["origin"]): Located | string => {
  if (document._tag === "documentEmpty") return "the document is empty"
  return {
    location: {
      _tag: "inputDocumentFileLocation",
      id: document.id,
      access_hash: document.access_hash,
      file_reference: document.file_reference,
      thumb_size: ""
    },
    dcId: document.dc_id,
    size: Number(document.size),
    origin,
    fileId: document.id
  }
}

const ofMedia = (media: Api.MessageMedia, origin: Located["origin"]): Located | string => {
  if (media._tag === "messageMediaPhoto") return media.photo === undefined ? "the photo is gone (expired or deleted)" : ofPhoto(media.photo, origin)
  if (media._tag === "messageMediaDocument") {
    return media.document === undefined ? "the document is gone (expired or deleted)" : ofDocument(media.document, origin)
  }
  return `${media._tag} holds no file`
}

/**
 * The `upload.getFile` location of `location`, or why it has none.
 */
export const locate = (location: FileLocation): Located | string => {
  if (MESSAGE_TAGS.has(location._tag)) {
    const message = location as Api.Message
    if (message._tag !== "message" || message.media === undefined) return `message ${message.id} has no media`
    return ofMedia(message.media, { peer: message.peer_id, id: message.id })
  }
  if (location._tag.startsWith("messageMedia")) return ofMedia(location as Api.MessageMedia, undefined)
  if (location._tag === "photo" || location._tag === "photoEmpty") return ofPhoto(location as Api.Photo, undefined)
  if (location._tag === "document" || location._tag === "documentEmpty") return ofDocument(location as Api.Document, undefined)
  return { location: location as Api.InputFileLocation, dcId: undefined, size: undefined, origin: undefined, fileId: undefined }
}

/** `location` with the file reference of `fresh` (the same file found again), if it has one. */
export const withReference = (location: Api.InputFileLocation, fresh: Api.InputFileLocation): Api.InputFileLocation =>
  "file_reference" in fresh && "file_reference" in location ? { ...location, file_reference: fresh.file_reference } as Api.InputFileLocation : location
