/**
 * MTProxy fake-TLS (`ee` secrets), both ends, as plain functions.
 *
 * The client opens with a TLS 1.3-style ClientHello whose SNI is the secret's domain and whose
 * 32-byte random is HMAC-SHA256(key, hello with the random zeroed), its last 4 bytes XORed with
 * the Unix time (little endian). The proxy proves it knows the key too: its reply (ServerHello
 * record, ChangeCipherSpec record, one application-data record of random bytes) carries
 * HMAC-SHA256(key, client random ‖ reply with its random zeroed) as the server random. After
 * that the client sends one ChangeCipherSpec record, and both directions carry the obfuscated2
 * stream inside TLS application-data records (`17 03 03 len`).
 */
import { constantTimeEqual, hmacSha256 } from "../../crypto/index.ts"
import { type ProxyEndpoint, proxyError } from "./ProxyError.ts"
import { type HandshakeStep, ReplyBuffer, type StreamLayer } from "./StreamLayer.ts"

/**
 * The client's ChangeCipherSpec record, sent once after the server hello checks out.
 */
export const CHANGE_CIPHER_SPEC: Uint8Array = Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01)

/**
 * The size of the ClientHello we send (a 512-byte record), the size every MTProxy accepts.
 */
export const CLIENT_HELLO_LENGTH = 517

/**
 * Largest payload of an application-data record we send as a client (what browsers and
 * Telegram's apps use).
 */
export const CLIENT_RECORD_PAYLOAD = 2878
/** The largest payload of one TLS record the server side sends (the TLS maximum). */
export const SERVER_RECORD_PAYLOAD = 16384

/** Largest record payload accepted (TLSCiphertext: 2^14 + 2048). */
const MAX_RECORD_PAYLOAD = 16384 + 2048
const RANDOM_OFFSET = 11
const TLS_HANDSHAKE = 0x16
const TLS_CCS = 0x14
const TLS_APPLICATION_DATA = 0x17
const TLS_ALERT = 0x15

/** A copy that owns its memory (`Buffer#slice` would return a view). */
const copy = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes)

/** A byte writer with nested length prefixes (TLS vectors). */
class Writer {
  private readonly out: Array<number> = []
  get length(): number {
    return this.out.length
  }
  bytes(...values: ReadonlyArray<number>): void {
    for (const v of values) this.out.push(v)
  }
  data(values: Uint8Array): void {
    for (let i = 0; i < values.length; i++) this.out.push(values[i]!)
  }
  zeros(n: number): void {
    for (let i = 0; i < n; i++) this.out.push(0)
  }
  /** Reserves a 2- or 3-byte length; `close` fills it with the length of what follows. */
  open(size: 2 | 3): number {
    const at = this.out.length
    this.zeros(size)
    return at
  }
  close(at: number, size: 2 | 3): void {
    const n = this.out.length - at - size
    if (size === 3) this.out[at++] = (n >> 16) & 0xff
    this.out[at] = (n >> 8) & 0xff
    this.out[at + 1] = n & 0xff
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.out)
  }
}

/** GREASE values (RFC 8701): 0x?a?a, drawn per hello; neighbours differ as the RFC asks. */
const greaseValues = (random: Uint8Array): Array<number> => {
  const values = Array.from(random, (b) => (b & 0xf0) | 0x0a)
  for (let i = 1; i < values.length; i += 2) if (values[i] === values[i - 1]) values[i] = values[i]! ^ 0x10
  return values
}

const utf8 = new TextEncoder()

/**
 * Options of {@link makeClientHello}.
 */
export interface ClientHelloOptions {
  /** The 16-byte key of the secret. */
  readonly key: Uint8Array
  /** The secret's domain, sent as the SNI. */
  readonly domain: string
  /** Unix time in seconds. */
  readonly now: number
  readonly randomBytes: (n: number) => Uint8Array
}

/**
 * The ClientHello record, signed: {@link CLIENT_HELLO_LENGTH} bytes (longer only for domains
 * above ~180 bytes, which leave no room for the padding extension).
 */
