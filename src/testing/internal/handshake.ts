/**
 * The server side of auth key creation (core.telegram.org/mtproto/auth_key), as pure
 * synchronous steps over decoded requests. One {@link HandshakeServer} per connection holds
 * the handshakes in progress (a client may run several at once, e.g. a permanent and a
 * temporary key), keyed by the client's nonce.
 */
import {
  bigIntToBytes,
  bytesToBigInt,
  checkGA,
  concatBytes,
  constantTimeEqual,
  type AesKeyIv,
  aesIgeDecrypt,
  aesIgeEncrypt,
  authKeyAuxHash,
  authKeyId,
  initialServerSalt,
  isProbablePrime,
  modPow,
  newNonceHash,
  type RandomBytes,
  readInt64LE,
  rsaDecryptRaw,
  rsaPadDecrypt,
  sha1,
  TELEGRAM_DH_PRIME,
  tmpAesKeyIv,
  toHex
} from "../../crypto/index.ts"
import type { KeyObject } from "node:crypto"
import { MtId, serialize, TlReader, type Mt } from "../../tl/index.ts"

/** Why a handshake step was refused; the connection is then closed with transport error -404. */
export class HandshakeRejected extends Error {
  readonly reason: string
  constructor(reason: string) {
    super(reason)
    this.reason = reason
  }
}

/** A key created by a completed handshake. */
export interface CreatedKey {
  readonly key: Uint8Array
  readonly id: Uint8Array
  /** The first server salt, as a TL long. */
  readonly salt: bigint
  /** Seconds the key lives (temporary keys, `p_q_inner_data_temp_dc`); `undefined` for permanent keys. */
  readonly expiresIn: number | undefined
}

/** Static inputs of the server handshake. */
export interface HandshakeConfig {
  readonly dcId: number
  readonly privateKey: KeyObject
  readonly fingerprint: bigint
  readonly randomBytes: RandomBytes
  /** Called once per set_client_DH_params; `true` answers dh_gen_retry (fault injection). */
  readonly takeDhGenRetry: () => boolean
  /** Refuse the pre-RSA_PAD encryption of p_q_inner_data (SHA1 ‖ data ‖ random), which Telegram still accepts. */
  readonly strict?: boolean | undefined
}

/** The outcome of one plain request. */
export type StepResult =
  | { readonly _tag: "Reply"; readonly body: Uint8Array }
  | { readonly _tag: "KeyCreated"; readonly body: Uint8Array; readonly key: CreatedKey }

interface Pending {
  readonly nonce: Uint8Array
  readonly serverNonce: Uint8Array
  readonly pq: bigint
  readonly p: bigint
  readonly q: bigint
  dh?: {
    readonly newNonce: Uint8Array
    readonly a: bigint
    readonly gA: bigint
    readonly tmp: AesKeyIv
    readonly expiresIn: number | undefined
    /** auth_key_aux_hash of the key of the last dh_gen_retry (the expected retry_id), else 0. */
    retryId: bigint
  }
}

const G = 3
const DH_PRIME_BYTES = bigIntToBytes(TELEGRAM_DH_PRIME, 256)

