/**
 * The errors a Client call can fail with: the RPC error family (parsed into tags once, in
 * `fromRpcError`), the Sender's own failures, and connection-level ones.
 */
import * as Data from "effect/Data"
import type { HandshakeError } from "../mtproto/errors.ts"
import type { AnyRpcError, SenderError } from "../mtproto/rpcError.ts"
import type { SessionStorageError } from "../storage/index.ts"
import type { TransportError } from "../transport/index.ts"

// The RPC error family (parsed once in `fromRpcError`, described from the catalogue).
export * from "../mtproto/rpcError.ts"
export { describeRpcError, errorsOfMethod, rpcErrorInfo } from "./errors/describe.ts"

/** A DC the client has no address for, or too many migrations in a row. */
export class DcError extends Data.TaggedError("DcError")<{
  readonly reason: "UnknownDc" | "TooManyMigrations"
  readonly dc: number
}> {}

/** Login could not finish: the user gave up, or too many wrong codes or passwords. */
export class LoginError extends Data.TaggedError("LoginError")<{
  readonly reason: "TooManyAttempts" | "NoPassword" | "UnsupportedPasswordAlgo" | "Unexpected"
  readonly detail?: string
  readonly cause?: unknown
}> {}

/** Everything `Client.invoke` can fail with. */
export type ClientError = AnyRpcError | SenderError | HandshakeError | TransportError | SessionStorageError | DcError
