// Proxies over real TCP on 127.0.0.1: a Client configured with each kind of proxy reaches a
// TestDc only through it (the DC's address is a name only the proxy resolves), and every
// proxy failure arrives as a typed ProxyError with a readable message.
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import { Client, type ClientConfig, type ClientShape, SenderError } from "../../src/client/index.ts"
import { HandshakeError } from "../../src/mtproto/errors.ts"
import { layerMemory, makeMemory, SessionStorage, type SessionStorageShape } from "../../src/storage/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import {
  acceptObfuscation,
  type CodecKind,
  type ConnectOptions,
  isPermanentProxyError,
  layerWebSocket,
  makeProxied,
  parseMtProxySecret,
  parseProxyLink,
  type ProxyConfig,
  ProxyError,
  type ProxyErrorReason,
  Transport,
  TransportError,
  type TransportShape
} from "../../src/transport/index.ts"
import { checkClientHello, makeServerHello } from "../../src/transport/proxy/FakeTls.ts"
import { authKeyOn, makeDc } from "../support/dc.ts"
import { captureLogs } from "../support/logs.ts"
import { httpConnectServer, type ProxyServerOptions, socks5Server, type TestProxy } from "../support/proxyServers.ts"

/** A DC address no resolver knows: only a proxy told where it is can reach it. */
const HIDDEN_DC = { id: 2, host: "dc2.testdc.invalid", port: 443 }
const KEY = "00112233445566778899aabbccddeeff"
const DOMAIN_HEX = Buffer.from("example.com").toString("hex")

const startDc = (options: TestDc.TestDcOptions = {}) => makeDc({ dcId: 2, ...options })

const resolveTo = (dc: TestDc.TestDcShape): ProxyServerOptions["resolve"] => ({ [`${HIDDEN_DC.host}:${HIDDEN_DC.port}`]: { host: dc.host, port: dc.port } })

/** A Client from `Client.layer(config)` (so `config.proxy` picks the transport) over a memory session. */
const clientThrough = (dc: TestDc.TestDcShape, proxy: ProxyConfig | undefined, extra: Partial<ClientConfig> = {}): Effect.Effect<ClientShape, never, Scope.Scope> =>
  Effect.map(
    Layer.build(Client.layer({ apiId: 1, apiHash: Redacted.make("hash"), dcs: [HIDDEN_DC], defaultDc: 2, publicKeys: [dc.publicKey], proxy, ...extra }).pipe(
      Layer.provide(layerMemory),
      Layer.orDie
    )),
    (context) => Context.get(context, Client)
  )

/** A Client through `proxy` over the given memory session, built in the current scope. */
const clientOn = (dc: TestDc.TestDcShape, proxy: ProxyConfig, storage: SessionStorageShape) =>
  Effect.map(
    Layer.build(Client.layer({ apiId: 1, apiHash: Redacted.make("hash"), dcs: [HIDDEN_DC], defaultDc: 2, publicKeys: [dc.publicKey], proxy }).pipe(
      Layer.provide(Layer.succeed(SessionStorage, storage))
    )),
    (context) => Context.get(context, Client)
  )

/** An auth key made over one connection of `transport`: the whole plain handshake through it. */
const handshakeThrough = (transport: TransportShape, dc: TestDc.TestDcShape, target: ConnectOptions = HIDDEN_DC) =>
  authKeyOn({ ...target, dcId: 2, publicKey: dc.publicKey }, { via: transport })

/** The ProxyError a connect failed with (as the cause of TransportError "Proxy"). */
const proxyFailure = (transport: TransportShape, target: ConnectOptions = { ...HIDDEN_DC, dcId: 2 }) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(Effect.scoped(transport.connect(target)))
    assert.instanceOf(error, TransportError)
    assert.strictEqual(error.reason, "Proxy")
    assert.instanceOf(error.cause, ProxyError)
    return error.cause as ProxyError
  })

