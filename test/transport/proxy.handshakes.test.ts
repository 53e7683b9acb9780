// The pure proxy handshakes, byte by byte: SOCKS5, HTTP CONNECT, fake TLS (both ends), the
// MTProxy secret forms, proxy links. No sockets here: the Effect shell is tested in proxy.test.ts.
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as fc from "fast-check"
import * as NodeCrypto from "node:crypto"
import { parseHost } from "../../src/transport/proxy/address.ts"
import {
  CHANGE_CIPHER_SPEC,
  checkClientHello,
  CLIENT_HELLO_LENGTH,
  makeClientHello,
  makeFakeTlsClient,
  makeServerHello,
  RecordReader,
  wrapRecords
} from "../../src/transport/proxy/FakeTls.ts"
import { makeHttpConnectHandshake } from "../../src/transport/proxy/HttpConnect.ts"
import { makeSocks5Handshake } from "../../src/transport/proxy/Socks5.ts"
import type { StreamLayer } from "../../src/transport/proxy/StreamLayer.ts"
import {
  formatMtProxySecret,
  parseMtProxySecret,
  parseProxyLink,
  ProxyError,
  type ProxyErrorReason,
  telegramWebSocketUrl
} from "../../src/transport/index.ts"
import { concat, seededRandom } from "../support/bytes.ts"

const endpoint = { proxy: "Socks5", address: "127.0.0.1:1080" } as const
const bytes = (...values: ReadonlyArray<number>) => Uint8Array.from(values)
const text = (s: string) => new TextEncoder().encode(s)
const latin1 = (b: Uint8Array) => String.fromCharCode(...b)

const proxyFailure = (f: () => unknown): ProxyError => {
  try {
    f()
  } catch (e) {
    if (e instanceof ProxyError) return e
    throw e
  }
  throw new Error("expected a ProxyError")
}

const assertFailure = (f: () => unknown, reason: ProxyErrorReason, pattern: RegExp) => {
  const e = proxyFailure(f)
  assert.strictEqual(e.reason, reason)
  assert.match(e.message, pattern)
  return e
}

/** Feeds `reply` one byte at a time, collecting what the handshake sends and how it ends. */
const feedBytewise = (layer: StreamLayer, reply: Uint8Array) => {
  const sent: Array<Uint8Array> = []
  for (let i = 0; i < reply.length; i++) {
    const step = layer.receive(reply.subarray(i, i + 1))
    if (step.send !== undefined) sent.push(step.send)
    if (step.done !== undefined) return { sent, rest: concat([step.done.rest, reply.subarray(i + 1)]) }
  }
  return { sent, rest: undefined }
}

