/**
 * The client side of an HTTP CONNECT tunnel (RFC 9110 §9.3.6), with Basic proxy
 * authentication: one request, one response head; a 2xx status opens the tunnel.
 */
import * as Encoding from "effect/Encoding"
import { isPort } from "./address.ts"
import { formatAddress, type ProxyEndpoint, proxyError } from "./ProxyError.ts"
import { type HandshakeStep, passThrough, ReplyBuffer, type StreamLayer } from "./StreamLayer.ts"

/**
 * Options of {@link makeHttpConnectHandshake}.
 */
export interface HttpConnectHandshakeOptions {
  readonly endpoint: ProxyEndpoint
  readonly target: { readonly host: string; readonly port: number }
  /** Sent as `Proxy-Authorization: Basic …`. */
  readonly credentials?: { readonly username: string; readonly password: string } | undefined
}

/** Longest response head accepted (status line and headers). */
const MAX_HEAD = 16 * 1024

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes)

/** Where the head ends ("\r\n\r\n"), or -1. */
const headEnd = (bytes: Uint8Array): number => {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d) return i + 1
  }
  return -1
}

/**
 * The handshake for one connection. Throws `ProxyError("InvalidConfig")` for a target that
 * can't be written into a request line, or credentials with a colon in the username (Basic
 * auth can't carry one) or a line break.
 */
export const makeHttpConnectHandshake = (options: HttpConnectHandshakeOptions): StreamLayer => {
  const { endpoint, target, credentials } = options
  const invalid = (detail: string) => proxyError(endpoint, "InvalidConfig", detail)
  if (!isPort(target.port)) throw invalid(`${target.port} is not a TCP port`)
  if (target.host === "" || /[\s/@?#]/.test(target.host)) throw invalid(`"${target.host}" is not a host name or IP address`)
  const authority = formatAddress(target.host.replace(/^\[(.*)\]$/, "$1"), target.port)
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`]
  if (credentials !== undefined) {
    if (credentials.username.includes(":")) throw invalid("a Basic-auth username can't contain a colon")
    if (/[\r\n]/.test(credentials.username + credentials.password)) throw invalid("credentials can't contain line breaks")
    const token = Encoding.encodeBase64(`${credentials.username}:${credentials.password}`)
    lines.push(`Proxy-Authorization: Basic ${token}`)
  }
  const request = new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`)

  const reply = new ReplyBuffer(endpoint, MAX_HEAD)
  let done = false

  const receive = (chunk: Uint8Array): HandshakeStep => {
    if (done) return { done: { rest: chunk } }
    reply.push(chunk, "the CONNECT response head")
    const end = headEnd(reply.peek(reply.length))
    if (end < 0) return {}
    const head = latin1(reply.take(end))
    const status = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?\r\n/.exec(head)
    if (status === null) {
      throw proxyError(endpoint, "BadReply", `not an HTTP response: "${head.slice(0, 40).replace(/\r?\n.*$/s, "")}"`)
    }
    const code = Number(status[1])
    const text = status[2] === undefined || status[2] === "" ? "" : ` ${status[2]}`
    if (code === 407) {
      throw proxyError(
        endpoint,
        "AuthRejected",
        credentials === undefined
          ? "the proxy requires authentication (407), and no username/password is configured"
          : "the proxy rejected the username or password (407)",
        { code }
      )
    }
    if (code < 200 || code > 299) {
      throw proxyError(endpoint, "ConnectFailed", `the proxy could not connect to the DC: ${code}${text}`, { code })
    }
    done = true
    return { done: { rest: reply.takeAll() } }
  }

  return { hello: request, waitingFor: () => "the CONNECT response", receive, ...passThrough }
}
