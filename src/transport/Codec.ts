/**
 * MTProto framing codecs: abridged, intermediate, padded intermediate and full.
 *
 * Each codec is a pair of plain synchronous objects over `Uint8Array`: an encoder that wraps one
 * MTProto payload into one frame, and a streaming decoder that takes the byte stream in chunks of
 * any size (a frame split over many chunks, many frames in one chunk, one byte at a time) and calls
 * back once per complete frame. A decoder holds at most one partial frame. Both sides exist: the
 * client side (what a client sends and receives) and the server side (what TestDc sends and receives).
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports
 */
import { crc32 } from "./internal/crc32.ts"
import { randomBytes as defaultRandomBytes } from "../crypto/index.ts"
import { badFrame } from "./internal/errors.ts"
import { TransportError } from "./TransportError.ts"

/**
 * The framing protocols. `padded` is the padded intermediate protocol.
 */
export type CodecKind = "abridged" | "intermediate" | "padded" | "full"

/**
 * Which end of the connection a codec serves. The two ends differ in the quick-ACK encoding, in the
 * initial bytes (only the client sends them) and in whether error codes are expected (only from the server).
 */
export type Side = "client" | "server"

/**
 * The default upper bound on a received payload (16 MiB). Longer announced lengths fail with
 * `BadFrame` before any buffer is allocated.
 */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024

/**
 * Options shared by all codecs.
 */
export interface CodecOptions {
  /** Largest payload a decoder accepts, in bytes. Default {@link DEFAULT_MAX_FRAME_LENGTH}. */
  readonly maxFrameLength?: number | undefined
  /** Source of random bytes (padding of the padded codec). Default: node:crypto. Tests pin it. */
  readonly randomBytes?: ((n: number) => Uint8Array) | undefined
  /**
   * Client side: called with each quick ACK the server sends (the 32-bit value as an unsigned number,
   * most significant bit set, byte-swapped back for abridged). Without it quick ACKs are dropped.
   */
  readonly onQuickAck?: ((token: number) => void) | undefined
}

/**
 * Receives decoded frames. `quickAckRequested` is only ever `true` on the server side, when the client
 * set the quick-ACK bit of the frame's length.
 */
export type FrameCallback = (frame: Uint8Array, quickAckRequested: boolean) => void

/**
 * Wraps payloads into frames. Stateless except for the full codec (its seq_no counter) and the
 * padded codec (randomness).
 */
export interface FrameEncoder {
  /**
   * One frame for `payload`. `quickAck` asks the server for a quick ACK (client side, abridged and
   * (padded) intermediate only; ignored elsewhere). Throws `TransportError("Write")` for a payload
   * the protocol can't carry (empty, or not a multiple of 4 where the protocol requires it).
   */
  readonly encode: (payload: Uint8Array, quickAck?: boolean) => Uint8Array
}

/**
 * A streaming decoder. `decode` calls `onFrame` for each frame completed by `chunk`, in order, and
 * throws a `TransportError` (`BadFrame` or `ServerError`) on invalid input, after delivering the frames
 * that came before it. Once it has thrown it throws the same error on every later call.
 *
 * Every frame is a fresh `Uint8Array` (never a view of `chunk`), so callers may keep it.
 */
export interface FrameDecoder {
  readonly decode: (chunk: Uint8Array, onFrame: FrameCallback) => void
  /** Bytes held for the frame in progress (at most one frame's worth). */
  readonly buffered: number
}

/**
 * A codec for one connection, one side.
 */
export interface Codec {
  readonly kind: CodecKind
  readonly side: Side
  /**
   * Bytes to write once, first, before any frame: the protocol tag on the client side without
   * obfuscation (0xef, 0xeeeeeeee, 0xdddddddd, none for full). Empty on the server side.
   * With obfuscation the tag travels inside the obfuscation header instead.
   */
  readonly init: Uint8Array
  readonly encoder: FrameEncoder
  readonly decoder: FrameDecoder
  /**
   * Server side: the frame that quick-ACKs a client message, given the 32-bit value (its most
   * significant bit is set here). Throws `TransportError("Write")` for the full codec, which has no quick ACK.
   */
  readonly encodeQuickAck: (token: number) => Uint8Array
}