describe("SOCKS5 handshake", () => {
  const target = { host: "149.154.167.51", port: 443 }

  it("no auth: greeting, CONNECT by IPv4, success reply with stream bytes after it", () => {
    const layer = makeSocks5Handshake({ endpoint, target })
    assert.deepStrictEqual(layer.hello, bytes(5, 1, 0))
    assert.strictEqual(layer.waitingFor(), "the method selection")
    const step = layer.receive(bytes(5, 0))
    assert.deepStrictEqual(step.send, bytes(5, 1, 0, 1, 149, 154, 167, 51, 0x01, 0xbb))
    assert.isUndefined(step.done)
    assert.strictEqual(layer.waitingFor(), "the CONNECT reply")
    const done = layer.receive(bytes(5, 0, 0, 1, 10, 0, 0, 1, 0x12, 0x34, 0xaa, 0xbb))
    assert.deepStrictEqual(done.done?.rest, bytes(0xaa, 0xbb))
  })

  it("username/password (RFC 1929), then CONNECT by domain; works fed one byte at a time", () => {
    const layer = makeSocks5Handshake({ endpoint, target: { host: "venus.web.telegram.org", port: 443 }, credentials: { username: "ada", password: "pw" } })
    assert.deepStrictEqual(layer.hello, bytes(5, 2, 0, 2))
    const { sent, rest } = feedBytewise(layer, concat([bytes(5, 2), bytes(1, 0), bytes(5, 0, 0, 3, 3, 0x61, 0x62, 0x63, 0, 80)]))
    assert.deepStrictEqual(sent[0], concat([bytes(1, 3), text("ada"), bytes(2), text("pw")]))
    assert.deepStrictEqual(sent[1], concat([bytes(5, 1, 0, 3, 22), text("venus.web.telegram.org"), bytes(0x01, 0xbb)]))
    assert.deepStrictEqual(rest, new Uint8Array(0))
  })

  it("CONNECT by IPv6 (address type 4, 16 bytes) and an IPv6 bound address in the reply", () => {
    const layer = makeSocks5Handshake({ endpoint, target: { host: "2001:67c:4e8:f002::a", port: 443 } })
    const step = layer.receive(bytes(5, 0))
    assert.deepStrictEqual(
      step.send,
      bytes(5, 1, 0, 4, 0x20, 0x01, 0x06, 0x7c, 0x04, 0xe8, 0xf0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x01, 0xbb)
    )
    const done = layer.receive(concat([bytes(5, 0, 0, 4), new Uint8Array(16), bytes(0, 1)]))
    assert.deepStrictEqual(done.done?.rest, new Uint8Array(0))
  })

  it("auth required but none configured; no acceptable method; credentials rejected → AuthRejected", () => {
    assertFailure(() => makeSocks5Handshake({ endpoint, target }).receive(bytes(5, 0xff)), "AuthRejected", /requires authentication, and no username\/password is configured/)
    const withAuth = () => makeSocks5Handshake({ endpoint, target, credentials: { username: "a", password: "b" } })
    assertFailure(() => withAuth().receive(bytes(5, 0xff)), "AuthRejected", /accepts neither/)
    const layer = withAuth()
    layer.receive(bytes(5, 2))
    assert.strictEqual(layer.waitingFor(), "the username/password reply")
    const e = assertFailure(() => layer.receive(bytes(1, 1)), "AuthRejected", /^SOCKS5 proxy 127\.0\.0\.1:1080: the proxy rejected the username or password$/)
    assert.strictEqual(e.code, 1)
  })

  it("every CONNECT reply code is a ConnectFailed in words", () => {
    const words = ["general SOCKS server failure", "not allowed by ruleset", "network unreachable", "host unreachable", "connection refused", "TTL expired", "command not supported", "address type not supported"]
    words.forEach((w, i) => {
      const layer = makeSocks5Handshake({ endpoint, target })
      layer.receive(bytes(5, 0))
      const e = assertFailure(() => layer.receive(bytes(5, i + 1, 0, 1, 0, 0, 0, 0, 0, 0)), "ConnectFailed", new RegExp(`could not connect to the DC: .*${w}`))
      assert.strictEqual(e.code, i + 1)
    })
  })

  it("protocol violations → BadReply: wrong version, a method not offered, unknown address type", () => {
    assertFailure(() => makeSocks5Handshake({ endpoint, target }).receive(text("HTTP/1.1 400")), "BadReply", /not a SOCKS5 server \(version byte 0x48\)/)
    assertFailure(() => makeSocks5Handshake({ endpoint, target }).receive(bytes(5, 2)), "BadReply", /method 0x02, which was not offered/)
    const layer = makeSocks5Handshake({ endpoint, target })
    layer.receive(bytes(5, 0))
    assertFailure(() => layer.receive(bytes(5, 0, 0, 9, 0)), "BadReply", /unknown address type 0x09/)
  })

  it("targets and credentials SOCKS5 can't carry → InvalidConfig at construction", () => {
    assertFailure(() => makeSocks5Handshake({ endpoint, target: { host: "x".repeat(256), port: 1 } }), "InvalidConfig", /1–255 bytes, got 256/)
    assertFailure(() => makeSocks5Handshake({ endpoint, target: { host: "a", port: 70000 } }), "InvalidConfig", /not a TCP port/)
    assertFailure(() => makeSocks5Handshake({ endpoint, target, credentials: { username: "", password: "x" } }), "InvalidConfig", /username/)
  })
})

