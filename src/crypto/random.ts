/**
 * The one randomness source of the library. Everything that needs random bytes takes a
 * {@link RandomBytes} parameter so tests can pin it; production code passes {@link randomBytes}.
 *
 * @module
 */
import { randomFillSync } from "node:crypto"

/** A source of `n` random bytes. */
export type RandomBytes = (n: number) => Uint8Array

/** `n` cryptographically secure random bytes (node:crypto CSPRNG). */
export const randomBytes: RandomBytes = (n) => {
  const out = new Uint8Array(n)
  randomFillSync(out)
  return out
}
