// The library's handshake end to end against TestDc over real TCP, for every transport: the
// client and the server must hold the same auth key, and the key must carry an encrypted
// session (invokeWithLayer(initConnection(help.getConfig)) through the Sender).
import { assert, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { randomBytes, toHex } from "../../src/crypto/index.ts"
import type { AuthKeyResult, HandshakeOptions } from "../../src/mtproto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import type { CodecKind, TransportOptions } from "../../src/transport/index.ts"
import { authKeyOn, firstCall, senderWith } from "../support/dc.ts"

const transports: ReadonlyArray<TransportOptions & { readonly codec: CodecKind }> = [
  { codec: "abridged", obfuscated: false },
  { codec: "abridged", obfuscated: true },
  { codec: "intermediate", obfuscated: false },
  { codec: "intermediate", obfuscated: true },
  { codec: "padded", obfuscated: false },
  { codec: "padded", obfuscated: true },
  // Full has no obfuscated form.
  { codec: "full", obfuscated: false }
]

const handshake = (dc: TestDc.TestDcShape, transport: TransportOptions, extra: Partial<HandshakeOptions> = {}) =>
  authKeyOn(dc, { via: transport, handshake: extra })

/** The DC's record of the key the client computed: it must exist and hold the same bytes and salt. */
const assertSameKey = (dc: TestDc.TestDcShape, auth: AuthKeyResult) => {
  const stored = dc.authKeys.get(toHex(auth.authKey.id))
  assert.isDefined(stored, "TestDc has no key with the client's auth_key_id")
  assert.deepStrictEqual(Redacted.value(stored!.key), auth.authKey.key)
  assert.strictEqual(auth.authKey.key.length, 256)
  assert.strictEqual(stored!.salt, auth.serverSalt)
  return stored!
}

/** One encrypted round trip with the new key; checks the typed config describes this DC. */
const assertConfig = (dc: TestDc.TestDcShape, auth: AuthKeyResult, transport: TransportOptions) =>
  Effect.gen(function*() {
    const sender = yield* senderWith(dc, auth, { via: transport })
    const config = yield* sender.invoke(firstCall({ _tag: "help.getConfig" }))
    assert.strictEqual(config._tag, "config")
    assert.strictEqual(config.this_dc, dc.dcId)
    assert.isTrue(
      config.dc_options.some((o) => o.id === dc.dcId && o.ip_address === dc.host && o.port === dc.port),
      "dc_options lists the TestDc's own address"
    )
  })

layer(TestDc.layer({ dcId: 2 }), { excludeTestServices: true })("createAuthKey against TestDc", (it) => {
  for (const transport of transports) {
    const name = `${transport.codec}${transport.obfuscated ? " + obfuscated2" : ""}`
    it.scoped(`${name}: same key on both sides, then help.getConfig over the encrypted session`, () =>
      Effect.gen(function*() {
        const dc = yield* TestDc.TestDc
        const auth = yield* handshake(dc, transport)
        const stored = assertSameKey(dc, auth)
        assert.isFalse(stored.temp)
        assert.isUndefined(auth.expiresAt)
        // TestDc runs on this machine's clock.
        assert.isAtMost(Math.abs(auth.timeOffset), 1)
        yield* assertConfig(dc, auth, transport)
      }))
  }

  it.scoped("a temporary key (p_q_inner_data_temp_dc) carries its expiry", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.TestDc
      const before = Math.floor(Date.now() / 1000)
      const auth = yield* handshake(dc, { codec: "intermediate" }, { tempKeyExpiresIn: 3600 })
      const stored = assertSameKey(dc, auth)
      assert.isTrue(stored.temp)
      assert.isDefined(auth.expiresAt)
      assert.isAtLeast(auth.expiresAt!, before + 3600 - 1)
      assert.isAtMost(auth.expiresAt!, before + 3600 + 2)
      assert.isAtMost(Math.abs(stored.expiresAt! - auth.expiresAt!), 2)
    }))

  it.scoped("dh_gen_retry, then dh_gen_ok: the retried key is the one both sides keep", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.TestDc
      yield* dc.setDhGenRetry(1)
      const keysBefore = dc.authKeys.size
      // The client draws b (256 random bytes) once per set_client_DH_params: count the tries.
      let tries = 0
      const counting = (n: number) => {
        if (n === 256) tries++
        return randomBytes(n)
      }
      const auth = yield* handshake(dc, { codec: "padded" }, { randomBytes: counting })
      assert.strictEqual(tries, 2)
      assertSameKey(dc, auth)
      // The refused key of the first try was not stored.
      assert.strictEqual(dc.authKeys.size, keysBefore + 1)
      yield* assertConfig(dc, auth, { codec: "padded" })
    }))

  it.scoped("onStep reports each round trip once, in order, with its time", () =>
    Effect.gen(function*() {
      const dc = yield* TestDc.TestDc
      const steps: Array<readonly [string, number]> = []
      const [total, auth] = yield* Effect.timed(
        handshake(dc, { codec: "intermediate" }, { onStep: (step, millis) => steps.push([step, millis]) })
      )
      assertSameKey(dc, auth)
      assert.deepStrictEqual(steps.map(([s]) => s), ["req_pq_multi", "req_DH_params", "set_client_DH_params"])
      let sum = 0
      for (const [, millis] of steps) {
        assert.isTrue(Number.isFinite(millis) && millis >= 0)
        sum += millis
      }
      // The steps are parts of the whole.
      assert.isAtMost(sum, Duration.toMillis(total) + 1)
    }))
})
