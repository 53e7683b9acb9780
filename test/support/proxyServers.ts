/**
 * Test-side proxies on 127.0.0.1: a SOCKS5 server (RFC 1928, username/password per RFC 1929)
 * and an HTTP CONNECT proxy (Basic auth), each relaying bytes with plain `node:net` and
 * counting what passes. `resolve` maps the host names clients ask for to real addresses, so a
 * client whose DC addresses only the proxy knows can only succeed through it. `fault` makes a
 * proxy misbehave at a chosen step.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"

/** What passed through a proxy. */
export interface ProxyStats {
  /** TCP connections accepted. */
  connections: number
  /** Tunnels opened to a target. */
  tunnels: number
  /** Tunnels open now. */
  open: number
  /** Bytes relayed client → target and target → client. */
  bytesUp: number
  bytesDown: number
  /** `host:port` of every CONNECT, as the client asked for it. */
  readonly targets: Array<string>
  /** SOCKS5 address types seen (1 IPv4, 3 domain, 4 IPv6). */
  readonly addressTypes: Array<number>
}

export type ProxyFault =
  /** Close the connection after reading the first request, without answering. */
  | "closeMidHandshake"
  /** Answer the CONNECT with "connection refused" (SOCKS5 reply 5, HTTP 502). */
  | "refuse"
  /** Answer the first request with bytes of another protocol. */
  | "garbage"
  /** Read, never answer. */
  | "silent"

export interface ProxyServerOptions {
  readonly auth?: { readonly username: string; readonly password: string } | undefined
  /** Where a requested `host:port` really is; unknown targets are connected to as given. */
  readonly resolve?: Readonly<Record<string, { readonly host: string; readonly port: number }>> | undefined
  readonly fault?: ProxyFault | undefined
}

export interface TestProxy {
  readonly host: string
  readonly port: number
  readonly stats: ProxyStats
}

const relay = (client: Net.Socket, target: { host: string; port: number }, stats: ProxyStats, onOpen: () => void, onError: () => void, early: Buffer) => {
  const upstream = Net.connect({ host: target.host, port: target.port, noDelay: true })
  let connected = false
  upstream.on("error", () => {
    // Could not connect: answer with the failure (end flushes it); a broken tunnel just closes.
    if (!connected) onError()
    else client.destroy()
  })
  upstream.once("connect", () => {
    connected = true
    stats.tunnels++
    stats.open++
    upstream.once("close", () => stats.open--)
    onOpen()
    if (early.length > 0) {
      stats.bytesUp += early.length
      upstream.write(early)
    }
    client.on("data", (chunk: Buffer) => {
      stats.bytesUp += chunk.length
      if (!upstream.write(chunk)) client.pause()
    })
    upstream.on("drain", () => client.resume())
    upstream.on("data", (chunk: Buffer) => {
      stats.bytesDown += chunk.length
      if (!client.write(chunk)) upstream.pause()
    })
    client.on("drain", () => upstream.resume())
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
  })
  return upstream
}

const targetOf = (options: ProxyServerOptions, host: string, port: number) => options.resolve?.[`${host}:${port}`] ?? { host, port }

const listen = (
  handle: (socket: Net.Socket, stats: ProxyStats) => void
): Effect.Effect<TestProxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ proxy: TestProxy; server: Net.Server; sockets: Set<Net.Socket> }>((resume) => {
      const stats: ProxyStats = { connections: 0, tunnels: 0, open: 0, bytesUp: 0, bytesDown: 0, targets: [], addressTypes: [] }
      const sockets = new Set<Net.Socket>()
      const server = Net.createServer({ noDelay: true }, (socket) => {
        stats.connections++
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
        socket.on("error", () => {})
        handle(socket, stats)
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ proxy: { host: "127.0.0.1", port: (server.address() as Net.AddressInfo).port, stats }, server, sockets })))
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const s of sockets) s.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ proxy }) => proxy))

/** Reads from `socket` into a buffer, calling `step` until it returns true (consumed and done). */
const reader = (socket: Net.Socket, step: (buffer: Buffer) => number | undefined, onDone: (rest: Buffer) => void) => {
  let buffer = Buffer.alloc(0)
  let done = false
  const onData = (chunk: Buffer) => {
    if (done) return
    buffer = Buffer.concat([buffer, chunk])
    for (;;) {
      const used = step(buffer)
      if (used === undefined) return
      buffer = buffer.subarray(used)
      if (done) {
        socket.off("data", onData)
        onDone(buffer)
        return
      }
    }
  }
  socket.on("data", onData)
  return { finish: () => (done = true) }
}

