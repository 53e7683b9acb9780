/**
 * Transport obfuscation ("obfuscated2"): a 64-byte random header that carries the protocol tag and
 * the DC id encrypted, then AES-256-CTR over the whole byte stream in each direction, so the
 * connection looks like random bytes. Optionally keyed with an MTProxy secret.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation
 */
import { type CodecKind, obfuscationTag } from "./Codec.ts"
import { createAesCtr as aesCtr, randomBytes as defaultRandomBytes, sha256Concat as sha256 } from "../crypto/index.ts"
import { badFrame } from "./internal/errors.ts"
import { TransportError } from "./TransportError.ts"

/**
 * The two stream ciphers of one end of an obfuscated connection. Both are stateful: bytes must go
 * through them exactly once, in stream order.
 */
export interface ObfuscationCiphers {
  /** Encrypts outgoing bytes. */
  readonly encrypt: (data: Uint8Array) => Uint8Array
  /** Decrypts incoming bytes. */
  readonly decrypt: (data: Uint8Array) => Uint8Array
}

/**
 * The client end: the header to send first, and the ciphers (the encryptor has already consumed the header).
 */
export interface ClientObfuscation extends ObfuscationCiphers {
  readonly header: Uint8Array
}

/**
 * The server end, after reading a client's header: its protocol and DC id, and the ciphers
 * (the decryptor has already consumed the header).
 */
export interface ServerObfuscation extends ObfuscationCiphers {
  readonly codec: Exclude<CodecKind, "full">
  /** Signed: negative ids address test or media DCs by the usual convention. */
  readonly dcId: number
}

/**
 * Client options.
 */
export interface ClientObfuscationOptions {
  /** The framing carried inside; the full protocol can't be obfuscated. */
  readonly codec: Exclude<CodecKind, "full">
  /** The DC to reach, as a signed int16 (e.g. `-2` for media DC 2, `10002` for test DC 2). */
  readonly dcId: number
  /** An MTProxy secret: 16 bytes, or 17 with the `0xdd` prefix (stripped). */
  readonly secret?: Uint8Array | undefined
  /** Source of the random header. Default: node:crypto. */
  readonly randomBytes?: ((n: number) => Uint8Array) | undefined
}

/**
 * Values of the first int32 (little endian) that a header must not start with, so that servers
 * and middleboxes can't mistake it for another protocol: HTTP verbs, the plain (padded) intermediate
 * tags and a TLS record header.
 */
export const forbiddenFirstInts: ReadonlyArray<number> = [
  0x44414548, // "HEAD"
  0x54534f50, // "POST"
  0x20544547, // "GET "
  0x4954504f, // "OPTI"
  obfuscationTag.padded!,
  obfuscationTag.intermediate!,
  0x02010316 // TLS handshake record
]

/**
 * Whether a 64-byte header is unusable: its first byte is 0xef (abridged), its first int32 is in
 * {@link forbiddenFirstInts}, or its second int32 is 0 (which would look like the full protocol).
 */
export const isForbiddenHeader = (header: Uint8Array): boolean => {
  const view = new DataView(header.buffer, header.byteOffset, 8)
  return header[0] === 0xef || forbiddenFirstInts.includes(view.getUint32(0, true)) || view.getUint32(4, true) === 0
}

const normalizeSecret = (secret: Uint8Array | undefined): Uint8Array | undefined => {
  if (secret === undefined) return undefined
  // "dd" secrets only say "use padded intermediate"; the key material is the 16 bytes after it.
  const raw = secret.length === 17 && secret[0] === 0xdd ? secret.subarray(1) : secret
  if (raw.length !== 16) {
    throw new TransportError({
      reason: "Open",
      cause: new Error(`MTProxy secret must be 16 bytes (or 0xdd + 16), got ${secret.length}`)
    })
  }
  return raw
}

const keyed = (key: Uint8Array, secret: Uint8Array | undefined) => secret === undefined ? key : sha256(key, secret)

