/**
 * What the client accepts as resPQ's `pq` (core.telegram.org/mtproto/auth_key): a product of
 * two distinct primes of about 32 bits each (Telegram's pq is below 2^63). Checked before any
 * work: a 128-bit semiprime would keep the synchronous factorisation busy for hours, and a
 * large `2·prime` would make p_q_inner_data too long to encrypt. Pure; the handshake maps a
 * refusal to `HandshakeError("BadPq")`.
 */
import { bytesToBigInt, factorizePq } from "../crypto/index.ts"

/** Longest pq accepted, in bytes (64 bits). */
export const MAX_PQ_BYTES = 8

/** Each factor of pq must lie in [2^MIN_PQ_FACTOR_BITS, 2^MAX_PQ_FACTOR_BITS). */
export const MIN_PQ_FACTOR_BITS = 20
export const MAX_PQ_FACTOR_BITS = 33

/** The factors of an acceptable pq, or why it is refused. */
export type PqFactors =
  | { readonly _tag: "Factors"; readonly p: bigint; readonly q: bigint }
  | { readonly _tag: "Refused"; readonly detail: string }

const refused = (detail: string): PqFactors => ({ _tag: "Refused", detail })

/**
 * Splits resPQ's `pq` into p < q, or refuses it: more than 64 bits, not a product of exactly two
 * distinct primes, or a factor outside [2^20, 2^33). Bounded in time: factorising a 64-bit
 * number takes milliseconds.
 */
export const factorServerPq = (pq: Uint8Array): PqFactors => {
  // Leading zero bytes change nothing in the value; count only the significant ones.
  let start = 0
  while (start < pq.length && pq[start] === 0) start++
  if (pq.length - start > MAX_PQ_BYTES) return refused(`pq of ${(pq.length - start) * 8} bits (at most 64 accepted)`)
  const value = bytesToBigInt(pq)
  let p: bigint, q: bigint
  try {
    ;[p, q] = factorizePq(value)
  } catch (e) {
    return refused(e instanceof Error ? e.message : String(e))
  }
  const lo = 1n << BigInt(MIN_PQ_FACTOR_BITS)
  const hi = 1n << BigInt(MAX_PQ_FACTOR_BITS)
  if (p === q) return refused(`pq = ${value} is the square of a prime`)
  if (p < lo || q >= hi) return refused(`pq = ${value} = ${p} · ${q}: factors must be primes of ${MIN_PQ_FACTOR_BITS}–${MAX_PQ_FACTOR_BITS} bits`)
  return { _tag: "Factors", p, q }
}