const expectProxyError = (e: ProxyError, reason: ProxyErrorReason, pattern: RegExp) => {
  assert.strictEqual(e.reason, reason, e.message)
  assert.match(e.message, pattern)
}

/** Makes `n` calls, checking that each one sent bytes through the proxy. */
const callsThrough = (client: ClientShape, proxy: TestProxy, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < n; i++) {
      const before = proxy.stats.bytesUp
      const nearest = yield* client.invoke({ _tag: "help.getNearestDc" })
      assert.strictEqual(nearest.this_dc, 2)
      assert.isAbove(proxy.stats.bytesUp, before, `call ${i} did not go through the proxy`)
    }
  })

const credentials = { username: "ada", password: "correct horse" }

describe("SOCKS5 and HTTP CONNECT proxies", () => {
  const kinds = [
    ["Socks5", socks5Server],
    ["HttpConnect", httpConnectServer]
  ] as const

  for (const [kind, server] of kinds) {
    for (const auth of [false, true]) {
      it.scopedLive(`${kind}${auth ? " with credentials" : ""}: every call of the client goes through the proxy`, () =>
        Effect.gen(function*() {
          const dc = yield* startDc()
          const proxy = yield* server({ resolve: resolveTo(dc), ...(auth ? { auth: credentials } : {}) })
          const config: ProxyConfig = auth
            ? { _tag: kind, host: proxy.host, port: proxy.port, username: credentials.username, password: Redacted.make(credentials.password) }
            : { _tag: kind, host: proxy.host, port: proxy.port }
          const client = yield* clientThrough(dc, config)
          yield* callsThrough(client, proxy, 5)
          const cfg = yield* client.invoke({ _tag: "help.getConfig" })
          assert.strictEqual(cfg.this_dc, 2)
          // Every tunnel asked for the hidden name; the DC saw only connections the proxy relayed.
          assert.isAtLeast(proxy.stats.tunnels, 1)
          assert.deepStrictEqual(new Set(proxy.stats.targets), new Set([`${HIDDEN_DC.host}:${HIDDEN_DC.port}`]))
          assert.strictEqual(yield* dc.connections, proxy.stats.open)
          if (kind === "Socks5") assert.deepStrictEqual(new Set(proxy.stats.addressTypes), new Set([3]))
          assert.isAbove(proxy.stats.bytesDown, 0)
        }))
    }

    it.scopedLive(`${kind}: wrong or missing credentials → ProxyError AuthRejected, at the transport and at the Client`, () =>
      Effect.gen(function*() {
        const dc = yield* startDc()
        const proxy = yield* server({ resolve: resolveTo(dc), auth: credentials })
        const wrong: ProxyConfig = { _tag: kind, host: proxy.host, port: proxy.port, username: "ada", password: Redacted.make("wrong") }
        const e = yield* proxyFailure(makeProxied(wrong))
        expectProxyError(e, "AuthRejected", /rejected the username or password/)
        assert.notInclude(e.message, "wrong")
        const missing = yield* proxyFailure(makeProxied({ _tag: kind, host: proxy.host, port: proxy.port }))
        expectProxyError(missing, "AuthRejected", /no username\/password is configured/)
        // Through the Client: the first call needs an auth key, and the handshake says why it could not
        // start, after one connection (wrong credentials stay wrong: no retry).
        const client = yield* clientThrough(dc, wrong)
        const before = proxy.stats.connections
        const failure = yield* Effect.flip(client.invoke({ _tag: "help.getNearestDc" }))
        assert.strictEqual(proxy.stats.connections - before, 1)
        assert.instanceOf(failure, HandshakeError)
        assert.strictEqual((failure as HandshakeError).reason, "Transport")
        const cause = (failure as HandshakeError).cause
        assert.instanceOf(cause, TransportError)
        assert.instanceOf((cause as TransportError).cause, ProxyError)
        assert.strictEqual(((cause as TransportError).cause as ProxyError).reason, "AuthRejected")
        assert.strictEqual(dc.authKeys.size, 0)
      }))

    it.scopedLive(`${kind}: the proxy closes mid-handshake, refuses, answers garbage, is down, or never answers`, () =>
      Effect.gen(function*() {
        const dc = yield* startDc()
        const via = (options: ProxyServerOptions) =>
          Effect.flatMap(server({ resolve: resolveTo(dc), ...options }), (p) => proxyFailure(makeProxied({ _tag: kind, host: p.host, port: p.port })))
        const closed = yield* via({ fault: "closeMidHandshake" })
        expectProxyError(closed, "Closed", kind === "Socks5" ? /closed the connection while the client waited for the method selection/ : /waited for the CONNECT response/)
        const refused = yield* via({ fault: "refuse" })
        expectProxyError(refused, "ConnectFailed", kind === "Socks5" ? /could not connect to the DC: connection refused/ : /could not connect to the DC: 502 Bad Gateway/)
        assert.strictEqual(refused.code, kind === "Socks5" ? 5 : 502)
        const garbage = yield* via({ fault: "garbage" })
        expectProxyError(garbage, "BadReply", kind === "Socks5" ? /not a SOCKS5 server/ : /not an HTTP response: "SSH-2\.0-OpenSSH_9\.6"/)
        // A DC the proxy can't reach (nothing listens there).
        const deadDc = yield* Effect.flatMap(server({ resolve: { [`${HIDDEN_DC.host}:${HIDDEN_DC.port}`]: { host: "127.0.0.1", port: yield* freePort } } }), (p) =>
          proxyFailure(makeProxied({ _tag: kind, host: p.host, port: p.port })))
        expectProxyError(deadDc, "ConnectFailed", /could not connect to the DC/)
        // The proxy itself is down.
        const down = yield* proxyFailure(makeProxied({ _tag: kind, host: "127.0.0.1", port: yield* freePort }))
        expectProxyError(down, "Unreachable", /can't connect to the proxy \(ECONNREFUSED\)/)
        // A proxy that reads and never answers: the connect timeout covers the handshake.
        const silent = yield* server({ fault: "silent" })
        const timedOut = yield* Effect.flip(Effect.scoped(makeProxied({ _tag: kind, host: silent.host, port: silent.port }, { connectTimeout: "300 millis" }).connect({ ...HIDDEN_DC })))
        assert.strictEqual(timedOut.reason, "Timeout")
        assert.match(timedOut.message, /timed out after 300ms/)
      }))
  }

  it.scopedLive("a stored session behind a proxy that rejects the credentials: the call fails at once, no reconnect loop", () =>
    Effect.gen(function*() {
      const dc = yield* startDc()
      const proxy = yield* socks5Server({ resolve: resolveTo(dc), auth: credentials })
      const storage = yield* makeMemory()
      const right: ProxyConfig = { _tag: "Socks5", host: proxy.host, port: proxy.port, username: "ada", password: Redacted.make(credentials.password) }
      // A key made through the proxy with the right password, kept in the session.
      yield* Effect.scoped(Effect.flatMap(clientOn(dc, right, storage), (c) => c.invoke({ _tag: "help.getNearestDc" })))
      const wrong: ProxyConfig = { ...right, password: Redacted.make("wrong") }
      const logged: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make((o) => void logged.push(`${o.logLevel.label} ${String(o.message)}`)))
      const client = yield* clientOn(dc, wrong, storage).pipe(Effect.provide(capture))
      const before = proxy.stats.connections
      const started = Date.now()
      const failure = yield* Effect.flip(client.invoke({ _tag: "help.getNearestDc" })).pipe(Effect.provide(capture))
      assert.isBelow(Date.now() - started, 5000)
      assert.instanceOf(failure, SenderError)
      assert.strictEqual((failure as SenderError).reason, "ConnectionFailed")
      assert.match(String(((failure as SenderError).cause as TransportError).cause), /rejected the username or password/)
      assert.strictEqual(proxy.stats.connections - before, 1)
      assert.deepStrictEqual(logged, ["WARN giving up on the connection: the proxy refuses for good"])
    }))

  it("which proxy failures are permanent (no retry, no reconnect)", () => {
    const of = (reason: ProxyErrorReason, proxy: "Socks5" | "HttpConnect" = "Socks5", code?: number) =>
      isPermanentProxyError(new ProxyError({ reason, proxy, address: "p:1", detail: "x", ...(code === undefined ? {} : { code }) }))
    assert.isTrue(of("AuthRejected"))
    assert.isTrue(of("InvalidConfig"))
    assert.isTrue(of("BadServerHello"))
    for (const reason of ["Unreachable", "BadReply", "Closed"] as const) assert.isFalse(of(reason), reason)
    // SOCKS5: refused by ruleset, command or address type unsupported are the proxy's policy; the rest is the network.
    for (const code of [2, 7, 8]) assert.isTrue(of("ConnectFailed", "Socks5", code), `SOCKS5 ${code}`)
    for (const code of [1, 3, 4, 5, 6]) assert.isFalse(of("ConnectFailed", "Socks5", code), `SOCKS5 ${code}`)
    // HTTP: a 4xx is an answer about the request; 408/429 and 5xx may pass.
    for (const code of [400, 403, 405]) assert.isTrue(of("ConnectFailed", "HttpConnect", code), `HTTP ${code}`)
    for (const code of [408, 429, 502, 503, 504]) assert.isFalse(of("ConnectFailed", "HttpConnect", code), `HTTP ${code}`)
  })

  it.scopedLive("SOCKS5 carries IPv4 and IPv6 targets by address, host names by name", () =>
    Effect.gen(function*() {
      const dc = yield* startDc()
      const proxy = yield* socks5Server({ resolve: { "0:0:0:0:0:0:0:1:443": { host: dc.host, port: dc.port } } })
      const transport = makeProxied({ _tag: "Socks5", host: proxy.host, port: proxy.port })
      yield* handshakeThrough(transport, dc, { host: dc.host, port: dc.port })
      yield* handshakeThrough(transport, dc, { host: "::1", port: 443 })
      assert.deepStrictEqual(proxy.stats.addressTypes, [1, 4])
      assert.deepStrictEqual(proxy.stats.targets, [`${dc.host}:${dc.port}`, "0:0:0:0:0:0:0:1:443"])
    }))
})

