/**
 * A scripted MTProto server for handshake tests: a node:net server on 127.0.0.1:0 that runs
 * an honest server side of the DH handshake, written here from the crypto and TL pieces (not
 * TestDc's, so a bug shared by both can't hide), with one `fault` that corrupts exactly one
 * thing. The client side under test is the library's `createAuthKey` over a real socket.
 *
 * Framing is detected with the library's server framing; the tests connect with
 * intermediate framing. Everything runs synchronously in the socket's data handler, so the
 * order of frames on a connection is the order of the script.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { generatePrimeSync } from "node:crypto"
import * as net from "node:net"
import {
  aesIgeDecrypt,
  aesIgeEncrypt,
  authKeyAuxHash,
  authKeyId,
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  constantTimeEqual,
  isProbablePrime,
  modPow,
  newNonceHash,
  randomBytes,
  readInt64LE,
  type RsaPublicKey,
  rsaPadDecrypt,
  sha1,
  TELEGRAM_DH_PRIME,
  tmpAesKeyIv
} from "../../../src/crypto/index.ts"
import {
  decodePlainMessage,
  encodePlainMessage,
  isPlainMessage,
  nextServerMsgId,
  packMessage,
  unpackMessage
} from "../../../src/mtproto/index.ts"
import { type AnyObject, deserialize, type Mt, serialize } from "../../../src/tl/index.ts"
import { makeServerFraming } from "../../../src/transport/index.ts"
import { sharedKeyPair } from "../../support/dc.ts"

/** The one thing the server gets wrong (`"none"`: an honest server). */
export type Fault =
  | "none"
  /** resPQ carries another nonce. */
  | "nonce"
  /** server_DH_params_ok carries another server_nonce. */
  | "serverNonce"
  /** resPQ lists only a fingerprint the client doesn't know. */
  | "fingerprint"
  /** The SHA1 in front of server_DH_inner_data is wrong. */
  | "answerHash"
  /** dh_prime is a 2048-bit prime whose (p−1)/2 is not prime (g = 4, which has no residue condition). */
  | "unsafePrime"
  /** g = 2 with Telegram's prime, which is 3 mod 8: g is not a generator of the right subgroup. */
  | "badG"
  /** g_a = 1. */
  | "gAOne"
  /** g_a = p − 1. */
  | "gAPMinus1"
  /** server_DH_params_fail instead of server_DH_params_ok. */
  | "dhParamsFail"
  /** dh_gen_fail (with a correct new_nonce_hash3). */
  | "dhGenFail"
  /** dh_gen_ok with a wrong new_nonce_hash1. */
  | "newNonceHash"
  /** dh_gen_retry once, then dh_gen_ok. */
  | "retryOnce"
  /** dh_gen_retry every time. */
  | "alwaysRetry"
  /** A pong in answer to req_pq_multi. */
  | "unexpected"
  /** No answer to req_DH_params. */
  | "silent"
  /** Closes the connection when req_DH_params arrives. */
  | "closeMidway"
  /** Transport error code -404 in answer to req_DH_params. */
  | "errorCode"
  /** Closes the first connection when req_pq_multi arrives; later connections are served honestly. */
  | "closeFirstConnection"

/**
 * How the server treats encrypted messages once a key exists (the handshake is honest):
 * - `honest`: answers `ping`/`ping_delay_disconnect` with pong and `help.getNearestDc` with nearestDc;
 * - `stall`: reads everything and answers nothing, keeping the connection open;
 * - `dieAfterOne`: answers the first frame, then closes every connection and stops listening;
 * - `wrongAuthKeyId` / `wrongMsgKey`: answers, but every frame carries a corrupted
 *   auth_key_id / msg_key.
 */
export type SessionBehaviour = "honest" | "stall" | "dieAfterOne" | "wrongAuthKeyId" | "wrongMsgKey"

