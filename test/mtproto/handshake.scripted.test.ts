// The client handshake against a scripted server that gets exactly one thing wrong: every
// check of core.telegram.org/mtproto/auth_key must end the handshake with its own typed
// reason, promptly, over a real TCP socket.
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import {
  createAuthKeyRetrying,
  type HandshakeError,
  type HandshakeFailure,
  type HandshakeOptions
} from "../../src/mtproto/index.ts"
import { TransportError } from "../../src/transport/index.ts"
import { authKeyOn, openChannel } from "../support/dc.ts"
import * as Scripted from "./support/scriptedServer.ts"

// Every answer of the scripted server is immediate: a hang shows up as Timeout, not as a stuck test.
const stepTimeout = "3 seconds"

const optionsFor = (server: Scripted.ScriptedServer): HandshakeOptions => ({ dcId: server.dcId, publicKeys: [server.publicKey], stepTimeout })

/** Runs one handshake against a server with `fault`; the server is returned for inspection. */
const handshake = (fault: Scripted.Fault, extra: Partial<HandshakeOptions> = {}) =>
  Effect.gen(function*() {
    const server = yield* Scripted.make(fault)
    // Connecting to the local server does not fail: if it did, the test itself would be broken.
    const result = yield* Effect.either(
      Effect.catchTag(authKeyOn(server, { handshake: { stepTimeout, ...extra } }), "TransportError", Effect.die)
    )
    return { server, result }
  })

const failsWith = (fault: Scripted.Fault, reason: HandshakeFailure, step: HandshakeError["step"], extra: Partial<HandshakeOptions> = {}) =>
  Effect.gen(function*() {
    const { result, server } = yield* handshake(fault, extra)
    assert.strictEqual(result._tag, "Left", `fault ${fault} should fail`)
    if (result._tag !== "Left") return
    assert.strictEqual(result.left._tag, "HandshakeError")
    assert.strictEqual(result.left.reason, reason, `${result.left.reason}: ${result.left.detail ?? ""}`)
    assert.strictEqual(result.left.step, step)
    assert.deepStrictEqual(server.errors, [], "the server script itself went wrong")
    return { error: result.left, server }
  })

describe("createAuthKey against a scripted server", () => {
  it.scopedLive("an honest server: both sides derive the same key", () =>
    Effect.gen(function*() {
      const { result, server } = yield* handshake("none")
      assert.strictEqual(result._tag, "Right")
      if (result._tag !== "Right") return
      assert.deepStrictEqual(server.keys, [result.right.authKey.key])
      assert.deepStrictEqual(server.requests, ["req_pq_multi", "req_DH_params", "set_client_DH_params"])
      assert.deepStrictEqual(server.errors, [])
    }))

  const cases: ReadonlyArray<readonly [string, Scripted.Fault, HandshakeFailure, HandshakeError["step"]]> = [
    ["wrong nonce in resPQ", "nonce", "NonceMismatch", "req_pq_multi"],
    ["wrong server_nonce in server_DH_params_ok", "serverNonce", "ServerNonceMismatch", "req_DH_params"],
    ["unknown fingerprint", "fingerprint", "UnknownFingerprint", "req_DH_params"],
    ["bad answer hash", "answerHash", "BadAnswerHash", "req_DH_params"],
    ["dh_prime whose (p-1)/2 is not prime", "unsafePrime", "BadDhPrime", "req_DH_params"],
    ["g with the wrong residue for the prime", "badG", "BadG", "req_DH_params"],
    ["g_a = 1", "gAOne", "BadGA", "req_DH_params"],
    ["g_a = p - 1", "gAPMinus1", "BadGA", "req_DH_params"],
    ["server_DH_params_fail", "dhParamsFail", "ServerDhParamsFail", "req_DH_params"],
    ["dh_gen_fail", "dhGenFail", "DhGenFail", "set_client_DH_params"],
    ["bad new_nonce_hash1", "newNonceHash", "BadNewNonceHash", "set_client_DH_params"],
    ["an unexpected constructor", "unexpected", "UnexpectedAnswer", "req_pq_multi"],
    ["the server closes the socket mid-handshake", "closeMidway", "Transport", "req_DH_params"]
  ]
  for (const [name, fault, reason, step] of cases) {
    it.scopedLive(`${name} → ${reason}`, () => failsWith(fault, reason, step))
  }

  it.scopedLive("transport error -404 instead of an answer → Transport (ServerError)", () =>
    Effect.gen(function*() {
      const failed = yield* failsWith("errorCode", "Transport", "req_DH_params")
      const cause = failed?.error.cause
      assert.instanceOf(cause, TransportError)
      assert.strictEqual((cause as TransportError).reason, "ServerError")
      assert.strictEqual((cause as TransportError).code, -404)
    }))

  it.scopedLive("a reply that never comes → Timeout after stepTimeout", () =>
    Effect.gen(function*() {
      const [elapsed] = yield* Effect.timed(failsWith("silent", "Timeout", "req_DH_params", { stepTimeout: "150 millis" }))
      // The timeout fired, not something slower.
      assert.isBelow(Duration.toMillis(elapsed), 2_000)
    }))

  it.scopedLive("dh_gen_retry, then dh_gen_ok with the right retry_id", () =>
    Effect.gen(function*() {
      const { result, server } = yield* handshake("retryOnce")
      assert.strictEqual(result._tag, "Right")
      if (result._tag !== "Right") return
      assert.deepStrictEqual(server.keys, [result.right.authKey.key])
      assert.deepStrictEqual(server.requests.filter((r) => r === "set_client_DH_params").length, 2)
      assert.deepStrictEqual(server.errors, [])
    }))

  it.scopedLive("dh_gen_retry every time → TooManyRetries after maxDhRetries", () =>
    Effect.gen(function*() {
      const failed = yield* failsWith("alwaysRetry", "TooManyRetries", "set_client_DH_params", { maxDhRetries: 1 })
      // The first try and one retry.
      assert.strictEqual(failed?.server.requests.filter((r) => r === "set_client_DH_params").length, 2)
    }))
})

describe("createAuthKeyRetrying", () => {
  it.scopedLive("retries a transport failure on a fresh connection, then succeeds", () =>
    Effect.gen(function*() {
      const server = yield* Scripted.make("closeFirstConnection")
      const result = yield* createAuthKeyRetrying(openChannel(server), optionsFor(server))
      assert.strictEqual(server.connections(), 2)
      assert.deepStrictEqual(server.keys, [result.authKey.key])
    }))

  it.scopedLive("does not retry a protocol failure", () =>
    Effect.gen(function*() {
      const server = yield* Scripted.make("nonce")
      // A schedule with room for retries: only the error decides.
      const error = yield* Effect.flip(createAuthKeyRetrying(openChannel(server), optionsFor(server)))
      assert.strictEqual(error.reason, "NonceMismatch")
      assert.strictEqual(server.connections(), 1)
    }))

  it.scopedLive("gives up after the schedule's retries", () =>
    Effect.gen(function*() {
      const server = yield* Scripted.make("closeMidway")
      const quick = Schedule.recurs(2).pipe(Schedule.whileInput((e: HandshakeError) => e.reason === "Transport"))
      const error = yield* Effect.flip(createAuthKeyRetrying(openChannel(server), optionsFor(server), quick))
      assert.strictEqual(error.reason, "Transport")
      assert.strictEqual(server.connections(), 3)
    }))
})
