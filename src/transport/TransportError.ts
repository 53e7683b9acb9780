/**
 * The one error type of the transport layer.
 */
import * as Data from "effect/Data"
import { isPermanentProxyError, ProxyError } from "./proxy/ProxyError.ts"

/**
 * Why a transport operation failed.
 *
 * - `Open`: the TCP connection could not be opened (refused, unreachable).
 * - `Read` / `Write`: the socket failed while reading or writing, or a frame could not be encoded.
 * - `Closed`: the peer closed the connection, or the connection was used after `close`.
 * - `BadFrame`: the byte stream is not valid framing (hostile length, bad CRC, bad seq_no, unknown tag).
 * - `ServerError`: the server sent a 4-byte negative error code (-404, -429, -444, ...) in place of a message;
 *   the code is in `code`.
 * - `Timeout`: the connection was not opened within the configured time.
 * - `Proxy`: the proxy in front of the DC failed (unreachable, credentials rejected, bad reply, a
 *   fake-TLS server hello with a wrong digest); `cause` is the `ProxyError` that says which.
 */
export type TransportErrorReason = "Open" | "Read" | "Write" | "Closed" | "BadFrame" | "ServerError" | "Timeout" | "Proxy"

/**
 * A failure of the transport layer. Framing decoders throw it (they are plain synchronous code);
 * the Effect API returns it as a typed failure.
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: TransportErrorReason
  /** The server's error code when `reason` is `"ServerError"` (e.g. `-404`). */
  readonly code?: number
  readonly cause?: unknown
}> {
  override get message(): string {
    const what = this.reason === "ServerError" ? `server error code ${this.code ?? "?"}${serverCodeMeaning(this.code)}` : reasons[this.reason]
    const cause = this.cause instanceof Error && this.cause.message !== "" ? `: ${this.cause.message}` : ""
    return `transport: ${what}${cause}`
  }
}

/**
 * Whether a connection failed for a reason another try cannot change: its proxy refuses for
 * good (see `isPermanentProxyError`). Reconnects and handshake retries stop on it.
 */
export const isPermanentTransportError = (e: unknown): boolean =>
  e instanceof TransportError && e.reason === "Proxy" && e.cause instanceof ProxyError && isPermanentProxyError(e.cause)

const reasons: Record<TransportErrorReason, string> = {
  Open: "the connection could not be opened",
  Read: "reading from the socket failed",
  Write: "writing to the socket failed",
  Closed: "the connection is closed",
  BadFrame: "the server sent bytes that are not valid framing",
  ServerError: "server error",
  Timeout: "the connection was not opened in time",
  Proxy: "the proxy in front of the DC failed"
}

/** What Telegram's transport error codes mean (core.telegram.org/mtproto/mtproto-transports#transport-errors). */
const serverCodeMeaning = (code: number | undefined): string => {
  switch (code) {
    case -404: return " (the auth key is unknown to the server, or the handshake was refused)"
    case -429: return " (too many connections or transport flood)"
    case -444: return " (invalid DC id)"
    default: return ""
  }
}
