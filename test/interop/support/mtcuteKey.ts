/**
 * mtcute 0.30 indexes server keys by the 16-digit hex of their fingerprint but looks them up
 * with `toString(16)`, which drops a leading zero digit: one key in 16 is never found, and the
 * handshake then fails with "public keys not found". Every mtcute suite gives its TestDc a key
 * mtcute can find (the benchmarks too).
 */
import { generateRsaKeyPair, type RsaKeyPair } from "../../../src/crypto/index.ts"

/** Whether mtcute 0.30 can find a key by this fingerprint (its hex has no leading zero). */
export const isMtcuteFindable = (fingerprint: bigint): boolean => BigInt.asUintN(64, fingerprint).toString(16).length === 16

/** A fresh RSA key pair that mtcute can find. */
export const mtcuteFindableKeyPair = (): RsaKeyPair => {
  for (;;) {
    const pair = generateRsaKeyPair()
    if (isMtcuteFindable(pair.publicKey.fingerprint)) return pair
  }
}

let shared: RsaKeyPair | undefined
/** One findable key pair per test file (key generation costs ~100 ms). */
export const sharedMtcuteKeyPair = (): RsaKeyPair => (shared ??= mtcuteFindableKeyPair())
