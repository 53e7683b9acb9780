/**
 * The client's view of one MTProto session (core.telegram.org/mtproto/description):
 * session_id, the current server salt, the server time offset, msg_id and seq_no
 * counters and the replay window. Plain mutable state owned by one Sender.
 */
import { randomBytes as defaultRandomBytes, type RandomBytes, randomLong } from "../crypto/index.ts"
import { constructorIdOf, MtId } from "../tl/index.ts"
import { type AuthKey, type InnerMessage, packMessage, unpackMessage } from "./encryptedMessage.ts"
import { SecurityError } from "./errors.ts"
import { nextClientMsgId } from "./msgId.ts"
import { MsgIdWindow } from "./msgIdWindow.ts"

/** A message ready for the wire, with the ids it was given. */
export interface PackedMessage {
  readonly msgId: bigint
  readonly seqNo: number
  readonly frame: Uint8Array
}

/** bad_msg_notification with error_code 16 or 17 (msg_id too low / too high). */
const isTimeNotification = (body: Uint8Array): boolean => {
  if (body.length < 20 || constructorIdOf(body) !== MtId.bad_msg_notification) return false
  const code = new DataView(body.buffer, body.byteOffset, body.byteLength).getInt32(16, true)
  return code === 16 || code === 17
}

/** Mutable session state; one owner (the Sender's fibers, which never run it concurrently). */
export class SessionState {
  readonly authKey: AuthKey
  sessionId: bigint
  salt: bigint
  /** server time − local time, seconds. */
  timeOffset: number
  private lastMsgId = 0n
  /** Content-related messages sent so far in this session. */
  private contentCount = 0
  private window = new MsgIdWindow()
  /** Server messages accepted in this session. */
  private received = 0
  private readonly random: RandomBytes

  constructor(options: {
    readonly authKey: AuthKey
    readonly salt: bigint
    readonly timeOffset: number
    readonly randomBytes?: RandomBytes | undefined
  }) {
    this.authKey = options.authKey
    this.salt = options.salt
    this.timeOffset = options.timeOffset
    this.random = options.randomBytes ?? defaultRandomBytes
    this.sessionId = randomLong(this.random)
  }

  /** Starts a new session (new session_id, counters reset), e.g. after destroy_session or bad_msg 32/33. */
  reset(): void {
    this.sessionId = randomLong(this.random)
    this.contentCount = 0
    this.window = new MsgIdWindow()
    this.received = 0
  }

  /** A fresh msg_id at local time `localMs`. */
  nextMsgId(localMs: number): bigint {
    this.lastMsgId = nextClientMsgId(localMs + this.timeOffset * 1000, this.lastMsgId)
    return this.lastMsgId
  }

  /** seq_no: twice the number of content-related messages sent before, +1 if this one is. */
  nextSeqNo(contentRelated: boolean): number {
    if (!contentRelated) return this.contentCount * 2
    return this.contentCount++ * 2 + 1
  }

  /**
   * Resynchronises the clock from a server msg_id (bad_msg_notification 16/17): its high
   * 32 bits are the server's unix time.
   */
  syncTime(serverMsgId: bigint, localMs: number): void {
    this.timeOffset = Number(serverMsgId >> 32n) - Math.floor(localMs / 1000)
    this.lastMsgId = 0n
  }

  /** Encrypts `body` as the next message of this session. */
  pack(body: Uint8Array, contentRelated: boolean, localMs: number, ids?: { msgId: bigint; seqNo: number }): PackedMessage {
    const msgId = ids?.msgId ?? this.nextMsgId(localMs)
    const seqNo = ids?.seqNo ?? this.nextSeqNo(contentRelated)
    const frame = packMessage(this.authKey, 0, { salt: this.salt, sessionId: this.sessionId, msgId, seqNo, body }, this.random)
    return { msgId, seqNo, frame }
  }

  /**
   * Decrypts a server frame and runs every check of the security guidelines: auth_key_id,
   * msg_key, length, padding, session_id, msg_id parity, time window and replays.
   */
  unpack(frame: Uint8Array, localMs: number): InnerMessage {
    const inner = unpackMessage(this.authKey, 8, frame)
    if (inner.sessionId !== this.sessionId) throw new SecurityError({ reason: "SessionIdMismatch" })
    try {
      this.window.check(inner.msgId, Math.floor(localMs / 1000) + this.timeOffset, true, (inner.seqNo & 1) === 1)
    } catch (e) {
      // With our clock (or stored offset) off by more than the window, every server message
      // would be rejected, the 16/17 notifications meant to correct it too. An authenticated message of our own session may still set the clock when it is the
      // session's first (the session_id is fresh, so it cannot be a replay) or a 16/17
      // notification; parity and replays are still checked, against its own time.
      if (!(e instanceof SecurityError) || (e.reason !== "MsgIdTooOld" && e.reason !== "MsgIdTooNew")) throw e
      if (this.received > 0 && !isTimeNotification(inner.body)) throw e
      this.window.check(inner.msgId, Number(inner.msgId >> 32n), true, (inner.seqNo & 1) === 1)
      this.syncTime(inner.msgId, localMs)
    }
    this.received++
    return inner
  }

  /**
   * Checks a message inside a received container: parity, time window and replays, as for a
   * whole message (the container itself passed `unpack`). Throws `SecurityError`.
   */
  checkInner(msgId: bigint, seqNo: number, localMs: number): void {
    this.window.check(msgId, Math.floor(localMs / 1000) + this.timeOffset, true, (seqNo & 1) === 1)
  }

  /**
   * What this session knows of a server msg_id, as the low bits of a `msgs_state_info` byte
   * (core.telegram.org/mtproto/service_messages_about_messages): 4 received (+16 when it needed
   * no acknowledgment), 3 too new to have been received, 1 too old or forgotten, 2 not received.
   * Whether a received message was acknowledged is the caller's to add (+8).
   */
  receivedState(msgId: bigint, localMs: number): number {
    if (this.window.has(msgId)) return this.window.notContent(msgId) ? 4 | 16 : 4
    const nowSeconds = Math.floor(localMs / 1000) + this.timeOffset
    const seconds = Number(msgId >> 32n)
    if (seconds > nowSeconds + 30) return 3
    if (seconds < nowSeconds - 300 || this.window.forgot(msgId)) return 1
    return 2
  }
}
