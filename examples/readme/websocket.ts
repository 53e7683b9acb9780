import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"
import { layerWebSocket } from "effect-mtproto/transport"

// Offline: a TestDc with its WebSocket endpoint open. For Telegram: layerWebSocket(), no url.
const main = Effect.gen(function*() {
  const dc = yield* TestDc.make({ webSocket: true })
  const layer = Client.layerWith({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(
    Layer.provide(layerWebSocket({ url: () => dc.webSocketUrl! })),
    Layer.provide(Layer.merge(NodeSocket.layerWebSocketConstructor, SessionStorage.layerMemory))
  )
  const nearest = yield* Effect.flatMap(Client, (client) => client.invoke({ _tag: "help.getNearestDc" })).pipe(Effect.provide(layer))
  console.log(`over WebSockets: DC ${nearest.this_dc}`)
})

await Effect.runPromise(Effect.scoped(main))
