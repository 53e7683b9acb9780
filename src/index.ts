/**
 * `effect-mtproto`: a Telegram MTProto 2.0 client built on Effect.
 *
 * ```ts
 * import { Client, SessionStorage } from "effect-mtproto"
 * const program = Effect.gen(function*() {
 *   const client = yield* Client
 *   yield* client.start({ botToken: Redacted.make(token) })
 *   return yield* client.getMe
 * })
 * Effect.runPromise(program.pipe(
 *   Effect.provide(Client.layer({ apiId, apiHash })),
 *   Effect.provide(SessionStorage.layerFile("session.json"))
 * ))
 * ```
 *
 * @module
 */
export * from "./client/index.ts"
export * as SessionStorage from "./storage/index.ts"
export * as Text from "./client/text/Text.ts"
export type { Api, ResultOf } from "./tl/index.ts"
// `ClientConfig.proxy`: the proxy forms, the link parser and the proxy's error.
export type { ProxyConfig } from "./transport/proxy/Proxy.ts"
export { ProxyError } from "./transport/proxy/ProxyError.ts"
export { parseProxyLink, ProxyLinkError } from "./transport/proxy/proxyLink.ts"
