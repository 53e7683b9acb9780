// TestDc: the server side of the DH handshake and the encrypted session, driven by a bare
// client made of the pure pieces (test/support/bareClient.ts) and by the library's own client.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { bytesToBigInt, randomBytes, toHex } from "../../src/crypto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { type Api, serialize } from "../../src/tl/index.ts"
import { handshake, isResultFor, resultOf, type ServerMessage, session } from "../support/bareClient.ts"
import { firstCall, makeDc, openChannel, senderOn } from "../support/dc.ts"

describe("TestDc handshake and session", () => {
  it.scopedLive("creates an auth key both sides agree on, then answers ping and RPCs", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 2 })
      assert.isAbove(dc.port, 0)
      assert.match(dc.rsaPublicKeyPem, /^-----BEGIN RSA PUBLIC KEY-----/)
      const ch = yield* openChannel(dc)
      const key = yield* handshake(ch, dc)
      const stored = dc.authKeys.get(toHex(key.authKey.id))
      assert.isDefined(stored)
      assert.deepStrictEqual(Redacted.value(stored!.key), key.authKey.key)
      assert.strictEqual(stored!.salt, key.salt)
      assert.isFalse(stored!.temp)

      const s = session(ch, key)
      const pingId = bytesToBigInt(randomBytes(7))
      const pingMsg = yield* s.send(serialize({ _tag: "ping", ping_id: pingId }))
      const first = yield* s.until((m) => m.obj._tag === "pong")
      const created = first.find((m) => m.obj._tag === "new_session_created")
      assert.isDefined(created)
      assert.strictEqual(created!.obj._tag === "new_session_created" && created!.obj.first_msg_id, pingMsg)
      const pong = first.find((m) => m.obj._tag === "pong")!
      assert.deepStrictEqual(pong.obj, { _tag: "pong", msg_id: pingMsg, ping_id: pingId })
      // Server msg_ids are odd; content-related messages carry odd seq_nos.
      for (const m of first) assert.strictEqual(Number(m.msgId & 1n), 1)
      assert.strictEqual(pong.seqNo % 2, 1)
      const ack = first.find((m) => m.obj._tag === "msgs_ack")
      assert.deepStrictEqual(ack?.obj, { _tag: "msgs_ack", msg_ids: [pingMsg] })

      const getConfig = yield* s.send(serialize(firstCall({ _tag: "help.getConfig" })))
      const config = resultOf(yield* s.until(isResultFor(getConfig)), getConfig) as Api.config
      assert.strictEqual(config._tag, "config")
      assert.strictEqual(config.this_dc, 2)
      assert.deepStrictEqual(config.dc_options.map((o) => [o.id, o.ip_address, o.port]), [[2, dc.host, dc.port]])

      const nearest = yield* s.send(serialize({ _tag: "help.getNearestDc" }))
      assert.deepStrictEqual(resultOf(yield* s.until(isResultFor(nearest)), nearest), {
        _tag: "nearestDc", country: "XX", this_dc: 2, nearest_dc: 2
      })
      // Known to the schema, not to the handler table: an rpc_error, not silence.
      const unknown = yield* s.send(serialize({ _tag: "help.getAppConfig", hash: 0 }))
      assert.deepStrictEqual(resultOf(yield* s.until(isResultFor(unknown)), unknown), {
        _tag: "rpc_error", error_code: 400, error_message: "METHOD_INVALID"
      })
      // A content-related message with an even seq_no: bad_msg_notification 35 (odd expected, even received), not processed.
      const evenPing = yield* s.send(serialize({ _tag: "ping", ping_id: 3n }), false)
      const notified = (yield* s.until((m) => m.obj._tag === "bad_msg_notification")).find((m) => m.obj._tag === "bad_msg_notification")
      assert.deepStrictEqual(notified?.obj, { _tag: "bad_msg_notification", bad_msg_id: evenPing, bad_msg_seqno: 2 * 4, error_code: 35 })
      // Not in any schema: still answered, by msg_id.
      const garbage = yield* s.send(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0))
      const err = resultOf(yield* s.until(isResultFor(garbage)), garbage)
      assert.strictEqual(err._tag === "rpc_error" && err.error_code, 400)
    }))

  it.scopedLive("bad_server_salt, future salts, destroy_session, handlers from options, dh_gen_retry", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({
        faults: { dhGenRetry: 1 },
        handlers: {
          "help.getAppConfig": () => Effect.succeed({ _tag: "help.appConfigNotModified" }),
          "help.getSupportName": () => Effect.fail(new TestDc.RpcFailure({ code: 420, message: "FLOOD_WAIT_3" }))
        }
      })
      const ch = yield* openChannel(dc, { codec: "abridged" })
      const key = yield* handshake(ch, dc) // goes through one dh_gen_retry
      assert.strictEqual(dc.authKeys.size, 1)
      const s = session(ch, key)
      s.setSalt(12345n)
      const first = yield* s.send(serialize({ _tag: "help.getAppConfig", hash: 0 }))
      const bad = (yield* s.until((m) => m.obj._tag === "bad_server_salt")).find((m) => m.obj._tag === "bad_server_salt")!
      assert.strictEqual(bad.obj._tag === "bad_server_salt" && bad.obj.bad_msg_id, first)
      assert.strictEqual(bad.obj._tag === "bad_server_salt" && bad.obj.new_server_salt, key.salt)
      s.setSalt(key.salt)
      const again = yield* s.send(serialize({ _tag: "help.getAppConfig", hash: 0 }))
      assert.deepStrictEqual(resultOf(yield* s.until(isResultFor(again)), again), { _tag: "help.appConfigNotModified" })
      const flood = yield* s.send(serialize({ _tag: "help.getSupportName" }))
      assert.deepStrictEqual(resultOf(yield* s.until(isResultFor(flood)), flood), {
        _tag: "rpc_error", error_code: 420, error_message: "FLOOD_WAIT_3"
      })
      const salts = yield* s.send(serialize({ _tag: "get_future_salts", num: 3 }))
      const fs = (yield* s.until((m) => m.obj._tag === "future_salts")).find((m) => m.obj._tag === "future_salts")!
      assert.strictEqual(fs.obj._tag === "future_salts" && fs.obj.req_msg_id, salts)
      assert.strictEqual(fs.obj._tag === "future_salts" && fs.obj.salts.length, 3)
      // destroy_session is answered with a service message of its own, not an rpc_result.
      const destroy = yield* s.send(serialize({ _tag: "destroy_session", session_id: 777n }))
      const answered = (m: ServerMessage) => m.obj._tag === "destroy_session_none" || isResultFor(destroy)(m)
      const destroyed = (yield* s.until(answered)).filter(answered)
      assert.deepStrictEqual(destroyed.map((m) => m.obj), [{ _tag: "destroy_session_none", session_id: 777n }])
      // req_pq_multi inside the encrypted session is answered too (rpc_result with resPQ).
      const nonce = randomBytes(16)
      const reqPq = yield* s.send(serialize({ _tag: "req_pq_multi", nonce }))
      const resPq = resultOf(yield* s.until(isResultFor(reqPq)), reqPq)
      assert.strictEqual(resPq._tag, "resPQ")
      assert.deepStrictEqual(resPq._tag === "resPQ" && [resPq.nonce, resPq.server_public_key_fingerprints], [nonce, [dc.fingerprint]])
      // rotateSalt: the old salt is refused from now on.
      const [rotated] = yield* dc.rotateSalt()
      const after = yield* s.send(serialize({ _tag: "ping", ping_id: 1n }))
      const refused = (yield* s.until((m) => m.obj._tag === "bad_server_salt")).find((m) => m.obj._tag === "bad_server_salt")!
      assert.strictEqual(refused.obj._tag === "bad_server_salt" && refused.obj.bad_msg_id, after)
      assert.strictEqual(refused.obj._tag === "bad_server_salt" && refused.obj.new_server_salt, rotated)
    }))

  it.scopedLive("temporary keys (p_q_inner_data_temp_dc) are stored as temporary", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc({ dcId: 4 })
      const ch = yield* openChannel(dc, { codec: "padded" })
      const key = yield* handshake(ch, dc, { temp: 600 })
      const stored = dc.authKeys.get(toHex(key.authKey.id))!
      assert.isTrue(stored.temp)
      assert.isDefined(stored.expiresAt)
    }))

  it.scopedLive("the library's own client: createAuthKey and a Sender", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      const { sender, authKeyId } = yield* senderOn(dc)
      assert.isTrue(dc.authKeys.has(authKeyId))
      const nearest = yield* sender.invoke({ _tag: "help.getNearestDc" })
      assert.strictEqual(nearest.this_dc, dc.dcId)
      const config = yield* sender.invoke(firstCall({ _tag: "help.getConfig" }))
      assert.strictEqual(config.dc_options[0]?.port, dc.port)
    }))
})
