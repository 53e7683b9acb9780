/**
 * The pure model of what runs between a socket and the MTProto framing: a handshake (bytes to
 * send, bytes that come back, until it is done), then a wrapping of the byte stream (identity
 * for SOCKS5 and HTTP CONNECT, TLS records for fake-TLS). `layeredSocket` runs one over a
 * `Socket`; everything here is synchronous and socket-free, so it is tested byte by byte.
 */
import { type ProxyEndpoint, proxyError } from "./ProxyError.ts"

/**
 * What to do after feeding received bytes to a handshake.
 */
export interface HandshakeStep {
  /** Bytes to write to the peer now. */
  readonly send?: Uint8Array | undefined
  /** Set once the handshake is complete; `rest` holds bytes received past its end (stream data). */
  readonly done?: { readonly rest: Uint8Array } | undefined
}

/**
 * One connection's layer, both phases. Stateful: one per connection, fed bytes in arrival order.
 * Methods throw `ProxyError` on a protocol violation.
 */
export interface StreamLayer {
  /** Written as soon as the connection opens (may be empty: a server waits for the client). */
  readonly hello: Uint8Array
  /** What the handshake waits for now, for error messages ("the authentication reply"). */
  readonly waitingFor: () => string
  /** Handshake phase: feeds received bytes. */
  readonly receive: (chunk: Uint8Array) => HandshakeStep
  /** Stream phase: what to write for outgoing stream bytes. */
  readonly wrap: (data: Uint8Array) => Uint8Array
  /** Stream phase: feeds received bytes, calling `onData` with each piece of stream data, in order. */
  readonly unwrap: (chunk: Uint8Array, onData: (data: Uint8Array) => void) => void
}

/**
 * The stream phase of layers that add nothing once connected (SOCKS5, HTTP CONNECT).
 */
export const passThrough: Pick<StreamLayer, "wrap" | "unwrap"> = {
  wrap: (data) => data,
  unwrap: (chunk, onData) => {
    if (chunk.length > 0) onData(chunk)
  }
}

/**
 * Collects the bytes of a handshake reply, bounded: more than `max` bytes buffered is a
 * `BadReply` (a hostile or confused peer can't make us buffer without end).
 */
export class ReplyBuffer {
  private bytes = new Uint8Array(0)
  private readonly max: number
  private readonly endpoint: ProxyEndpoint

  constructor(endpoint: ProxyEndpoint, max: number) {
    this.endpoint = endpoint
    this.max = max
  }

  get length(): number {
    return this.bytes.length
  }

  /** Appends a chunk; throws `BadReply` when more than the bound is buffered. */
  push(chunk: Uint8Array, what: string): void {
    if (this.bytes.length + chunk.length > this.max) {
      throw proxyError(this.endpoint, "BadReply", `${what} is longer than ${this.max} bytes`)
    }
    const joined = new Uint8Array(this.bytes.length + chunk.length)
    joined.set(this.bytes, 0)
    joined.set(chunk, this.bytes.length)
    this.bytes = joined
  }

  at(i: number): number {
    return this.bytes[i]!
  }

  /** A view of the first `n` bytes (kept). */
  peek(n: number): Uint8Array {
    return this.bytes.subarray(0, n)
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Uint8Array {
    const head = this.bytes.slice(0, n)
    this.bytes = this.bytes.slice(n)
    return head
  }

  /** Removes and returns everything. */
  takeAll(): Uint8Array {
    const all = this.bytes
    this.bytes = new Uint8Array(0)
    return all
  }
}
