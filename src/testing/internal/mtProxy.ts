/**
 * TestDc's MTProxy mode, outer layer: a connection that opens with a fake-TLS ClientHello
 * signed with the secret (and naming its domain) gets the signed server hello, then its TLS
 * records are unwrapped into the obfuscated2 stream the connection handler already reads.
 * Anything else (another secret, another domain, no TLS at all) is plain traffic, handed on
 * byte for byte, as an MTProxy does: a client with a wrong secret finds no proxy there.
 */
import type * as Socket from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { RandomBytes } from "../../crypto/index.ts"
import { checkClientHello, makeServerHello, RecordReader, SERVER_RECORD_PAYLOAD, wrapRecords } from "../../transport/proxy/FakeTls.ts"
import { layeredSocket } from "../../transport/proxy/layeredSocket.ts"
import type { ProxyEndpoint } from "../../transport/proxy/ProxyError.ts"
import { passThrough, ReplyBuffer, type StreamLayer } from "../../transport/proxy/StreamLayer.ts"

/** What the fake-TLS server needs: the secret's key and domain. */
export interface FakeTlsSecret {
  readonly key: Uint8Array
  readonly domain: string
}

/**
 * The server's layer for one connection at time `now` (Unix seconds). A rejected hello shows
 * in the connection log as bad transport data ("HTTP and TLS transports are not supported").
 */
export const makeFakeTlsServer = (
  secret: FakeTlsSecret,
  now: number,
  randomBytes: RandomBytes,
  endpoint: ProxyEndpoint
): StreamLayer => {
  // A hello is one record: header and at most 16 KiB.
  const buffer = new ReplyBuffer(endpoint, 5 + 16384)
  const records = new RecordReader(endpoint)
  let mode: "hello" | "tls" | "plain" = "hello"
  return {
    hello: new Uint8Array(0),
    waitingFor: () => "the client hello",
    receive: (chunk) => {
      if (mode !== "hello") return { done: { rest: chunk } }
      buffer.push(chunk, "the client hello")
      const check = checkClientHello(buffer.peek(buffer.length), { key: secret.key, domain: secret.domain, now })
      switch (check._tag) {
        case "NeedMore":
          return {}
        case "Rejected":
          mode = "plain"
          return { done: { rest: buffer.takeAll() } }
        case "Accepted": {
          mode = "tls"
          buffer.take(check.consumed)
          const send = makeServerHello({ key: secret.key, clientRandom: check.clientRandom, sessionId: check.sessionId, randomBytes })
          return { send, done: { rest: buffer.takeAll() } }
        }
      }
    },
    wrap: (data) => mode === "tls" ? wrapRecords(data, SERVER_RECORD_PAYLOAD) : data,
    unwrap: (chunk, onData) => mode === "tls" ? records.read(chunk, onData) : passThrough.unwrap(chunk, onData)
  }
}

/** A client connection of a TestDc in fake-TLS MTProxy mode, seen through the fake-TLS layer. */
export const fakeTlsServerSocket = (
  socket: Socket.Socket,
  secret: FakeTlsSecret,
  randomBytes: RandomBytes,
  endpoint: ProxyEndpoint
): Socket.Socket =>
  layeredSocket(
    socket,
    Effect.map(Clock.currentTimeMillis, (millis) =>
      makeFakeTlsServer(secret, Math.floor(millis / 1000), randomBytes, endpoint)),
    endpoint
  )
