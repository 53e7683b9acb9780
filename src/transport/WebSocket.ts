/**
 * The WebSocket transport: the same framings (obfuscated2 by default, as Telegram's
 * `wss://…/apiws` endpoints require) carried in binary WebSocket messages, for networks and
 * runtimes where only WebSockets get through. Built on `@effect/platform`'s WebSocket socket;
 * the WebSocket implementation comes from the `Socket.WebSocketConstructor` in context
 * (`NodeSocket.layerWebSocketConstructor` on Node, `Socket.layerWebSocketConstructorGlobal` in
 * browsers and Deno).
 *
 * ```ts
 * const transport = WebSocket.layerWebSocket().pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
 * ```
 */
import * as Socket from "@effect/platform/Socket"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type ConnectOptions, makeWith, Transport, type TransportOptions, type TransportShape } from "./Transport.ts"

/** Telegram's WebSocket host names by DC id (1–5). */
const WEB_DC_NAMES = ["pluto", "venus", "aurora", "vesta", "flora"] as const

/**
 * Telegram's WebSocket endpoint of a DC, from the DC id as the obfuscation header carries it:
 * `10000 + id` for test DCs (`…/apiws_test`), negative for media DCs (the `-1` host).
 * `undefined` for a DC without one.
 */
export const telegramWebSocketUrl = (dcId: number): string | undefined => {
  const media = dcId < 0
  const test = Math.abs(dcId) > 10_000
  const id = Math.abs(dcId) % 10_000
  const name = WEB_DC_NAMES[id - 1]
  if (name === undefined) return undefined
  return `wss://${name}${media ? "-1" : ""}.web.telegram.org/apiws${test ? "_test" : ""}`
}

/**
 * Options of the WebSocket transport.
 */
export interface WebSocketTransportOptions extends TransportOptions {
  /**
   * The URL to open for a connection (host, port and DC id of the target). Default: Telegram's
   * endpoint for the DC id ({@link telegramWebSocketUrl}). For a TestDc: `() => dc.webSocketUrl`.
   */
  readonly url?: ((target: ConnectOptions) => string) | undefined
}

/** Binary messages as `ArrayBuffer`s: the browser default (`Blob`) would be read asynchronously, out of order. */
const withArrayBuffers = (make: (url: string, protocols?: string | Array<string>) => globalThis.WebSocket) =>
(url: string, protocols?: string | Array<string>) => {
  const ws = make(url, protocols)
  ws.binaryType = "arraybuffer"
  return ws
}

/** Hands the transport `Uint8Array`s whatever the WebSocket delivers binary data as. */
const binaryChunks = (socket: Socket.Socket): Socket.Socket => ({
  ...socket,
  runRaw: (handler, options) =>
    socket.runRaw((data) => handler(typeof data === "string" || data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer)), options)
})

/**
 * A `Transport` over WebSockets with the given WebSocket constructor. Obfuscated unless
 * `obfuscated: false` is given (Telegram's endpoints accept nothing else).
 */
export const makeWebSocketWith = (
  construct: (url: string, protocols?: string | Array<string>) => globalThis.WebSocket,
  options: WebSocketTransportOptions = {}
): TransportShape => {
  const { url, ...rest } = options
  const urlOf = url ?? ((target: ConnectOptions) => {
    const known = target.dcId === undefined ? undefined : telegramWebSocketUrl(target.dcId)
    return known ?? `wss://${target.host}:${target.port}/apiws`
  })
  const constructor = withArrayBuffers(construct)
  const openTimeout = options.connectTimeout ?? Duration.seconds(10)
  return makeWith(
    (target) =>
      Socket.makeWebSocket(urlOf(target), { protocols: "binary", openTimeout }).pipe(
        Effect.map(binaryChunks),
        Effect.provideService(Socket.WebSocketConstructor, constructor)
      ),
    { ...rest, obfuscated: rest.obfuscated ?? true }
  )
}

/**
 * The WebSocket `Transport` layer; the WebSocket implementation comes from context.
 */
export const layerWebSocket = (options: WebSocketTransportOptions = {}): Layer.Layer<Transport, never, Socket.WebSocketConstructor> =>
  Layer.effect(Transport, Effect.map(Socket.WebSocketConstructor, (construct) => makeWebSocketWith(construct, options)))