export interface ScriptedServer {
  readonly host: string
  readonly port: number
  /** The DC the server is (2): what the client's p_q_inner_data_dc names. */
  readonly dcId: number
  readonly publicKey: RsaPublicKey
  /** Connections accepted so far. */
  readonly connections: () => number
  /** Auth keys the server derived and confirmed with dh_gen_ok. */
  readonly keys: ReadonlyArray<Uint8Array>
  /** Requests received, by constructor name, in order (all connections). */
  readonly requests: ReadonlyArray<string>
  /** Anything that went wrong on the server side itself (a bug in the script, bad client data). */
  readonly errors: ReadonlyArray<unknown>
  /** Encrypted messages received, by constructor name (wrappers unwrapped), in order. */
  readonly encrypted: ReadonlyArray<string>
}

let sharedUnsafePrime: bigint | undefined
/**
 * A 2048-bit prime p (top bit set, so it passes the size check) for which (p−1)/2 is not
 * prime. A random prime is "safe" with probability ~1/700, so that case is drawn again.
 */
export const unsafePrime = (): bigint => {
  if (sharedUnsafePrime !== undefined) return sharedUnsafePrime
  for (;;) {
    const p = generatePrimeSync(2048, { bigint: true })
    if (p > 1n << 2047n && !isProbablePrime((p - 1n) >> 1n)) return (sharedUnsafePrime = p)
  }
}

/** A p_q_inner_data* object followed by random padding: the one prefix that decodes whole. */
const decodePrefix = <T extends AnyObject>(bytes: Uint8Array): T => {
  for (let n = 4; n <= bytes.length; n += 4) {
    try {
      return deserialize(bytes.subarray(0, n)) as T
    } catch {
      continue
    }
  }
  throw new Error("no TL object at the start of the data")
}

/** SHA1(data) ‖ data ‖ 0..15 bytes of padding, as in set_client_DH_params. */
const unhash = (plain: Uint8Array): Uint8Array => {
  for (let pad = 0; pad < 16; pad++) {
    const data = plain.subarray(20, plain.length - pad)
    if (constantTimeEqual(sha1(data), plain.subarray(0, 20))) return data
  }
  throw new Error("no SHA1 matches the client's encrypted data")
}

/** The first 8 bytes as a signed little-endian TL long. */

const flip = (bytes: Uint8Array): Uint8Array => {
  const out = bytes.slice()
  out[0]! ^= 0xff
  return out
}

interface Handshake {
  nonce: Uint8Array
  serverNonce: Uint8Array
  newNonce?: Uint8Array
  a?: bigint
  dhPrime?: bigint
  tmp?: { key: Uint8Array; iv: Uint8Array }
  retries: number
  retryId: bigint
}

/** What a hostile server puts in resPQ instead of an honest value. */
export interface ScriptOptions {
  /** The pq bytes of resPQ (an honest product of two 31-bit primes when absent). */
  readonly pq?: Uint8Array | undefined
  /** How the server behaves once the key exists (default "honest"). */
  readonly session?: SessionBehaviour | undefined
}