describe("HTTP CONNECT handshake", () => {
  const http = { proxy: "HttpConnect", address: "proxy:3128" } as const

  it("writes the request (Basic auth when configured) and opens on 2xx, keeping bytes after the head", () => {
    const plain = makeHttpConnectHandshake({ endpoint: http, target: { host: "149.154.167.51", port: 443 } })
    assert.strictEqual(latin1(plain.hello), "CONNECT 149.154.167.51:443 HTTP/1.1\r\nHost: 149.154.167.51:443\r\n\r\n")
    const authed = makeHttpConnectHandshake({ endpoint: http, target: { host: "2001:db8::1", port: 80 }, credentials: { username: "ada", password: "pä:ss" } })
    assert.strictEqual(
      latin1(authed.hello),
      `CONNECT [2001:db8::1]:80 HTTP/1.1\r\nHost: [2001:db8::1]:80\r\nProxy-Authorization: Basic ${Buffer.from("ada:pä:ss").toString("base64")}\r\n\r\n`
    )
    const { sent, rest } = feedBytewise(plain, text("HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n\x01\x02"))
    assert.deepStrictEqual(sent, [])
    assert.deepStrictEqual(rest, bytes(1, 2))
  })

  it("407 → AuthRejected, other statuses → ConnectFailed with the status, garbage and endless heads → BadReply", () => {
    const layer = () => makeHttpConnectHandshake({ endpoint: http, target: { host: "dc", port: 443 } })
    const e = assertFailure(() => layer().receive(text("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")), "AuthRejected", /^HTTP proxy proxy:3128: the proxy requires authentication \(407\)/)
    assert.strictEqual(e.code, 407)
    assertFailure(() => layer().receive(text("HTTP/1.0 502 Bad Gateway\r\n\r\n")), "ConnectFailed", /could not connect to the DC: 502 Bad Gateway/)
    assertFailure(() => layer().receive(text("SSH-2.0-OpenSSH\r\n\r\n")), "BadReply", /not an HTTP response: "SSH-2\.0-OpenSSH"/)
    const endless = layer()
    assertFailure(() => {
      for (let i = 0; i < 20; i++) endless.receive(text(`X-Filler: ${"a".repeat(1000)}\r\n`))
    }, "BadReply", /longer than 16384 bytes/)
  })

  it("rejects what can't go into a request: colon in the username, line breaks, a host with spaces", () => {
    assertFailure(() => makeHttpConnectHandshake({ endpoint: http, target: { host: "dc", port: 1 }, credentials: { username: "a:b", password: "c" } }), "InvalidConfig", /colon/)
    assertFailure(() => makeHttpConnectHandshake({ endpoint: http, target: { host: "dc", port: 1 }, credentials: { username: "a", password: "c\r\nX: y" } }), "InvalidConfig", /line breaks/)
    assertFailure(() => makeHttpConnectHandshake({ endpoint: http, target: { host: "d c", port: 1 } }), "InvalidConfig", /not a host name/)
  })
})