export const makeClientHello = (options: ClientHelloOptions): Uint8Array => {
  const random = options.randomBytes
  const grease = greaseValues(random(7))
  const g = (i: number) => [grease[i]!, grease[i]!]
  const w = new Writer()
  w.bytes(TLS_HANDSHAKE, 0x03, 0x01)
  const record = w.open(2)
  w.bytes(0x01) // client_hello
  const handshake = w.open(3)
  w.bytes(0x03, 0x03)
  w.zeros(32) // random: the digest goes here
  w.bytes(32)
  w.data(random(32)) // legacy_session_id
  const suites = w.open(2)
  w.bytes(...g(0))
  // TLS 1.3 suites, then the ECDHE/RSA ones of a current browser.
  w.bytes(0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30)
  w.bytes(0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35)
  w.close(suites, 2)
  w.bytes(0x01, 0x00) // compression: null only
  const extensions = w.open(2)
  w.bytes(...g(2), 0x00, 0x00) // a GREASE extension
  {
    w.bytes(0x00, 0x00) // server_name
    const ext = w.open(2)
    const list = w.open(2)
    w.bytes(0x00) // host_name
    const name = w.open(2)
    w.data(utf8.encode(options.domain))
    w.close(name, 2)
    w.close(list, 2)
    w.close(ext, 2)
  }
  w.bytes(0x00, 0x17, 0x00, 0x00) // extended_master_secret
  w.bytes(0xff, 0x01, 0x00, 0x01, 0x00) // renegotiation_info
  w.bytes(0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, ...g(4), 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18) // supported_groups
  w.bytes(0x00, 0x0b, 0x00, 0x02, 0x01, 0x00) // ec_point_formats
  w.bytes(0x00, 0x23, 0x00, 0x00) // session_ticket
  // ALPN: h2, http/1.1
  w.bytes(0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31)
  w.bytes(0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00) // status_request
  w.bytes(0x00, 0x0d, 0x00, 0x12, 0x00, 0x10) // signature_algorithms
  w.bytes(0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01)
  w.bytes(0x00, 0x12, 0x00, 0x00) // signed_certificate_timestamp
  {
    w.bytes(0x00, 0x33) // key_share: a GREASE share and an X25519 one
    const ext = w.open(2)
    const shares = w.open(2)
    w.bytes(...g(4), 0x00, 0x01, 0x00)
    w.bytes(0x00, 0x1d, 0x00, 0x20)
    const key = random(32)
    key[31] = key[31]! & 0x7f // an X25519 public value has its top bit clear
    w.data(key)
    w.close(shares, 2)
    w.close(ext, 2)
  }
  w.bytes(0x00, 0x2d, 0x00, 0x02, 0x01, 0x01) // psk_key_exchange_modes
  w.bytes(0x00, 0x2b, 0x00, 0x07, 0x06, ...g(6), 0x03, 0x04, 0x03, 0x03) // supported_versions
  w.bytes(0x00, 0x1b, 0x00, 0x03, 0x02, 0x00, 0x02) // compress_certificate (brotli)
  w.bytes(...g(3), 0x00, 0x01, 0x00) // a second GREASE extension
  if (w.length + 4 <= CLIENT_HELLO_LENGTH) {
    w.bytes(0x00, 0x15) // padding, to the usual size
    const padding = w.open(2)
    w.zeros(CLIENT_HELLO_LENGTH - w.length)
    w.close(padding, 2)
  }
  w.close(extensions, 2)
  w.close(handshake, 3)
  w.close(record, 2)
  const hello = w.finish()
  const digest = hmacSha256(options.key, hello)
  const view = new DataView(digest.buffer, digest.byteOffset, 32)
  view.setUint32(28, (view.getUint32(28, true) ^ options.now) >>> 0, true)
  hello.set(digest, RANDOM_OFFSET)
  return hello
}

/**
 * The digest a server hello must carry: HMAC-SHA256(key, client random ‖ reply with its random zeroed).
 */
const serverDigest = (key: Uint8Array, clientRandom: Uint8Array, reply: Uint8Array): Uint8Array => {
  const zeroed = copy(reply)
  zeroed.fill(0, RANDOM_OFFSET, RANDOM_OFFSET + 32)
  return hmacSha256(key, clientRandom, zeroed)
}

/**
 * Wraps stream bytes into application-data records of at most `maxPayload` bytes each.
 */
