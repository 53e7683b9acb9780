/**
 * The pure part of QR-code login (core.telegram.org/api/qr-login): the `tg://login` URL of a
 * token, and when to look again for a scan or give up.
 * No I/O: `qr.ts` runs it.
 */
import { Buffer } from "node:buffer"

/** The URL a QR code shows: `tg://login?token=` and the token in base64url without padding. */
export const loginUrl = (token: Uint8Array): string =>
  `tg://login?token=${Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString("base64url")}`

/** Extra wait past a token's expiry, so that the server (whose clock is known to the second) sees it expired. */
export const EXPIRY_GRACE_MS = 250
/** Wait before asking again when the server answered with the token it gave before. */
export const STALE_WAIT_MS = 1000
/** Answers with the same token after it expired, in a row, before giving up (a server that never renews it). */
export const MAX_STALE = 10

/** What to do with a `auth.loginToken` answer. */
export interface TokenStep {
  /** A token not shown before: give it to `onToken`. */
  readonly fresh: boolean
  /** When the token expires, in local milliseconds. */
  readonly expiresAtMs: number
  /** How long to wait for `updateLoginToken` before exporting again. */
  readonly waitMs: number
}

/**
 * Counts the QR codes of one login and decides, from the server's answers and the local
 * clock, when to export again and when to give up. Token expiries are in server seconds;
 * `offsetSeconds` is the server's clock minus the local one.
 */
export class QrTokenTracker {
  private last: Uint8Array | undefined
  private shown = 0
  /** The current token's wait ran out already (the server gave it again after its expiry). */
  private expired = false
  /** Codes whose wait ran out. */
  private expiries = 0
  private stale = 0
  private readonly maxRefreshes: number

  constructor(maxRefreshes: number) {
    this.maxRefreshes = maxRefreshes
  }

  /** QR codes shown so far. */
  get tokens(): number {
    return this.shown
  }

  /** The server answered `auth.loginToken{token, expires}` at local time `nowMs`. */
  onToken(token: Uint8Array, expires: number, nowMs: number, offsetSeconds: number): TokenStep {
    const fresh = this.last === undefined || !sameBytes(this.last, token)
    if (fresh) {
      this.last = token
      this.shown++
      this.expired = false
      this.stale = 0
    }
    const expiresAtMs = (expires - offsetSeconds) * 1000
    const waitMs = Math.max(expiresAtMs - nowMs, 0) + EXPIRY_GRACE_MS
    // The same token again after its expiry: the clocks disagree; ask again a little later.
    return { fresh, expiresAtMs, waitMs: this.expired ? Math.max(waitMs, STALE_WAIT_MS) : waitMs }
  }

  /** The wait ran out with no scan: export again, or give up (the last allowed code expired). */
  onExpired(): "Refresh" | "GiveUp" {
    if (this.expired) return ++this.stale > MAX_STALE ? "GiveUp" : "Refresh"
    this.expired = true
    return ++this.expiries > this.maxRefreshes ? "GiveUp" : "Refresh"
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
