// CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320), the checksum of the full transport.
// Table-driven; node:zlib.crc32 only exists from Node 20.15 on and is absent from our @types.

const table = (() => {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
})()

/** CRC-32 of `parts` concatenated, as an unsigned 32-bit number. */
export const crc32 = (...parts: ReadonlyArray<Uint8Array>): number => {
  let crc = -1
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  }
  return (crc ^ -1) >>> 0
}
