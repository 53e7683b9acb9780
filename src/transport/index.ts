/**
 * `effect-mtproto/transport`: framing codecs, obfuscation, server-side detection and the
 * NodeSocket `Transport` layer.
 *
 * @since 0.1.0
 */
export * from "./Codec.ts"
export * from "./Framing.ts"
export * from "./Obfuscation.ts"
export * from "./Transport.ts"
export * from "./TransportError.ts"