/**
 * The 4-byte protocol tag of each codec inside an obfuscation header (`undefined`: full has none,
 * it can't be obfuscated). Intermediate and padded intermediate connections without obfuscation
 * start with the same 4 bytes.
 */
export const obfuscationTag: Readonly<Record<CodecKind, number | undefined>> = {
  abridged: 0xefefefef,
  intermediate: 0xeeeeeeee,
  padded: 0xdddddddd,
  full: undefined
}

/**
 * The bytes a client sends once at connection start, without obfuscation.
 */
export const initBytes = (kind: CodecKind): Uint8Array => {
  switch (kind) {
    case "abridged":
      return Uint8Array.of(0xef)
    case "intermediate":
      return Uint8Array.of(0xee, 0xee, 0xee, 0xee)
    case "padded":
      return Uint8Array.of(0xdd, 0xdd, 0xdd, 0xdd)
    case "full":
      return new Uint8Array(0)
  }
}

// ---------------------------------------------------------------------------------------------
// encoders

const writeError = (message: string) => new TransportError({ reason: "Write", cause: new Error(message) })

const checkPayload = (payload: Uint8Array, multipleOf4: boolean) => {
  if (payload.length === 0) throw writeError("empty payload")
  if (multipleOf4 && payload.length % 4 !== 0) throw writeError(`payload length ${payload.length} is not a multiple of 4`)
}

const concat = (header: Uint8Array, payload: Uint8Array, trailerLength = 0): Uint8Array => {
  const out = new Uint8Array(header.length + payload.length + trailerLength)
  out.set(header, 0)
  out.set(payload, header.length)
  return out
}

const abridgedEncoder = (side: Side): FrameEncoder => ({
  encode: (payload, quickAck) => {
    checkPayload(payload, true)
    const words = payload.length / 4
    if (words >= 0x1000000) throw writeError("payload too long for the abridged protocol")
    // Only a client may ask for a quick ACK; the server's first byte never has the high bit set
    // except in a quick ACK itself.
    const ack = side === "client" && quickAck === true ? 0x80 : 0
    const header = words < 0x7f
      ? Uint8Array.of(words | ack)
      : Uint8Array.of(0x7f | ack, words & 0xff, (words >>> 8) & 0xff, (words >>> 16) & 0xff)
    return concat(header, payload)
  }
})

const lengthWord = (value: number): Uint8Array => {
  const h = new Uint8Array(4)
  new DataView(h.buffer).setUint32(0, value >>> 0, true)
  return h
}

const intermediateEncoder = (side: Side): FrameEncoder => ({
  encode: (payload, quickAck) => {
    checkPayload(payload, true)
    if (payload.length > 0x7fffffff) throw writeError("payload too long")
    const ack = side === "client" && quickAck === true ? 0x80000000 : 0
    return concat(lengthWord(payload.length | ack), payload)
  }
})

const paddedEncoder = (side: Side, randomBytes: (n: number) => Uint8Array): FrameEncoder => ({
  encode: (payload, quickAck) => {
    // Padded intermediate carries any length; MTProto payloads are multiples of 4 anyway.
    checkPayload(payload, false)
    const padding = randomBytes(1)[0]! % 16
    if (payload.length + padding > 0x7fffffff) throw writeError("payload too long")
    const ack = side === "client" && quickAck === true ? 0x80000000 : 0
    const out = concat(lengthWord((payload.length + padding) | ack), payload, padding)
    if (padding > 0) out.set(randomBytes(padding).subarray(0, padding), 4 + payload.length)
    return out
  }
})

