/**
 * What a TestDc allows one peer: time to authenticate, time between frames, connections per
 * server; and how it reports peers it refuses (a metric for every one, a WARN line for a few:
 * a peer must not choose the log volume).
 */
import * as Metric from "effect/Metric"

/** The connection limits, in milliseconds (`Infinity`: none) and connections. */
export interface ConnectionLimits {
  /** Until the connection has created an auth key or sent a valid encrypted message. */
  readonly handshakeTimeoutMs: number
  /** Since the last complete frame from the client (partial frames don't count). */
  readonly idleTimeoutMs: number
  /** Open connections at once; more are closed as soon as they are accepted. */
  readonly maxConnections: number
}

/** Defaults: 30 s to authenticate, 5 min idle (clients ping every minute), 1,024 connections. */
export const DEFAULT_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  maxConnections: 1024
}

/**
 * Why the server refused a peer: a frame it could not accept (`transport`, `handshake`,
 * `auth_key`, `decrypt`), or a connection limit (`connection_cap`, `handshake_deadline`, `idle`).
 */
export type RejectionKind = "transport" | "handshake" | "auth_key" | "decrypt" | "connection_cap" | "handshake_deadline" | "idle"

/**
 * Every refusal of every TestDc in the process, tagged `kind` (and `dc`). Read it with
 * `Metric.value`, or export it with any Effect metrics exporter.
 */
export const rejections = Metric.counter("effect_mtproto_testdc_rejections", {
  description: "Frames and connections a TestDc refused, by kind",
  incremental: true
})

/**
 * At most `burst` WARN lines per `windowMs`; the rest are counted and reported with the next
 * line that is logged. Pure: the caller passes the time.
 */
export class RejectionLog {
  private readonly windowMs: number
  private readonly burst: number
  private windowStart = -Infinity
  private inWindow = 0
  private suppressed = 0

  constructor(windowMs = 10_000, burst = 5) {
    this.windowMs = windowMs
    this.burst = burst
  }

  /** Counts one refusal at `nowMs`: how many were suppressed before it when it should be logged, else `undefined`. */
  note(nowMs: number): number | undefined {
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs
      this.inWindow = 0
    }
    if (this.inWindow >= this.burst) {
      this.suppressed++
      return undefined
    }
    this.inWindow++
    const before = this.suppressed
    this.suppressed = 0
    return before
  }
}
