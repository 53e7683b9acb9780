// Interop through proxies: independent clients reach TestDc through its MTProxy mode with the
// same secrets our client uses (mtcute with an `ee` fake-TLS secret, GramJS with a `dd` one),
// and mtcute goes through the test SOCKS5 server. They prove that our fake-TLS server side
// matches another implementation's client side, and that our test proxies speak the protocol.
import { BaseTelegramClient, MemoryStorage, MtProxyTcpTransport, SocksProxyTcpTransport } from "@mtcute/node"
import { addPublicKey } from "@mtcute/core/utils.js"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import bigInt from "big-integer"
import { Api, TelegramClient } from "telegram"
import { _serverKeys } from "telegram/crypto/RSA.js"
import { Logger, LogLevel } from "telegram/extensions/Logger.js"
import { StringSession } from "telegram/sessions/index.js"
import * as TestDc from "../../../src/testing/index.ts"
import { captureLogs } from "../../support/logs.ts"
import { socks5Server } from "../../support/proxyServers.ts"
import { sharedMtcuteKeyPair } from "../support/mtcuteKey.ts"

const KEY = "0123456789abcdef0123456789abcdef"
const FAKE_TLS_SECRET = `ee${KEY}${Buffer.from("www.example.org").toString("hex")}`

/** An mtcute client over `transport`, destroyed with the scope. DC 2 "lives" at `dcAddress`. */
const mtcute = (dc: TestDc.TestDcShape, transport: MtProxyTcpTransport | SocksProxyTcpTransport, dcAddress: { readonly ipAddress: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dcOption = { id: dc.dcId, ...dcAddress }
      const c = new BaseTelegramClient({
        apiId: 1,
        apiHash: "00000000000000000000000000000000",
        storage: new MemoryStorage(),
        defaultDcs: { main: dcOption, media: dcOption },
        transport,
        logLevel: 0
      })
      addPublicKey(c.crypto, dc.rsaPublicKeyPem)
      return c
    }),
    (c) => Effect.promise(() => c.destroy())
  )

describe("interop through proxies", () => {
  it.scopedLive("mtcute with an ee (fake-TLS) secret makes calls through TestDc's MTProxy mode", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair(), mtProxy: { secret: FAKE_TLS_SECRET } })
      // mtcute dials the proxy; the DC address it holds is never used.
      const client = yield* mtcute(dc, new MtProxyTcpTransport({ host: dc.host, port: dc.port, secret: FAKE_TLS_SECRET }), { ipAddress: "203.0.113.1", port: 443 })
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      const nearest = yield* Effect.promise(() => client.call({ _: "help.getNearestDc" })).pipe(Effect.timeout("15 seconds"))
      assert.deepStrictEqual([nearest.thisDc, nearest.nearestDc], [2, 2])
      const config = yield* Effect.promise(() => client.call({ _: "help.getConfig" })).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(config.thisDc, 2)
      assert.strictEqual(dc.authKeys.size, 1)
    }))

  it.scopedLive("mtcute with a wrong ee secret finds no proxy there", () =>
    Effect.gen(function*() {
      yield* captureLogs // TestDc refusing the undecodable connections is what the test provokes
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair(), mtProxy: { secret: FAKE_TLS_SECRET } })
      const wrong = FAKE_TLS_SECRET.replace("0123", "ffff")
      const client = yield* mtcute(dc, new MtProxyTcpTransport({ host: dc.host, port: dc.port, secret: wrong }), { ipAddress: "203.0.113.1", port: 443 })
      const outcome = yield* Effect.promise(() => client.call({ _: "help.getNearestDc" }).then(() => "answered", () => "failed")).pipe(
        Effect.timeoutTo({ duration: "3 seconds", onSuccess: (x) => x, onTimeout: () => "no answer" })
      )
      assert.notStrictEqual(outcome, "answered")
      assert.strictEqual(dc.authKeys.size, 0)
    }))

  it.scopedLive("GramJS with a dd secret makes calls through TestDc's MTProxy mode", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair(), mtProxy: { secret: `dd${KEY}` } })
      _serverKeys.set(dc.fingerprint.toString(), { n: bigInt(dc.publicKey.n.toString()), e: Number(dc.publicKey.e) })
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const session = new StringSession("")
          // The DC's address is the proxy's business: GramJS dials the proxy.
          session.setDC(dc.dcId, "203.0.113.1", 443)
          return new TelegramClient(session, 1, "00000000000000000000000000000000", {
            proxy: { ip: dc.host, port: dc.port, secret: `dd${KEY}`, MTProxy: true },
            connectionRetries: 1,
            autoReconnect: false,
            baseLogger: new Logger(LogLevel.NONE)
          })
        }),
        (c) => Effect.promise(() => c.destroy())
      )
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      const nearest = yield* Effect.promise(() => client.invoke(new Api.help.GetNearestDc())).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual([nearest.thisDc, nearest.nearestDc], [2, 2])
      assert.strictEqual(dc.authKeys.size, 1)
    }))

  it.scopedLive("mtcute through the test SOCKS5 server (with credentials) reaches TestDc", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair() })
      const proxy = yield* socks5Server({ auth: { username: "ada", password: "s3cret" }, resolve: { "203.0.113.1:443": { host: dc.host, port: dc.port } } })
      const client = yield* mtcute(dc, new SocksProxyTcpTransport({ host: proxy.host, port: proxy.port, user: "ada", password: "s3cret" }), { ipAddress: "203.0.113.1", port: 443 })
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      const nearest = yield* Effect.promise(() => client.call({ _: "help.getNearestDc" })).pipe(Effect.timeout("15 seconds"))
      assert.strictEqual(nearest.thisDc, 2)
      assert.deepStrictEqual(new Set(proxy.stats.targets), new Set(["203.0.113.1:443"]))
      assert.isAbove(proxy.stats.bytesUp, 0)
    }))
})
