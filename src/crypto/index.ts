/**
 * `effect-mtproto/crypto`: the cryptography of MTProto 2.0 as plain synchronous functions
 * over `Uint8Array` and `bigint`. Failures are thrown as tagged errors ({@link CryptoError},
 * {@link DhCheckError}, {@link SrpError}); Effect code wraps calls with `Effect.try`.
 *
 * @module
 */
export { aesIgeDecrypt, aesIgeEncrypt } from "./aesIge.ts"
export { type AesCtr, createAesCtr } from "./aesCtr.ts"
export {
  bigIntToBytes,
  bigIntToBytesLE,
  bytesToBigInt,
  bytesToBigIntLE,
  concatBytes,
  constantTimeEqual,
  fromHex,
  readInt64LE,
  toHex,
  writeInt64LE,
  xorBytes
} from "./bytes.ts"
export { checkDhPrime, checkGA, isProbablePrime, modPow, modPowBytes, TELEGRAM_DH_PRIME } from "./dh.ts"
export {
  CryptoError,
  type CryptoErrorReason,
  DhCheckError,
  type DhCheckReason,
  SrpError,
  type SrpErrorReason
} from "./errors.ts"
export { createMd5, hmacSha256, type Md5, md5Hex, pbkdf2Sha512, sha1, sha1Concat, sha256, sha256Concat, sha512 } from "./hash.ts"
export { requireRedacted, SecretNotRedacted } from "./secret.ts"
export {
  type AesKeyIv,
  authKeyAuxHash,
  authKeyId,
  initialServerSalt,
  messageKeyIv,
  messageKeyIvV1,
  msgKey,
  newNonceHash,
  tmpAesKeyIv
} from "./kdf.ts"
export { factorizePq } from "./pq.ts"
export { randomBytes, type RandomBytes, randomLong } from "./random.ts"
export {
  generateRsaKeyPair,
  parseRsaPublicKeyPem,
  type RsaKeyPair,
  rsaDecryptRaw,
  rsaFingerprint,
  rsaPadDecrypt,
  rsaPadEncrypt,
  type RsaPrivateKeyInput,
  rsaPublicKey,
  type RsaPublicKey
} from "./rsa.ts"
export {
  selectRsaKey,
  TELEGRAM_PRODUCTION_RSA_KEY,
  TELEGRAM_PRODUCTION_RSA_PEM,
  TELEGRAM_RSA_KEYS,
  TELEGRAM_TEST_RSA_KEY,
  TELEGRAM_TEST_RSA_PEM
} from "./rsaKeys.ts"
export { type SrpCheck, srpCheck, type SrpParams, srpServerB, srpServerVerify, srpVerifier } from "./srp.ts"