export const wrapRecords = (data: Uint8Array, maxPayload: number): Uint8Array => {
  if (data.length === 0) return data
  const count = Math.ceil(data.length / maxPayload)
  const out = new Uint8Array(data.length + 5 * count)
  let off = 0
  for (let i = 0; i < data.length; i += maxPayload) {
    const n = Math.min(maxPayload, data.length - i)
    out[off] = TLS_APPLICATION_DATA
    out[off + 1] = 0x03
    out[off + 2] = 0x03
    out[off + 3] = n >> 8
    out[off + 4] = n & 0xff
    out.set(data.subarray(i, i + n), off + 5)
    off += 5 + n
  }
  return out
}

/**
 * A streaming reader of TLS records: hands out application-data payloads as their bytes
 * arrive (no record is buffered whole), skips ChangeCipherSpec records, and throws
 * `ProxyError("BadReply")` for anything else. Once it has thrown it throws again.
 */
export class RecordReader {
  private readonly head = new Uint8Array(5)
  private headLength = 0
  /** Payload bytes still to come in the current record (0: a header comes next). */
  private remaining = 0
  private skipping = false
  private failure: unknown = undefined
  private readonly endpoint: ProxyEndpoint

  constructor(endpoint: ProxyEndpoint) {
    this.endpoint = endpoint
  }

  read(chunk: Uint8Array, onData: (data: Uint8Array) => void): void {
    if (this.failure !== undefined) throw this.failure
    try {
      this.run(chunk, onData)
    } catch (e) {
      this.failure = e
      throw e
    }
  }

  private run(chunk: Uint8Array, onData: (data: Uint8Array) => void): void {
    let off = 0
    while (off < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(5 - this.headLength, chunk.length - off)
        this.head.set(chunk.subarray(off, off + take), this.headLength)
        this.headLength += take
        off += take
        if (this.headLength < 5) return
        this.headLength = 0
        this.remaining = this.checkHeader()
        continue
      }
      const n = Math.min(this.remaining, chunk.length - off)
      if (!this.skipping) onData(chunk.subarray(off, off + n))
      off += n
      this.remaining -= n
    }
  }

  private checkHeader(): number {
    const [type, major, minor] = this.head
    const length = (this.head[3]! << 8) | this.head[4]!
    const bad = (detail: string) => proxyError(this.endpoint, "BadReply", detail)
    if (major !== 0x03 || minor !== 0x03) throw bad(`bad TLS record version ${major}.${minor}`)
    if (type === TLS_CCS) {
      if (length !== 1) throw bad(`a ChangeCipherSpec record of ${length} bytes`)
      this.skipping = true
      return 1
    }
    if (type === TLS_ALERT) throw bad("the peer sent a TLS alert")
    if (type !== TLS_APPLICATION_DATA) throw bad(`unexpected TLS record type 0x${type!.toString(16)}`)
    if (length === 0 || length > MAX_RECORD_PAYLOAD) throw bad(`a TLS record of ${length} bytes`)
    this.skipping = false
    return length
  }
}

/**
 * Options of {@link makeFakeTlsClient}.
 */
export interface FakeTlsClientOptions extends ClientHelloOptions {
  readonly endpoint: ProxyEndpoint
}

/**
 * The client end: sends the hello, checks the server hello (`BadReply` if it is not one,
 * `BadServerHello` if its digest is wrong), sends ChangeCipherSpec, then wraps and unwraps
 * application-data records.
 */
