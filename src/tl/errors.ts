import * as Data from "effect/Data"

/**
 * Malformed TL input: truncated data, an unknown constructor id, a length prefix or
 * vector count larger than the bytes left, a broken `gzip_packed` payload, leftover
 * bytes after a whole-buffer decode, or nesting too deep for the stack.
 *
 * Decoders throw it on the hot path (plain functions, no Effect); the Effect entry points
 * (`decode`, `deserializeEffect`-style wrappers) turn it into a typed failure.
 */
export class TlDecodeError extends Data.TaggedError("TlDecodeError")<{
  /** Byte offset in the buffer being read where the problem was found. */
  readonly offset: number
  /** The constructor id involved (unsigned 32-bit), when there is one. */
  readonly constructorId?: number | undefined
  /** What went wrong, for humans; branch on the error tag, not this text. */
  readonly reason: string
}> {
  override get message(): string {
    return `${this.reason} (at byte ${this.offset}${this.constructorId === undefined ? "" : `, constructor 0x${this.constructorId.toString(16).padStart(8, "0")}`})`
  }
}

/**
 * A TL object that cannot be serialized: an unknown `_tag`, a missing required field,
 * or fields sharing one flag bit given only in part. These are programming errors, so
 * `serialize` throws it and `encode` treats it as a defect.
 */
export class TlEncodeError extends Data.TaggedError("TlEncodeError")<{
  readonly tag: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot serialize ${this.tag}: ${this.reason}`
  }
}
