// @mtproto/core 6.3 still encrypts p_q_inner_data with the scheme used before RSA_PAD; TestDc
// accepts it by default (test/testing/legacy.test.ts proves that with an encoder of its own).
// Here a real client of that era does its handshake and one call.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdtempSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as TestDc from "../../../src/testing/index.ts"

/** The part of @mtproto/core's client this test touches (the package ships no types). */
type MTProtoClient = new(options: object) => {
  dcList: Array<object>
  crypto: { rsa: { getRsaKeyByFingerprints: (fps: ReadonlyArray<unknown>) => Promise<object> } }
  call: (method: string, params?: object) => Promise<{ _: string; this_dc?: number }>
  rpcs: Map<number, { transport?: { connect: () => void; socket?: { destroy: () => void; removeAllListeners: (event: string) => void } } }>
}
const MTProto = createRequire(import.meta.url)("@mtproto/core") as MTProtoClient

describe("TestDc: a client that still sends the pre-RSA_PAD p_q_inner_data", () => {
  it.scopedLive("@mtproto/core 6.3 completes its handshake and calls help.getNearestDc", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.make({ dcId: 2 })
      const client = new MTProto({ api_id: 1, api_hash: "0123456789abcdef", storageOptions: { path: join(mkdtempSync(join(tmpdir(), "mtproto-core-")), "s.json") } })
      // Point it at the TestDc and its key (it ships Telegram's addresses and keys only).
      client.dcList = [{ id: 2, ip: dc.host, port: dc.port }]
      client.crypto.rsa.getRsaKeyByFingerprints = async (fps) => ({
        fingerprint: fps[0],
        modulus: dc.publicKey.n.toString(16),
        exponent: dc.publicKey.e.toString(16).padStart(6, "0")
      })
      // Its transport reconnects whenever its socket closes, for ever: take that away first.
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const rpc of client.rpcs.values()) {
            const transport = rpc.transport
            if (transport === undefined) continue
            transport.connect = () => {}
            transport.socket?.removeAllListeners("close")
            transport.socket?.destroy()
          }
        })
      )
      const nearest = yield* Effect.promise(() => client.call("help.getNearestDc")).pipe(Effect.timeout("15 seconds"))
      assert.strictEqual(nearest._, "nearestDc")
      assert.strictEqual(nearest.this_dc, 2)
      assert.strictEqual(dc.authKeys.size, 1)
    }))
})
