/**
 * Framing of a whole connection: a codec, optionally wrapped in obfuscation, for the client end
 * ({@link makeClientFraming}) and for the server end with automatic protocol detection
 * ({@link detectTransport}, {@link makeServerFraming}, used by TestDc).
 */
import {
  type CodecKind,
  type CodecOptions,
  DEFAULT_MAX_FRAME_LENGTH,
  type FrameCallback,
  type FrameDecoder,
  makeCodec,
  obfuscationTag
} from "./Codec.ts"
import { acceptObfuscation, forbiddenFirstInts, makeClientObfuscation } from "./Obfuscation.ts"
import { badFrame } from "./internal/errors.ts"
import { trimmingPadding } from "./internal/padding.ts"
import { TransportError } from "./TransportError.ts"

/**
 * Client framing options.
 */
export interface ClientFramingOptions extends CodecOptions {
  readonly codec: CodecKind
  /** Obfuscate the connection (not with the full codec). `secret` is an MTProxy secret. */
  readonly obfuscation?: {
    readonly dcId: number
    readonly secret?: Uint8Array | undefined
  } | undefined
}

/**
 * The client end of a connection's framing. Stateful (ciphers, seq_no): one per connection,
 * `encode` called in the order frames are written and `decode` in the order bytes arrive.
 */
export interface ClientFraming {
  readonly codec: CodecKind
  readonly obfuscated: boolean
  /** Written once before any frame: the codec's tag, or the 64-byte obfuscation header. */
  readonly init: Uint8Array
  readonly encode: (payload: Uint8Array, quickAck?: boolean) => Uint8Array
  /** Decodes server bytes; throws `TransportError` like a codec's `FrameDecoder`. */
  readonly decode: (chunk: Uint8Array, onFrame: FrameCallback) => void
}

/**
 * Builds the client end of a connection's framing. Throws `TransportError("Open")` for an impossible
 * configuration (obfuscated full codec, bad secret or DC id).
 */
export const makeClientFraming = (options: ClientFramingOptions): ClientFraming => {
  const codec = makeCodec(options.codec, "client", options)
  const decodeFrames = framesOf(options.codec, codec.decoder)
  const obfuscation = options.obfuscation
  if (obfuscation === undefined) {
    return {
      codec: options.codec,
      obfuscated: false,
      init: codec.init,
      encode: codec.encoder.encode,
      decode: decodeFrames
    }
  }
  if (options.codec === "full") {
    throw new TransportError({ reason: "Open", cause: new Error("the full transport can't be obfuscated") })
  }
  const obf = makeClientObfuscation({
    codec: options.codec,
    dcId: obfuscation.dcId,
    secret: obfuscation.secret,
    randomBytes: options.randomBytes
  })
  return {
    codec: options.codec,
    obfuscated: true,
    init: obf.header,
    encode: (payload, quickAck) => obf.encrypt(codec.encoder.encode(payload, quickAck)),
    decode: (chunk, onFrame) => decodeFrames(obf.decrypt(chunk), onFrame)
  }
}

/**
 * A connection's frame decoder: the codec's, except that padded intermediate's random padding
 * is removed (see `internal/padding.ts`), so MTProto payloads arrive exact on every codec.
 */
const framesOf = (kind: CodecKind, decoder: FrameDecoder): FrameDecoder["decode"] =>
  kind === "padded"
    ? (chunk, onFrame) => decoder.decode(chunk, trimmingPadding(onFrame))
    : decoder.decode.bind(decoder)

/**
 * What the server learnt about a client connection.
 */
export interface TransportInfo {
  readonly codec: CodecKind
  readonly obfuscated: boolean
  /** The DC id from the obfuscation header; `undefined` without obfuscation. */
  readonly dcId: number | undefined
}

/**
 * The server end of a connection once its protocol is known: decodes client frames, encodes
 * server frames (with its own full-transport seq_no and, if obfuscated, its own cipher).
 */
export interface ServerCodec {
  readonly info: TransportInfo
  /** `onFrame`'s second argument says whether the client asked for a quick ACK. */
  readonly decode: (chunk: Uint8Array, onFrame: FrameCallback) => void
  readonly encode: (payload: Uint8Array) => Uint8Array
  /** The quick-ACK frame for a client message (not for the full codec). */
  readonly encodeQuickAck: (token: number) => Uint8Array
}

/**
 * The result of {@link detectTransport}: either more bytes are needed (never more than 64 in all),
 * or the protocol is known, `consumed` bytes of the input were its initial bytes, and the rest of
 * the input must go to `codec.decode`.
 */
export type Detection =
  | { readonly _tag: "NeedMore"; readonly atLeast: number }
  | { readonly _tag: "Detected"; readonly consumed: number; readonly codec: ServerCodec }

/**
 * Server framing options.
 */
export interface ServerFramingOptions extends CodecOptions {
  /** The MTProxy secret clients must use for obfuscated connections. */
  readonly secret?: Uint8Array | undefined
  /**
   * With `secret`: an obfuscation header the secret does not open is tried without it, as an
   * MTProxy treats traffic that does not match its secret as plain (default `false`: rejected).
   */
  readonly unkeyedFallback?: boolean | undefined
}

