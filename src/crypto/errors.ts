/**
 * Typed errors thrown by the synchronous crypto functions. Effect code wraps the calls
 * (`Effect.try`) and keeps these as typed failures; callers branch on `reason`.
 *
 * @module
 */
import * as Data from "effect/Data"

/** Why a crypto primitive rejected its input. */
export type CryptoErrorReason =
  | "BadKeyLength"
  | "BadIvLength"
  | "BadDataLength"
  | "DataTooLong"
  | "BadRsaKey"
  | "RsaDecryptFailed"
  | "RsaHashMismatch"
  | "BadPem"
  | "NoMatchingRsaKey"
  | "PqNotSemiprime"

/** Input to a crypto primitive was malformed (wrong length, bad key, failed integrity check). */
export class CryptoError extends Data.TaggedError("CryptoError")<{
  readonly reason: CryptoErrorReason
  readonly message: string
}> {}

/** Why a Diffie–Hellman (or SRP) group parameter or public value was refused. */
export type DhCheckReason =
  | "PrimeBitLength"
  | "PrimeNotPrime"
  | "PrimeNotSafe"
  | "GeneratorOutOfRange"
  | "GeneratorResidue"
  | "PublicValueOutOfRange"
  | "PublicValueUnsafeRange"

/**
 * A DH parameter check from core.telegram.org/mtproto/auth_key ("security checks") failed.
 * `value` names which input was refused: the prime, the generator, or a public value.
 */
export class DhCheckError extends Data.TaggedError("DhCheckError")<{
  readonly reason: DhCheckReason
  readonly value: "p" | "g" | "g_a" | "g_b" | "srp_B" | "srp_A"
  readonly message: string
}> {}

/** Why an SRP (2FA password) computation or verification failed. */
export type SrpErrorReason = "ZeroU" | "BadM1" | "BadPublicValue"

/** The SRP exchange of core.telegram.org/api/srp could not be completed or verified. */
export class SrpError extends Data.TaggedError("SrpError")<{
  readonly reason: SrpErrorReason
  readonly message: string
}> {}