const fullEncoder = (): FrameEncoder => {
  // Each direction numbers its frames from 0 on its own.
  let seq = 0
  return {
    encode: (payload) => {
      checkPayload(payload, true)
      const out = new Uint8Array(payload.length + 12)
      const view = new DataView(out.buffer)
      view.setUint32(0, payload.length + 12, true)
      view.setUint32(4, seq, true)
      out.set(payload, 8)
      view.setUint32(payload.length + 8, crc32(out.subarray(0, payload.length + 8)), true)
      seq = (seq + 1) >>> 0
      return out
    }
  }
}

/**
 * The encoder of `kind` for one side of a connection.
 */
export const makeEncoder = (kind: CodecKind, side: Side, options: CodecOptions = {}): FrameEncoder => {
  switch (kind) {
    case "abridged":
      return abridgedEncoder(side)
    case "intermediate":
      return intermediateEncoder(side)
    case "padded":
      return paddedEncoder(side, options.randomBytes ?? defaultRandomBytes)
    case "full":
      return fullEncoder()
  }
}

// ---------------------------------------------------------------------------------------------
// decoders

/**
 * What a concrete protocol tells the generic decoder loop. Returned by `header`:
 * - a positive number: the body length to read next,
 * - `HANDLED`: the header was a complete message by itself (a quick ACK), nothing to read.
 */
interface DecoderSpec {
  /** Header size, known from the first byte. At most 8. */
  readonly headerSize: (first: number) => number
  /** Validates the header (throws BadFrame before anything is allocated) and returns the body length. */
  readonly header: (head: Uint8Array, view: DataView) => number
  /** Checks and delivers one complete frame. */
  readonly finish: (head: Uint8Array, view: DataView, body: Uint8Array, onFrame: FrameCallback) => void
}

const HANDLED = -1

/**
 * First allocation for a frame that does not arrive whole, unless its announced length is smaller.
 * The buffer then doubles as bytes arrive: a peer that announces 16 MiB and sends 10 bytes costs
 * 16 KiB, not 16 MiB, and copying stays linear in the frame size.
 */
const INITIAL_BODY_CAPACITY = 16 * 1024

class StreamDecoder implements FrameDecoder {
  private readonly head = new Uint8Array(8)
  private readonly headView = new DataView(this.head.buffer)
  private headNeed = 0
  private headLen = 0
  /** The body of the frame in progress; its length grows towards `bodyNeed`. */
  private body: Uint8Array | undefined = undefined
  private bodyNeed = 0
  private bodyLen = 0
  private failure: unknown = undefined
  private readonly spec: DecoderSpec

  constructor(spec: DecoderSpec) {
    this.spec = spec
  }

  get buffered(): number {
    return this.headLen + this.bodyLen
  }

  decode(chunk: Uint8Array, onFrame: FrameCallback): void {
    if (this.failure !== undefined) throw this.failure
    try {
      this.run(chunk, onFrame)
    } catch (e) {
      // A TransportError from a spec, or a bug; either way the stream position is lost for good.
      this.failure = e instanceof TransportError ? e : new TransportError({ reason: "BadFrame", cause: e })
      this.body = undefined
      throw this.failure
    }
  }

