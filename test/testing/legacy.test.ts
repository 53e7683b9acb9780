/**
 * TestDc accepts what Telegram accepts: `p_q_inner_data` under the encryption used before
 * RSA_PAD (RSA of SHA1(data) ‖ data ‖ random bytes, 255 bytes), unless `strict` is set. Proven
 * with an encoder of the old scheme written here, and with @mtproto/core 6.3 (which still sends
 * it) doing its handshake and a call against a TestDc.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdtempSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  factorizePq,
  modPow,
  randomBytes,
  type RsaPublicKey,
  sha1
} from "../../src/crypto/index.ts"
import { makePlainSession, reqPq } from "../../src/mtproto/handshake.ts"
import * as TestDc from "../../src/testing/index.ts"
import { serialize } from "../../src/tl/index.ts"
import { makeNode } from "../../src/transport/index.ts"

/** The pre-RSA_PAD scheme: RSA(SHA1(data) ‖ data ‖ random to 255 bytes). */
const legacyEncrypt = (data: Uint8Array, key: RsaPublicKey): Uint8Array => {
  const withHash = concatBytes(sha1(data), data, randomBytes(255 - 20 - data.length))
  return bigIntToBytes(modPow(bytesToBigInt(withHash), key.e, key.n), 256)
}

/** req_pq_multi, then req_DH_params with the old encryption; returns the server's answer tag. */
const legacyHandshakeStep = (dc: TestDc.TestDcShape) =>
  Effect.scoped(Effect.gen(function*() {
    const channel = yield* makeNode({}).connect({ host: dc.host, port: dc.port })
    const session = makePlainSession(channel, "5 seconds")
    const nonce = randomBytes(16)
    const resPq = yield* reqPq(session, nonce)
    const [p, q] = factorizePq(bytesToBigInt(resPq.pq))
    const inner = serialize({
      _tag: "p_q_inner_data",
      pq: resPq.pq,
      p: bigIntToBytes(p),
      q: bigIntToBytes(q),
      nonce,
      server_nonce: resPq.server_nonce,
      new_nonce: randomBytes(32)
    })
    const answer = yield* session.call(serialize({
      _tag: "req_DH_params",
      nonce,
      server_nonce: resPq.server_nonce,
      p: bigIntToBytes(p),
      q: bigIntToBytes(q),
      public_key_fingerprint: dc.fingerprint,
      encrypted_data: legacyEncrypt(inner, dc.publicKey)
    }), "req_DH_params")
    return answer._tag
  }))

describe("TestDc: the pre-RSA_PAD p_q_inner_data", () => {
  it.scopedLive("is accepted by default (server_DH_params_ok), and refused with strict (the connection closes with -404)", () =>
    Effect.gen(function*() {
      const lenient = yield* TestDc.make({})
      assert.strictEqual(yield* legacyHandshakeStep(lenient), "server_DH_params_ok")
      const strict = yield* TestDc.make({ strict: true })
      const error = yield* Effect.flip(legacyHandshakeStep(strict))
      assert.strictEqual(error._tag, "HandshakeError")
      assert.match(error.message, /-404/)
    }))

  it.scopedLive("@mtproto/core 6.3 completes its handshake and calls help.getNearestDc", () =>
    Effect.gen(function*() {
      const require = createRequire(import.meta.url)
      let MTProto: new(options: object) => {
        dcList: Array<object>
        crypto: { rsa: { getRsaKeyByFingerprints: (fps: ReadonlyArray<unknown>) => Promise<object> } }
        call: (method: string, params?: object) => Promise<{ _: string; this_dc?: number }>
        rpcs: Map<number, { transport?: { connect: () => void; socket?: { destroy: () => void; removeAllListeners: (event: string) => void } } }>
      }
      try {
        MTProto = require("@mtproto/core")
      } catch {
        return // not installed: nothing to compare against
      }
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
