import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client, parseProxyLink, type ProxyConfig, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

// The three forms (passwords and secrets are Redacted):
export const socks5: ProxyConfig = { _tag: "Socks5", host: "10.0.0.1", port: 1080, username: "ada", password: Redacted.make("pw") }
export const http: ProxyConfig = { _tag: "HttpConnect", host: "proxy.corp", port: 3128 }
export const mtproxy: ProxyConfig = { _tag: "MtProxy", host: "proxy.example", port: 443, secret: Redacted.make("dd00112233445566778899aabbccddeeff") }

// Offline: a TestDc in MTProxy mode (fake TLS) and a client configured from its tg://proxy link.
const program = Effect.gen(function*() {
  const dc = yield* TestDc.make({ mtProxy: { secret: "ee00112233445566778899aabbccddeeff" + Buffer.from("example.com").toString("hex") } })
  const proxy = yield* parseProxyLink(dc.mtProxyLink!) // Either: yieldable, or Either.getOrThrow
  const layer = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("0123456789abcdef"),
    dcs: [{ id: dc.dcId, host: "unused.invalid", port: 443 }], // MTProxy finds the DC by id
    publicKeys: [dc.publicKey],
    proxy
  }).pipe(Layer.provide(SessionStorage.layerMemory))
  const nearest = yield* Effect.flatMap(Client, (client) => client.invoke({ _tag: "help.getNearestDc" })).pipe(Effect.provide(layer))
  console.log(`through ${proxy._tag}: DC ${nearest.this_dc}`)
})

await Effect.runPromise(Effect.scoped(program))
