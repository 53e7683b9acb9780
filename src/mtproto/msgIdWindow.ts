/**
 * The receiver's msg_id checks (core.telegram.org/mtproto/security_guidelines): parity,
 * time window, and replay protection with a bounded set of recently seen ids.
 */
import { SecurityError } from "./errors.ts"

/** The spec's window: a msg_id more than 300 s in the past or 30 s in the future is ignored. */
const PAST_SECONDS = 300
const FUTURE_SECONDS = 30

/**
 * Remembers the last `capacity` msg_ids of one session. Ids older than the oldest remembered
 * one are rejected as possible replays, so the memory stays bounded.
 */
export class MsgIdWindow {
  private readonly seen = new Set<bigint>()
  private readonly order: Array<bigint> = []
  private readonly capacity: number
  private floor = 0n
  constructor(capacity = 500) {
    this.capacity = capacity
  }

  /**
   * Checks `msgId` from the peer at server time `nowSeconds`. `fromServer` selects the parity
   * rule: server ids are odd, client ids divisible by 4. Records the id when it passes.
   */
  check(msgId: bigint, nowSeconds: number, fromServer: boolean): void {
    const mod = Number(msgId & 3n)
    if (fromServer ? mod !== 1 && mod !== 3 : mod !== 0) {
      throw new SecurityError({ reason: "BadMsgIdParity", detail: `msg_id ${msgId}` })
    }
    const seconds = Number(msgId >> 32n)
    if (seconds < nowSeconds - PAST_SECONDS) throw new SecurityError({ reason: "MsgIdTooOld", detail: `msg_id ${msgId}` })
    if (seconds > nowSeconds + FUTURE_SECONDS) throw new SecurityError({ reason: "MsgIdTooNew", detail: `msg_id ${msgId}` })
    if (this.seen.has(msgId) || msgId <= this.floor) throw new SecurityError({ reason: "DuplicateMsgId", detail: `msg_id ${msgId}` })
    this.seen.add(msgId)
    this.order.push(msgId)
    if (this.order.length > this.capacity) {
      const dropped = this.order.shift()!
      this.seen.delete(dropped)
      if (dropped > this.floor) this.floor = dropped
    }
  }
}
