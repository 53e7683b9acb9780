/**
 * `effect-mtproto/transport`: framing codecs, obfuscation, server-side detection, the
 * NodeSocket and WebSocket `Transport` layers, and proxies (SOCKS5, HTTP CONNECT, MTProxy with
 * fake TLS, proxy links).
 */
export * from "./Codec.ts"
export * from "./Framing.ts"
export * from "./Obfuscation.ts"
export * from "./Transport.ts"
export * from "./TransportError.ts"
export * from "./WebSocket.ts"
export * from "./proxy/MtProxySecret.ts"
export * from "./proxy/Proxy.ts"
export * from "./proxy/ProxyError.ts"
export * from "./proxy/proxyLink.ts"
export { layeredSocket } from "./proxy/layeredSocket.ts"
export type { HandshakeStep, StreamLayer } from "./proxy/StreamLayer.ts"
