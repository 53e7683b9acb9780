/**
 * The client side of a SOCKS5 handshake (RFC 1928), with username/password authentication
 * (RFC 1929): method selection, optional authentication, then a CONNECT to the DC by IPv4,
 * IPv6 or domain name. After the proxy's success reply the connection is a plain byte pipe.
 */
import { type HostAddress, isPort, parseHost } from "./address.ts"
import { type ProxyEndpoint, proxyError } from "./ProxyError.ts"
import { type HandshakeStep, passThrough, ReplyBuffer, type StreamLayer } from "./StreamLayer.ts"

/**
 * Options of {@link makeSocks5Handshake}.
 */
export interface Socks5HandshakeOptions {
  /** The proxy, for error messages. */
  readonly endpoint: ProxyEndpoint
  /** Where the proxy should connect. */
  readonly target: { readonly host: string; readonly port: number }
  /** Username and password (RFC 1929); without them only "no authentication" is offered. */
  readonly credentials?: { readonly username: string; readonly password: string } | undefined
}

/**
 * The SOCKS5 reply codes (RFC 1928 §6) in words.
 */
export const socks5ReplyText: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported"
}

const NO_AUTH = 0x00
const USER_PASS = 0x02
const NO_ACCEPTABLE = 0xff

const utf8 = new TextEncoder()

const addressBytes = (address: HostAddress): Uint8Array => {
  switch (address._tag) {
    case "IPv4":
      return Uint8Array.of(0x01, ...address.bytes)
    case "IPv6":
      return Uint8Array.of(0x04, ...address.bytes)
    case "Domain": {
      const name = utf8.encode(address.name)
      return Uint8Array.of(0x03, name.length, ...name)
    }
  }
}

/**
 * The handshake for one connection. Throws `ProxyError("InvalidConfig")` for a target or
 * credentials SOCKS5 can't carry (empty or longer than 255 bytes, a bad port).
 */
export const makeSocks5Handshake = (options: Socks5HandshakeOptions): StreamLayer => {
  const { endpoint, target, credentials } = options
  const invalid = (detail: string) => proxyError(endpoint, "InvalidConfig", detail)
  const address = parseHost(target.host)
  if (address._tag === "Domain") {
    const length = utf8.encode(address.name).length
    if (length === 0 || length > 255) throw invalid(`the DC host name must be 1–255 bytes, got ${length}`)
  }
  if (!isPort(target.port)) throw invalid(`${target.port} is not a TCP port`)
  let auth: Uint8Array | undefined
  if (credentials !== undefined) {
    const user = utf8.encode(credentials.username)
    const pass = utf8.encode(credentials.password)
    if (user.length === 0 || user.length > 255) throw invalid("the username must be 1–255 bytes")
    if (pass.length === 0 || pass.length > 255) throw invalid("the password must be 1–255 bytes")
    auth = Uint8Array.of(0x01, user.length, ...user, pass.length, ...pass)
  }
  const connectRequest = Uint8Array.of(0x05, 0x01, 0x00, ...addressBytes(address), target.port >> 8, target.port & 0xff)

  // The longest reply: version, code, reserved, type, a 255-byte name, port.
  const reply = new ReplyBuffer(endpoint, 4 + 1 + 255 + 2)
  let state: "method" | "auth" | "connect" | "done" = "method"
  const bad = (detail: string) => proxyError(endpoint, "BadReply", detail)
  const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`

  const onMethod = (): HandshakeStep | undefined => {
    if (reply.length < 2) return undefined
    const [version, method] = reply.take(2)
    if (version !== 0x05) throw bad(`not a SOCKS5 server (version byte ${hex(version!)})`)
    if (method === NO_AUTH) {
      state = "connect"
      return { send: connectRequest }
    }
    if (method === USER_PASS && auth !== undefined) {
      state = "auth"
      return { send: auth }
    }
    if (method === NO_ACCEPTABLE) {
      throw proxyError(
        endpoint,
        "AuthRejected",
        auth === undefined
          ? "the proxy requires authentication, and no username/password is configured"
          : "the proxy accepts neither \"no authentication\" nor username/password"
      )
    }
    throw bad(`the proxy chose authentication method ${hex(method!)}, which was not offered`)
  }

  const onAuth = (): HandshakeStep | undefined => {
    if (reply.length < 2) return undefined
    const [version, status] = reply.take(2)
    if (version !== 0x01) throw bad(`bad username/password reply version ${hex(version!)}`)
    if (status !== 0x00) {
      throw proxyError(endpoint, "AuthRejected", "the proxy rejected the username or password", { code: status! })
    }
    state = "connect"
    return { send: connectRequest }
  }

  const onConnect = (): HandshakeStep | undefined => {
    if (reply.length < 5) return undefined
    const version = reply.at(0)
    const code = reply.at(1)
    if (version !== 0x05) throw bad(`bad CONNECT reply version ${hex(version)}`)
    if (code !== 0x00) {
      const text = socks5ReplyText[code] ?? `reply code ${code}`
      throw proxyError(endpoint, "ConnectFailed", `the proxy could not connect to the DC: ${text}`, { code })
    }
    const type = reply.at(3)
    const length = type === 0x01 ? 10 : type === 0x04 ? 22 : type === 0x03 ? 7 + reply.at(4) : -1
    if (length < 0) throw bad(`unknown address type ${hex(type)} in the CONNECT reply`)
    if (reply.length < length) return undefined
    reply.take(length)
    state = "done"
    return { done: { rest: reply.takeAll() } }
  }

  const receive = (chunk: Uint8Array): HandshakeStep => {
    if (state === "done") return { done: { rest: chunk } }
    reply.push(chunk, "the SOCKS5 reply")
    // One chunk may carry several replies only if the proxy answers ahead; take them in order.
    const sends: Array<Uint8Array> = []
    for (;;) {
      const step = state === "method" ? onMethod() : state === "auth" ? onAuth() : onConnect()
      if (step === undefined) return { send: concat(sends) }
      if (step.send !== undefined) sends.push(step.send)
      if (step.done !== undefined) return { send: concat(sends), done: step.done }
    }
  }

  return {
    hello: auth === undefined ? Uint8Array.of(0x05, 0x01, NO_AUTH) : Uint8Array.of(0x05, 0x02, NO_AUTH, USER_PASS),
    waitingFor: () =>
      state === "method"
        ? "the method selection"
        : state === "auth"
        ? "the username/password reply"
        : "the CONNECT reply",
    receive,
    ...passThrough
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array | undefined => {
  if (parts.length === 0) return undefined
  if (parts.length === 1) return parts[0]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}
