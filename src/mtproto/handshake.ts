/**
 * Creating an auth key (core.telegram.org/mtproto/auth_key): the three round trips
 * `req_pq_multi` → `req_DH_params` → `set_client_DH_params`, each an Effect that can be run
 * and tested on its own, composed into {@link createAuthKey}.
 *
 * Every check the spec asks for fails with a {@link HandshakeError} of its own reason; every
 * step has a timeout.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import {
  aesIgeDecrypt,
  aesIgeEncrypt,
  authKeyAuxHash,
  authKeyId,
  bigIntToBytes,
  bytesToBigInt,
  checkDhPrime,
  checkGA,
  constantTimeEqual,
  initialServerSalt,
  modPow,
  newNonceHash,
  randomBytes as defaultRandomBytes,
  type RandomBytes,
  readInt64LE,
  rsaPadEncrypt,
  type RsaPublicKey,
  selectRsaKey,
  sha1,
  TELEGRAM_RSA_KEYS,
  tmpAesKeyIv
} from "../crypto/index.ts"
import type * as Scope from "effect/Scope"
import { type Mt, deserialize, serialize } from "../tl/index.ts"
import { isPermanentTransportError, type TransportError } from "../transport/TransportError.ts"
import type { FrameChannel } from "./channel.ts"
import type { AuthKey } from "./encryptedMessage.ts"
import { HandshakeError, type HandshakeFailure } from "./errors.ts"
import { nextClientMsgId } from "./msgId.ts"
import { decodePlainMessage, encodePlainMessage } from "./plainMessage.ts"
import { factorServerPq } from "./resPq.ts"

/** How to create the key. */
export interface HandshakeOptions {
  /** The DC id sent in `p_q_inner_data_dc` (+10000 for test DCs, negative for media DCs). */
  readonly dcId: number
  /** Server keys to choose from by fingerprint (default: Telegram's production and test keys). */
  readonly publicKeys?: ReadonlyArray<RsaPublicKey> | undefined
  /** Create a temporary key (`p_q_inner_data_temp_dc`) valid for this many seconds. */
  readonly tempKeyExpiresIn?: number | undefined
  /** Time to wait for each answer (default 10 s). */
  readonly stepTimeout?: Duration.DurationInput | undefined
  /** How many `dh_gen_retry` answers are accepted before giving up (default 5). */
  readonly maxDhRetries?: number | undefined
  /** The randomness source (nonces, padding, RSA temp keys, b). */
  readonly randomBytes?: RandomBytes | undefined
  /** Told after each round trip how long it took (for progress output and benchmarks). */
  readonly onStep?: ((step: Step, millis: number) => void) | undefined
}

/** What a finished handshake yields. */
export interface AuthKeyResult {
  readonly authKey: AuthKey
  /** The first server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8), as a long. */
  readonly serverSalt: bigint
  /** server_time − local time, in seconds. */
  readonly timeOffset: number
  /** For temporary keys: the unix time it expires. */
  readonly expiresAt?: number | undefined
}

/** A plain-message channel: msg_ids from the clock, bodies in and out. */
export interface PlainSession {
  readonly call: (body: Uint8Array, step: Step) => Effect.Effect<Mt.AnyObject, HandshakeError>
  readonly setTimeOffset: (seconds: number) => void
}

/** The three round trips of the handshake. */
export type Step = "req_pq_multi" | "req_DH_params" | "set_client_DH_params"

const fail = (reason: HandshakeFailure, step: Step, detail?: string, cause?: unknown) =>
  new HandshakeError({ reason, step, ...(detail !== undefined ? { detail } : {}), ...(cause !== undefined ? { cause } : {}) })

/**
 * The unencrypted request/answer channel the handshake steps run over; each call waits at
 * most `timeout` for its answer.
 */
export const makePlainSession = (channel: FrameChannel, timeout: Duration.DurationInput): PlainSession => {
  let last = 0n
  let offset = 0
  const call = (body: Uint8Array, step: Step) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      last = nextClientMsgId(now + offset * 1000, last)
      yield* channel.send(encodePlainMessage(last, body))
      const frame = yield* channel.receive
      const decoded = yield* Effect.try({
        // Only MTProto answers are expected here; any other tag fails the callers' tag checks.
        try: () => deserialize(decodePlainMessage(frame).body) as Mt.AnyObject,
        catch: (cause) => fail("BadPlainMessage", step, "undecodable answer", cause)
      })
      return decoded
    }).pipe(
      Effect.mapError((e) => e._tag === "TransportError" ? fail("Transport", step, e.reason, e) : e),
      Effect.timeoutFail({ duration: timeout, onTimeout: () => fail("Timeout", step) })
    )
  return { call, setTimeOffset: (s) => (offset = s) }
}

