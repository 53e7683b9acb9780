/**
 * Proxy links as Telegram shares them, into {@link ProxyConfig} values:
 *
 * - `tg://proxy?server=…&port=…&secret=…` and `https://t.me/proxy?…` (MTProxy);
 * - `tg://socks?server=…&port=…&user=…&pass=…` and `https://t.me/socks?…` (SOCKS5);
 * - proxy URLs: `socks5://user:pass@host:port` and `http://user:pass@host:port` (HTTP CONNECT).
 *
 * Spec: https://core.telegram.org/api/links#mtproxy-links and #socks5-proxy-links
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { isPort } from "./address.ts"
import { parseMtProxySecret } from "./MtProxySecret.ts"
import type { HttpConnectProxy, MtProxy, ProxyConfig, Socks5Proxy } from "./Proxy.ts"

/**
 * A string that is not a usable proxy link. The message never repeats the link (it may hold a
 * secret or a password).
 */
export class ProxyLinkError extends Data.TaggedError("ProxyLinkError")<{
  readonly detail: string
}> {
  override get message(): string {
    return `not a usable proxy link: ${this.detail}`
  }
}

const TELEGRAM_HOSTS = new Set(["t.me", "telegram.me", "telegram.dog", "www.t.me"])

const fail = (detail: string) => Either.left(new ProxyLinkError({ detail }))

const portOf = (text: string | null, fallback?: number): Either.Either<number, ProxyLinkError> => {
  if (text === null || text === "") return fallback === undefined ? fail("the port is missing") : Either.right(fallback)
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  return isPort(port) ? Either.right(port) : fail(`"${text}" is not a port`)
}

const serverOf = (params: URLSearchParams): Either.Either<string, ProxyLinkError> => {
  const server = params.get("server")?.trim() ?? ""
  return server === "" ? fail("the server is missing") : Either.right(server)
}

const credentials = (user: string, pass: string): Either.Either<{ username?: string; password?: Redacted.Redacted<string> }, ProxyLinkError> => {
  if (user === "" && pass === "") return Either.right({})
  if (user === "" || pass === "") return fail("a username needs a password and the other way round")
  return Either.right({ username: user, password: Redacted.make(pass) })
}

const mtProxyLink = (params: URLSearchParams): Either.Either<MtProxy, ProxyLinkError> =>
  Either.gen(function*() {
    const host = yield* serverOf(params)
    const port = yield* portOf(params.get("port"))
    const secret = params.get("secret")?.trim() ?? ""
    if (secret === "") return yield* fail("the secret is missing")
    yield* Either.mapLeft(parseMtProxySecret(secret), (detail) => new ProxyLinkError({ detail }))
    return { _tag: "MtProxy", host, port, secret: Redacted.make(secret) } as const
  })

const socksLink = (params: URLSearchParams): Either.Either<Socks5Proxy, ProxyLinkError> =>
  Either.gen(function*() {
    const host = yield* serverOf(params)
    const port = yield* portOf(params.get("port"))
    const auth = yield* credentials(params.get("user") ?? "", params.get("pass") ?? "")
    return { _tag: "Socks5", host, port, ...auth } as const
  })

const proxyUrl = (url: URL, kind: "Socks5" | "HttpConnect"): Either.Either<Socks5Proxy | HttpConnectProxy, ProxyLinkError> =>
  Either.gen(function*() {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
    if (host === "") return yield* fail("the host is missing")
    const port = yield* portOf(url.port, kind === "Socks5" ? 1080 : 80)
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    }
    const auth = yield* credentials(decode(url.username), decode(url.password))
    return { _tag: kind, host, port, ...auth }
  })

/**
 * Reads a proxy link. MTProxy secrets are checked here (hex or base64url, known prefix), so a
 * config that parses also connects; passwords and secrets come back `Redacted`.
 *
 * ```ts
 * const proxy = parseProxyLink("tg://proxy?server=proxy.example&port=443&secret=dd00112233445566778899aabbccddeeff")
 * // Either.right({ _tag: "MtProxy", host: "proxy.example", port: 443, secret: <redacted> })
 * ```
 */
export const parseProxyLink = (link: string): Either.Either<ProxyConfig, ProxyLinkError> => {
  const text = link.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`)
  } catch {
    return fail("not a URL")
  }
  const scheme = url.protocol.toLowerCase()
  if (scheme === "tg:") {
    // tg://proxy?… parses with "proxy" as the host; tg:proxy?… with it as the path.
    const action = (url.hostname === "" ? url.pathname : url.hostname).toLowerCase()
    if (action === "proxy") return mtProxyLink(url.searchParams)
    if (action === "socks") return socksLink(url.searchParams)
    return fail(`tg://${action} is not a proxy link`)
  }
  if ((scheme === "https:" || scheme === "http:") && TELEGRAM_HOSTS.has(url.hostname.toLowerCase())) {
    const action = url.pathname.replace(/^\/+|\/+$/g, "").toLowerCase()
    if (action === "proxy") return mtProxyLink(url.searchParams)
    if (action === "socks") return socksLink(url.searchParams)
    return fail(`${url.hostname}/${action} is not a proxy link`)
  }
  if (scheme === "socks5:" || scheme === "socks5h:" || scheme === "socks:") return proxyUrl(url, "Socks5")
  if (scheme === "http:") return proxyUrl(url, "HttpConnect")
  return fail(`the ${scheme.slice(0, -1)} scheme is not a supported proxy`)
}