export const makeFakeTlsClient = (options: FakeTlsClientOptions): StreamLayer => {
  const { endpoint, key } = options
  const hello = makeClientHello(options)
  const clientRandom = copy(hello.subarray(RANDOM_OFFSET, RANDOM_OFFSET + 32))
  const reply = new ReplyBuffer(endpoint, 5 + 16384 + 11 + MAX_RECORD_PAYLOAD)
  const records = new RecordReader(endpoint)
  let done = false
  const bad = (detail: string) => proxyError(endpoint, "BadReply", detail)

  const receive = (chunk: Uint8Array): HandshakeStep => {
    if (done) return { done: { rest: chunk } }
    reply.push(chunk, "the server hello")
    if (reply.length < 5) return {}
    const head = reply.peek(5)
    if (head[0] === TLS_ALERT) throw bad("the proxy answered the hello with a TLS alert (not an MTProxy, or a wrong secret)")
    if (head[0] !== TLS_HANDSHAKE || head[1] !== 0x03 || head[2] !== 0x03) {
      throw bad("the answer to the hello is not a TLS server hello (not a fake-TLS MTProxy?)")
    }
    const first = 5 + ((head[3]! << 8) | head[4]!)
    if (first > 5 + 16384) throw bad("the server hello record is too long")
    if (reply.length < first + 11) return {}
    const middle = reply.peek(first + 11).subarray(first)
    const expected = [TLS_CCS, 0x03, 0x03, 0x00, 0x01, 0x01, TLS_APPLICATION_DATA, 0x03, 0x03]
    if (expected.some((b, i) => middle[i] !== b)) {
      throw bad("the server hello is not followed by ChangeCipherSpec and application data")
    }
    const total = first + 11 + ((middle[9]! << 8) | middle[10]!)
    if (reply.length < total) return {}
    const response = reply.take(total)
    const digest = serverDigest(key, clientRandom, response)
    if (!constantTimeEqual(digest, response.subarray(RANDOM_OFFSET, RANDOM_OFFSET + 32))) {
      throw proxyError(endpoint, "BadServerHello", "the server hello's digest does not match the secret (wrong secret, or not the proxy it claims to be)")
    }
    done = true
    return { send: CHANGE_CIPHER_SPEC, done: { rest: reply.takeAll() } }
  }

  return {
    hello,
    waitingFor: () => "the fake-TLS server hello",
    receive,
    wrap: (data) => wrapRecords(data, CLIENT_RECORD_PAYLOAD),
    unwrap: (chunk, onData) => records.read(chunk, onData)
  }
}

// ---------------------------------------------------------------------------------------------
// server side (TestDc's MTProxy mode)

/**
 * The verdict on the first bytes of a connection to a fake-TLS MTProxy.
 */
export type ClientHelloCheck =
  | { readonly _tag: "NeedMore" }
  | {
    readonly _tag: "Accepted"
    /** Length of the hello record: stream data starts after it. */
    readonly consumed: number
    readonly clientRandom: Uint8Array
    readonly sessionId: Uint8Array
    readonly timestamp: number
  }
  | { readonly _tag: "Rejected"; readonly reason: string }

/**
 * Options of {@link checkClientHello}.
 */
export interface ClientHelloCheckOptions {
  readonly key: Uint8Array
  /** The SNI the hello must name. */
  readonly domain: string
  /** Unix time in seconds. */
  readonly now: number
  /** How far the hello's timestamp may be from `now` (default 600 s). */
  readonly maxSkewSeconds?: number | undefined
}

/** The SNI host name of a ClientHello record, or a reason it has none. */
const sniOf = (record: Uint8Array): string | { readonly error: string } => {
  const view = new DataView(record.buffer, record.byteOffset, record.length)
  let off = RANDOM_OFFSET + 32
  const need = (n: number) => {
    if (off + n > record.length) throw new RangeError("truncated")
  }
  try {
    need(1)
    off += 1 + record[off]! // session id
    need(2)
    off += 2 + view.getUint16(off) // cipher suites
    need(1)
    off += 1 + record[off]! // compression methods
    need(2)
    const end = off + 2 + view.getUint16(off)
    off += 2
    if (end > record.length) return { error: "the extensions run past the record" }
    while (off + 4 <= end) {
      const type = view.getUint16(off)
      const length = view.getUint16(off + 2)
      off += 4
      if (off + length > end) return { error: "an extension runs past the record" }
      if (type === 0x0000 && length >= 5 && record[off + 2] === 0x00) {
        const nameLength = view.getUint16(off + 3)
        if (5 + nameLength > length) return { error: "a malformed server_name extension" }
        return new TextDecoder().decode(record.subarray(off + 5, off + 5 + nameLength))
      }
      off += length
    }
    return { error: "no server_name extension" }
  } catch {
    return { error: "a truncated client hello" }
  }
}

/**
 * Checks the first bytes of a connection as a fake-TLS ClientHello signed with `key` for
 * `domain`. `Rejected` means the connection is not (or not for us) an MTProxy client: an
 * MTProxy then treats it as plain traffic.
 */
