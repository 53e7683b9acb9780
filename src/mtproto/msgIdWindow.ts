/**
 * The receiver's msg_id checks (core.telegram.org/mtproto/security_guidelines): parity,
 * time window, and replay protection with a bounded set of recently seen ids.
 */
import { SecurityError } from "./errors.ts"

/** The spec's window: a msg_id more than 300 s in the past or 30 s in the future is ignored. */
const PAST_SECONDS = 300
const FUTURE_SECONDS = 30

/**
 * Remembers the largest `capacity`..`2 × capacity` msg_ids of one session. Ids below the
 * smallest one remembered are rejected as possible replays, so memory stays bounded. Ids
 * arrive out of order (a container's id is larger than those inside it), so eviction drops
 * the smallest ids, not the oldest insertions; it runs in batches to stay cheap.
 */
export class MsgIdWindow {
  private seen = new Set<bigint>()
  /** The remembered ids whose message needed no acknowledgment (even seq_no); a subset of `seen`. */
  private plain = new Set<bigint>()
  private readonly capacity: number
  private floor = -1n << 63n
  constructor(capacity = 500) {
    this.capacity = capacity
  }

  /** Whether `msgId` passed `check` and is still remembered. */
  has(msgId: bigint): boolean {
    return this.seen.has(msgId)
  }

  /** Whether `msgId` was remembered as a message that needed no acknowledgment. */
  notContent(msgId: bigint): boolean {
    return this.plain.has(msgId)
  }

  /** Whether `msgId` is below what is remembered (it may or may not have been seen). */
  forgot(msgId: bigint): boolean {
    return msgId <= this.floor
  }

  /**
   * Checks `msgId` from the peer at server time `nowSeconds`. `fromServer` selects the parity
   * rule: server ids are odd, client ids divisible by 4. Records the id when it passes, and
   * whether its message was content-related (needed an acknowledgment).
   */
  check(msgId: bigint, nowSeconds: number, fromServer: boolean, contentRelated = true): void {
    const mod = Number(msgId & 3n)
    if (fromServer ? mod !== 1 && mod !== 3 : mod !== 0) {
      throw new SecurityError({ reason: "BadMsgIdParity", detail: `msg_id ${msgId}` })
    }
    const seconds = Number(msgId >> 32n)
    if (seconds < nowSeconds - PAST_SECONDS) throw new SecurityError({ reason: "MsgIdTooOld", detail: `msg_id ${msgId}` })
    if (seconds > nowSeconds + FUTURE_SECONDS) throw new SecurityError({ reason: "MsgIdTooNew", detail: `msg_id ${msgId}` })
    if (msgId <= this.floor || this.seen.has(msgId)) {
      throw new SecurityError({ reason: "DuplicateMsgId", detail: `msg_id ${msgId}` })
    }
    this.seen.add(msgId)
    if (!contentRelated) this.plain.add(msgId)
    if (this.seen.size > 2 * this.capacity) {
      const sorted = [...this.seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      const cut = sorted.length - this.capacity
      const floor = sorted[cut - 1]!
      this.floor = floor
      this.seen = new Set(sorted.slice(cut))
      if (this.plain.size > 0) this.plain = new Set([...this.plain].filter((id) => id > floor))
    }
  }
}