/** Reads an obfuscation header with the secret, then (if allowed) without one. */
const acceptHeader = (header: Uint8Array, options: ServerFramingOptions) => {
  if (options.secret === undefined || options.unkeyedFallback !== true) return acceptObfuscation(header, { secret: options.secret })
  try {
    return acceptObfuscation(header, { secret: options.secret })
  } catch {
    return acceptObfuscation(header)
  }
}

const plainServerCodec = (codec: CodecKind, options: ServerFramingOptions): ServerCodec => {
  const c = makeCodec(codec, "server", options)
  return {
    info: { codec, obfuscated: false, dcId: undefined },
    decode: framesOf(codec, c.decoder),
    encode: (payload) => c.encoder.encode(payload),
    encodeQuickAck: c.encodeQuickAck
  }
}

/**
 * Identifies the protocol of a new client connection from its first bytes:
 * `0xef` → abridged; `0xeeeeeeee` → intermediate; `0xdddddddd` → padded intermediate;
 * a plausible full-transport first frame (a valid length, then seq_no 0) → full; otherwise the
 * 64-byte obfuscation header (whose second int32 is never 0, which keeps it apart from full).
 * Throws `TransportError("BadFrame")` for HTTP or TLS openings, an implausible full frame or an
 * unknown obfuscated tag.
 */
export const detectTransport = (firstBytes: Uint8Array, options: ServerFramingOptions = {}): Detection => {
  const n = firstBytes.length
  if (n === 0) return { _tag: "NeedMore", atLeast: 1 }
  if (firstBytes[0] === 0xef) return { _tag: "Detected", consumed: 1, codec: plainServerCodec("abridged", options) }
  if (n < 4) return { _tag: "NeedMore", atLeast: 4 }
  const view = new DataView(firstBytes.buffer, firstBytes.byteOffset, Math.min(n, 8))
  const first = view.getUint32(0, true)
  if (first === obfuscationTag.intermediate) return { _tag: "Detected", consumed: 4, codec: plainServerCodec("intermediate", options) }
  if (first === obfuscationTag.padded) return { _tag: "Detected", consumed: 4, codec: plainServerCodec("padded", options) }
  if (forbiddenFirstInts.includes(first)) throw badFrame("HTTP and TLS transports are not supported")
  if (n < 8) return { _tag: "NeedMore", atLeast: 8 }
  if (view.getUint32(4, true) === 0) {
    const length = view.getInt32(0, true)
    const max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH
    if (length < 16 || length % 4 !== 0 || length - 12 > max) {
      throw badFrame(`unrecognised transport (implausible full-transport length ${length})`)
    }
    return { _tag: "Detected", consumed: 0, codec: plainServerCodec("full", options) }
  }
  if (n < 64) return { _tag: "NeedMore", atLeast: 64 }
  const obf = acceptHeader(firstBytes.subarray(0, 64), options)
  const inner = makeCodec(obf.codec, "server", options)
  const decodeFrames = framesOf(obf.codec, inner.decoder)
  return {
    _tag: "Detected",
    consumed: 64,
    codec: {
      info: { codec: obf.codec, obfuscated: true, dcId: obf.dcId },
      decode: (chunk, onFrame) => decodeFrames(obf.decrypt(chunk), onFrame),
      encode: (payload) => obf.encrypt(inner.encoder.encode(payload)),
      encodeQuickAck: (token) => obf.encrypt(inner.encodeQuickAck(token))
    }
  }
}

/**
 * The server end of a connection whose protocol is not known yet. `decode` buffers the first bytes
 * (at most 64) until {@link detectTransport} decides, then decodes; `encode` throws
 * `TransportError("Write")` until then (a server only answers after the client has spoken).
 */
export interface ServerFraming {
  /** `undefined` until the protocol has been detected. */
  readonly info: TransportInfo | undefined
  readonly decode: (chunk: Uint8Array, onFrame: FrameCallback) => void
  readonly encode: (payload: Uint8Array) => Uint8Array
  readonly encodeQuickAck: (token: number) => Uint8Array
}

/**
 * Builds the server end of a new client connection, with protocol detection.
 */
export const makeServerFraming = (options: ServerFramingOptions = {}): ServerFraming => {
  let codec: ServerCodec | undefined
  let pending = new Uint8Array(0)
  let failure: unknown = undefined
  const notYet = () => new TransportError({ reason: "Write", cause: new Error("transport not detected yet") })
  return {
    get info() {
      return codec?.info
    },
    decode: (chunk, onFrame) => {
      if (codec !== undefined) return codec.decode(chunk, onFrame)
      if (failure !== undefined) throw failure
      const joined = new Uint8Array(pending.length + chunk.length)
      joined.set(pending, 0)
      joined.set(chunk, pending.length)
      let detection: Detection
      try {
        detection = detectTransport(joined, options)
      } catch (e) {
        failure = e
        throw e
      }
      if (detection._tag === "NeedMore") {
        pending = joined
        return
      }
      pending = new Uint8Array(0)
      codec = detection.codec
      codec.decode(joined.subarray(detection.consumed), onFrame)
    },
    encode: (payload) => {
      if (codec === undefined) throw notYet()
      return codec.encode(payload)
    },
    encodeQuickAck: (token) => {
      if (codec === undefined) throw notYet()
      return codec.encodeQuickAck(token)
    }
  }
}