describe("fake TLS", () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i * 3)
  const mt = { proxy: "MtProxy", address: "proxy:443" } as const
  const now = 1_700_000_000

  it("the ClientHello: 517 bytes, SNI = the domain, random = HMAC-SHA256(key, zeroed hello) XOR the time in its last 4 bytes", () => {
    const hello = makeClientHello({ key, domain: "example.com", now, randomBytes: seededRandom(1) })
    assert.strictEqual(hello.length, CLIENT_HELLO_LENGTH)
    assert.deepStrictEqual([...hello.subarray(0, 6)], [0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
    assert.include(latin1(hello), "\x00\x00\x0bexample.com")
    const zeroed = hello.slice()
    zeroed.fill(0, 11, 43)
    const mac = new Uint8Array(NodeCrypto.createHmac("sha256", key).update(zeroed).digest())
    assert.deepStrictEqual(hello.subarray(11, 39), mac.subarray(0, 28))
    const time = new DataView(hello.buffer).getUint32(39, true) ^ new DataView(mac.buffer).getUint32(28, true)
    assert.strictEqual(time >>> 0, now)
    const check = checkClientHello(hello, { key, domain: "example.com", now: now + 5 })
    assert.strictEqual(check._tag, "Accepted")
  })

  it("the server rejects a wrong key, another domain, a stale time, and non-TLS bytes; waits for a partial hello", () => {
    const hello = makeClientHello({ key, domain: "example.com", now, randomBytes: seededRandom(2) })
    const reason = (bytes: Uint8Array, options: Partial<Parameters<typeof checkClientHello>[1]> = {}) => {
      const check = checkClientHello(bytes, { key, domain: "example.com", now, ...options })
      return check._tag === "Rejected" ? check.reason : check._tag
    }
    assert.match(reason(hello, { key: new Uint8Array(16) }), /digest does not match/)
    assert.match(reason(hello, { domain: "other.org" }), /names "example.com", not "other.org"/)
    assert.match(reason(hello, { now: now + 3600 }), /-?3600 s off/)
    assert.match(reason(bytes(0xee, 0xee, 0xee, 0xee)), /not a TLS handshake record/)
    assert.strictEqual(reason(hello.subarray(0, 100)), "NeedMore")
  })

  it("client ↔ server: hello, signed server hello, CCS, then records both ways", () => {
    const client = makeFakeTlsClient({ endpoint: mt, key, domain: "example.com", now, randomBytes: seededRandom(3) })
    const check = checkClientHello(client.hello, { key, domain: "example.com", now })
    if (check._tag !== "Accepted") throw new Error(check._tag)
    const reply = makeServerHello({ key, clientRandom: check.clientRandom, sessionId: check.sessionId, randomBytes: seededRandom(4) })
    const streamed = wrapRecords(text("first server bytes"), 16384)
    const { sent, rest } = feedBytewise(client, concat([reply, streamed]))
    assert.deepStrictEqual(sent, [CHANGE_CIPHER_SPEC])
    const data: Array<Uint8Array> = []
    client.unwrap(rest!, (d) => data.push(d.slice()))
    assert.strictEqual(new TextDecoder().decode(concat(data)), "first server bytes")
    // What the client writes, the server's record reader takes back (CCS skipped).
    const reader = new RecordReader(mt)
    const up: Array<Uint8Array> = []
    reader.read(concat([CHANGE_CIPHER_SPEC, client.wrap(new Uint8Array(10_000).fill(7))]), (d) => up.push(d.slice()))
    assert.deepStrictEqual(concat(up), new Uint8Array(10_000).fill(7))
  })

  it("a server hello with a wrong digest → BadServerHello; not TLS, or an alert → BadReply", () => {
    const client = () => makeFakeTlsClient({ endpoint: mt, key, domain: "example.com", now, randomBytes: seededRandom(5) })
    const c = client()
    const check = checkClientHello(c.hello, { key, domain: "example.com", now })
    if (check._tag !== "Accepted") throw new Error(check._tag)
    const forged = makeServerHello({ key: new Uint8Array(16).fill(9), clientRandom: check.clientRandom, sessionId: check.sessionId, randomBytes: seededRandom(6) })
    assertFailure(() => c.receive(forged), "BadServerHello", /^MTProxy proxy:443: the server hello's digest does not match the secret/)
    // A reply to another client's hello (a replay) fails the same way.
    const replayed = makeServerHello({ key, clientRandom: new Uint8Array(32), sessionId: check.sessionId, randomBytes: seededRandom(6) })
    assertFailure(() => client().receive(replayed), "BadServerHello", /digest/)
    assertFailure(() => client().receive(text("HTTP/1.1 400 Bad Request\r\n\r\n")), "BadReply", /not a TLS server hello/)
    assertFailure(() => client().receive(bytes(0x15, 3, 3, 0, 2, 2, 40)), "BadReply", /TLS alert/)
  })

  it("property: any data wrapped into records and cut anywhere reads back the same; hostile records fail", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40_000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }), (data, cuts) => {
        const wire = wrapRecords(data, 2878)
        const reader = new RecordReader(mt)
        const out: Array<Uint8Array> = []
        let off = 0
        let i = 0
        while (off < wire.length) {
          const n = cuts[i++ % cuts.length]!
          reader.read(wire.subarray(off, off + n), (d) => out.push(d.slice()))
          off += n
        }
        assert.deepStrictEqual(concat(out), data)
      }),
      { numRuns: 60 }
    )
    assertFailure(() => new RecordReader(mt).read(bytes(0x17, 3, 3, 0xff, 0xff), () => {}), "BadReply", /a TLS record of 65535 bytes/)
    assertFailure(() => new RecordReader(mt).read(bytes(0x16, 3, 3, 0, 1, 0), () => {}), "BadReply", /unexpected TLS record type 0x16/)
    assertFailure(() => new RecordReader(mt).read(bytes(0x17, 3, 1, 0, 1, 0), () => {}), "BadReply", /version 3\.1/)
  })
})