/** Starts a scripted server for the life of the scope. */
export const make = (fault: Fault, options: ScriptOptions = {}): Effect.Effect<ScriptedServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const session = options.session ?? "honest"
    const rsa = sharedKeyPair()
    // Drawn before any client connects: generating it can take a second.
    const prime = fault === "unsafePrime" ? unsafePrime() : TELEGRAM_DH_PRIME
    const g = fault === "unsafePrime" ? 4 : fault === "badG" ? 2 : 3
    const keys: Array<Uint8Array> = []
    const requests: Array<string> = []
    const errors: Array<unknown> = []
    const sockets = new Set<net.Socket>()
    const encrypted: Array<string> = []
    let accepted = 0
    let answeredFrames = 0
    let listening: net.Server | undefined

    const onConnection = (socket: net.Socket) => {
      const index = accepted++
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => {}) // the client hanging up is not the server's error
      const framing = makeServerFraming()
      let lastMsgId = 0n
      let hs: Handshake | undefined
      const reply = (body: Uint8Array) => {
        lastMsgId = nextServerMsgId(Date.now(), lastMsgId, true)
        socket.write(framing.encode(encodePlainMessage(lastMsgId, body)))
      }

      const onRequest = (request: AnyObject) => {
        requests.push(request._tag)
        switch (request._tag) {
          case "req_pq_multi": {
            if (fault === "closeFirstConnection" && index === 0) return void socket.destroy()
            if (fault === "unexpected") return reply(serialize({ _tag: "pong", msg_id: 0n, ping_id: 0n }))
            hs = { nonce: request.nonce, serverNonce: randomBytes(16), retries: 0, retryId: 0n }
            // Two 31-bit primes: pq fits a signed long like Telegram's.
            const p = generatePrimeSync(31, { bigint: true })
            let q = p
            while (q === p) q = generatePrimeSync(31, { bigint: true })
            return reply(serialize({
              _tag: "resPQ",
              nonce: fault === "nonce" ? flip(request.nonce) : request.nonce,
              server_nonce: hs.serverNonce,
              pq: options.pq ?? bigIntToBytes(p * q),
              server_public_key_fingerprints: [fault === "fingerprint" ? rsa.publicKey.fingerprint ^ 1n : rsa.publicKey.fingerprint]
            }))
          }
          case "req_DH_params": {
            if (fault === "silent") return
            if (fault === "closeMidway") return void socket.destroy()
            if (fault === "errorCode") {
              const code = new Uint8Array(4)
              new DataView(code.buffer).setInt32(0, -404, true)
              return void socket.write(framing.encode(code))
            }
            if (hs === undefined || !constantTimeEqual(request.server_nonce, hs.serverNonce)) throw new Error("req_DH_params out of order")
            if (request.public_key_fingerprint !== rsa.publicKey.fingerprint) throw new Error("client chose another key")
            const inner = decodePrefix<Mt.p_q_inner_data_dc | Mt.p_q_inner_data_temp_dc>(
              rsaPadDecrypt(request.encrypted_data, rsa)
            )
            if (!constantTimeEqual(inner.nonce, hs.nonce)) throw new Error("inner nonce mismatch")
            hs.newNonce = inner.new_nonce
            const base = { nonce: hs.nonce, server_nonce: fault === "serverNonce" ? flip(hs.serverNonce) : hs.serverNonce }
            if (fault === "dhParamsFail") {
              const hash = sha1(hs.newNonce).subarray(4, 20)
              return reply(serialize({ _tag: "server_DH_params_fail", ...base, new_nonce_hash: hash }))
            }
            hs.a = bytesToBigInt(randomBytes(256))
            hs.dhPrime = prime
            const gA = fault === "gAOne" ? 1n : fault === "gAPMinus1" ? prime - 1n : modPow(BigInt(g), hs.a, prime)
            const answer = serialize({
              _tag: "server_DH_inner_data",
              nonce: hs.nonce,
              server_nonce: hs.serverNonce,
              g,
              dh_prime: bigIntToBytes(prime, 256),
              g_a: bigIntToBytes(gA, 256),
              server_time: Math.floor(Date.now() / 1000)
            })
            const hash = fault === "answerHash" ? flip(sha1(answer)) : sha1(answer)
            const hashed = concatBytes(hash, answer)
            const padded = concatBytes(hashed, randomBytes((16 - (hashed.length % 16)) % 16))
            hs.tmp = tmpAesKeyIv(hs.serverNonce, hs.newNonce)
            return reply(serialize({
              _tag: "server_DH_params_ok",
              ...base,
              encrypted_answer: aesIgeEncrypt(padded, hs.tmp.key, hs.tmp.iv)
            }))
          }
          case "set_client_DH_params": {
            if (hs?.tmp === undefined || hs.a === undefined || hs.dhPrime === undefined || hs.newNonce === undefined) {
              throw new Error("set_client_DH_params out of order")
            }
            const inner = deserialize(unhash(aesIgeDecrypt(request.encrypted_data, hs.tmp.key, hs.tmp.iv))) as Mt.AnyObject
            if (inner._tag !== "client_DH_inner_data") throw new Error(`client sent ${inner._tag}`)
            const key = bigIntToBytes(modPow(bytesToBigInt(inner.g_b), hs.a, hs.dhPrime), 256)
            const base = { nonce: hs.nonce, server_nonce: hs.serverNonce }
            // retry_id is 0 at first, then the auth_key_aux_hash of the key the last dh_gen_retry refused.
            if (inner.retry_id !== hs.retryId) throw new Error(`retry_id ${inner.retry_id}, expected ${hs.retryId}`)
            if (fault === "alwaysRetry" || (fault === "retryOnce" && hs.retries === 0)) {
              hs.retries++
              hs.retryId = readInt64LE(authKeyAuxHash(key))
              return reply(serialize({ _tag: "dh_gen_retry", ...base, new_nonce_hash2: newNonceHash(hs.newNonce, key, 2) }))
            }
            if (fault === "dhGenFail") {
              return reply(serialize({ _tag: "dh_gen_fail", ...base, new_nonce_hash3: newNonceHash(hs.newNonce, key, 3) }))
            }
            const hash1 = newNonceHash(hs.newNonce, key, 1)
            if (fault !== "newNonceHash") keys.push(key)
            return reply(serialize({ _tag: "dh_gen_ok", ...base, new_nonce_hash1: fault === "newNonceHash" ? flip(hash1) : hash1 }))
          }
          default:
            throw new Error(`unexpected request ${request._tag}`)
        }
      }

      let serverSeq = 0
      const onEncrypted = (frame: Uint8Array) => {
        const key = keys.at(-1)
        if (key === undefined) throw new Error("encrypted message before any key")
        const authKey = { key, id: authKeyId(key) }
        const inner = unpackMessage(authKey, 0, frame)
        const top = deserialize(inner.body) as Mt.AnyObject
        const messages = top._tag === "msg_container"
          ? top.messages.map((m) => ({ msgId: m.msg_id, obj: deserialize(m.body as unknown as Uint8Array) as Mt.AnyObject }))
          : [{ msgId: inner.msgId, obj: top }]
        const answers: Array<Uint8Array> = []
        for (const m of messages) {
          let obj = m.obj as { readonly _tag: string; readonly query?: unknown; readonly ping_id?: bigint }
          while (typeof obj.query === "object" && obj.query !== null) obj = obj.query as typeof obj
          encrypted.push(obj._tag)
          if (obj._tag === "ping" || obj._tag === "ping_delay_disconnect") {
            answers.push(serialize({ _tag: "pong", msg_id: m.msgId, ping_id: obj.ping_id! }))
          } else if (obj._tag === "help.getNearestDc") {
            const nearest = serialize({ _tag: "nearestDc", country: "XX", this_dc: 2, nearest_dc: 2 })
            answers.push(serialize({ _tag: "rpc_result", req_msg_id: m.msgId, result: nearest } as unknown as AnyObject))
          }
        }
        if (session === "stall" || answers.length === 0) return
        for (const body of answers) {
          lastMsgId = nextServerMsgId(Date.now(), lastMsgId, true)
          const out = packMessage(authKey, 8, { salt: inner.salt, sessionId: inner.sessionId, msgId: lastMsgId, seqNo: 2 * serverSeq++ + 1, body }, randomBytes)
          if (session === "wrongAuthKeyId") out[0]! ^= 1
          if (session === "wrongMsgKey") out[8]! ^= 1
          socket.write(framing.encode(out))
        }
        if (session === "dieAfterOne" && ++answeredFrames >= 1) {
          listening?.close()
          for (const s of sockets) s.destroy()
        }
      }

      socket.on("data", (chunk) => {
        try {
          framing.decode(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), (frame) => {
            if (isPlainMessage(frame)) onRequest(deserialize(decodePlainMessage(frame).body))
            else onEncrypted(frame)
          })
        } catch (e) {
          errors.push(e)
          socket.destroy()
        }
      })
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<net.Server>((resume) => {
        const s = net.createServer(onConnection)
        listening = s
        s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          if (!s.listening) return resume(Effect.void)
          s.close(() => resume(Effect.void))
        })
    )
    const address = server.address() as net.AddressInfo
    return {
      host: "127.0.0.1",
      port: address.port,
      dcId: 2,
      publicKey: rsa.publicKey,
      connections: () => accepted,
      keys,
      requests,
      errors,
      encrypted
    }
  })
