// A hostile server's resPQ and answers against the client handshake: every pq that is not a
// product of two ~32-bit primes ends with HandshakeError("BadPq") at once (no hour of
// factorising, no defect from RSA_PAD), and every crypto step fails typed.
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { generatePrimeSync } from "node:crypto"
import { bigIntToBytes, randomBytes } from "../../src/crypto/index.ts"
import { factorServerPq, type HandshakeOptions } from "../../src/mtproto/index.ts"
import { authKeyOn, type Dc } from "../support/dc.ts"
import * as Scripted from "./support/scriptedServer.ts"

const prime = (bits: number) => generatePrimeSync(bits, { bigint: true })

/** The handshake's exit against `dc` (connecting to the local server does not fail: a defect if it did). */
const handshakeExit = (dc: Dc, extra: Partial<HandshakeOptions> = {}) =>
  Effect.exit(Effect.catchTag(authKeyOn(dc, { handshake: { stepTimeout: "5 seconds", ...extra } }), "TransportError", Effect.die))

/** One handshake against a scripted server; the exit and the server. */
const run = (options: Scripted.ScriptOptions, extra: Partial<HandshakeOptions> = {}, fault: Scripted.Fault = "none") =>
  Effect.gen(function*() {
    const server = yield* Scripted.make(fault, options)
    const [elapsed, exit] = yield* Effect.timed(handshakeExit(server, extra))
    return { server, exit, ms: Duration.toMillis(elapsed) }
  })

/** The exit is a typed HandshakeError of `reason` (not a defect), reached promptly. */
const assertRefused = (result: { exit: Exit.Exit<unknown, unknown>; ms: number }, reason: string, step = "req_DH_params") => {
  const { exit, ms } = result
  assert.isTrue(Exit.isFailure(exit), "the handshake should fail")
  if (!Exit.isFailure(exit)) return
  assert.isFalse(Cause.isDie(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
  const error = Cause.failureOption(exit.cause)
  assert.strictEqual(error._tag, "Some")
  if (error._tag !== "Some") return
  const e = error.value as { _tag: string; reason: string; step: string; detail?: string }
  assert.strictEqual(e._tag, "HandshakeError")
  assert.strictEqual(e.reason, reason, e.detail)
  assert.strictEqual(e.step, step)
  assert.isBelow(ms, 3_000, "refused without long work")
}

describe("hostile pq in resPQ", () => {
  const hostile: ReadonlyArray<readonly [string, () => Uint8Array]> = [
    ["a 128-bit semiprime (hours of factorising before)", () => bigIntToBytes(prime(64) * prime(64))],
    ["a 2·prime of 1,000 bits (a defect from RSA_PAD before)", () => bigIntToBytes(2n * prime(1000))],
    ["a 64-bit 2·prime", () => bigIntToBytes(2n * prime(62))],
    ["a 61-bit prime", () => bigIntToBytes(prime(61))],
    ["three ~21-bit primes", () => bigIntToBytes(prime(21) * prime(21) * prime(21))],
    ["the square of a 31-bit prime", () => { const p = prime(31); return bigIntToBytes(p * p) }],
    ["a 16-bit and a 47-bit prime", () => bigIntToBytes(prime(16) * prime(47))],
    ["nine bytes", () => Uint8Array.of(1, ...bigIntToBytes(prime(31) * prime(32)))],
    ["empty", () => new Uint8Array(0)],
    ["one", () => Uint8Array.of(1)]
  ]
  for (const [name, pq] of hostile) {
    it.scopedLive(`${name} → BadPq`, () =>
      Effect.gen(function*() {
        const result = yield* run({ pq: pq() })
        assertRefused(result, "BadPq")
        // Refused before anything was encrypted or sent.
        assert.deepStrictEqual(result.server.requests, ["req_pq_multi"])
      }))
  }

  it.scopedLive("the largest honest pq (two 32-bit primes, above 2^63) is accepted", () =>
    Effect.gen(function*() {
      let p = 0n, q = 0n
      while (p === q || p * q < 1n << 63n) [p, q] = [prime(32), prime(32)]
      const { exit } = yield* run({ pq: bigIntToBytes(p * q) })
      assert.isTrue(Exit.isSuccess(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
    }))

  it("factorServerPq: the policy as a pure function, bounded in time on the worst inputs", () => {
    const t0 = performance.now()
    for (let i = 0; i < 20; i++) {
      const [p, q] = [prime(32), prime(32)]
      const r = factorServerPq(bigIntToBytes(p * q))
      if (p !== q) assert.deepStrictEqual(r, { _tag: "Factors", p: p < q ? p : q, q: p < q ? q : p })
    }
    // Twenty 64-bit factorisations: milliseconds each (seconds allowed on a loaded machine).
    assert.isBelow(performance.now() - t0, 10_000)
    assert.strictEqual(factorServerPq(bigIntToBytes(prime(64) * prime(64)))._tag, "Refused")
  })
})

describe("every crypto step fails typed", () => {
  it.scopedLive("an RSA key RSA_PAD can't use (1,024 bits) → Crypto, not a defect", () =>
    Effect.gen(function*() {
      const server = yield* Scripted.make("none")
      const small = { n: prime(512) * prime(512), e: 65537n, fingerprint: server.publicKey.fingerprint }
      const exit = yield* handshakeExit({ ...server, publicKey: small })
      assertRefused({ exit, ms: 0 }, "Crypto")
    }))

  it.scopedLive("a random source that never yields a usable b ends the handshake (Crypto), it does not loop", () =>
    Effect.gen(function*() {
      // Zeros for b (g_b = 1, outside the safe range), real randomness for everything else.
      const broken = (n: number) => (n === 256 ? new Uint8Array(256) : randomBytes(n))
      const result = yield* run({}, { randomBytes: broken })
      assertRefused(result, "Crypto", "set_client_DH_params")
    }))
})