/** A port nothing listens on. */
const freePort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as Net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("MTProxy (TestDc in MTProxy mode)", () => {
  const secrets = [
    ["plain", KEY],
    ["dd", `dd${KEY}`],
    ["ee (fake TLS)", `ee${KEY}${DOMAIN_HEX}`]
  ] as const

  for (const [name, secret] of secrets) {
    it.scopedLive(`${name}: a Client configured from the DC's tg://proxy link makes its calls through it`, () =>
      Effect.gen(function*() {
        const dc = yield* startDc({ mtProxy: { secret } })
        assert.isDefined(dc.mtProxyLink)
        const proxy = Either.getOrThrow(parseProxyLink(dc.mtProxyLink!))
        assert.deepStrictEqual([proxy._tag, proxy.host, proxy.port], ["MtProxy", dc.host, dc.port])
        const client = yield* clientThrough(dc, proxy)
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* client.invoke({ _tag: "help.getNearestDc" })).this_dc, 2)
        assert.strictEqual(dc.authKeys.size, 1)
      }))

    it.scopedLive(`${name}: a wrong secret is plain traffic to the proxy, so the client is cut off`, () =>
      Effect.gen(function*() {
        yield* captureLogs // the test provokes these on purpose
        const dc = yield* startDc({ mtProxy: { secret } })
        const wrong = secret.replace("0011", "ffff")
        const transport = makeProxied({ _tag: "MtProxy", host: dc.host, port: dc.port, secret: Redacted.make(wrong) })
        const error = yield* Effect.flip(handshakeThrough(transport, dc))
        if (name.startsWith("ee")) {
          assert.instanceOf(error, TransportError)
          const cause = (error as TransportError).cause
          assert.instanceOf(cause, ProxyError)
          expectProxyError(cause as ProxyError, "Closed", /MTProxy 127\.0\.0\.1:\d+: the proxy closed the connection while the client waited for the fake-TLS server hello/)
        } else {
          assert.instanceOf(error, HandshakeError)
          assert.strictEqual((error as HandshakeError).reason, "Transport")
        }
        assert.strictEqual(dc.authKeys.size, 0)
      }))
  }

  it.scopedLive("MTProxy mode still serves plain clients, and a client in test mode puts DC 10002 in the header", () =>
    Effect.gen(function*() {
      const dc = yield* startDc({ mtProxy: { secret: `dd${KEY}` } })
      const direct = yield* clientThrough(dc, undefined, { dcs: [{ id: 2, host: dc.host, port: dc.port }] })
      assert.strictEqual((yield* direct.invoke({ _tag: "help.getNearestDc" })).this_dc, 2)
      // What an MTProxy reads: the DC id (signed, +10000 for test DCs, negative for media) under the secret.
      const headers = yield* firstBytesServer(64)
      const key = parseMtProxySecret(`dd${KEY}`).pipe(Either.getOrThrow).key
      const transport = makeProxied({ _tag: "MtProxy", host: "127.0.0.1", port: headers.port, secret: Redacted.make(`dd${KEY}`) })
      for (const dcId of [2, 10002, -4, -10003]) {
        yield* Effect.scoped(transport.connect({ host: "ignored.invalid", port: 1, dcId }))
        const header = yield* headers.next
        const accepted = acceptObfuscation(header, { secret: key })
        assert.deepStrictEqual([accepted.dcId, accepted.codec], [dcId, "padded"])
      }
    }))

  it.scopedLive("a fake-TLS server hello signed with another key → ProxyError BadServerHello", () =>
    Effect.gen(function*() {
      const key = Buffer.from(KEY, "hex")
      const port = yield* forgingServer(new Uint8Array(16).fill(7))
      const e = yield* proxyFailure(makeProxied({ _tag: "MtProxy", host: "127.0.0.1", port, secret: Redacted.make(`ee${KEY}${DOMAIN_HEX}`) }))
      expectProxyError(e, "BadServerHello", /MTProxy 127\.0\.0\.1:\d+: the server hello's digest does not match the secret/)
      // Control: the same server signing with the right key gets past the hello.
      const honest = yield* forgingServer(key)
      const connection = yield* Effect.scoped(makeProxied({ _tag: "MtProxy", host: "127.0.0.1", port: honest, secret: Redacted.make(`ee${KEY}${DOMAIN_HEX}`) }).connect({ ...HIDDEN_DC, dcId: 2 }))
      assert.isDefined(connection)
    }))

  it.scopedLive("an unusable secret fails every connect with InvalidConfig", () =>
    Effect.gen(function*() {
      const e = yield* proxyFailure(makeProxied({ _tag: "MtProxy", host: "127.0.0.1", port: 1, secret: Redacted.make("ee00") }))
      expectProxyError(e, "InvalidConfig", /MTProxy 127\.0\.0\.1:1: a secret is 16 bytes/)
    }))
})