/**
 * The handshake faults, applied when the client's first request is complete: hang up, say
 * nothing, or answer in another protocol (`garbage`). True when the proxy stops there.
 */
const stopsAtHandshake = (socket: Net.Socket, fault: ProxyFault | undefined, garbage: string): boolean => {
  if (fault === "closeMidHandshake") socket.destroy()
  else if (fault === "garbage") socket.end(garbage)
  return fault === "closeMidHandshake" || fault === "silent" || fault === "garbage"
}

/** A SOCKS5 server (CONNECT only). */
export const socks5Server = (options: ProxyServerOptions = {}): Effect.Effect<TestProxy, never, Scope.Scope> =>
  listen((socket, stats) => {
    let state: "greeting" | "auth" | "request" = "greeting"
    let target: { host: string; port: number } | undefined
    const r = reader(socket, (b) => {
      if (state === "greeting") {
        if (b.length < 2 || b.length < 2 + b[1]!) return undefined
        if (stopsAtHandshake(socket, options.fault, "HTTP/1.1 400 Bad Request\r\n\r\n")) return undefined
        const methods = [...b.subarray(2, 2 + b[1]!)]
        const wanted = options.auth === undefined ? 0x00 : 0x02
        if (!methods.includes(wanted)) {
          socket.end(Buffer.of(0x05, 0xff))
          return undefined
        }
        socket.write(Buffer.of(0x05, wanted))
        state = options.auth === undefined ? "request" : "auth"
        return 2 + b[1]!
      }
      if (state === "auth") {
        if (b.length < 2) return undefined
        const ulen = b[1]!
        if (b.length < 3 + ulen) return undefined
        const plen = b[2 + ulen]!
        if (b.length < 3 + ulen + plen) return undefined
        const user = b.subarray(2, 2 + ulen).toString()
        const pass = b.subarray(3 + ulen, 3 + ulen + plen).toString()
        if (user !== options.auth!.username || pass !== options.auth!.password) {
          socket.end(Buffer.of(0x01, 0x01))
          return undefined
        }
        socket.write(Buffer.of(0x01, 0x00))
        state = "request"
        return 3 + ulen + plen
      }
      if (b.length < 5) return undefined
      const type = b[3]!
      const length = type === 0x01 ? 10 : type === 0x04 ? 22 : 7 + b[4]!
      if (b.length < length) return undefined
      const host = type === 0x01
        ? [...b.subarray(4, 8)].join(".")
        : type === 0x04
        ? Array.from({ length: 8 }, (_, i) => b.readUInt16BE(4 + 2 * i).toString(16)).join(":")
        : b.subarray(5, 5 + b[4]!).toString()
      const port = b.readUInt16BE(length - 2)
      stats.addressTypes.push(type)
      stats.targets.push(`${host}:${port}`)
      target = targetOf(options, host, port)
      r.finish()
      return length
    }, (early) => {
      if (options.fault === "refuse") {
        socket.end(Buffer.of(0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0))
        return
      }
      relay(
        socket,
        target!,
        stats,
        () => socket.write(Buffer.of(0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x04, 0x38)),
        () => socket.end(Buffer.of(0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0)),
        early
      )
    })
  })

/** An HTTP proxy that only tunnels (CONNECT). */
export const httpConnectServer = (options: ProxyServerOptions = {}): Effect.Effect<TestProxy, never, Scope.Scope> =>
  listen((socket, stats) => {
    let target: { host: string; port: number } | undefined
    const r = reader(socket, (b) => {
      const end = b.indexOf("\r\n\r\n")
      if (end < 0) return undefined
      if (stopsAtHandshake(socket, options.fault, "SSH-2.0-OpenSSH_9.6\r\n\r\n")) return undefined
      const head = b.subarray(0, end).toString("latin1").split("\r\n")
      const request = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.1$/.exec(head[0]!)
      if (request === null) {
        socket.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n")
        return undefined
      }
      if (options.auth !== undefined) {
        const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
        const given = head.find((h) => h.toLowerCase().startsWith("proxy-authorization:"))?.slice(20).trim()
        if (given !== expected) {
          socket.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n")
          return undefined
        }
      }
      const host = request[1]!.replace(/^\[(.*)\]$/, "$1")
      const port = Number(request[2])
      stats.targets.push(`${host}:${port}`)
      target = targetOf(options, host, port)
      r.finish()
      return end + 4
    }, (early) => {
      if (options.fault === "refuse") {
        socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n")
        return
      }
      relay(
        socket,
        target!,
        stats,
        () => socket.write("HTTP/1.1 200 Connection established\r\n\r\n"),
        () => socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"),
        early
      )
    })
  })