export const checkClientHello = (bytes: Uint8Array, options: ClientHelloCheckOptions): ClientHelloCheck => {
  if (bytes.length === 0) return { _tag: "NeedMore" }
  if (bytes[0] !== TLS_HANDSHAKE) return { _tag: "Rejected", reason: "not a TLS handshake record" }
  if (bytes.length < 5) return { _tag: "NeedMore" }
  if (bytes[1] !== 0x03) return { _tag: "Rejected", reason: "not a TLS record version" }
  const length = (bytes[3]! << 8) | bytes[4]!
  if (length < 4 + 2 + 32 + 1 || length > 16384) return { _tag: "Rejected", reason: `a hello record of ${length} bytes` }
  if (bytes.length < 5 + length) return { _tag: "NeedMore" }
  const record = bytes.subarray(0, 5 + length)
  if (record[5] !== 0x01) return { _tag: "Rejected", reason: "not a ClientHello" }
  const random = copy(record.subarray(RANDOM_OFFSET, RANDOM_OFFSET + 32))
  const zeroed = copy(record)
  zeroed.fill(0, RANDOM_OFFSET, RANDOM_OFFSET + 32)
  const digest = hmacSha256(options.key, zeroed)
  if (!constantTimeEqual(digest.subarray(0, 28), random.subarray(0, 28))) {
    return { _tag: "Rejected", reason: "the hello's digest does not match the secret" }
  }
  const timestamp = (new DataView(random.buffer).getUint32(28, true) ^ new DataView(digest.buffer, digest.byteOffset).getUint32(28, true)) >>>
    0
  const skew = options.maxSkewSeconds ?? 600
  if (Math.abs(options.now - timestamp) > skew) {
    return { _tag: "Rejected", reason: `the hello's timestamp is ${options.now - timestamp} s off` }
  }
  const sni = sniOf(record)
  if (typeof sni !== "string") return { _tag: "Rejected", reason: sni.error }
  if (sni !== options.domain) return { _tag: "Rejected", reason: `the hello names "${sni}", not "${options.domain}"` }
  const sessionLength = record[RANDOM_OFFSET + 32]!
  const sessionId = copy(record.subarray(RANDOM_OFFSET + 33, RANDOM_OFFSET + 33 + sessionLength))
  return { _tag: "Accepted", consumed: record.length, clientRandom: random, sessionId, timestamp }
}

/**
 * Options of {@link makeServerHello}.
 */
export interface ServerHelloOptions {
  readonly key: Uint8Array
  readonly clientRandom: Uint8Array
  /** Echoed, as TLS 1.3 servers do. */
  readonly sessionId: Uint8Array
  readonly randomBytes: (n: number) => Uint8Array
}

/**
 * The proxy's answer to an accepted hello: ServerHello, ChangeCipherSpec, and one
 * application-data record of random bytes (standing for the encrypted certificate), signed
 * with the server digest.
 */
export const makeServerHello = (options: ServerHelloOptions): Uint8Array => {
  const random = options.randomBytes
  const w = new Writer()
  w.bytes(TLS_HANDSHAKE, 0x03, 0x03)
  const record = w.open(2)
  w.bytes(0x02) // server_hello
  const handshake = w.open(3)
  w.bytes(0x03, 0x03)
  w.zeros(32)
  w.bytes(options.sessionId.length)
  w.data(options.sessionId)
  w.bytes(0x13, 0x01, 0x00) // TLS_AES_128_GCM_SHA256, no compression
  const extensions = w.open(2)
  w.bytes(0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20) // key_share: X25519
  const share = random(32)
  share[31] = share[31]! & 0x7f
  w.data(share)
  w.bytes(0x00, 0x2b, 0x00, 0x02, 0x03, 0x04) // supported_versions: TLS 1.3
  w.close(extensions, 2)
  w.close(handshake, 3)
  w.close(record, 2)
  w.data(CHANGE_CIPHER_SPEC)
  // A certificate-sized record: 1–4 KiB.
  const sizeBytes = random(2)
  const size = 1024 + (((sizeBytes[0]! << 8) | sizeBytes[1]!) % 3072)
  w.bytes(TLS_APPLICATION_DATA, 0x03, 0x03, size >> 8, size & 0xff)
  w.data(random(size))
  const reply = w.finish()
  reply.set(serverDigest(options.key, options.clientRandom, reply), RANDOM_OFFSET)
  return reply
}