/** Keys and IVs of both directions, as the client sees them (the server swaps them). */
const deriveKeys = (header: Uint8Array, secret: Uint8Array | undefined) => {
  const reversed = header.slice(8, 56).reverse()
  return {
    clientToServer: { key: keyed(header.slice(8, 40), secret), iv: header.slice(40, 56) },
    serverToClient: { key: keyed(reversed.slice(0, 32), secret), iv: reversed.slice(32, 48) }
  }
}

const MAX_HEADER_TRIES = 1000

/**
 * Builds the client end of an obfuscated connection: draws a random header until it is allowed
 * ({@link isForbiddenHeader}), writes the protocol tag at bytes 56..60 and the DC id at 60..62, and
 * replaces bytes 56..64 by their encrypted form. Throws `TransportError` for an invalid secret or DC id.
 */
export const makeClientObfuscation = (options: ClientObfuscationOptions): ClientObfuscation => {
  const randomBytes = options.randomBytes ?? defaultRandomBytes
  const secret = normalizeSecret(options.secret)
  const tag = obfuscationTag[options.codec]
  if (tag === undefined) throw new TransportError({ reason: "Open", cause: new Error(`${options.codec} can't be obfuscated`) })
  if (!Number.isInteger(options.dcId) || options.dcId < -0x8000 || options.dcId > 0x7fff) {
    throw new TransportError({ reason: "Open", cause: new Error(`DC id ${options.dcId} is not an int16`) })
  }
  let header: Uint8Array | undefined
  for (let i = 0; i < MAX_HEADER_TRIES && header === undefined; i++) {
    const candidate = new Uint8Array(64)
    candidate.set(randomBytes(64).subarray(0, 64))
    if (!isForbiddenHeader(candidate)) header = candidate
  }
  // Only a broken random source gets here (1000 forbidden headers in a row).
  if (header === undefined) throw new TransportError({ reason: "Open", cause: new Error("no usable obfuscation header") })
  const view = new DataView(header.buffer)
  view.setUint32(56, tag, true)
  view.setInt16(60, options.dcId, true)
  const keys = deriveKeys(header, secret)
  const encryptor = aesCtr(keys.clientToServer.key, keys.clientToServer.iv)
  const decryptor = aesCtr(keys.serverToClient.key, keys.serverToClient.iv)
  const encrypted = encryptor.update(header)
  const sent = header.slice()
  sent.set(encrypted.subarray(56, 64), 56)
  return { header: sent, encrypt: encryptor.update, decrypt: decryptor.update }
}

const OBFUSCATED_KINDS = ["abridged", "intermediate", "padded"] as const
const codecOfTag = (tag: number): Exclude<CodecKind, "full"> | undefined => OBFUSCATED_KINDS.find((kind) => obfuscationTag[kind] === tag)

/**
 * Builds the server end from the first 64 bytes a client sent: derives the keys the other way round,
 * decrypts the header and reads the protocol tag and DC id. Throws `TransportError("BadFrame")` when the
 * tag is unknown (wrong secret, or not an obfuscated client).
 */
export const acceptObfuscation = (
  header: Uint8Array,
  options: { readonly secret?: Uint8Array | undefined } = {}
): ServerObfuscation => {
  if (header.length < 64) throw badFrame(`obfuscation header needs 64 bytes, got ${header.length}`)
  const first = header.slice(0, 64)
  const keys = deriveKeys(first, normalizeSecret(options.secret))
  const decryptor = aesCtr(keys.clientToServer.key, keys.clientToServer.iv)
  const encryptor = aesCtr(keys.serverToClient.key, keys.serverToClient.iv)
  const plain = decryptor.update(first)
  const view = new DataView(plain.buffer, plain.byteOffset, 64)
  const tag = view.getUint32(56, true)
  const codec = codecOfTag(tag)
  if (codec === undefined) throw badFrame(`unknown obfuscated protocol tag 0x${tag.toString(16)}`)
  return { codec, dcId: view.getInt16(60, true), encrypt: encryptor.update, decrypt: decryptor.update }
}