/** A TCP server that records the first `n` bytes of each connection, then closes it. */
const firstBytesServer = (n: number) =>
  Effect.gen(function*() {
    const received: Array<Uint8Array> = []
    const waiting: Array<(b: Uint8Array) => void> = []
    const server = yield* Effect.acquireRelease(
      Effect.async<Net.Server>((resume) => {
        const s = Net.createServer((socket) => {
          let buffer = Buffer.alloc(0)
          socket.on("error", () => {})
          socket.on("data", (chunk) => {
            buffer = Buffer.concat([buffer, chunk])
            if (buffer.length >= n) {
              socket.destroy()
              const bytes = new Uint8Array(buffer.subarray(0, n))
              const w = waiting.shift()
              if (w !== undefined) w(bytes)
              else received.push(bytes)
            }
          })
        })
        s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) => Effect.async<void>((resume) => void s.close(() => resume(Effect.void)))
    )
    return {
      port: (server.address() as Net.AddressInfo).port,
      next: Effect.async<Uint8Array>((resume) => {
        const r = received.shift()
        if (r !== undefined) resume(Effect.succeed(r))
        else waiting.push((b) => resume(Effect.succeed(b)))
      })
    }
  })

/** A fake-TLS "proxy" that answers any hello with a server hello signed with `signingKey`, then idles. */
const forgingServer = (signingKey: Uint8Array): Effect.Effect<number, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<Net.Server>((resume) => {
        const s = Net.createServer((socket) => {
          socket.on("error", () => {})
          let buffer = Buffer.alloc(0)
          socket.on("data", (chunk) => {
            if (buffer.length < 0) return
            buffer = Buffer.concat([buffer, chunk])
            // Parsed as by any server, without the key check: only the reply's signature differs.
            const check = checkClientHello(buffer, { key: Buffer.from(KEY, "hex"), domain: "example.com", now: Math.floor(Date.now() / 1000) })
            if (check._tag === "Accepted") {
              socket.write(makeServerHello({ key: signingKey, clientRandom: check.clientRandom, sessionId: check.sessionId, randomBytes: (k) => new Uint8Array(k) }))
              buffer = Buffer.alloc(0)
            }
          })
        })
        s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) =>
        Effect.async<void>((resume) => {
          s.close(() => resume(Effect.void))
          s.emit("close")
        })
    ),
    (s) => (s.address() as Net.AddressInfo).port
  )

