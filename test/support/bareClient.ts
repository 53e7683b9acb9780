/**
 * A bare MTProto client for the TestDc tests, built from the pure pieces (crypto, tl,
 * plain/encrypted messages) rather than the library's handshake and Sender, so that a bug
 * shared by the library's client and TestDc can't hide; with knobs to misbehave. Connections
 * come from `openChannel` (./dc.ts).
 */
import * as Effect from "effect/Effect"
import {
  aesIgeDecrypt,
  aesIgeEncrypt,
  authKeyId,
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  constantTimeEqual,
  factorizePq,
  initialServerSalt,
  modPow,
  newNonceHash,
  randomBytes,
  readInt64LE,
  rsaPadEncrypt,
  sha1,
  tmpAesKeyIv
} from "../../src/crypto/index.ts"
import {
  type AuthKey,
  decodePlainMessage,
  encodePlainMessage,
  type FrameChannel,
  nextClientMsgId,
  packMessage,
  unpackMessage
} from "../../src/mtproto/index.ts"
import { type AnyObject, deserialize, type Mt, serialize, TlReader } from "../../src/tl/index.ts"
import type { TransportError } from "../../src/transport/index.ts"
import type { Dc } from "./dc.ts"

let lastMsgId = 0n
const msgId = () => (lastMsgId = nextClientMsgId(Date.now(), lastMsgId))

// A 4-byte error frame from the server (-404 ...) arrives as TransportError("ServerError", code).

/** Sends a plain message and reads the plain answer. */
export const plainCall = (ch: FrameChannel, body: Uint8Array): Effect.Effect<AnyObject, TransportError> =>
  Effect.gen(function*() {
    yield* ch.send(encodePlainMessage(msgId(), body))
    const frame = yield* ch.receive
    return deserialize(decodePlainMessage(frame).body)
  })

/** Ways to break the handshake on purpose. */
export interface Misbehave {
  readonly wrongNonceAt?: "req_DH_params" | "set_client_DH_params"
  readonly badInnerHash?: boolean
  readonly temp?: number
}

export interface ClientKey {
  readonly authKey: AuthKey
  readonly salt: bigint
}

/** The client side of the DH handshake, step by step (core.telegram.org/mtproto/auth_key). */
export const handshake = (ch: FrameChannel, dc: Dc, misbehave: Misbehave = {}) =>
  Effect.gen(function*() {
    const nonce = randomBytes(16)
    const resPq = (yield* plainCall(ch, serialize({ _tag: "req_pq_multi", nonce }))) as Mt.resPQ
    if (resPq._tag !== "resPQ" || !constantTimeEqual(resPq.nonce, nonce)) return yield* Effect.dieMessage("bad resPQ")
    const pq = bytesToBigInt(resPq.pq)
    const [p, q] = factorizePq(pq)
    const newNonce = randomBytes(32)
    const inner = serialize(misbehave.temp === undefined
      ? { _tag: "p_q_inner_data_dc", pq: resPq.pq, p: bigIntToBytes(p), q: bigIntToBytes(q), nonce, server_nonce: resPq.server_nonce, new_nonce: newNonce, dc: dc.dcId }
      : { _tag: "p_q_inner_data_temp_dc", pq: resPq.pq, p: bigIntToBytes(p), q: bigIntToBytes(q), nonce, server_nonce: resPq.server_nonce, new_nonce: newNonce, dc: dc.dcId, expires_in: misbehave.temp })
    const sentNonce = misbehave.wrongNonceAt === "req_DH_params" ? randomBytes(16) : nonce
    const dhParams = (yield* plainCall(ch, serialize({
      _tag: "req_DH_params",
      nonce: sentNonce,
      server_nonce: resPq.server_nonce,
      p: bigIntToBytes(p),
      q: bigIntToBytes(q),
      public_key_fingerprint: dc.publicKey.fingerprint,
      encrypted_data: rsaPadEncrypt(inner, dc.publicKey, randomBytes)
    }))) as Mt.server_DH_params_ok
    if (dhParams._tag !== "server_DH_params_ok") return yield* Effect.dieMessage(`got ${dhParams._tag}`)
    const tmp = tmpAesKeyIv(resPq.server_nonce, newNonce)
    const answer = aesIgeDecrypt(dhParams.encrypted_answer, tmp.key, tmp.iv)
    const r = new TlReader(answer, 20)
    if (r.uint() !== 0xb5890dba) return yield* Effect.dieMessage("not server_DH_inner_data")
    r.int128(), r.int128()
    const g = BigInt(r.int())
    const dhPrime = bytesToBigInt(r.bytes())
    const gA = bytesToBigInt(r.bytes())
    r.int()
    if (!constantTimeEqual(sha1(answer.subarray(20, r.pos)), answer.subarray(0, 20))) return yield* Effect.dieMessage("bad answer hash")
    let retryId = 0n
    for (;;) {
      const b = bytesToBigInt(randomBytes(256))
      const gB = modPow(g, b, dhPrime)
      const key = bigIntToBytes(modPow(gA, b, dhPrime), 256)
      const clientInner = serialize({ _tag: "client_DH_inner_data", nonce, server_nonce: resPq.server_nonce, retry_id: retryId, g_b: bigIntToBytes(gB) })
      const hash = sha1(clientInner)
      if (misbehave.badInnerHash) hash[0]! ^= 0xff
      const withHash = concatBytes(hash, clientInner)
      const padded = concatBytes(withHash, randomBytes((16 - (withHash.length % 16)) % 16))
      const result = (yield* plainCall(ch, serialize({
        _tag: "set_client_DH_params",
        nonce: misbehave.wrongNonceAt === "set_client_DH_params" ? randomBytes(16) : nonce,
        server_nonce: resPq.server_nonce,
        encrypted_data: aesIgeEncrypt(padded, tmp.key, tmp.iv)
      }))) as Mt.Set_client_DH_params_answer
      if (result._tag === "dh_gen_retry") {
        if (!constantTimeEqual(result.new_nonce_hash2, newNonceHash(newNonce, key, 2))) return yield* Effect.dieMessage("bad hash2")
        retryId = readInt64LE(sha1(key))
        continue
      }
      if (result._tag !== "dh_gen_ok") return yield* Effect.dieMessage(`got ${result._tag}`)
      if (!constantTimeEqual(result.new_nonce_hash1, newNonceHash(newNonce, key, 1))) return yield* Effect.dieMessage("bad hash1")
      const salt = initialServerSalt(newNonce, resPq.server_nonce)
      return {
        authKey: { key, id: authKeyId(key) },
        salt: readInt64LE(salt)
      } satisfies ClientKey
    }
  })

