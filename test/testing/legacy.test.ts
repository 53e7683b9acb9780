/**
 * TestDc accepts what Telegram accepts: `p_q_inner_data` under the encryption used before
 * RSA_PAD (RSA of SHA1(data) ‖ data ‖ random bytes, 255 bytes), unless `strict` is set. Proven
 * with an encoder of the old scheme written here (and, in test/interop, by @mtproto/core 6.3,
 * which still sends it).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
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
import { openChannel } from "../support/dc.ts"
import { captureLogs } from "../support/logs.ts"

/** The pre-RSA_PAD scheme: RSA(SHA1(data) ‖ data ‖ random to 255 bytes). */
const legacyEncrypt = (data: Uint8Array, key: RsaPublicKey): Uint8Array => {
  const withHash = concatBytes(sha1(data), data, randomBytes(255 - 20 - data.length))
  return bigIntToBytes(modPow(bytesToBigInt(withHash), key.e, key.n), 256)
}

/** req_pq_multi, then req_DH_params with the old encryption; returns the server's answer tag. */
const legacyHandshakeStep = (dc: TestDc.TestDcShape) =>
  Effect.scoped(Effect.gen(function*() {
    const channel = yield* openChannel(dc)
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
      yield* captureLogs // the test provokes these on purpose
      const lenient = yield* TestDc.make({})
      assert.strictEqual(yield* legacyHandshakeStep(lenient), "server_DH_params_ok")
      const strict = yield* TestDc.make({ strict: true })
      const error = yield* Effect.flip(legacyHandshakeStep(strict))
      assert.strictEqual(error._tag, "HandshakeError")
      assert.match(error.message, /-404/)
    }))
})

describe("TestDc cluster: per-DC options", () => {
  it.scopedLive("strict passes through to every DC, and perDc overrides it for one; WebSocket and MTProxy per DC", () =>
    Effect.gen(function*() {
      yield* captureLogs // the refused legacy handshake on DC 1 is provoked on purpose
      const cluster = yield* TestDc.makeCluster({
        dcIds: [1, 2],
        strict: true,
        webSocket: true,
        perDc: { 2: { strict: false, mtProxy: { secret: "00112233445566778899aabbccddeeff" } } }
      })
      const error = yield* Effect.flip(legacyHandshakeStep(cluster.dc(1)))
      assert.match(error.message, /-404/)
      assert.strictEqual(yield* legacyHandshakeStep(cluster.dc(2)), "server_DH_params_ok")
      // Each DC its own WebSocket endpoint; only DC 2 in MTProxy mode.
      const urls = [cluster.dc(1).webSocketUrl, cluster.dc(2).webSocketUrl]
      assert.isTrue(urls.every((u) => u !== undefined && u.endsWith("/apiws")))
      assert.strictEqual(new Set(urls).size, 2)
      assert.isUndefined(cluster.dc(1).mtProxyLink)
      assert.isDefined(cluster.dc(2).mtProxyLink)
    }))
})