describe("MTProxy secrets", () => {
  const key = "00112233445566778899aabbccddeeff"
  const domainHex = Buffer.from("example.com").toString("hex")

  it("reads the three forms, in hex and base64url, and writes them back", () => {
    const forms = [key, `dd${key}`, `ee${key}${domainHex}`]
    const tags = forms.map((f) => Either.getOrThrow(parseMtProxySecret(f)))
    assert.deepStrictEqual(tags.map((t) => t._tag), ["Plain", "Padded", "FakeTls"])
    assert.deepStrictEqual(tags.map(formatMtProxySecret), forms)
    const fakeTls = tags[2]!
    assert.strictEqual(fakeTls._tag === "FakeTls" && fakeTls.domain, "example.com")
    for (const f of forms) {
      const b64 = Buffer.from(f, "hex").toString("base64url")
      assert.deepStrictEqual(Either.getOrThrow(parseMtProxySecret(b64)), Either.getOrThrow(parseMtProxySecret(f)))
      assert.deepStrictEqual(Either.getOrThrow(parseMtProxySecret(Buffer.from(f, "hex").toString("base64"))), Either.getOrThrow(parseMtProxySecret(f)))
    }
  })

  it("says why a secret is unusable", () => {
    const why = (s: string | Uint8Array) => Either.getOrThrow(Either.flip(parseMtProxySecret(s)))
    assert.match(why(""), /empty/)
    assert.match(why(new Uint8Array(15)), /got 15 bytes/)
    assert.match(why(`ab${key}`), /got 17 bytes starting with 0xab/)
    assert.match(why(`ee${key}`), /needs a domain/)
    assert.match(why(`ee${key}${Buffer.from("bad domain!").toString("hex")}`), /not a domain name/)
    assert.match(why("!!not-base64!!"), /neither hex nor base64/)
  })
})

