/**
 * Proxies as configuration values, and the `Transport` that reaches every DC through one.
 *
 * A proxy is a way to open the byte stream under the framing: SOCKS5 and HTTP CONNECT tunnel a
 * TCP connection to the DC's address; MTProxy is itself the endpoint of every connection,
 * with the DC id inside the obfuscation header, keyed by its secret (and, for `ee` secrets,
 * wrapped in fake TLS).
 *
 * ```ts
 * const transport = Proxy.layer({ _tag: "Socks5", host: "10.0.0.1", port: 1080 })
 * ```
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { randomBytes as defaultRandomBytes } from "../../crypto/index.ts"
import { type ConnectOptions, makeWith, type SocketFactory, Transport, type TransportOptions, type TransportShape } from "../Transport.ts"
import { TransportError } from "../TransportError.ts"
import { makeFakeTlsClient } from "./FakeTls.ts"
import { makeHttpConnectHandshake } from "./HttpConnect.ts"
import { layeredSocket } from "./layeredSocket.ts"
import { type MtProxySecret, parseMtProxySecret } from "./MtProxySecret.ts"
import { formatAddress, type ProxyEndpoint, ProxyError, proxyError } from "./ProxyError.ts"
import { makeSocks5Handshake } from "./Socks5.ts"

/**
 * A SOCKS5 proxy (RFC 1928), with username/password authentication (RFC 1929) when both are set.
 */
export interface Socks5Proxy {
  readonly _tag: "Socks5"
  readonly host: string
  readonly port: number
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
}

/**
 * An HTTP proxy that tunnels with `CONNECT`, with Basic authentication when both credentials are set.
 */
export interface HttpConnectProxy {
  readonly _tag: "HttpConnect"
  readonly host: string
  readonly port: number
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
}

/**
 * An MTProxy. `secret` as its link gives it: hex or base64url text (or the raw bytes) of a
 * 16-byte key, `dd` + key (padded intermediate), or `ee` + key + domain (fake TLS).
 */
export interface MtProxy {
  readonly _tag: "MtProxy"
  readonly host: string
  readonly port: number
  readonly secret: Redacted.Redacted<string | Uint8Array>
}

/**
 * The proxy every DC connection goes through (`ClientConfig.proxy`).
 */
export type ProxyConfig = Socks5Proxy | HttpConnectProxy | MtProxy

/**
 * Transport options for a proxied transport. For MTProxy, `codec`, `obfuscated` and `secret`
 * are set from the proxy's secret (`dd`/`ee`: padded intermediate; plain: `codec`, default
 * intermediate, obfuscated).
 */
export interface ProxyTransportOptions extends TransportOptions {
  /** Opens the TCP connection to the proxy (default: NodeSocket). Tests and other runtimes swap it. */
  readonly openSocket?: SocketFactory | undefined
}

const nodeSocket: SocketFactory = (target) => NodeSocket.makeNet({ host: target.host, port: target.port, noDelay: true }).pipe(Effect.orDie)

const credentialsOf = (proxy: Socks5Proxy | HttpConnectProxy) =>
  proxy.username !== undefined && proxy.password !== undefined
    ? { username: proxy.username, password: Redacted.value(proxy.password) }
    : undefined

/** A transport whose every connect fails with the same proxy error (a configuration that can't work). */
const failing = (error: TransportError): TransportShape => Transport.of({ connect: () => Effect.fail(error) })

/**
 * A `Transport` that reaches every DC through `proxy`.
 */
export const makeProxied = (proxy: ProxyConfig, options: ProxyTransportOptions = {}): TransportShape => {
  const { openSocket = nodeSocket, ...transportOptions } = options
  const endpoint: ProxyEndpoint = { proxy: proxy._tag, address: formatAddress(proxy.host, proxy.port) }
  const proxyTarget: ConnectOptions = { host: proxy.host, port: proxy.port }
  switch (proxy._tag) {
    case "Socks5":
    case "HttpConnect": {
      const credentials = credentialsOf(proxy)
      const handshake = proxy._tag === "Socks5" ? makeSocks5Handshake : makeHttpConnectHandshake
      return makeWith(
        (target) =>
          Effect.map(openSocket(proxyTarget), (socket) =>
            layeredSocket(
              socket,
              Effect.try({
                try: () => handshake({ endpoint, target: { host: target.host, port: target.port }, credentials }),
                catch: (e) => e instanceof ProxyError ? e : proxyError(endpoint, "InvalidConfig", String(e), { cause: e })
              }),
              endpoint
            )),
        transportOptions
      )
    }
    case "MtProxy": {
      const parsed = parseMtProxySecret(Redacted.value(proxy.secret))
      if (Either.isLeft(parsed)) {
        return failing(new TransportError({ reason: "Proxy", cause: proxyError(endpoint, "InvalidConfig", parsed.left) }))
      }
      return makeMtProxied(parsed.right, endpoint, proxyTarget, openSocket, transportOptions)
    }
  }
}

const makeMtProxied = (
  secret: MtProxySecret,
  endpoint: ProxyEndpoint,
  proxyTarget: ConnectOptions,
  openSocket: SocketFactory,
  options: TransportOptions
): TransportShape => {
  const framed: TransportOptions = {
    ...options,
    codec: secret._tag === "Plain" ? options.codec ?? "intermediate" : "padded",
    obfuscated: true,
    secret: Redacted.make(secret.key)
  }
  if (secret._tag !== "FakeTls") {
    // The DC host is the proxy's business: it reads the DC id from the obfuscation header.
    return makeWith(() => openSocket(proxyTarget), framed)
  }
  const randomBytes = options.randomBytes ?? defaultRandomBytes
  const layer = Effect.map(Clock.currentTimeMillis, (millis) =>
    makeFakeTlsClient({ endpoint, key: secret.key, domain: secret.domain, now: Math.floor(millis / 1000), randomBytes }))
  return makeWith(() => Effect.map(openSocket(proxyTarget), (socket) => layeredSocket(socket, layer, endpoint)), framed)
}

/**
 * The `Transport` layer through `proxy`.
 */
export const layerProxied = (proxy: ProxyConfig, options: ProxyTransportOptions = {}): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeProxied(proxy, options))
