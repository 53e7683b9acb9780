/**
 * The World's file store: uploads in progress (parts saved in any order, checked when the
 * file is used), the photos and documents made from them, each living on one DC with a file
 * reference that a test can expire, and reads of stored files by `upload.getFile` under
 * Telegram's rules (core.telegram.org/api/files).
 *
 * Plain mutable data with one owner, like the rest of the World: handlers change it inside
 * their synchronous steps, refusing with `RpcFailure` (thrown, turned into a failure by the
 * World's `attempt`).
 *
 * ```ts
 * const photo = world.files.addPhoto(pngBytes, { dcId: 2 })      // as if uploaded and sent
 * world.files.placeOn = 3                                         // new files live on DC 3
 * world.files.expireReference(photo.id)                           // next getFile: FILE_REFERENCE_EXPIRED
 * ```
 */
import { md5Hex, type RandomBytes, randomLong, toHex } from "../../crypto/index.ts"
import { BIG_FILE_THRESHOLD, getFileProblem, MAX_PART_SIZE, MAX_PARTS, partSizeProblem } from "../../mtproto/fileRules.ts"
import type { Api } from "../../tl/index.ts"
import { imageSize, type ImageSize } from "./imageSize.ts"
import { fail } from "./Store.ts"

/**
 * A stored photo or document.
 */
export interface WorldFile {
  readonly id: bigint
  readonly accessHash: bigint
  readonly kind: "photo" | "document"
  /** The DC it lives on: `upload.getFile` elsewhere answers FILE_MIGRATE_X. */
  readonly dcId: number
  readonly bytes: Uint8Array
  /** Unix seconds. */
  readonly date: number
  readonly mimeType: string
  readonly attributes: ReadonlyArray<Api.DocumentAttribute>
  /** A photo's pixel size. */
  readonly image: ImageSize | undefined
  /** The valid file reference; earlier ones are answered FILE_REFERENCE_EXPIRED. */
  reference: Uint8Array
  /** References this file had before, in hex. */
  readonly expired: Set<string>
}

/**
 * Where a new file goes and what it is.
 */
export interface NewFile {
  readonly dcId: number
  /** Unix seconds (default 0). */
  readonly date?: number | undefined
}

/**
 * The file store.
 */
export interface WorldFiles {
  /** Stored photos and documents by id. */
  readonly stored: ReadonlyMap<bigint, WorldFile>
  /** The DC new files live on (default: the uploader's home DC, else the DC they were sent on). */
  placeOn: number | undefined
  /**
   * Bytes the uploads not yet used may hold together (default 256 MiB). Past it the oldest
   * uploads are forgotten, as Telegram's temporary part storage forgets them; the one being
   * written to is kept whatever its size.
   */
  pendingBudget: number
  /** Uploads not yet used, by owner and file id. */
  readonly pendingUploads: () => number
  /**
   * `upload.saveFilePart` (`totalParts` undefined) or `upload.saveBigFilePart` (`totalParts`
   * the count, or -1 while unknown) of `owner`: any order, re-sending a part replaces it.
   */
  readonly savePart: (owner: bigint, fileId: bigint, part: number, bytes: Uint8Array, totalParts: number | undefined) => void
  /** The bytes of an uploaded `InputFile` of `owner`, checked (parts, sizes, MD5). */
  readonly uploaded: (owner: bigint, file: Api.InputFile) => Uint8Array
  /** Forgets an upload of `owner` (once its file is stored). */
  readonly forgetUpload: (owner: bigint, fileId: bigint) => void
  /** Stores a photo (IMAGE_PROCESS_FAILED when the bytes are no PNG/JPEG/GIF/WebP). */
  readonly addPhoto: (bytes: Uint8Array, where: NewFile) => WorldFile
  /** Stores a document. */
  readonly addDocument: (
    bytes: Uint8Array,
    where: NewFile & { readonly mimeType: string; readonly attributes?: ReadonlyArray<Api.DocumentAttribute> | undefined }
  ) => WorldFile
  /** The `photo` or `document` object of a stored file, with its current reference. */
  readonly render: (file: WorldFile) => Api.photo | Api.document
  /** The message media that shows a stored file. */
  readonly media: (file: WorldFile, options?: { readonly spoiler?: boolean | undefined }) => Api.MessageMedia
  /** The stored file an `InputPhoto` / `InputDocument` names (FILE_REFERENCE_EXPIRED for an old reference). */
  readonly byInput: (input: Api.InputPhoto | Api.InputDocument, kind: WorldFile["kind"]) => WorldFile
  /** `upload.getFile` on DC `dcId`: the rules, the location, the DC and the reference checked. */
  readonly read: (location: Api.InputFileLocation, dcId: number, offset: number, limit: number, precise: boolean) => Api.upload.file
  /** Gives file `id` a new reference; the old one is answered FILE_REFERENCE_EXPIRED. `false`: no such file. */
  readonly renewReference: (id: bigint) => boolean
}