/** A random prime in [2^31, 2^32): pq then lands near 2^63, like Telegram's. */
const randomPrime32 = (randomBytes: RandomBytes): bigint => {
  for (;;) {
    const b = randomBytes(4)
    const n = BigInt((((b[0]! | 0x80) << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + (b[3]! | 1))
    if (isProbablePrime(n)) return n
  }
}

const makePq = (randomBytes: RandomBytes): { pq: bigint; p: bigint; q: bigint } => {
  for (;;) {
    const x = randomPrime32(randomBytes)
    const y = randomPrime32(randomBytes)
    if (x === y) continue
    const [p, q] = x < y ? [x, y] : [y, x]
    const pq = p * q
    // Keep pq a positive signed 64-bit number: some clients read it as a long.
    if (pq < 1n << 63n) return { pq, p, q }
  }
}

interface PqInnerData {
  readonly pq: bigint
  readonly p: bigint
  readonly q: bigint
  readonly nonce: Uint8Array
  readonly serverNonce: Uint8Array
  readonly newNonce: Uint8Array
  readonly dc: number | undefined
  readonly expiresIn: number | undefined
  /** Bytes the object took (the rest is padding). */
  readonly length: number
}

// p_q_inner_data variants share their first fields; read by hand because the 192 decrypted
// bytes carry random padding after the object, which `deserialize` would reject.
const readPqInnerData = (bytes: Uint8Array): PqInnerData => {
  const r = new TlReader(bytes)
  const id = r.uint()
  const withDc = id === MtId.p_q_inner_data_dc || id === MtId.p_q_inner_data_temp_dc
  const temp = id === MtId.p_q_inner_data_temp_dc || id === MtId.p_q_inner_data_temp
  if (!withDc && id !== MtId.p_q_inner_data && id !== MtId.p_q_inner_data_temp) {
    throw new HandshakeRejected(`unexpected inner data 0x${id.toString(16)}`)
  }
  const pq = bytesToBigInt(r.bytes())
  const p = bytesToBigInt(r.bytes())
  const q = bytesToBigInt(r.bytes())
  const nonce = r.int128()
  const serverNonce = r.int128()
  const newNonce = r.int256()
  const dc = withDc ? r.int() : undefined
  const expiresIn = temp ? r.int() : undefined
  return { pq, p, q, nonce, serverNonce, newNonce, dc, expiresIn, length: r.pos }
}

/**
 * The scheme before RSA_PAD, which Telegram still accepts (and @mtproto/core sends):
 * RSA(SHA1(data) ‖ data ‖ random bytes, 255 bytes in all).
 */
const readLegacyPqInnerData = (plain: Uint8Array): PqInnerData => {
  if (plain[0] !== 0) throw new HandshakeRejected("not the SHA1-padded scheme either")
  const data = plain.subarray(21)
  const inner = readPqInnerData(data)
  if (!constantTimeEqual(sha1(data.subarray(0, inner.length)), plain.subarray(1, 21))) {
    throw new HandshakeRejected("neither RSA_PAD nor the SHA1-padded scheme: hash check failed")
  }
  return inner
}

/**
 * The handshakes of one connection. Not thread-safe by design: one connection fiber owns it.
 */
export class HandshakeServer {
  private readonly config: HandshakeConfig
  private readonly pending = new Map<string, Pending>()
  constructor(config: HandshakeConfig) {
    this.config = config
  }

  private find(nonce: Uint8Array, serverNonce: Uint8Array): Pending {
    const state = this.pending.get(toHex(nonce))
    if (state === undefined) throw new HandshakeRejected("unknown nonce")
    if (!constantTimeEqual(state.serverNonce, serverNonce)) throw new HandshakeRejected("server_nonce mismatch")
    return state
  }

  /** `req_pq_multi` / `req_pq`: a fresh server_nonce and pq. */
  reqPq(request: Mt.req_pq_multi | Mt.req_pq): Mt.resPQ {
    const { pq, p, q } = makePq(this.config.randomBytes)
    const serverNonce = this.config.randomBytes(16)
    // Bounded: a client that keeps starting handshakes can't grow the map without limit.
    if (this.pending.size >= 16) this.pending.delete(this.pending.keys().next().value!)
    this.pending.set(toHex(request.nonce), { nonce: request.nonce, serverNonce, pq, p, q })
    return {
      _tag: "resPQ",
      nonce: request.nonce,
      server_nonce: serverNonce,
      pq: bigIntToBytes(pq),
      server_public_key_fingerprints: [this.config.fingerprint]
    }
  }

  /** `req_DH_params`: undo RSA_PAD, check the inner data, answer with g, dh_prime and g_a. */
  reqDhParams(request: Mt.req_DH_params, nowSeconds: number): Mt.server_DH_params_ok {
    const state = this.find(request.nonce, request.server_nonce)
    if (request.public_key_fingerprint !== this.config.fingerprint) throw new HandshakeRejected("unknown fingerprint")
    if (bytesToBigInt(request.p) !== state.p || bytesToBigInt(request.q) !== state.q) throw new HandshakeRejected("wrong p or q")
    let inner: PqInnerData
    try {
      inner = readPqInnerData(rsaPadDecrypt(request.encrypted_data, this.config.privateKey))
    } catch (e) {
      if (this.config.strict === true) {
        throw e instanceof HandshakeRejected ? e : new HandshakeRejected(`bad encrypted_data: ${e instanceof Error ? e.message : String(e)}`)
      }
      try {
        inner = readLegacyPqInnerData(rsaDecryptRaw(request.encrypted_data, this.config.privateKey))
      } catch (legacy) {
        throw legacy instanceof HandshakeRejected ? legacy : new HandshakeRejected(`bad encrypted_data: ${String(legacy)}`)
      }
    }
    if (inner.pq !== state.pq || inner.p !== state.p || inner.q !== state.q) throw new HandshakeRejected("inner pq/p/q mismatch")
    if (!constantTimeEqual(inner.nonce, state.nonce) || !constantTimeEqual(inner.serverNonce, state.serverNonce)) {
      throw new HandshakeRejected("inner nonce mismatch")
    }
    if (inner.dc !== undefined) {
      // Clients mark test DCs with +10000 and media DCs with a minus sign.
      const dc = Math.abs(inner.dc) % 10000
      if (dc !== this.config.dcId) throw new HandshakeRejected(`inner data for DC ${inner.dc}`)
    }
    if (inner.expiresIn !== undefined && inner.expiresIn <= 0) throw new HandshakeRejected("bad expires_in")
    const a = bytesToBigInt(this.config.randomBytes(256))
    const gA = modPow(BigInt(G), a, TELEGRAM_DH_PRIME)
    const tmp = tmpAesKeyIv(state.serverNonce, inner.newNonce)
    state.dh = { newNonce: inner.newNonce, a, gA, tmp, expiresIn: inner.expiresIn, retryId: 0n }
    const answer = serialize({
      _tag: "server_DH_inner_data",
      nonce: state.nonce,
      server_nonce: state.serverNonce,
      g: G,
      dh_prime: DH_PRIME_BYTES,
      g_a: bigIntToBytes(gA, 256),
      server_time: nowSeconds
    })
    const hashed = concatBytes(sha1(answer), answer)
    const padded = concatBytes(hashed, this.config.randomBytes((16 - (hashed.length % 16)) % 16))
    return {
      _tag: "server_DH_params_ok",
      nonce: state.nonce,
      server_nonce: state.serverNonce,
      encrypted_answer: aesIgeEncrypt(padded, tmp.key, tmp.iv)
    }
  }

  /** `set_client_DH_params`: check g_b, derive the key, answer dh_gen_ok (or retry/fail). */
  setClientDhParams(request: Mt.set_client_DH_params): StepResult {
    const state = this.find(request.nonce, request.server_nonce)
    const dh = state.dh
    if (dh === undefined) throw new HandshakeRejected("set_client_DH_params before req_DH_params")
    if (request.encrypted_data.length % 16 !== 0 || request.encrypted_data.length < 32) {
      throw new HandshakeRejected("encrypted_data is not whole AES blocks")
    }
    const plain = aesIgeDecrypt(request.encrypted_data, dh.tmp.key, dh.tmp.iv)
    const r = new TlReader(plain, 20)
    let nonce: Uint8Array, serverNonce: Uint8Array, retryId: bigint, gBBytes: Uint8Array
    try {
      if (r.uint() !== MtId.client_DH_inner_data) throw new HandshakeRejected("not client_DH_inner_data")
      nonce = r.int128()
      serverNonce = r.int128()
      retryId = r.long()
      gBBytes = r.bytes()
    } catch (e) {
      throw e instanceof HandshakeRejected ? e : new HandshakeRejected("undecodable client_DH_inner_data")
    }
    const end = r.pos
    if (plain.length - end >= 16) throw new HandshakeRejected("more than 15 bytes of padding")
    if (!constantTimeEqual(sha1(plain.subarray(20, end)), plain.subarray(0, 20))) throw new HandshakeRejected("bad SHA1 of client_DH_inner_data")
    if (!constantTimeEqual(nonce, state.nonce) || !constantTimeEqual(serverNonce, state.serverNonce)) {
      throw new HandshakeRejected("inner nonce mismatch")
    }
    if (retryId !== dh.retryId) throw new HandshakeRejected("wrong retry_id")
    const gB = bytesToBigInt(gBBytes)
    try {
      checkGA(gB, TELEGRAM_DH_PRIME, "g_b")
    } catch {
      // Telegram answers dh_gen_fail for an unusable g_b.
      return this.outcome(state, dh, modPow(gB % TELEGRAM_DH_PRIME, dh.a, TELEGRAM_DH_PRIME), "fail")
    }
    const key = bigIntToBytes(modPow(gB, dh.a, TELEGRAM_DH_PRIME), 256)
    if (this.config.takeDhGenRetry()) {
      dh.retryId = readInt64LE(authKeyAuxHash(key))
      return this.outcome(state, dh, bytesToBigInt(key), "retry")
    }
    return this.outcome(state, dh, bytesToBigInt(key), "ok")
  }

  private outcome(state: Pending, dh: NonNullable<Pending["dh"]>, keyValue: bigint, kind: "ok" | "retry" | "fail"): StepResult {
    const key = bigIntToBytes(keyValue, 256)
    const base = { nonce: state.nonce, server_nonce: state.serverNonce }
    if (kind === "retry") {
      return { _tag: "Reply", body: serialize({ _tag: "dh_gen_retry", ...base, new_nonce_hash2: newNonceHash(dh.newNonce, key, 2) }) }
    }
    this.pending.delete(toHex(state.nonce))
    if (kind === "fail") {
      return { _tag: "Reply", body: serialize({ _tag: "dh_gen_fail", ...base, new_nonce_hash3: newNonceHash(dh.newNonce, key, 3) }) }
    }
    return {
      _tag: "KeyCreated",
      body: serialize({ _tag: "dh_gen_ok", ...base, new_nonce_hash1: newNonceHash(dh.newNonce, key, 1) }),
      key: {
        key,
        id: authKeyId(key),
        salt: readInt64LE(initialServerSalt(dh.newNonce, state.serverNonce)),
        expiresIn: dh.expiresIn
      }
    }
  }
}
