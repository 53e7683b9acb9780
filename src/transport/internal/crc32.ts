// CRC-32 (IEEE 802.3), the checksum of the full transport: node:zlib's, the one gzip_packed uses too.
import { crc32 as zlibCrc32 } from "node:zlib"

/** CRC-32 of `parts` concatenated, as an unsigned 32-bit number. */
export const crc32 = (...parts: ReadonlyArray<Uint8Array>): number => {
  let crc = 0
  for (const bytes of parts) crc = zlibCrc32(bytes, crc)
  return crc >>> 0
}
