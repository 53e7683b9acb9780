/**
 * Telegram's published RSA server public keys (protocol facts: tdlib's
 * PublicRsaKeySharedMain), and selection by the fingerprints a server offers in resPQ.
 *
 * @module
 */
import { CryptoError } from "./errors.ts"
import { parseRsaPublicKeyPem, type RsaPublicKey } from "./rsa.ts"

/** The current production key (fingerprint -3414540481677951611n = u64 0xd09d1d85de64fd85). */
export const TELEGRAM_PRODUCTION_RSA_PEM = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----`

/** The current test-DC key (fingerprint -5595554452916591101n = u64 0xb25898df208d2603). */
export const TELEGRAM_TEST_RSA_PEM = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----`

/** Telegram's production server key. */
export const TELEGRAM_PRODUCTION_RSA_KEY: RsaPublicKey = parseRsaPublicKeyPem(TELEGRAM_PRODUCTION_RSA_PEM)
/** Telegram's test-DC server key. */
export const TELEGRAM_TEST_RSA_KEY: RsaPublicKey = parseRsaPublicKeyPem(TELEGRAM_TEST_RSA_PEM)

/** Default key lists: production DCs trust only the production key, test DCs only the test key. */
export const TELEGRAM_RSA_KEYS: {
  readonly production: ReadonlyArray<RsaPublicKey>
  readonly test: ReadonlyArray<RsaPublicKey>
} = { production: [TELEGRAM_PRODUCTION_RSA_KEY], test: [TELEGRAM_TEST_RSA_KEY] }

/**
 * The first key of `keys` (in the caller's order of preference) whose fingerprint the server
 * offered. Fingerprints compare as 64-bit values, so signed (as TL decodes `long`) and
 * unsigned forms both match. Custom keys (e.g. a TestDc's) are added by putting them in
 * `keys` (see `parseRsaPublicKeyPem`). Throws {@link CryptoError} `NoMatchingRsaKey`.
 */
export const selectRsaKey = (
  fingerprints: ReadonlyArray<bigint>,
  keys: ReadonlyArray<RsaPublicKey> = TELEGRAM_RSA_KEYS.production
): RsaPublicKey => {
  const offered = new Set(fingerprints.map((f) => BigInt.asIntN(64, f)))
  const key = keys.find((k) => offered.has(BigInt.asIntN(64, k.fingerprint)))
  if (key === undefined) {
    throw new CryptoError({
      reason: "NoMatchingRsaKey",
      message: `no known RSA key among server fingerprints [${fingerprints.join(", ")}]`
    })
  }
  return key
}
