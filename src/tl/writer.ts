import { BOOL_FALSE_ID, BOOL_TRUE_ID, VECTOR_ID } from "./reader.ts"

const utf8 = new TextEncoder()

/**
 * Writes TL primitives into a growable buffer, little-endian. The buffer doubles when
 * full, so a writer that is reused (see {@link TlWriter.reset}) stops allocating once it
 * has seen its largest message.
 */
export class TlWriter {
  /** The backing buffer; valid data is `buf.subarray(0, pos)`. */
  buf: Uint8Array
  /** A view over {@link buf}. */
  view: DataView
  /** The write position. */
  pos = 0

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize)
    this.view = new DataView(this.buf.buffer)
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n)
  }

  private grow(n: number): void {
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.pos = 0
  }

  /** A copy of what was written. */
  result(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }

  /** Signed (or unsigned, wrapped) 32-bit. */
  int(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4)
    this.view.setInt32(this.pos, v, true)
    this.pos += 4
  }

  /** Unsigned 32-bit (constructor ids, flags words). */
  uint(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4)
    this.view.setUint32(this.pos, v, true)
    this.pos += 4
  }

  /** 64-bit `long`; values outside the signed range wrap modulo 2^64. */
  long(v: bigint): void {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.view.setBigInt64(this.pos, v, true)
    this.pos += 8
  }

  /** IEEE 754 `double`. */
  double(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.view.setFloat64(this.pos, v, true)
    this.pos += 8
  }

  /** Raw bytes, no length prefix. */
  raw(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.grow(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** `int128`: exactly 16 bytes. */
  int128(b: Uint8Array): void {
    if (b.length !== 16) throw new RangeError(`int128 needs 16 bytes, got ${b.length}`)
    this.raw(b)
  }

  /** `int256`: exactly 32 bytes. */
  int256(b: Uint8Array): void {
    if (b.length !== 32) throw new RangeError(`int256 needs 32 bytes, got ${b.length}`)
    this.raw(b)
  }

  // Writes the length header for `len` data bytes at `p` and zero padding after the data;
  // returns the end.
  private pad(p: number, hdr: number, len: number): void {
    const buf = this.buf
    if (hdr === 1) {
      buf[p] = len
    } else {
      buf[p] = 254
      buf[p + 1] = len & 0xff
      buf[p + 2] = (len >> 8) & 0xff
      buf[p + 3] = (len >> 16) & 0xff
    }
    let e = p + hdr + len
    const end = p + ((hdr + len + 3) & ~3)
    while (e < end) buf[e++] = 0
    this.pos = end
  }

  /** TL `bytes`: 1-byte length below 254, else 0xfe + 3-byte length; padded to 4. */
  bytes(b: Uint8Array): void {
    const len = b.length
    if (len > 0xffffff) throw new RangeError(`bytes too long for TL: ${len}`)
    const hdr = len < 254 ? 1 : 4
    this.ensure(len + 8)
    this.buf.set(b, this.pos + hdr)
    this.pad(this.pos, hdr, len)
  }

  /** TL `string` as UTF-8 (lone surrogates become U+FFFD, as with `TextEncoder`). */
  string(s: string): void {
    const n = s.length
    this.ensure(n * 3 + 8)
    const p = this.pos
    const buf = this.buf
    if (n * 3 < 254) {
      // Short strings: encode in place, no TextEncoder call (its overhead dominates here).
      let q = p + 1
      for (let i = 0; i < n; i++) {
        let c = s.charCodeAt(i)
        if (c < 0x80) {
          buf[q++] = c
        } else if (c < 0x800) {
          buf[q++] = 0xc0 | (c >> 6)
          buf[q++] = 0x80 | (c & 63)
        } else {
          if (c >= 0xd800 && c <= 0xdfff) {
            const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
            if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
              c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
              i++
              buf[q++] = 0xf0 | (c >> 18)
              buf[q++] = 0x80 | ((c >> 12) & 63)
              buf[q++] = 0x80 | ((c >> 6) & 63)
              buf[q++] = 0x80 | (c & 63)
              continue
            }
            c = 0xfffd
          }
          buf[q++] = 0xe0 | (c >> 12)
          buf[q++] = 0x80 | ((c >> 6) & 63)
          buf[q++] = 0x80 | (c & 63)
        }
      }
      this.pad(p, 1, q - p - 1)
      return
    }
    const len = utf8.encodeInto(s, buf.subarray(p + 4)).written
    if (len > 0xffffff) throw new RangeError(`string too long for TL: ${len}`)
    if (len < 254) {
      buf.copyWithin(p + 1, p + 4, p + 4 + len)
      this.pad(p, 1, len)
    } else {
      this.pad(p, 4, len)
    }
  }

  /** Boxed `Bool`. */
  bool(v: boolean): void {
    this.uint(v ? BOOL_TRUE_ID : BOOL_FALSE_ID)
  }

  /** Boxed vector header: `vector#1cb5c415` and the count. */
  vectorHeader(count: number): void {
    this.uint(VECTOR_ID)
    this.int(count)
  }

  /** Boxed `Vector<int>`. */
  vectorInt(v: ReadonlyArray<number>): void {
    const n = v.length
    this.ensure(8 + n * 4)
    this.uint(VECTOR_ID)
    this.int(n)
    const dv = this.view
    let p = this.pos
    for (let i = 0; i < n; i++, p += 4) dv.setInt32(p, v[i]!, true)
    this.pos = p
  }

  /** Boxed `Vector<long>`. */
  vectorLong(v: ReadonlyArray<bigint>): void {
    const n = v.length
    this.ensure(8 + n * 8)
    this.uint(VECTOR_ID)
    this.int(n)
    const dv = this.view
    let p = this.pos
    for (let i = 0; i < n; i++, p += 8) dv.setBigInt64(p, v[i]!, true)
    this.pos = p
  }
}
