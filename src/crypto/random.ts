/**
 * The one randomness source of the library. Everything that needs random bytes takes a
 * {@link RandomBytes} parameter so tests can pin it; production code passes {@link randomBytes}.
 *
 * @module
 */
import { randomFillSync } from "node:crypto"
import { readInt64LE } from "./bytes.ts"

/** A source of `n` random bytes. */
export type RandomBytes = (n: number) => Uint8Array

// Small requests (a random_id, a message's padding) are served from a pool filled 4 KiB at a
// time: one call into the CSPRNG costs about as much as filling a kilobyte. Every byte is
// handed out once, as a copy, and wiped from the pool (larger requests, such as key material,
// never pass through it).
const POOL_SIZE = 4096
const SMALL = 128
let pool = new Uint8Array(0)
let used = 0

/** `n` cryptographically secure random bytes (node:crypto CSPRNG). */
export const randomBytes: RandomBytes = (n) => {
  if (n > SMALL) {
    const out = new Uint8Array(n)
    randomFillSync(out)
    return out
  }
  if (used + n > pool.length) {
    pool = new Uint8Array(POOL_SIZE)
    randomFillSync(pool)
    used = 0
  }
  const out = pool.slice(used, used + n)
  pool.fill(0, used, used + n)
  used += n
  return out
}

/** A random signed 64-bit `long` (session ids, ping ids, random_id) from `random` (default: {@link randomBytes}). */
export const randomLong = (random: RandomBytes = randomBytes): bigint => readInt64LE(random(8))
