// Interop: independent MTProto clients (mtcute, GramJS) against a running TestDc. They do
// their own handshake (RSA_PAD, DH) with our key registered as a server key, then make
// encrypted calls over their default transports. The proof that TestDc speaks real MTProto.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import bigInt from "big-integer"
import { Api } from "telegram"
import { ConnectionTCPFull } from "telegram/network/index.js"
import { LAYER } from "../../../src/tl/index.ts"
import * as TestDc from "../../../src/testing/index.ts"
import { sharedMtcuteKeyPair } from "../support/mtcuteKey.ts"
import { gramjsClient, mtcuteClient } from "./peerClients.ts"

describe("TestDc interop", () => {
  it.scopedLive("mtcute: handshake, initConnection + help.getConfig, help.getNearestDc, ping", () =>
    Effect.gen(function*() {
      const pings: Array<bigint> = []
      const layers = new Set<number>()
      const dc = yield* TestDc.make({
        dcId: 2,
        rsaKeyPair: sharedMtcuteKeyPair(),
        faults: {
          onClientMessage: (m) =>
            Effect.sync(() => {
              if (m.body._tag === "ping" || m.body._tag === "ping_delay_disconnect") pings.push(m.msgId)
              if (m.body._tag === "invokeWithLayer") layers.add((m.body as { layer: number } & typeof m.body).layer)
              return "process" as const
            })
        }
      })
      // mtcute pings once `performance.now() - lastPing` passes max(2 s, rtt) while a call is
      // pending, or pingInterval + up to 5 s of jitter when idle, counting from 0 at
      // process start: in a young worker the first container has no ping. A short
      // interval bounds the wait below (~5.2 s) whatever the worker's age or load.
      const client = yield* mtcuteClient(dc, { network: { pingInterval: 200 } })
      // connect() starts the connection; the first call waits for the auth key and goes out
      // as invokeWithLayer(initConnection(...)).
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      const nearest = yield* Effect.promise(() => client.call({ _: "help.getNearestDc" })).pipe(Effect.timeout("15 seconds"))
      assert.deepStrictEqual([nearest.country, nearest.thisDc, nearest.nearestDc], ["XX", 2, 2])
      assert.strictEqual(dc.authKeys.size, 1)
      const config = yield* Effect.promise(() => client.call({ _: "help.getConfig" })).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(config.thisDc, 2)
      assert.deepStrictEqual(config.dcOptions.map((o) => [o.id, o.ipAddress, o.port]), [[2, dc.host, dc.port]])
      // Both sides agree on the layer: mtcute's schema is layer 223, like ours.
      const session = [...dc.authKeys.values()][0]!
      assert.isAtLeast(session.sessionIds.length, 1)
      // mtcute pings on its own timer and matches the pong to its ping; `call` can't carry a
      // ping, so the server's side is what we check, waiting (bounded) for the timer.
      yield* Effect.repeat(Effect.sync(() => pings.length), {
        until: (n) => n >= 1,
        schedule: Schedule.spaced("50 millis")
      }).pipe(Effect.timeout("15 seconds"))
      assert.isAtLeast(pings.length, 1)
      // mtcute speaks layer 227 (invokeWithLayer), our schema is 223: the methods used here and
      // `config` have the same constructors in both, so decoding works both ways.
      assert.deepStrictEqual([...layers], [227])
      assert.strictEqual(LAYER, 223)
    }))

  it.scopedLive("GramJS: handshake, invokeWithLayer(initConnection(help.getConfig)), help.getNearestDc, ping", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2 })
      // GramJS dials port 80 (443 for WSS) whatever the session says, so the connection
      // class is where the TestDc port goes.
      const port = dc.port
      class ToTestDc extends ConnectionTCPFull {
        constructor(options: ConstructorParameters<typeof ConnectionTCPFull>[0]) {
          super({ ...options, port })
        }
      }
      const client = yield* gramjsClient(dc, dc.host, { connection: ToTestDc })
      yield* Effect.promise(() => client.connect()).pipe(Effect.timeout("15 seconds"))
      assert.strictEqual(dc.authKeys.size, 1)
      const nearest = yield* Effect.promise(() => client.invoke(new Api.help.GetNearestDc())).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual([nearest.country, nearest.thisDc, nearest.nearestDc], ["XX", 2, 2])
      const config = yield* Effect.promise(() => client.invoke(new Api.help.GetConfig())).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(config.thisDc, 2)
      const pong = yield* Effect.promise(() => client.invoke(new Api.Ping({ pingId: bigInt(77) }))).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(pong.pingId.toString(), "77")
    }))
})
