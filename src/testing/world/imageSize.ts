/**
 * The pixel size of an image from its header (pure): PNG (IHDR), JPEG (the first SOF
 * marker), GIF (logical screen) and WebP (VP8, VP8L, VP8X). What the emulated server needs to
 * accept an uploaded photo and describe its size, without decoding pixels.
 */

/**
 * An image's width and height in pixels, and its kind.
 */
export interface ImageSize {
  readonly kind: "png" | "jpeg" | "gif" | "webp"
  readonly w: number
  readonly h: number
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8)
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!)
const ascii = (b: Uint8Array, i: number, s: string) => [...s].every((c, k) => b[i + k] === c.charCodeAt(0))

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

const png = (b: Uint8Array): ImageSize | undefined =>
  b.length >= 24 && PNG.every((x, i) => b[i] === x) && ascii(b, 12, "IHDR")
    ? { kind: "png", w: u32be(b, 16), h: u32be(b, 20) }
    : undefined

/** Start-of-frame markers (baseline, progressive, ...), not DHT (C4), JPG (C8) or DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc

const jpeg = (b: Uint8Array): ImageSize | undefined => {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined
  let i = 2
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined
    const marker = b[i + 1]!
    if (marker === 0xff) {
      i++ // fill byte
      continue
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2 // markers without a length
      continue
    }
    const length = u16be(b, i + 2)
    if (length < 2) return undefined
    if (isSof(marker)) return i + 9 <= b.length ? { kind: "jpeg", h: u16be(b, i + 5), w: u16be(b, i + 7) } : undefined
    if (marker === 0xd9 || marker === 0xda) return undefined // end of image, or scan data before any frame
    i += 2 + length
  }
  return undefined
}

const gif = (b: Uint8Array): ImageSize | undefined =>
  b.length >= 10 && (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) ? { kind: "gif", w: u16le(b, 6), h: u16le(b, 8) } : undefined

const webp = (b: Uint8Array): ImageSize | undefined => {
  if (b.length < 30 || !ascii(b, 0, "RIFF") || !ascii(b, 8, "WEBP")) return undefined
  if (ascii(b, 12, "VP8 ")) return { kind: "webp", w: u16le(b, 26) & 0x3fff, h: u16le(b, 28) & 0x3fff }
  if (ascii(b, 12, "VP8L") && b[20] === 0x2f) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)
    return { kind: "webp", w: (bits & 0x3fff) + 1, h: ((bits >>> 14) & 0x3fff) + 1 }
  }
  if (ascii(b, 12, "VP8X")) return { kind: "webp", w: u24le(b, 24) + 1, h: u24le(b, 27) + 1 }
  return undefined
}

/**
 * The size of the image in `bytes`, or `undefined` when it is none of the known formats (or
 * its header is cut short).
 */
export const imageSize = (bytes: Uint8Array): ImageSize | undefined => png(bytes) ?? jpeg(bytes) ?? gif(bytes) ?? webp(bytes)
