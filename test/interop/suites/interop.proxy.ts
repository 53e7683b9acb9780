// Interop through proxies: independent clients reach TestDc through its MTProxy mode with the
// same secrets our client uses (mtcute with an `ee` fake-TLS secret, GramJS with a `dd` one),
// and mtcute goes through the test SOCKS5 server. They prove that our fake-TLS server side
// matches another implementation's client side, and that our test proxies speak the protocol.
import { MtProxyTcpTransport, SocksProxyTcpTransport } from "@mtcute/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Api } from "telegram"
import * as TestDc from "../../../src/testing/index.ts"
import { captureLogs } from "../../support/logs.ts"
import { socks5Server } from "../../support/proxyServers.ts"
import { sharedMtcuteKeyPair } from "../support/mtcuteKey.ts"
import { gramjsClient, mtcuteClient } from "./peerClients.ts"

const KEY = "0123456789abcdef0123456789abcdef"
const FAKE_TLS_SECRET = `ee${KEY}${Buffer.from("www.example.org").toString("hex")}`

/** Where mtcute and GramJS think DC 2 is: only the proxy knows better. */
const hiddenDc = { ipAddress: "203.0.113.1", port: 443 }

describe("interop through proxies", () => {
  it.scopedLive("mtcute with an ee (fake-TLS) secret makes calls through TestDc's MTProxy mode", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair(), mtProxy: { secret: FAKE_TLS_SECRET } })
      // mtcute dials the proxy; the DC address it holds is never used.
      const client = yield* mtcuteClient(dc, { transport: new MtProxyTcpTransport({ host: dc.host, port: dc.port, secret: FAKE_TLS_SECRET }), dcAddress: hiddenDc })
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
      const client = yield* mtcuteClient(dc, { transport: new MtProxyTcpTransport({ host: dc.host, port: dc.port, secret: wrong }), dcAddress: hiddenDc })
      const outcome = yield* Effect.promise(() => client.call({ _: "help.getNearestDc" }).then(() => "answered", () => "failed")).pipe(
        Effect.timeoutTo({ duration: "3 seconds", onSuccess: (x) => x, onTimeout: () => "no answer" })
      )
      assert.notStrictEqual(outcome, "answered")
      assert.strictEqual(dc.authKeys.size, 0)
    }))

  it.scopedLive("GramJS with a dd secret makes calls through TestDc's MTProxy mode", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair(), mtProxy: { secret: `dd${KEY}` } })
      // The DC's address is the proxy's business: GramJS dials the proxy.
      const client = yield* gramjsClient(dc, hiddenDc.ipAddress, { proxy: { ip: dc.host, port: dc.port, secret: `dd${KEY}`, MTProxy: true } })
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      const nearest = yield* Effect.promise(() => client.invoke(new Api.help.GetNearestDc())).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual([nearest.thisDc, nearest.nearestDc], [2, 2])
      assert.strictEqual(dc.authKeys.size, 1)
    }))

  it.scopedLive("mtcute through the test SOCKS5 server (with credentials) reaches TestDc", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2, rsaKeyPair: sharedMtcuteKeyPair() })
      const proxy = yield* socks5Server({ auth: { username: "ada", password: "s3cret" }, resolve: { "203.0.113.1:443": { host: dc.host, port: dc.port } } })
      const client = yield* mtcuteClient(dc, { transport: new SocksProxyTcpTransport({ host: proxy.host, port: proxy.port, user: "ada", password: "s3cret" }), dcAddress: hiddenDc })
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      const nearest = yield* Effect.promise(() => client.call({ _: "help.getNearestDc" })).pipe(Effect.timeout("15 seconds"))
      assert.strictEqual(nearest.thisDc, 2)
      assert.deepStrictEqual(new Set(proxy.stats.targets), new Set(["203.0.113.1:443"]))
      assert.isAbove(proxy.stats.bytesUp, 0)
    }))
})
