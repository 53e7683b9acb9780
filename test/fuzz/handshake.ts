/**
 * The client handshake (`createAuthKey`) against an in-memory hostile server: an honest server
 * side of the DH exchange that corrupts one answer per run — the answer's TL bytes, resPQ's pq,
 * or the decrypted server_DH_inner_data (re-hashed, so the client meets hostile g, dh_prime or
 * g_a rather than a bad hash). The contract: success, or a typed HandshakeError; never a defect,
 * never a hang. In memory (no socket), so a run costs what the crypto costs.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import fc from "fast-check"
import {
  aesIgeDecrypt,
  aesIgeEncrypt,
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  generateRsaKeyPair,
  modPow,
  newNonceHash,
  randomBytes,
  type RsaKeyPair,
  rsaPadDecrypt,
  sha1,
  TELEGRAM_DH_PRIME,
  tmpAesKeyIv
} from "../../src/crypto/index.ts"
import { createAuthKey, decodePlainMessage, encodePlainMessage, type FrameChannel } from "../../src/mtproto/index.ts"
import { deserialize, serialize, TlReader } from "../../src/tl/index.ts"
import { TransportError } from "../../src/transport/index.ts"
import { type Mutation, mutateAll, mutationArb } from "./mutations.ts"
import { outcomeOf, type Target } from "./runner.ts"

export interface HostileRun {
  /** Which answer is corrupted: resPQ, server_DH_params, or dh_gen_*; `none`: an honest run. */
  readonly step: "none" | "resPQ" | "serverDhParams" | "dhGen"
  /** How: its TL bytes, resPQ's pq (step resPQ), or the inner data before hashing (step serverDhParams). */
  readonly how: "bytes" | "pq" | "inner"
  readonly mutations: ReadonlyArray<Mutation>
  readonly pq: Uint8Array
}

const arbitrary: fc.Arbitrary<HostileRun> = fc.record({
  step: fc.constantFrom("none", "resPQ", "resPQ", "resPQ", "serverDhParams", "serverDhParams", "dhGen"),
  how: fc.constantFrom("bytes", "pq", "inner"),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
  pq: fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 17 }),
    fc.bigInt({ min: 4n, max: (1n << 64n) - 1n }).map((n) => bigIntToBytes(n))
  )
})

interface Fixed {
  readonly rsa: RsaKeyPair
  readonly a: bigint
  readonly gA: Uint8Array
  readonly pq: Uint8Array
}
let fixed: Fixed | undefined
/** Per-process server constants: generating an RSA key and g^a per run would dominate the cost. */
const constants = (): Fixed => {
  if (fixed !== undefined) return fixed
  const a = bytesToBigInt(randomBytes(256))
  // p = 1,229,739,323 and q = 1,402,015,859: the spec's example pq.
  return (fixed = { rsa: generateRsaKeyPair(), a, gA: bigIntToBytes(modPow(3n, a, TELEGRAM_DH_PRIME), 256), pq: bigIntToBytes(0x17ed48941a08f981n) })
}

/** The frame channel of one run: each request is answered at once (or the peer "hangs up"). */
const hostileServer = (run: HostileRun): FrameChannel => {
  const { rsa, a, gA, pq } = constants()
  const queue: Array<Uint8Array> = []
  let nonce: Uint8Array = new Uint8Array(16)
  const serverNonce = randomBytes(16)
  let newNonce: Uint8Array = new Uint8Array(32)
  let tmp: { key: Uint8Array; iv: Uint8Array } | undefined
  let msgId = 1n
  const hit = (step: HostileRun["step"], how: HostileRun["how"]) => run.step === step && run.how === how
  const reply = (step: HostileRun["step"], body: Uint8Array) => {
    const bytes = run.step === step && run.how === "bytes" ? mutateAll(body, run.mutations) : body
    queue.push(encodePlainMessage((msgId += 4n) << 32n | 1n, bytes))
  }
  /** The client's requests, loosely: the union of every method is too large to narrow here. */
  interface Request {
    readonly _tag: string
    readonly nonce: Uint8Array
    readonly encrypted_data: Uint8Array
  }
  const answer = (request: Request) => {
    switch (request._tag) {
      case "req_pq_multi":
        nonce = request.nonce
        return reply("resPQ", serialize({
          _tag: "resPQ",
          nonce,
          server_nonce: serverNonce,
          pq: hit("resPQ", "pq") ? run.pq : pq,
          server_public_key_fingerprints: [rsa.publicKey.fingerprint]
        }))
      case "req_DH_params": {
        const r = new TlReader(rsaPadDecrypt(request.encrypted_data, rsa))
        r.uint(), r.bytes(), r.bytes(), r.bytes(), r.int128(), r.int128()
        newNonce = r.int256()
        tmp = tmpAesKeyIv(serverNonce, newNonce)
        let inner = serialize({
          _tag: "server_DH_inner_data",
          nonce,
          server_nonce: serverNonce,
          g: 3,
          dh_prime: bigIntToBytes(TELEGRAM_DH_PRIME, 256),
          g_a: gA,
          server_time: Math.floor(Date.now() / 1000)
        })
        if (hit("serverDhParams", "inner")) inner = mutateAll(inner, run.mutations)
        const hashed = concatBytes(sha1(inner), inner)
        const padded = concatBytes(hashed, randomBytes((16 - (hashed.length % 16)) % 16))
        return reply("serverDhParams", serialize({
          _tag: "server_DH_params_ok",
          nonce,
          server_nonce: serverNonce,
          encrypted_answer: aesIgeEncrypt(padded, tmp.key, tmp.iv)
        }))
      }
      case "set_client_DH_params": {
        const plain = aesIgeDecrypt(request.encrypted_data, tmp!.key, tmp!.iv)
        const r = new TlReader(plain, 20)
        r.uint(), r.int128(), r.int128(), r.long()
        const key = bigIntToBytes(modPow(bytesToBigInt(r.bytes()), a, TELEGRAM_DH_PRIME), 256)
        return reply("dhGen", serialize({ _tag: "dh_gen_ok", nonce, server_nonce: serverNonce, new_nonce_hash1: newNonceHash(newNonce, key, 1) }))
      }
      default:
        throw new Error(`the client sent ${request._tag}`)
    }
  }
  return {
    send: (frame) => Effect.sync(() => answer(deserialize(decodePlainMessage(frame).body) as unknown as Request)),
    receive: Effect.suspend(() => {
      const next = queue.shift()
      return next === undefined ? Effect.fail(new TransportError({ reason: "Closed" })) : Effect.succeed(next)
    })
  }
}

/** The client handshake against a server that corrupts one answer. */
export const handshakeTarget: Target<HostileRun> = {
  name: "mtproto: client handshake against a hostile server",
  arbitrary,
  weight: 0.02,
  run: () => {
    throw new Error("asynchronous target")
  },
  runAsync: async (run) => {
    const { rsa } = constants()
    const exit = await Effect.runPromiseExit(
      createAuthKey(hostileServer(run), { dcId: 2, publicKeys: [rsa.publicKey], stepTimeout: "2 seconds" })
    )
    if (Exit.isSuccess(exit)) return "ok"
    if (Cause.isDie(exit.cause) || Cause.isInterrupted(exit.cause)) throw new Error(`not a typed failure: ${Cause.pretty(exit.cause)}`)
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "None") throw new Error(Cause.pretty(exit.cause))
    const outcome = outcomeOf(failure.value, ["HandshakeError"])
    if (run.step === "none") throw new Error(`an honest run failed: ${outcome}`)
    return outcome
  }
}
