/**
 * The error of a proxy: anything that goes wrong between opening the TCP connection to the
 * proxy and the first MTProto byte. It reaches callers as the `cause` of a
 * `TransportError` whose reason is `"Proxy"`, so it never looks like an MTProto failure.
 */
import * as Data from "effect/Data"

/**
 * The kinds of proxy.
 */
export type ProxyKind = "Socks5" | "HttpConnect" | "MtProxy"

/**
 * Why a proxy failed.
 *
 * - `Unreachable`: the TCP connection to the proxy itself could not be opened.
 * - `AuthRejected`: the proxy wants credentials it was not given, or rejected the ones it was given.
 * - `ConnectFailed`: the proxy could not, or would not, reach the DC (SOCKS5 reply code or HTTP status in `code`).
 * - `BadReply`: the proxy answered something its protocol does not allow.
 * - `Closed`: the proxy closed the connection during the handshake (for MTProxy: often a wrong secret).
 * - `BadServerHello`: a fake-TLS server hello whose digest does not match the secret (not the proxy we meant).
 * - `InvalidConfig`: the configuration can't work (a malformed secret, an unusable host or credentials).
 */
export type ProxyErrorReason =
  | "Unreachable"
  | "AuthRejected"
  | "ConnectFailed"
  | "BadReply"
  | "Closed"
  | "BadServerHello"
  | "InvalidConfig"

const kindName: Record<ProxyKind, string> = { Socks5: "SOCKS5 proxy", HttpConnect: "HTTP proxy", MtProxy: "MTProxy" }

/**
 * A proxy failure. `message` reads like "SOCKS5 proxy 10.0.0.1:1080: the proxy rejected the
 * username or password".
 */
export class ProxyError extends Data.TaggedError("ProxyError")<{
  readonly reason: ProxyErrorReason
  readonly proxy: ProxyKind
  /** `host:port` of the proxy. */
  readonly address: string
  /** What happened, in words. */
  readonly detail: string
  /** The SOCKS5 reply code or the HTTP status, for `ConnectFailed` and `AuthRejected`. */
  readonly code?: number
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${kindName[this.proxy]} ${this.address}: ${this.detail}`
  }
}

/**
 * Whether trying again cannot help: the proxy rejected our credentials (`AuthRejected`), the
 * configuration cannot work (`InvalidConfig`), the fake-TLS server is not the proxy the secret
 * names (`BadServerHello`), or the proxy refuses the target by policy or by what it supports
 * (`ConnectFailed` with SOCKS5 reply 2 "not allowed by ruleset", 7 "command not supported",
 * 8 "address type not supported", or an HTTP 4xx other than 408/429). Everything else (the
 * proxy unreachable or closing, the DC refusing or unreachable through it, 5xx) may pass.
 */
export const isPermanentProxyError = (e: ProxyError): boolean => {
  switch (e.reason) {
    case "AuthRejected":
    case "InvalidConfig":
    case "BadServerHello":
      return true
    case "ConnectFailed":
      if (e.code === undefined) return false
      return e.proxy === "Socks5"
        ? e.code === 0x02 || e.code === 0x07 || e.code === 0x08
        : e.code >= 400 && e.code < 500 && e.code !== 408 && e.code !== 429
    default:
      return false
  }
}

/**
 * What a handshake knows about its proxy, to name it in errors.
 */
export interface ProxyEndpoint {
  readonly proxy: ProxyKind
  readonly address: string
}

/**
 * `host:port`, with brackets around an IPv6 host.
 */
export const formatAddress = (host: string, port: number): string => host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`

/**
 * A {@link ProxyError} for `endpoint`.
 */
export const proxyError = (
  endpoint: ProxyEndpoint,
  reason: ProxyErrorReason,
  detail: string,
  extra: { readonly code?: number | undefined; readonly cause?: unknown } = {}
): ProxyError =>
  new ProxyError({
    reason,
    proxy: endpoint.proxy,
    address: endpoint.address,
    detail,
    ...(extra.code === undefined ? {} : { code: extra.code }),
    ...(extra.cause === undefined ? {} : { cause: extra.cause })
  })