describe("WebSocket transport (TestDc's /apiws endpoint)", () => {
  const webSocketTransport = (dc: TestDc.TestDcShape, options: { readonly codec?: CodecKind; readonly obfuscated?: boolean } = {}) =>
    Effect.provide(
      Transport,
      layerWebSocket({ url: () => dc.webSocketUrl!, ...options }).pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
    )

  it.scopedLive("every framing, obfuscated (the default) or not, carries the handshake over binary messages", () =>
    Effect.gen(function*() {
      const dc = yield* startDc({ webSocket: true })
      assert.match(dc.webSocketUrl!, /^ws:\/\/127\.0\.0\.1:\d+\/apiws$/)
      for (const codec of ["abridged", "intermediate", "padded"] as const) {
        yield* handshakeThrough(yield* webSocketTransport(dc, { codec }), dc)
      }
      yield* handshakeThrough(yield* webSocketTransport(dc, { codec: "full", obfuscated: false }), dc)
      assert.strictEqual(dc.authKeys.size, 4)
    }))

  it.scopedLive("a Client over WebSockets makes its calls, and a closed endpoint is a typed Open error", () =>
    Effect.gen(function*() {
      const dc = yield* startDc({ webSocket: true })
      const transport = yield* webSocketTransport(dc)
      const client = yield* Effect.map(
        Layer.build(
          Client.layerWith({ apiId: 1, apiHash: Redacted.make("hash"), dcs: [HIDDEN_DC], defaultDc: 2, publicKeys: [dc.publicKey] }).pipe(
            Layer.provide(Layer.merge(Layer.succeed(Transport, transport), layerMemory))
          )
        ),
        (context) => Context.get(context, Client)
      )
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* client.invoke({ _tag: "help.getNearestDc" })).this_dc, 2)
      const port = yield* freePort
      const closed = yield* Effect.provide(
        Transport,
        layerWebSocket({ url: () => `ws://127.0.0.1:${port}/apiws` }).pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
      )
      const error = yield* Effect.flip(Effect.scoped(closed.connect({ ...HIDDEN_DC })))
      assert.strictEqual(error.reason, "Open")
    }))
})