  private run(chunk: Uint8Array, onFrame: FrameCallback): void {
    const spec = this.spec
    let off = 0
    while (off < chunk.length) {
      if (this.body === undefined) {
        if (this.headLen === 0) this.headNeed = spec.headerSize(chunk[off]!)
        const take = Math.min(this.headNeed - this.headLen, chunk.length - off)
        this.head.set(chunk.subarray(off, off + take), this.headLen)
        this.headLen += take
        off += take
        if (this.headLen < this.headNeed) return
        const length = spec.header(this.head, this.headView)
        if (length === HANDLED) {
          this.headLen = 0
          continue
        }
        if (chunk.length - off >= length) {
          // The whole body is here (the common case): one exact copy.
          const body = chunk.slice(off, off + length)
          off += length
          this.headLen = 0
          spec.finish(this.head, this.headView, body, onFrame)
          continue
        }
        // Never allocate from the announced length alone: start small, grow with what arrives.
        this.body = new Uint8Array(Math.min(length, Math.max(INITIAL_BODY_CAPACITY, chunk.length - off)))
        this.bodyNeed = length
        this.bodyLen = 0
      }
      const need = this.bodyNeed
      const take = Math.min(need - this.bodyLen, chunk.length - off)
      let body = this.body
      if (this.bodyLen + take > body.length) {
        const grown = new Uint8Array(Math.min(need, Math.max(body.length * 2, this.bodyLen + take)))
        grown.set(body.subarray(0, this.bodyLen))
        this.body = body = grown
      }
      body.set(chunk.subarray(off, off + take), this.bodyLen)
      this.bodyLen += take
      off += take
      if (this.bodyLen < need) return
      this.body = undefined
      this.bodyLen = 0
      this.headLen = 0
      // Capacity never passes `need`, so the buffer is exactly the frame.
      spec.finish(this.head, this.headView, body, onFrame)
    }
  }
}

const maxOf = (options: CodecOptions) => options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH

const tooLong = (length: number, max: number) => badFrame(`frame length ${length} exceeds the maximum ${max}`)

/**
 * A short frame whose first int32 is negative is the server's error code (-404 no auth key,
 * -429 flood, -444 bad DC, ...), not a message. `limit` is 4 except for the padded codec, whose
 * error frames may carry up to 15 bytes of padding: the shortest real MTProto message is 20 bytes.
 */
const checkServerError = (frame: Uint8Array, limit: number) => {
  if (frame.length >= 4 && frame.length <= limit) {
    const code = new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0, true)
    if (code < 0) {
      throw new TransportError({ reason: "ServerError", code, cause: new Error(`server error code ${code}`) })
    }
  }
}

const abridgedSpec = (side: Side, options: CodecOptions): DecoderSpec => {
  const max = maxOf(options)
  let quickAck = false
  return {
    headerSize: (first) =>
      side === "client"
        // From the server, a first byte with the high bit set starts a 4-byte quick ACK
        // (sent byte-swapped, so its most significant bit comes first).
        ? (first & 0x80) !== 0 || first === 0x7f ? 4 : 1
        // From the client the high bit asks for a quick ACK; 0x7f / 0xff announce a 3-byte length.
        : (first & 0x7f) === 0x7f ? 4 : 1,
    header: (head, view) => {
      const first = head[0]!
      if (side === "client" && (first & 0x80) !== 0) {
        options.onQuickAck?.(view.getUint32(0, false))
        return HANDLED
      }
      quickAck = (first & 0x80) !== 0
      const words = (first & 0x7f) === 0x7f ? head[1]! | (head[2]! << 8) | (head[3]! << 16) : first & 0x7f
      const length = words * 4
      if (length === 0) throw badFrame("zero-length abridged frame")
      if (length > max) throw tooLong(length, max)
      return length
    },
    finish: (_head, _view, body, onFrame) => {
      if (side === "client") checkServerError(body, 4)
      onFrame(body, quickAck)
    }
  }
}

const intermediateSpec = (side: Side, options: CodecOptions, padded: boolean): DecoderSpec => {
  // Padding adds up to 15 bytes to what the sender may legitimately send.
  const max = maxOf(options) + (padded ? 15 : 0)
  let quickAck = false
  return {
    headerSize: () => 4,
    header: (_head, view) => {
      const word = view.getUint32(0, true)
      if (side === "client" && word >= 0x80000000) {
        // A length word with the high bit set is the server's quick ACK, a 4-byte message of its own.
        options.onQuickAck?.(word)
        return HANDLED
      }
      quickAck = word >= 0x80000000
      const length = word & 0x7fffffff
      if (length === 0) throw badFrame("zero-length frame")
      if (!padded && length % 4 !== 0) throw badFrame(`frame length ${length} is not a multiple of 4`)
      if (length > max) throw tooLong(length, max)
      return length
    },
    finish: (_head, _view, body, onFrame) => {
      if (side === "client") checkServerError(body, padded ? 19 : 4)
      onFrame(body, quickAck)
    }
  }
}

