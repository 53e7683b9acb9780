import { TlEncodeError } from "./errors.ts"
import { BOOL_FALSE_ID, BOOL_TRUE_ID, VECTOR_ID } from "./reader.ts"

const utf8 = new TextEncoder()

/**
 * A field value of the wrong kind (a string where a `long` goes, a fraction for an `int`, an
 * absent required field). Thrown by the writer; `writeObject` turns it into a `TlEncodeError`
 * that names the object and the field.
 */
export class TlValueError extends Error {
  readonly expected: string
  readonly value: unknown
  constructor(expected: string, value: unknown) {
    super(`expected ${expected}, got ${describeValue(value)}`)
    this.expected = expected
    this.value = value
  }
}

/** A value, briefly, for error messages (never the content of bytes). */
export const describeValue = (value: unknown): string => {
  if (value === undefined) return "nothing (the field is missing)"
  if (value === null) return "null"
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    case "number":
    case "boolean":
      return `the ${typeof value} ${String(value)}`
    case "bigint":
      return `the bigint ${value}n`
    case "object":
      if (value instanceof Uint8Array) return `${value.length} bytes`
      if (Array.isArray(value)) return `an array of ${value.length}`
      return "_tag" in value ? `an object of _tag ${JSON.stringify((value as { _tag: unknown })._tag)}` : "an object"
    default:
      return `a ${typeof value}`
  }
}

/** The object whose serialization failed last: each `writeObject` around it names the field holding it. */
let failedObject: unknown

/** The field of `o` that holds `value` (`name`, or `name[i]` inside a vector), if one does. */
const fieldHolding = (o: Record<string, unknown>, value: unknown): string | undefined => {
  for (const key of Object.keys(o)) {
    if (key === "_tag") continue
    const v = o[key]
    if (v === value) return key
    if (Array.isArray(v)) {
      const i = v.indexOf(value)
      if (i >= 0) return `${key}[${i}]`
    }
  }
  return undefined
}

/**
 * For `writeObject`: something that is no TL object of this layer. Not an object at all is a
 * value error of the field around it; an unknown `_tag` is an encode error of its own.
 */
export const unknownObject = (o: unknown): Error => {
  if (typeof o !== "object" || o === null || !("_tag" in o)) return new TlValueError("a TL object (with a _tag)", o)
  failedObject = o
  const tag = (o as { readonly _tag: unknown })._tag
  return new TlEncodeError({
    tag: String(tag),
    reason: typeof tag === "string" ? "unknown _tag: no constructor or method of this layer has this name" : `_tag is ${describeValue(tag)}, not a name`
  })
}

/**
 * For `writeObject`: what went wrong inside `o`, said from `o`'s side (which field, of which
 * object), so that the message of the outermost one reads as a path.
 */
export const encodeContext = (o: Record<string, unknown>, e: unknown): TlEncodeError => {
  const tag = String(o._tag)
  let reason: string
  if (e instanceof TlValueError) {
    const field = fieldHolding(o, e.value)
    reason = field === undefined ? e.message : `${field}: ${e.message}`
  } else if (e instanceof TlEncodeError) {
    const field = fieldHolding(o, failedObject)
    reason = field === undefined ? `${e.tag}: ${e.reason}` : `in ${field} (${e.tag}): ${e.reason}`
  } else {
    reason = e instanceof Error ? e.message : String(e)
  }
  failedObject = o
  return new TlEncodeError({ tag, reason })
}

// An int field takes any 32-bit integer, signed or not (ids and hashes are sometimes given unsigned).
const isInt32 = (v: unknown): boolean => typeof v === "number" && ((v | 0) === v || (v >>> 0) === v)

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

  /** Signed (or unsigned, wrapped) 32-bit; anything else is a `TlValueError`. */
  int(v: number): void {
    if (!isInt32(v)) throw new TlValueError("an int (a 32-bit integer)", v)
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

  /** 64-bit `long` (a bigint); values outside the signed range wrap modulo 2^64. */
  long(v: bigint): void {
    if (typeof v !== "bigint") throw new TlValueError("a long (a bigint)", v)
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.view.setBigInt64(this.pos, v, true)
    this.pos += 8
  }

  /** IEEE 754 `double`. */
  double(v: number): void {
    if (typeof v !== "number") throw new TlValueError("a double (a number)", v)
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
    if (!(b instanceof Uint8Array) || b.length !== 16) throw new TlValueError("an int128 (16 bytes)", b)
    this.raw(b)
  }

  /** `int256`: exactly 32 bytes. */
  int256(b: Uint8Array): void {
    if (!(b instanceof Uint8Array) || b.length !== 32) throw new TlValueError("an int256 (32 bytes)", b)
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
    if (!(b instanceof Uint8Array)) throw new TlValueError("bytes (a Uint8Array)", b)
    const len = b.length
    if (len > 0xffffff) throw new RangeError(`bytes too long for TL: ${len}`)
    const hdr = len < 254 ? 1 : 4
    this.ensure(len + 8)
    this.buf.set(b, this.pos + hdr)
    this.pad(this.pos, hdr, len)
  }

  /** TL `string` as UTF-8 (lone surrogates become U+FFFD, as with `TextEncoder`). */
  string(s: string): void {
    if (typeof s !== "string") throw new TlValueError("a string", s)
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
    if (typeof v !== "boolean") throw new TlValueError("a Bool (a boolean)", v)
    this.uint(v ? BOOL_TRUE_ID : BOOL_FALSE_ID)
  }

  /** Boxed vector header: `vector#1cb5c415` and the count. */
  vectorHeader(count: number): void {
    this.uint(VECTOR_ID)
    this.int(count)
  }

  /** Boxed `Vector<int>`. */
  vectorInt(v: ReadonlyArray<number>): void {
    if (!Array.isArray(v)) throw new TlValueError("a Vector<int> (an array)", v)
    const n = v.length
    this.ensure(8 + n * 4)
    this.uint(VECTOR_ID)
    this.int(n)
    const dv = this.view
    let p = this.pos
    for (let i = 0; i < n; i++, p += 4) {
      const x = v[i]!
      if (!isInt32(x)) throw new TlValueError("an int (a 32-bit integer) in a Vector<int>", x)
      dv.setInt32(p, x, true)
    }
    this.pos = p
  }

  /** Boxed `Vector<long>`. */
  vectorLong(v: ReadonlyArray<bigint>): void {
    if (!Array.isArray(v)) throw new TlValueError("a Vector<long> (an array)", v)
    const n = v.length
    this.ensure(8 + n * 8)
    this.uint(VECTOR_ID)
    this.int(n)
    const dv = this.view
    let p = this.pos
    for (let i = 0; i < n; i++, p += 8) {
      const x = v[i]!
      if (typeof x !== "bigint") throw new TlValueError("a long (a bigint) in a Vector<long>", x)
      dv.setBigInt64(p, x, true)
    }
    this.pos = p
  }
}