describe("parseProxyLink", () => {
  const secret = "ee00112233445566778899aabbccddeeff6578616d706c652e636f6d"

  it("tg://proxy and t.me/proxy → MtProxy with the secret redacted", () => {
    for (const link of [
      `tg://proxy?server=proxy.example&port=443&secret=${secret}`,
      `https://t.me/proxy?server=proxy.example&port=443&secret=${secret}`,
      `t.me/proxy?server=proxy.example&port=443&secret=${secret}`
    ]) {
      const proxy = Either.getOrThrow(parseProxyLink(link))
      assert.strictEqual(proxy._tag, "MtProxy")
      if (proxy._tag !== "MtProxy") return
      assert.deepStrictEqual([proxy.host, proxy.port], ["proxy.example", 443])
      assert.strictEqual(Redacted.value(proxy.secret), secret)
      assert.notInclude(JSON.stringify(proxy), "0011")
    }
  })

  it("tg://socks, t.me/socks and socks5:// / http:// URLs → Socks5 / HttpConnect", () => {
    const socks = Either.getOrThrow(parseProxyLink("tg://socks?server=10.0.0.1&port=1080&user=ada&pass=s%20cret"))
    assert.strictEqual(socks._tag, "Socks5")
    if (socks._tag !== "Socks5") return
    assert.deepStrictEqual([socks.host, socks.port, socks.username], ["10.0.0.1", 1080, "ada"])
    assert.strictEqual(Redacted.value(socks.password!), "s cret")
    const anonymous = Either.getOrThrow(parseProxyLink("https://t.me/socks?server=10.0.0.1&port=1080"))
    assert.deepStrictEqual(anonymous, { _tag: "Socks5", host: "10.0.0.1", port: 1080 })
    const url = Either.getOrThrow(parseProxyLink("socks5://ada:p%40ss@[2001:db8::1]:9050"))
    assert.deepStrictEqual([url._tag, url.host, url.port], ["Socks5", "2001:db8::1", 9050])
    assert.strictEqual(url._tag !== "MtProxy" && Redacted.value(url.password!), "p@ss")
    const http = Either.getOrThrow(parseProxyLink("http://proxy.corp:3128"))
    assert.deepStrictEqual(http, { _tag: "HttpConnect", host: "proxy.corp", port: 3128 })
  })

  it("says what is wrong, never echoing the link", () => {
    const why = (link: string) => Either.getOrThrow(Either.flip(parseProxyLink(link))).message
    assert.match(why("tg://proxy?server=a&port=443"), /^not a usable proxy link: the secret is missing$/)
    assert.match(why("tg://proxy?port=443&secret=00"), /the server is missing/)
    assert.match(why("tg://proxy?server=a&port=99999&secret=00"), /"99999" is not a port/)
    assert.match(why("tg://proxy?server=a&port=1&secret=abcdef"), /neither hex nor base64|got \d+ bytes/)
    assert.match(why("tg://socks?server=a&port=1&user=only"), /username needs a password/)
    assert.match(why("tg://resolve?domain=durov"), /tg:\/\/resolve is not a proxy link/)
    assert.match(why("https://t.me/durov"), /t\.me\/durov is not a proxy link/)
    assert.match(why("ftp://x:1"), /ftp scheme/)
    assert.notInclude(why("tg://proxy?server=a&port=1&secret=ffffffffffffffffffffffffffffffffff"), "ffff")
  })
})

describe("host addresses", () => {
  it("tells IPv4, IPv6 (with :: and a dotted tail) and domain names apart", () => {
    assert.deepStrictEqual(parseHost("1.2.3.4"), { _tag: "IPv4", bytes: bytes(1, 2, 3, 4) })
    assert.deepStrictEqual(parseHost("[::1]"), { _tag: "IPv6", bytes: concat([new Uint8Array(15), bytes(1)]) })
    assert.deepStrictEqual(parseHost("::ffff:1.2.3.4"), { _tag: "IPv6", bytes: concat([new Uint8Array(10), bytes(0xff, 0xff, 1, 2, 3, 4)]) })
    for (const name of ["01.2.3.4", "1.2.3.256", "1:2:3", "example.com", "1::2::3"]) assert.strictEqual(parseHost(name)._tag, "Domain")
  })
})

describe("Telegram's WebSocket endpoints", () => {
  it("names the host by DC, -1 for media DCs, apiws_test for test DCs", () => {
    assert.strictEqual(telegramWebSocketUrl(2), "wss://venus.web.telegram.org/apiws")
    assert.strictEqual(telegramWebSocketUrl(-4), "wss://vesta-1.web.telegram.org/apiws")
    assert.strictEqual(telegramWebSocketUrl(10001), "wss://pluto.web.telegram.org/apiws_test")
    assert.strictEqual(telegramWebSocketUrl(-10005), "wss://flora-1.web.telegram.org/apiws_test")
    assert.isUndefined(telegramWebSocketUrl(6))
  })
})