const fullSpec = (side: Side, options: CodecOptions): DecoderSpec => {
  const max = maxOf(options)
  let expectedSeq = 0
  return {
    headerSize: () => 8,
    header: (_head, view) => {
      // The length counts itself, seq_no and the CRC: 12 bytes of envelope and at least one int of payload.
      const length = view.getInt32(0, true)
      if (length < 16) throw badFrame(`full-transport length ${length} is too small`)
      if (length % 4 !== 0) throw badFrame(`full-transport length ${length} is not a multiple of 4`)
      if (length - 12 > max) throw tooLong(length - 12, max)
      return length - 8
    },
    finish: (head, view, body, onFrame) => {
      const payloadLength = body.length - 4
      const crc = new DataView(body.buffer, body.byteOffset + payloadLength, 4).getUint32(0, true)
      const payload = body.subarray(0, payloadLength)
      if (crc32(head.subarray(0, 8), payload) !== crc) throw badFrame("full-transport CRC32 mismatch")
      const seq = view.getUint32(4, true)
      if (seq !== expectedSeq) throw badFrame(`full-transport seq_no ${seq}, expected ${expectedSeq}`)
      expectedSeq = (expectedSeq + 1) >>> 0
      if (side === "client") checkServerError(payload, 4)
      onFrame(payload, false)
    }
  }
}

/**
 * The streaming decoder of `kind` for one side of a connection (`"client"` decodes what the server
 * sends, `"server"` what the client sends).
 *
 * The padded codec can't tell payload from padding: its frames include the 0–15 padding bytes. The
 * connection framing (`makeClientFraming`, `makeServerFraming`) removes them, knowing MTProto's shapes.
 *
 * A frame's buffer is never allocated from its announced length: it starts small and grows with the
 * bytes that arrive, so a peer announcing the maximum and sending nothing costs 16 KiB.
 */
export const makeDecoder = (kind: CodecKind, side: Side, options: CodecOptions = {}): FrameDecoder => {
  switch (kind) {
    case "abridged":
      return new StreamDecoder(abridgedSpec(side, options))
    case "intermediate":
      return new StreamDecoder(intermediateSpec(side, options, false))
    case "padded":
      return new StreamDecoder(intermediateSpec(side, options, true))
    case "full":
      return new StreamDecoder(fullSpec(side, options))
  }
}

/**
 * The frame that quick-ACKs a client message (server side).
 */
export const encodeQuickAck = (kind: CodecKind, token: number): Uint8Array => {
  const out = new Uint8Array(4)
  const value = (token | 0x80000000) >>> 0
  switch (kind) {
    case "abridged":
      // Abridged sends it byte-swapped, so the first byte on the wire has the high bit set.
      new DataView(out.buffer).setUint32(0, value, false)
      return out
    case "intermediate":
    case "padded":
      new DataView(out.buffer).setUint32(0, value, true)
      return out
    case "full":
      throw writeError("the full transport has no quick ACK")
  }
}

/**
 * A complete codec (initial bytes, encoder, decoder) for one side of one connection.
 */
export const makeCodec = (kind: CodecKind, side: Side, options: CodecOptions = {}): Codec => ({
  kind,
  side,
  init: side === "client" ? initBytes(kind) : new Uint8Array(0),
  encoder: makeEncoder(kind, side, options),
  decoder: makeDecoder(kind, side, options),
  encodeQuickAck: (token) => encodeQuickAck(kind, token)
})