const same = (a: Uint8Array, b: Uint8Array) => constantTimeEqual(a, b)

/**
 * Runs a synchronous crypto step; whatever it throws (a CryptoError on input the checks before
 * it should have caught, a key the caller supplied that RSA_PAD can't use) is a typed
 * `HandshakeError("Crypto")`, never a defect.
 */
const crypto = <A>(step: Step, what: string, run: () => A): Effect.Effect<A, HandshakeError> =>
  Effect.try({ try: run, catch: (cause) => fail("Crypto", step, `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, cause) })

const defaultKeys = [...TELEGRAM_RSA_KEYS.production, ...TELEGRAM_RSA_KEYS.test]

/** Step 1: `req_pq_multi` → `resPQ`, nonce checked. */
export const reqPq = (session: PlainSession, nonce: Uint8Array) =>
  Effect.gen(function*() {
    const answer = yield* session.call(serialize({ _tag: "req_pq_multi", nonce }), "req_pq_multi")
    if (answer._tag !== "resPQ") return yield* fail("UnexpectedAnswer", "req_pq_multi", answer._tag)
    const resPq = answer
    if (!same(resPq.nonce, nonce)) return yield* fail("NonceMismatch", "req_pq_multi")
    return resPq
  })

/** What step 2 hands to step 3. */
export interface DhParams {
  readonly nonce: Uint8Array
  readonly serverNonce: Uint8Array
  readonly newNonce: Uint8Array
  readonly g: number
  readonly dhPrime: bigint
  readonly gA: bigint
  readonly serverTime: number
  readonly tmpKey: Uint8Array
  readonly tmpIv: Uint8Array
}

/**
 * Step 2: pick the RSA key by fingerprint, factorize pq, send `p_q_inner_data_dc` under
 * RSA_PAD in `req_DH_params`, then decrypt and check `server_DH_inner_data`.
 */
export const reqDhParams = (
  session: PlainSession,
  resPq: Mt.resPQ,
  nonce: Uint8Array,
  options: HandshakeOptions,
  random: RandomBytes
) =>
  Effect.gen(function*() {
    const step = "req_DH_params" as const
    const key = yield* Effect.try({
      try: () => selectRsaKey(resPq.server_public_key_fingerprints, options.publicKeys ?? defaultKeys),
      catch: (cause) => fail("UnknownFingerprint", step, resPq.server_public_key_fingerprints.join(","), cause)
    })
    const factors = factorServerPq(resPq.pq)
    if (factors._tag === "Refused") return yield* fail("BadPq", step, factors.detail)
    const { p, q } = factors
    const newNonce = random(32)
    const common = {
      pq: resPq.pq,
      p: bigIntToBytes(p),
      q: bigIntToBytes(q),
      nonce,
      server_nonce: resPq.server_nonce,
      new_nonce: newNonce,
      dc: options.dcId
    }
    const inner = options.tempKeyExpiresIn === undefined
      ? serialize({ _tag: "p_q_inner_data_dc", ...common })
      : serialize({ _tag: "p_q_inner_data_temp_dc", ...common, expires_in: options.tempKeyExpiresIn })
    const encrypted = yield* crypto(step, "RSA_PAD", () => rsaPadEncrypt(inner, key, random))
    const answer = yield* session.call(
      serialize({
        _tag: "req_DH_params",
        nonce,
        server_nonce: resPq.server_nonce,
        p: common.p,
        q: common.q,
        public_key_fingerprint: key.fingerprint,
        encrypted_data: encrypted
      }),
      step
    )
    if (answer._tag !== "server_DH_params_ok" && answer._tag !== "server_DH_params_fail") {
      return yield* fail("UnexpectedAnswer", step, answer._tag)
    }
    if (!same(answer.nonce, nonce)) return yield* fail("NonceMismatch", step)
    if (!same(answer.server_nonce, resPq.server_nonce)) return yield* fail("ServerNonceMismatch", step)
    if (answer._tag === "server_DH_params_fail") return yield* fail("ServerDhParamsFail", step)
    const params = answer
    const { iv: tmpIv, key: tmpKey } = tmpAesKeyIv(resPq.server_nonce, newNonce)
    const data = params.encrypted_answer
    if (data.length % 16 !== 0 || data.length < 20 + 16) return yield* fail("BadAnswerHash", step, `answer of ${data.length} bytes`)
    const plain = yield* crypto(step, "AES-IGE", () => aesIgeDecrypt(data, tmpKey, tmpIv))
    const innerBytes = findHashed(plain)
    if (innerBytes === undefined) return yield* fail("BadAnswerHash", step)
    const decoded = yield* Effect.try({
      try: () => deserialize(innerBytes) as Mt.AnyObject,
      catch: (cause) => fail("BadAnswerHash", step, "undecodable server_DH_inner_data", cause)
    })
    if (decoded._tag !== "server_DH_inner_data") return yield* fail("UnexpectedAnswer", step, decoded._tag)
    const dh = decoded
    if (!same(dh.nonce, nonce)) return yield* fail("NonceMismatch", step, "inside server_DH_inner_data")
    if (!same(dh.server_nonce, resPq.server_nonce)) return yield* fail("ServerNonceMismatch", step, "inside server_DH_inner_data")
    const dhPrime = bytesToBigInt(dh.dh_prime)
    const gA = bytesToBigInt(dh.g_a)
    yield* Effect.try({
      try: () => checkDhPrime(dhPrime, dh.g),
      catch: (cause) =>
        fail((cause as { value?: string }).value === "g" ? "BadG" : "BadDhPrime", step, (cause as Error).message, cause)
    })
    yield* Effect.try({ try: () => checkGA(gA, dhPrime, "g_a"), catch: (cause) => fail("BadGA", step, (cause as Error).message, cause) })
    return {
      nonce,
      serverNonce: resPq.server_nonce,
      newNonce,
      g: dh.g,
      dhPrime,
      gA,
      serverTime: dh.server_time,
      tmpKey,
      tmpIv
    } satisfies DhParams
  })

/**
 * `answer_with_hash` = SHA1(answer) ‖ answer ‖ 0..15 bytes of padding: the answer's length is
 * the one whose SHA1 matches (at most 16 candidates).
 */
const findHashed = (plain: Uint8Array): Uint8Array | undefined => {
  const hash = plain.subarray(0, 20)
  for (let pad = 0; pad < 16 && 20 + pad <= plain.length; pad++) {
    const candidate = plain.subarray(20, plain.length - pad)
    if (same(sha1(candidate), hash)) return candidate
  }
  return undefined
}

/**
 * Step 3: send g_b in `client_DH_inner_data`, compute the auth key, and check the server's
 * `dh_gen_ok` (new_nonce_hash1). `dh_gen_retry` repeats the step with
 * retry_id = auth_key_aux_hash, at most `maxDhRetries` times.
 */
export const setClientDhParams = (session: PlainSession, dh: DhParams, options: HandshakeOptions, random: RandomBytes) =>
  Effect.gen(function*() {
    const step = "set_client_DH_params" as const
    let retryId = 0n
    for (let attempt = 0; attempt <= (options.maxDhRetries ?? 5); attempt++) {
      const { b, request } = yield* crypto(step, "client_DH_inner_data", () => {
        const { b, gB } = drawB(dh, random)
        const inner = serialize({
          _tag: "client_DH_inner_data",
          nonce: dh.nonce,
          server_nonce: dh.serverNonce,
          retry_id: retryId,
          g_b: bigIntToBytes(gB)
        })
        const hashed = new Uint8Array((20 + inner.length + 15) & ~15)
        hashed.set(sha1(inner), 0)
        hashed.set(inner, 20)
        hashed.set(random(hashed.length - 20 - inner.length), 20 + inner.length)
        const request = serialize({
          _tag: "set_client_DH_params",
          nonce: dh.nonce,
          server_nonce: dh.serverNonce,
          encrypted_data: aesIgeEncrypt(hashed, dh.tmpKey, dh.tmpIv)
        })
        return { b, request }
      })
      const answer = yield* session.call(request, step)
      if (answer._tag !== "dh_gen_ok" && answer._tag !== "dh_gen_retry" && answer._tag !== "dh_gen_fail") {
        return yield* fail("UnexpectedAnswer", step, answer._tag)
      }
      if (!same(answer.nonce, dh.nonce)) return yield* fail("NonceMismatch", step)
      if (!same(answer.server_nonce, dh.serverNonce)) return yield* fail("ServerNonceMismatch", step)
      const authKey = yield* crypto(step, "auth key", () => bigIntToBytes(modPow(dh.gA, b, dh.dhPrime), 256))
      const n = answer._tag === "dh_gen_ok" ? 1 : answer._tag === "dh_gen_retry" ? 2 : 3
      const hashField = answer._tag === "dh_gen_ok"
        ? answer.new_nonce_hash1
        : answer._tag === "dh_gen_retry"
        ? answer.new_nonce_hash2
        : answer.new_nonce_hash3
      if (!same(hashField, newNonceHash(dh.newNonce, authKey, n))) return yield* fail("BadNewNonceHash", step, answer._tag)
      if (n === 3) return yield* fail("DhGenFail", step)
      if (n === 1) return authKey
      retryId = readInt64LE(authKeyAuxHash(authKey))
    }
    return yield* fail("TooManyRetries", step)
  })

/**
 * A secret b whose g_b is in the safe range. A bad draw has probability ~2^-64; a few in a row
 * mean the random source is broken, which must end the handshake rather than loop forever.
 */
const drawB = (dh: DhParams, random: RandomBytes): { readonly b: bigint; readonly gB: bigint } => {
  for (let i = 0; i < 8; i++) {
    const b = bytesToBigInt(random(256))
    const gB = modPow(BigInt(dh.g), b, dh.dhPrime)
    try {
      checkGA(gB, dh.dhPrime, "g_b")
      return { b, gB }
    } catch {
      continue
    }
  }
  throw new Error("no b with a safe g_b in 8 draws: the random source is broken")
}

/**
 * Runs the whole handshake over `channel` and returns the new auth key, the first server
 * salt and the server time offset. Transport failures are retried on a fresh channel by the
 * caller (see {@link createAuthKeyRetrying}); here they end the attempt.
 */
export const createAuthKey = (
  channel: FrameChannel,
  options: HandshakeOptions
): Effect.Effect<AuthKeyResult, HandshakeError> =>
  Effect.gen(function*() {
    const random = options.randomBytes ?? defaultRandomBytes
    const session = makePlainSession(channel, options.stepTimeout ?? Duration.seconds(10))
    const timed = <A, E>(step: Step, effect: Effect.Effect<A, E>) =>
      options.onStep === undefined ? effect : Effect.map(Effect.timed(effect), ([d, a]) => {
        options.onStep?.(step, Duration.toMillis(d))
        return a
      })
    const nonce = random(16)
    const resPq = yield* timed("req_pq_multi", reqPq(session, nonce))
    const dh = yield* timed("req_DH_params", reqDhParams(session, resPq, nonce, options, random))
    const now = yield* Clock.currentTimeMillis
    const timeOffset = dh.serverTime - Math.floor(now / 1000)
    session.setTimeOffset(timeOffset)
    const key = yield* timed("set_client_DH_params", setClientDhParams(session, dh, options, random))
    const salt = initialServerSalt(dh.newNonce, dh.serverNonce)
    return {
      authKey: { key, id: authKeyId(key) },
      serverSalt: readInt64LE(salt),
      timeOffset,
      ...(options.tempKeyExpiresIn !== undefined ? { expiresAt: dh.serverTime + options.tempKeyExpiresIn } : {})
    }
  }).pipe(Effect.withSpan("mtproto.handshake", { attributes: { dc: options.dcId } }))

/**
 * Whether a failed handshake may succeed on a fresh connection: transport failures and
 * timeouts, except a proxy that failed for good (wrong credentials, an unusable configuration,
 * a refusal by policy: see `isPermanentProxyError`).
 */
export const isRetriableHandshakeError = (e: HandshakeError): boolean =>
  (e.reason === "Transport" || e.reason === "Timeout") && !isPermanentTransportError(e.cause)

/** The default retry policy for a handshake that failed on the transport: 3 more tries, backing off. */
export const handshakeRetry = Schedule.exponential("200 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(3)),
  Schedule.whileInput(isRetriableHandshakeError)
)

/**
 * Opens a channel with `open` and runs {@link createAuthKey}, retrying on a fresh channel
 * when the transport fails (`handshakeRetry`). Protocol failures are never retried.
 */
export const createAuthKeyRetrying = <R>(
  open: Effect.Effect<FrameChannel, TransportError, R>,
  options: HandshakeOptions,
  schedule: Schedule.Schedule<unknown, HandshakeError> = handshakeRetry
): Effect.Effect<AuthKeyResult, HandshakeError, Exclude<R, Scope.Scope>> =>
  Effect.retry(
    Effect.scoped(
      Effect.flatMap(
        Effect.mapError(open, (e) => new HandshakeError({ reason: "Transport", detail: e.reason, cause: e })),
        (channel) => createAuthKey(channel, options)
      )
    ),
    schedule
  )