interface Upload {
  readonly big: boolean
  /** Bytes its parts hold. */
  bytes: number
  /** A big file's part count, once a part said it (-1 until then). */
  totalParts: number
  readonly parts: Map<number, Uint8Array>
}


const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** The largest photo size type whose box holds the image (Telegram's s, m, x, y, w). */
const sizeType = (image: ImageSize): string => {
  const side = Math.max(image.w, image.h)
  return side <= 100 ? "s" : side <= 320 ? "m" : side <= 800 ? "x" : side <= 1280 ? "y" : "w"
}

const STORAGE_TYPES: Readonly<Record<string, Api.storage.FileType>> = {
  "image/jpeg": { _tag: "storage.fileJpeg" },
  "image/png": { _tag: "storage.filePng" },
  "image/gif": { _tag: "storage.fileGif" },
  "image/webp": { _tag: "storage.fileWebp" },
  "application/pdf": { _tag: "storage.filePdf" },
  "audio/mpeg": { _tag: "storage.fileMp3" },
  "video/quicktime": { _tag: "storage.fileMov" },
  "video/mp4": { _tag: "storage.fileMp4" }
}

/**
 * An empty file store drawing ids, access hashes and references from `random`.
 */
export const makeFiles = (random: RandomBytes): WorldFiles => {
  const stored = new Map<bigint, WorldFile>()
  // Insertion order is use order: a part saved moves its upload to the end.
  const uploads = new Map<string, Upload>()
  let pendingBytes = 0
  const dropUpload = (key: string) => {
    const upload = uploads.get(key)
    if (upload === undefined) return
    pendingBytes -= upload.bytes
    uploads.delete(key)
  }
  const positiveLong = (): bigint => BigInt.asUintN(64, randomLong(random)) >> 1n
  const newReference = (): Uint8Array => random(16)

  const add = (kind: WorldFile["kind"], bytes: Uint8Array, mimeType: string, attributes: ReadonlyArray<Api.DocumentAttribute>, image: ImageSize | undefined, where: NewFile): WorldFile => {
    const file: WorldFile = {
      id: positiveLong(),
      accessHash: positiveLong(),
      kind,
      dcId: where.dcId,
      bytes,
      date: where.date ?? 0,
      mimeType,
      attributes,
      image,
      reference: newReference(),
      expired: new Set()
    }
    stored.set(file.id, file)
    return file
  }

  const render = (file: WorldFile): Api.photo | Api.document =>
    file.kind === "photo"
      ? {
        _tag: "photo",
        id: file.id,
        access_hash: file.accessHash,
        file_reference: file.reference,
        date: file.date,
        sizes: [{ _tag: "photoSize", type: sizeType(file.image!), w: file.image!.w, h: file.image!.h, size: file.bytes.length }],
        dc_id: file.dcId
      }
      : {
        _tag: "document",
        id: file.id,
        access_hash: file.accessHash,
        file_reference: file.reference,
        date: file.date,
        mime_type: file.mimeType,
        size: BigInt(file.bytes.length),
        dc_id: file.dcId,
        attributes: file.attributes
      }

  /** The file a location or input names, its reference checked. */
  const find = (id: bigint, accessHash: bigint, reference: Uint8Array, kind: WorldFile["kind"]): WorldFile => {
    const file = stored.get(id)
    if (file === undefined || file.kind !== kind || file.accessHash !== accessHash) return fail(400, kind === "photo" ? "PHOTO_INVALID" : "FILE_ID_INVALID")
    if (!sameBytes(reference, file.reference)) {
      return fail(400, file.expired.has(toHex(reference)) ? "FILE_REFERENCE_EXPIRED" : "FILE_REFERENCE_INVALID")
    }
    return file
  }

  const files: WorldFiles = {
    stored,
    placeOn: undefined,
    pendingBudget: 256 * 1024 * 1024,
    pendingUploads: () => uploads.size,
    savePart: (owner, fileId, part, bytes, totalParts) => {
      const big = totalParts !== undefined
      if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) fail(400, "FILE_PART_INVALID")
      if (bytes.length > MAX_PART_SIZE) fail(400, "FILE_PART_TOO_BIG")
      // Only an empty file has an empty part: its one part.
      if (bytes.length === 0 && part !== 0) fail(400, "FILE_PART_EMPTY")
      if (big && (totalParts === 0 || totalParts < -1 || totalParts > MAX_PARTS)) fail(400, "FILE_PARTS_INVALID")
      if (big && totalParts > 0 && part >= totalParts) fail(400, "FILE_PART_INVALID")
      const key = `${owner}:${fileId}`
      let upload = uploads.get(key)
      if (upload === undefined) upload = { big, bytes: 0, totalParts: totalParts ?? -1, parts: new Map() }
      uploads.delete(key)
      uploads.set(key, upload)
      if (upload.big !== big) fail(400, "FILE_PARTS_INVALID")
      if (big && totalParts !== -1) {
        if (upload.totalParts !== -1 && upload.totalParts !== totalParts) fail(400, "FILE_PARTS_INVALID")
        upload.totalParts = totalParts!
      }
      const before = upload.parts.get(part)?.length ?? 0
      upload.parts.set(part, bytes)
      upload.bytes += bytes.length - before
      pendingBytes += bytes.length - before
      for (const oldest of uploads.keys()) {
        if (pendingBytes <= files.pendingBudget || oldest === key) break
        dropUpload(oldest)
      }
    },
    uploaded: (owner, file) => {
      if (file._tag === "inputFileStoryDocument") return fail(400, "FILE_PARTS_INVALID")
      const key = `${owner}:${file.id}`
      const upload = uploads.get(key)
      const count = file.parts
      if (!Number.isInteger(count) || count < 1 || count > MAX_PARTS) return fail(400, "FILE_PARTS_INVALID")
      if (upload === undefined) return fail(400, "FILE_PART_0_MISSING")
      const big = file._tag === "inputFileBig"
      if (upload.big !== big || (big && upload.totalParts !== -1 && upload.totalParts !== count)) return fail(400, "FILE_PARTS_INVALID")
      const parts: Array<Uint8Array> = []
      for (let i = 0; i < count; i++) {
        const part = upload.parts.get(i)
        if (part === undefined) return fail(400, `FILE_PART_${i}_MISSING`)
        parts.push(part)
      }
      if (upload.parts.size > count) return fail(400, "FILE_PARTS_INVALID")
      // Every part but the last has the one part size; the last is no longer.
      const partSize = parts[0]!.length
      if (count > 1 && partSizeProblem(partSize) !== undefined) return fail(400, "FILE_PART_SIZE_INVALID")
      for (let i = 1; i < count; i++) {
        const n = parts[i]!.length
        if (i < count - 1 ? n !== partSize : n > partSize || n === 0) return fail(400, "FILE_PART_SIZE_CHANGED")
      }
      const size = parts.reduce((n, p) => n + p.length, 0)
      // Small files go up with saveFilePart, big ones (over 10 MB) with saveBigFilePart.
      if (!big && size > BIG_FILE_THRESHOLD) return fail(400, "FILE_PARTS_INVALID")
      const bytes = new Uint8Array(size)
      let at = 0
      for (const p of parts) {
        bytes.set(p, at)
        at += p.length
      }
      if (file._tag === "inputFile" && file.md5_checksum !== "" && file.md5_checksum.toLowerCase() !== md5Hex(bytes)) {
        return fail(400, "MD5_CHECKSUM_INVALID")
      }
      return bytes
    },
    forgetUpload: (owner, fileId) => dropUpload(`${owner}:${fileId}`),
    addPhoto: (bytes, where) => {
      const image = imageSize(bytes)
      if (image === undefined || image.w === 0 || image.h === 0) return fail(400, "IMAGE_PROCESS_FAILED")
      if (bytes.length > BIG_FILE_THRESHOLD) return fail(400, "PHOTO_SAVE_FILE_INVALID")
      const mime = image.kind === "jpeg" ? "image/jpeg" : `image/${image.kind}`
      return add("photo", bytes, mime, [], image, where)
    },
    addDocument: (bytes, where) => add("document", bytes, where.mimeType, where.attributes ?? [], undefined, where),
    render,
    media: (file, options = {}) => {
      const spoiler = options.spoiler === true ? { spoiler: true } : {}
      return file.kind === "photo"
        ? { _tag: "messageMediaPhoto", ...spoiler, photo: render(file) as Api.photo }
        : { _tag: "messageMediaDocument", ...spoiler, document: render(file) as Api.document }
    },
    byInput: (input, kind) => {
      if (input._tag === "inputPhotoEmpty" || input._tag === "inputDocumentEmpty") return fail(400, kind === "photo" ? "PHOTO_INVALID" : "DOCUMENT_INVALID")
      return find(input.id, input.access_hash, input.file_reference, kind)
    },
    read: (location, dcId, offset, limit, precise) => {
      const problem = getFileProblem(offset, limit, precise)
      if (problem !== undefined) return fail(400, problem)
      let file: WorldFile
      if (location._tag === "inputDocumentFileLocation") {
        if (location.thumb_size !== "") return fail(400, "LOCATION_INVALID") // no thumbnails in this World
        file = stored.get(location.id) ?? fail(400, "FILE_ID_INVALID")
        if (file.kind !== "document") return fail(400, "FILE_ID_INVALID")
      } else if (location._tag === "inputPhotoFileLocation") {
        file = stored.get(location.id) ?? fail(400, "FILE_ID_INVALID")
        if (file.kind !== "photo" || location.thumb_size !== sizeType(file.image!)) return fail(400, "LOCATION_INVALID")
      } else {
        return fail(400, "LOCATION_INVALID")
      }
      // The file's own DC serves it: elsewhere the client is sent there.
      if (file.dcId !== dcId) return fail(303, `FILE_MIGRATE_${file.dcId}`)
      find(location.id, location.access_hash, location.file_reference, file.kind)
      const start = Math.min(offset, file.bytes.length)
      const bytes = file.bytes.subarray(start, Math.min(start + limit, file.bytes.length))
      const whole = offset === 0 && bytes.length === file.bytes.length
      return {
        _tag: "upload.file",
        type: whole ? STORAGE_TYPES[file.mimeType] ?? { _tag: "storage.fileUnknown" } : { _tag: "storage.filePartial" },
        mtime: file.date,
        bytes
      }
    },
    renewReference: (id) => {
      const file = stored.get(id)
      if (file === undefined) return false
      file.expired.add(toHex(file.reference))
      file.reference = newReference()
      return true
    }
  }
  return files
}