/** A decoded server message (containers flattened). */
export interface ServerMessage {
  readonly msgId: bigint
  readonly seqNo: number
  readonly obj: AnyObject
}

/** An encrypted session over one channel: send bodies, read decoded server messages. */
export const session = (ch: FrameChannel, key: ClientKey, sessionId = bytesToBigInt(randomBytes(7))) => {
  let salt = key.salt
  let seq = 0
  const send = (body: Uint8Array, content = true, msgIdOverride?: bigint) => {
    const id = msgIdOverride ?? msgId()
    const seqNo = content ? 2 * seq++ + 1 : 2 * seq
    return Effect.as(ch.send(packMessage(key.authKey, 0, { salt, sessionId, msgId: id, seqNo, body }, randomBytes)), id)
  }
  const receive: Effect.Effect<ReadonlyArray<ServerMessage>, TransportError> = Effect.map(ch.receive, (frame) => {
    const m = unpackMessage(key.authKey, 8, frame)
    const obj = deserialize(m.body)
    if (obj._tag === "msg_container") {
      return obj.messages.map((i) => ({ msgId: i.msg_id, seqNo: i.seqno, obj: deserialize(i.body) }))
    }
    return [{ msgId: m.msgId, seqNo: m.seqNo, obj }]
  })
  /** Reads messages until one satisfies `pred`; returns everything read. */
  const until = (pred: (m: ServerMessage) => boolean) =>
    Effect.gen(function*() {
      const seen: Array<ServerMessage> = []
      for (;;) {
        const batch = yield* receive
        seen.push(...batch)
        if (batch.some(pred)) return seen
      }
    })
  return { send, receive, until, setSalt: (s: bigint) => void (salt = s), sessionId }
}

/** The rpc_result for `reqMsgId` among `messages`, decoded as a boxed object. */
export const resultOf = (messages: ReadonlyArray<ServerMessage>, reqMsgId: bigint): AnyObject => {
  const m = messages.find((x) => x.obj._tag === "rpc_result" && x.obj.req_msg_id === reqMsgId)
  if (m === undefined || m.obj._tag !== "rpc_result") throw new Error("no rpc_result")
  return deserialize(m.obj.result)
}

export const isResultFor = (reqMsgId: bigint) => (m: ServerMessage) =>
  m.obj._tag === "rpc_result" && m.obj.req_msg_id === reqMsgId
