/**
 * MIME types for uploads (pure): guessed from the file name's extension when not given, and
 * which of them Telegram shows as photos.
 */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  mp4: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  mkv: "video/x-matroska",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  wav: "audio/wav",
  flac: "audio/flac",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
  "7z": "application/x-7z-compressed",
  json: "application/json",
  xml: "application/xml",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
  htm: "text/html",
  js: "text/javascript",
  ts: "text/plain",
  apk: "application/vnd.android.package-archive"
}

/** The MIME type of a file called `name` (`application/octet-stream` when unknown). */
export const mimeOf = (name: string): string => {
  const dot = name.lastIndexOf(".")
  return (dot < 0 ? undefined : BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) ?? "application/octet-stream"
}

/** Whether Telegram can show a file of this type as a (compressed) photo. */
export const isPhotoMime = (mime: string): boolean => mime === "image/jpeg" || mime === "image/png"
