/**
 * The pure core of one MTProto session (core.telegram.org/mtproto/description,
 * /mtproto/service_messages, /mtproto/service_messages_about_messages): synchronous, no
 * Effect, no I/O. It owns msg_id and seq_no numbering, the salts (current and future, which it
 * requests itself), the replay window, the calls waiting for an answer by msg_id, containers,
 * acks, re-send bookkeeping and what every service message means.
 *
 * Inputs: calls (`invoke`, `cancel`), frames (`receive`), connection changes (`connected`,
 * `disconnected`) and the time (`tick`, and the clock reading every input carries).
 * Outputs: frames to send (`flush`) and a closed set of {@link Outcome}s. The Effect shell
 * (`Sender.ts`) only moves bytes, wakes itself at {@link MtpSession.nextWake} and hands
 * outcomes to callers.
 *
 * `C` is the shell's token for a caller (what it completes when the answer comes); the core
 * never looks inside it.
 */
import { randomBytes as defaultRandomBytes, type RandomBytes, randomLong, readInt64LE } from "../crypto/index.ts"
import {
  type AnyObject,
  deserialize,
  deserializeResult,
  constructorIdOf,
  type InflateBudget,
  makeInflateBudget,
  type Mt,
  MtId,
  serialize,
  type TlMethod,
  TlWriter
} from "../tl/index.ts"
import type { AuthKey } from "./encryptedMessage.ts"
import { SecurityError } from "./errors.ts"
import { MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES, methodName, unpackGzip } from "./internal/wire.ts"
import { msgIdSeconds } from "./msgId.ts"
import { type AnyRpcError, fromRpcError, SenderError, type SenderErrorReason } from "./rpcError.ts"
import { SALTS_TO_FETCH, SaltBook } from "./internal/salts.ts"
import { SessionState } from "./sessionState.ts"

/** Tuning of the core; every time is in milliseconds. */
export interface MtpSessionOptions {
  readonly authKey: AuthKey
  /** The current server salt (from the handshake or a stored session). */
  readonly salt: bigint
  /** server time − local time, in seconds. */
  readonly timeOffset: number
  readonly randomBytes?: RandomBytes | undefined
  /** How often one call may be re-sent before it fails with `TooManyResends` (default 20). */
  readonly maxResends?: number | undefined
  /** Acks wait at most this long for a frame to ride on before they go alone (default 500). */
  readonly ackDelayMs?: number | undefined
  /** Keepalive `ping_delay_disconnect` interval (default 60,000). */
  readonly pingIntervalMs?: number | undefined
  /** Silence tolerated past a keepalive before the connection counts as dead (default 15,000). */
  readonly deadAfterMs?: number | undefined
  /** While calls wait, silence longer than this sends a ping at once (default min(5,000, pingInterval)). */
  readonly silenceMs?: number | undefined
  /** No valid frame this long after that ping: the connection is dead (default min(10,000, deadAfter)). */
  readonly pongTimeoutMs?: number | undefined
  /** Every call ends within this (default 60,000; `Infinity` for never). */
  readonly requestTimeoutMs?: number | undefined
  /** Fetch future salts and switch to each in time (default true). */
  readonly rotateSalts?: boolean | undefined
  /** Rejected frames in a row that close the connection (default 3). */
  readonly maxRejectedFrames?: number | undefined
  /** An unanswered call is re-sent with its original msg_id while it is younger than this (default 240,000). */
  readonly reuseMsgIdMs?: number | undefined
}

/** Why the core wants the connection closed. */
export type ReconnectReason = "Silent" | "NoPong" | "Rejected"

/**
 * Everything the core tells its shell. Closed: the shell handles each tag.
 *
 * - `Result` / `Failed`: the call of `call` ended.
 * - `Updates`: what the server pushed in one frame (decoded), in order.
 * - `NewSession`: the server created a session for us (`new_session_created`: updates may
 *   have been lost) or the core started a new one (bad_msg 32/33): the server needs
 *   `initConnection` again.
 * - `SaltChanged`: the server told us a new salt.
 * - `Rejected`: a frame (or a message inside a container) failed a security check and was
 *   ignored; it counts as nothing.
 * - `Reconnect`: close this connection and open another (dead link, repeated bad frames).
 */
export type Outcome<C> =
  | { readonly _tag: "Result"; readonly call: C; readonly value: unknown }
  | { readonly _tag: "Failed"; readonly call: C; readonly error: AnyRpcError | SenderError }
  | { readonly _tag: "Updates"; readonly updates: ReadonlyArray<AnyObject> }
  | { readonly _tag: "NewSession"; readonly origin: "server" | "client"; readonly sessionId: bigint }
  | { readonly _tag: "SaltChanged"; readonly salt: bigint }
  | { readonly _tag: "Rejected"; readonly error: SecurityError; readonly inContainer: boolean }
  | { readonly _tag: "Reconnect"; readonly reason: ReconnectReason; readonly detail: string }

type Kind = "user" | "salts" | "ping" | "state"

/** A call the core tracks. Mutable: it gets a msg_id when it goes out, a new one when re-sent. */
export interface Call<C> {
  readonly token: C | undefined
  readonly kind: Kind
  readonly method: TlMethod
  readonly tag: string
  body: Uint8Array
  /** For a body that names its own msg_id (auth.bindTempAuthKey): made when the msg_id is known. */
  readonly build?: ((msgId: bigint, sessionId: bigint) => Uint8Array) | undefined
  readonly deadline: number
  /** 0n until it is packed. */
  msgId: bigint
  seqNo: number
  /** The session it was numbered in. */
  sessionId: bigint
  resends: number
  /** Ended (answered, failed, cancelled): nothing more is done for it. */
  done: boolean
  /** Packed with its original ids again (inside a container, as the spec asks). */
  reuse: boolean
  /** For a `state` call: the calls it asks about. */
  readonly checks?: ReadonlyArray<Call<C>>
  /** The container it last went out in, while that is remembered. */
  container: Container<C> | undefined
}

/**
 * A container we sent, remembered while one of its calls may still be named by the
 * container's msg_id (bad_msg, resend requests); forgotten once every call in it ended or went
 * out again, so answered calls (and their callers) are not kept alive by it.
 */
interface Container<C> {
  readonly msgId: bigint
  readonly calls: ReadonlyArray<Call<C>>
  /** Calls in it that have neither ended nor been packed again. */
  open: number
}

/** A message waiting for the next frame. */
interface Item<C> {
  readonly body: Uint8Array
  readonly content: boolean
  readonly call?: Call<C> | undefined
}

const ACK_BATCH = 16
const MAX_STATE_IDS = 8192

/** The core. One owner at a time (the shell's fibers, which never run it concurrently). */
export class MtpSession<C> {
  private readonly state: SessionState
  private readonly random: RandomBytes
  private readonly maxResends: number
  private readonly ackDelay: number
  private readonly pingInterval: number
  private readonly deadAfter: number
  private readonly silence: number
  private readonly pongTimeout: number
  private readonly requestTimeout: number
  private readonly rotateSalts: boolean
  private readonly maxRejected: number
  private readonly reuseWindow: number

  /** User calls not ended yet, in the order they were made (so also in deadline order). */
  private readonly calls = new Set<Call<C>>()
  /** Calls on the wire, by the msg_id they went out with. */
  private readonly pending = new Map<bigint, Call<C>>()
  /** The calls each recent container carried, by the container's msg_id. */
  private readonly containers = new Map<bigint, Container<C>>()
  private queue: Array<Item<C>> = []
  private acks: Array<bigint> = []
  private ackDueAt = Number.POSITIVE_INFINITY

  private readonly salts = new SaltBook()

  private isConnected = false
  private lastReceived = 0
  private keepaliveAt = Number.POSITIVE_INFINITY
  private probeSentAt: number | undefined
  private rejectedInARow = 0
  private validFrames = 0

  constructor(options: MtpSessionOptions) {
    this.random = options.randomBytes ?? defaultRandomBytes
    this.state = new SessionState({ authKey: options.authKey, salt: options.salt, timeOffset: options.timeOffset, randomBytes: this.random })
    this.maxResends = options.maxResends ?? 20
    this.ackDelay = options.ackDelayMs ?? 500
    this.pingInterval = options.pingIntervalMs ?? 60_000
    this.deadAfter = options.deadAfterMs ?? 15_000
    this.silence = options.silenceMs ?? Math.min(5_000, this.pingInterval)
    this.pongTimeout = options.pongTimeoutMs ?? Math.min(10_000, this.deadAfter)
    this.requestTimeout = options.requestTimeoutMs ?? 60_000
    this.rotateSalts = options.rotateSalts ?? true
    this.maxRejected = options.maxRejectedFrames ?? 3
    this.reuseWindow = options.reuseMsgIdMs ?? 240_000
  }

  // --- state -------------------------------------------------------------------------------

  get sessionId(): bigint {
    return this.state.sessionId
  }
  get salt(): bigint {
    return this.state.salt
  }
  get timeOffset(): number {
    return this.state.timeOffset
  }
  /** Whether the current connection has carried at least one valid frame. */
  get connectionHealthy(): boolean {
    return this.validFrames > 0
  }
  /** User calls not ended yet. */
  get callCount(): number {
    return this.calls.size
  }
  /** Sent containers remembered, because a call in them may still be named by the container's msg_id. */
  get containerCount(): number {
    return this.containers.size
  }

  // --- calls -------------------------------------------------------------------------------

  /**
   * Registers a call and queues it for the next frame. `body` is the serialized method (gzipped
   * or not); `build`, when given, makes the body again once the msg_id is chosen (`body` is then
   * only its size).
   */
  invoke(token: C, method: TlMethod, body: Uint8Array, nowMs: number, build?: (msgId: bigint, sessionId: bigint) => Uint8Array): Call<C> {
    const call = this.newCall(token, "user", method, body, nowMs + this.requestTimeout, undefined, build)
    if (call.tag === "get_future_salts") this.salts.userCalls++
    this.calls.add(call)
    this.queue.push({ body, content: true, call })
    return call
  }

  /**
   * The caller stopped waiting. A call still queued is forgotten; one on the wire gets an
   * `rpc_drop_answer`. Returns true when that left something to send.
   */
  cancel(call: Call<C>): boolean {
    if (call.done) return false
    this.end(call)
    if (call.msgId === 0n || this.pending.get(call.msgId) !== call) return false
    this.pending.delete(call.msgId)
    this.queue.push({ body: serialize({ _tag: "rpc_drop_answer", req_msg_id: call.msgId }), content: true })
    return true
  }

  /** Ends every call with `reason` (the session is closing or its key is gone), `cause` saying why. */
  failAll(reason: SenderErrorReason, cause?: unknown): Array<Outcome<C>> {
    const out: Array<Outcome<C>> = []
    for (const call of [...this.calls]) {
      this.fail(call, new SenderError({ reason, method: call.tag, ...(cause === undefined ? {} : { cause }) }), out)
    }
    this.pending.clear()
    this.queue = []
    return out
  }

  // --- connection ---------------------------------------------------------------------------

  /**
   * A new connection is up. Every call that went out and has no answer is sent again: with its
   * original msg_id (inside a container) while the server still remembers it, so the server
   * answers from its cache instead of running it twice; older ones are first asked about with
   * `msgs_state_req`.
   */
  connected(nowMs: number): void {
    this.isConnected = true
    this.lastReceived = nowMs
    this.probeSentAt = undefined
    this.rejectedInARow = 0
    this.validFrames = 0
    this.keepaliveAt = nowMs + this.pingInterval
    const unanswered = [...this.pending.values()]
    this.pending.clear()
    this.containers.clear()
    const again: Array<Item<C>> = []
    const ask: Array<Call<C>> = []
    const serverNowMs = nowMs + this.state.timeOffset * 1000
    for (const call of unanswered) {
      if (call.done) continue
      if (call.kind === "ping" || call.kind === "state") {
        // Pings prove nothing on a new connection; a state request is asked again below.
        if (call.kind === "state") for (const c of call.checks ?? []) if (!c.done) ask.push(c)
        continue
      }
      if (call.kind === "salts") {
        this.salts.lost()
        this.end(call)
        continue
      }
      if (call.sessionId !== this.state.sessionId) {
        again.push(this.requeueItem(call))
      } else if (serverNowMs - msgIdSeconds(call.msgId) * 1000 < this.reuseWindow) {
        call.reuse = true
        again.push({ body: call.body, content: true, call })
      } else {
        // Still waiting under its old msg_id, in case the answer comes after all.
        this.pending.set(call.msgId, call)
        ask.push(call)
      }
    }
    for (let i = 0; i < ask.length; i += MAX_STATE_IDS) again.push(this.stateRequest(ask.slice(i, i + MAX_STATE_IDS), nowMs))
    this.queue = [...again, ...this.queue]
  }

  /** The connection is gone; calls on the wire wait for the next one. */
  disconnected(): void {
    this.isConnected = false
    this.keepaliveAt = Number.POSITIVE_INFINITY
    this.probeSentAt = undefined
  }

  // --- outgoing -----------------------------------------------------------------------------

  /** Whether `flush` has something to send now. */
  hasOutgoing(nowMs: number): boolean {
    return this.queue.length > 0 || (this.acks.length > 0 && (this.acks.length >= ACK_BATCH || nowMs >= this.ackDueAt))
  }

  /**
   * Packs what is queued (up to the container limits) into one encrypted frame, or returns
   * `undefined` when there is nothing to send. Call again while `hasOutgoing` is true.
   */
  flush(nowMs: number): Uint8Array | undefined {
    const salt = this.salts.pick(nowMs + this.state.timeOffset * 1000)
    if (salt !== undefined) this.state.salt = salt
    const items: Array<Item<C>> = []
    let bytes = 0
    let reused = false
    let taken = 0
    for (; taken < this.queue.length && items.length < MAX_CONTAINER_MESSAGES - 2; taken++) {
      const item = this.queue[taken]!
      // A caller that went away while queued needs nothing sent.
      if (item.call !== undefined && item.call.done) continue
      if (items.length > 0 && bytes + item.body.length > MAX_CONTAINER_BYTES) break
      items.push(item)
      bytes += item.body.length + 16
      if (item.call?.reuse === true) reused = true
    }
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken)
    if (items.length > 0 && this.rotateSalts && this.salts.needed(nowMs + this.state.timeOffset * 1000, nowMs)) {
      this.salts.requested(nowMs)
      items.push(this.internal("salts", { _tag: "get_future_salts", num: SALTS_TO_FETCH }, nowMs))
    }
    const acksDue = this.acks.length > 0 &&
      (this.acks.length >= ACK_BATCH || nowMs >= this.ackDueAt || items.length > 1 || reused)
    if (acksDue) {
      items.push({ body: serialize({ _tag: "msgs_ack", msg_ids: this.acks }), content: false })
      this.acks = []
      this.ackDueAt = Number.POSITIVE_INFINITY
    }
    if (items.length === 0) return undefined
    if (items.length === 1 && !reused) {
      const only = items[0]!
      const build = only.call?.build
      if (build !== undefined) {
        const msgId = this.state.nextMsgId(nowMs)
        const seqNo = this.state.nextSeqNo(true)
        const body = only.call!.body = build(msgId, this.state.sessionId)
        const packed = this.state.pack(body, true, nowMs, { msgId, seqNo })
        this.register(only.call!, msgId, seqNo)
        return packed.frame
      }
      const packed = this.state.pack(only.body, only.content, nowMs)
      if (only.call !== undefined) this.register(only.call, packed.msgId, packed.seqNo)
      return packed.frame
    }
    // A container: the messages first (a re-sent call keeps its ids), then the container's own
    // msg_id, which is larger than theirs; it is not content-related.
    const w = new TlWriter(bytes + 64)
    w.uint(MtId.msg_container)
    w.int(items.length)
    const carried: Array<Call<C>> = []
    for (const item of items) {
      const call = item.call
      let msgId: bigint
      let seqNo: number
      if (call !== undefined && call.reuse) {
        msgId = call.msgId
        seqNo = call.seqNo
        call.reuse = false
      } else {
        msgId = this.state.nextMsgId(nowMs)
        seqNo = this.state.nextSeqNo(item.content)
      }
      const body = call?.build !== undefined && !call.reuse ? (call.body = call.build(msgId, this.state.sessionId)) : item.body
      w.long(msgId)
      w.int(seqNo)
      w.int(body.length)
      w.raw(body)
      if (call !== undefined) {
        this.register(call, msgId, seqNo)
        carried.push(call)
      }
    }
    const container = this.state.pack(w.result(), false, nowMs)
    if (carried.length > 0) {
      const entry: Container<C> = { msgId: container.msgId, calls: carried, open: carried.length }
      for (const call of carried) call.container = entry
      this.containers.set(container.msgId, entry)
      if (this.containers.size > 4096) this.containers.delete(this.containers.keys().next().value!)
    }
    return container.frame
  }

  private register(call: Call<C>, msgId: bigint, seqNo: number): void {
    this.leaveContainer(call)
    call.msgId = msgId
    call.seqNo = seqNo
    call.sessionId = this.state.sessionId
    this.pending.set(msgId, call)
  }

  // --- incoming -----------------------------------------------------------------------------

  /** Decrypts, checks and classifies one frame from the server. */
  receive(frame: Uint8Array, nowMs: number): Array<Outcome<C>> {
    const out: Array<Outcome<C>> = []
    let inner
    try {
      inner = this.state.unpack(frame, nowMs)
    } catch (e) {
      // A frame that fails a check counts as nothing: no ack, no liveness, no outcome but this.
      const error = e instanceof SecurityError ? e : new SecurityError({ reason: "BadLength", detail: String(e) })
      out.push({ _tag: "Rejected", error, inContainer: false })
      if (++this.rejectedInARow >= this.maxRejected) {
        out.push({ _tag: "Reconnect", reason: "Rejected", detail: `${this.rejectedInARow} rejected frames in a row` })
      }
      return out
    }
    this.rejectedInARow = 0
    this.validFrames++
    this.lastReceived = nowMs
    this.probeSentAt = undefined
    const updates: Array<AnyObject> = []
    // One inflate budget for the whole frame: its gzip_packed parts together may not exceed it.
    this.dispatch(inner.msgId, inner.seqNo, inner.body, nowMs, out, updates, false, makeInflateBudget())
    if (updates.length > 0) out.push({ _tag: "Updates", updates })
    return out
  }

  private ack(msgId: bigint, nowMs: number): void {
    if (this.acks.length === 0) this.ackDueAt = nowMs + this.ackDelay
    this.acks.push(msgId)
  }

  private dispatch(
    msgId: bigint,
    seqNo: number,
    raw: Uint8Array,
    nowMs: number,
    out: Array<Outcome<C>>,
    updates: Array<AnyObject>,
    inContainer: boolean,
    budget: InflateBudget
  ): void {
    if ((seqNo & 1) === 1) this.ack(msgId, nowMs)
    let body: Uint8Array
    let obj: Mt.AnyObject | { readonly _tag: "other" }
    try {
      // Inflate first: a whole message may come gzip_packed, an rpc_result included.
      body = unpackGzip(raw, budget)
      if (constructorIdOf(body) === MtId.rpc_result) {
        if (body.length < 12) return
        return this.result(readInt64LE(body, 4), body.subarray(12), out, budget)
      }
      obj = deserialize(body, budget) as Mt.AnyObject | { readonly _tag: "other" }
    } catch {
      // An authenticated message we cannot read (a newer layer): nothing to do with it.
      return
    }
    switch (obj._tag) {
      case "msg_container":
        if (inContainer) return
        for (const m of obj.messages) {
          try {
            this.state.checkInner(m.msg_id, m.seqno, nowMs)
          } catch (e) {
            if (e instanceof SecurityError) out.push({ _tag: "Rejected", error: e, inContainer: true })
            continue
          }
          this.dispatch(m.msg_id, m.seqno, m.body as unknown as Uint8Array, nowMs, out, updates, true, budget)
        }
        return
      case "new_session_created":
        this.state.salt = obj.server_salt
        out.push({ _tag: "NewSession", origin: "server", sessionId: this.state.sessionId })
        return
      case "bad_server_salt":
        this.state.salt = obj.new_server_salt
        // The salts we had are stale: fetch them again with the re-sent calls.
        this.salts.forget()
        out.push({ _tag: "SaltChanged", salt: obj.new_server_salt })
        return this.resendAll(obj.bad_msg_id, out)
      case "bad_msg_notification":
        return this.badMsg(msgId, obj, nowMs, out)
      case "msgs_ack":
        return
      case "pong":
        return this.complete(obj.msg_id, obj, out)
      case "future_salts":
        this.salts.learn(obj)
        return this.complete(obj.req_msg_id, obj, out)
      case "msg_detailed_info":
        // The answer to obj.msg_id went out as answer_msg_id. A call still waiting never got
        // it: ask for it again. Otherwise just ack it.
        if (this.pending.has(obj.msg_id)) {
          this.queue.push({ body: serialize({ _tag: "msg_resend_req", msg_ids: [obj.answer_msg_id] }), content: true })
        } else {
          this.ack(obj.answer_msg_id, nowMs)
        }
        return
      case "msg_new_detailed_info":
        this.ack(obj.answer_msg_id, nowMs)
        return
      case "msgs_state_req":
        return this.answerStateRequest(msgId, obj.msg_ids, nowMs)
      case "msgs_state_info":
        return this.stateInfo(obj, out)
      case "msg_resend_req":
        for (const id of obj.msg_ids) this.resendAll(id, out)
        return
      case "destroy_session_ok":
      case "destroy_session_none": {
        // Telegram answers destroy_session with the bare object, not in an rpc_result: hand
        // it to the call that asked about this session.
        for (const call of this.pending.values()) {
          const method = call.method as { readonly _tag: string; readonly session_id?: bigint }
          if (method._tag === "destroy_session" && method.session_id === obj.session_id) return this.complete(call.msgId, obj, out)
        }
        return
      }
      default:
        updates.push(obj as AnyObject)
    }
  }

  /** An rpc_result for `reqMsgId`. */
  private result(reqMsgId: bigint, result: Uint8Array, out: Array<Outcome<C>>, budget: InflateBudget): void {
    const call = this.pending.get(reqMsgId)
    if (call === undefined || call.done) return // late answer to a dropped or answered call
    this.pending.delete(reqMsgId)
    let value: unknown
    try {
      const bytes = unpackGzip(result, budget)
      if (constructorIdOf(bytes) === MtId.rpc_error) {
        const e = deserialize(bytes, budget) as Mt.rpc_error
        return this.fail(call, fromRpcError(e.error_code, e.error_message, call.tag), out)
      }
      value = (deserializeResult as (m: unknown, b: Uint8Array, budget: InflateBudget) => unknown)(call.method, bytes, budget)
    } catch (cause) {
      return this.fail(call, new SenderError({ reason: "Decode", method: call.tag, cause }), out)
    }
    this.succeed(call, value, out)
  }

  /** An answer that does not come in an rpc_result (pong, future_salts, destroy_session_*). */
  private complete(msgId: bigint, value: unknown, out: Array<Outcome<C>>): void {
    const call = this.pending.get(msgId)
    if (call === undefined || call.done) return
    this.pending.delete(msgId)
    this.succeed(call, value, out)
  }

  private succeed(call: Call<C>, value: unknown, out: Array<Outcome<C>>): void {
    this.end(call)
    switch (call.kind) {
      case "user":
        out.push({ _tag: "Result", call: call.token!, value })
        return
      case "salts":
        if ((value as { _tag?: string })._tag === "future_salts") this.salts.learn(value as Mt.future_salts)
        else this.salts.failed()
        return
      default:
        return
    }
  }

  private fail(call: Call<C>, error: AnyRpcError | SenderError, out: Array<Outcome<C>>): void {
    if (call.done) return
    this.end(call)
    if (call.msgId !== 0n && this.pending.get(call.msgId) === call) this.pending.delete(call.msgId)
    if (call.kind === "user") out.push({ _tag: "Failed", call: call.token!, error })
    else if (call.kind === "salts") this.salts.failed()
  }

  private end(call: Call<C>): void {
    if (call.done) return
    call.done = true
    this.leaveContainer(call)
    if (call.kind === "user") {
      this.calls.delete(call)
      if (call.tag === "get_future_salts") this.salts.userCalls--
    }
  }

  /** The call no longer counts for the container it went out in (it ended or is packed again). */
  private leaveContainer(call: Call<C>): void {
    const container = call.container
    if (container === undefined) return
    call.container = undefined
    if (--container.open === 0) this.containers.delete(container.msgId)
  }

  /** The calls a msg_id stands for: the call itself, or every call of a container. */
  private callsFor(msgId: bigint): ReadonlyArray<Call<C>> {
    const direct = this.pending.get(msgId)
    if (direct !== undefined) return [direct]
    return (this.containers.get(msgId)?.calls ?? []).filter((c) => !c.done && this.pending.get(c.msgId) === c)
  }

  /** The server did not take these messages: send them again with new msg_ids. */
  private resendAll(msgId: bigint, out: Array<Outcome<C>>): void {
    for (const call of this.callsFor(msgId)) {
      this.pending.delete(call.msgId)
      if (call.kind === "ping") {
        this.end(call)
        continue
      }
      if (++call.resends > this.maxResends) {
        this.fail(call, new SenderError({ reason: "TooManyResends", method: call.tag }), out)
        continue
      }
      this.queue.push(this.requeueItem(call))
    }
  }

  private requeueItem(call: Call<C>): Item<C> {
    call.reuse = false
    call.msgId = 0n
    return { body: call.body, content: true, call }
  }

  private badMsg(msgId: bigint, n: Mt.bad_msg_notification, nowMs: number, out: Array<Outcome<C>>): void {
    switch (n.error_code) {
      case 16: // msg_id too low
      case 17: // msg_id too high: the clock is off; the server's msg_id carries its time
        this.state.syncTime(msgId, nowMs)
        return this.resendAll(n.bad_msg_id, out)
      case 32: // seq_no too low
      case 33: // seq_no too high: start a fresh session, as the spec recommends
        this.state.reset()
        out.push({ _tag: "NewSession", origin: "client", sessionId: this.state.sessionId })
        return this.resendAll(n.bad_msg_id, out)
      case 48: // bad salt: the new one comes in bad_server_salt, which is handled apart
      case 64: // invalid container: send the calls again
        return this.resendAll(n.bad_msg_id, out)
      default:
        for (const call of this.callsFor(n.bad_msg_id)) {
          this.fail(call, new SenderError({ reason: "BadMsgNotification", method: call.tag, code: n.error_code }), out)
        }
    }
  }

  /**
   * The answer to our msgs_state_req (core.telegram.org/mtproto/service_messages_about_messages):
   * a call the server never received is sent again with a new msg_id; one it forgot fails
   * (it may or may not have run); one it answered gets `msg_resend_ans_req`; one in progress
   * keeps waiting.
   */
  private stateInfo(info: Mt.msgs_state_info, out: Array<Outcome<C>>): void {
    const request = this.pending.get(info.req_msg_id)
    if (request === undefined) return
    // A user's own msgs_state_req gets the answer as its result.
    if (request.kind !== "state") return this.complete(info.req_msg_id, info, out)
    this.pending.delete(info.req_msg_id)
    this.end(request)
    const checks = request.checks ?? []
    const answered: Array<bigint> = []
    for (let i = 0; i < checks.length; i++) {
      const call = checks[i]!
      if (call.done) continue
      const status = info.info[i] ?? 1
      switch (status & 7) {
        case 2:
        case 3:
          this.pending.delete(call.msgId)
          this.queue.push(this.requeueItem(call))
          break
        case 4:
          if ((status & 64) !== 0) answered.push(call.msgId)
          break
        default:
          this.fail(call, new SenderError({ reason: "ResultUnknown", method: call.tag }), out)
      }
    }
    if (answered.length > 0) this.queue.push({ body: serialize({ _tag: "msg_resend_ans_req", msg_ids: answered }), content: true })
  }

  /**
   * The server asks what we know of its messages: one byte per id from the replay window (see
   * `SessionState.receivedState`), +8 for a received one whose ack already went out. The answer
   * acknowledges them too (spec), so their pending acks are dropped.
   */
  private answerStateRequest(reqMsgId: bigint, ids: ReadonlyArray<bigint>, nowMs: number): void {
    const info = new Uint8Array(ids.length)
    const pendingAcks = new Set(this.acks)
    let answered = false
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      let state = this.state.receivedState(id, nowMs)
      if (state === 4) {
        if (pendingAcks.has(id)) answered = true
        else state |= 8
      }
      info[i] = state
    }
    if (answered) {
      const known = new Set(ids)
      this.acks = this.acks.filter((id) => !known.has(id) || id === reqMsgId)
      if (this.acks.length === 0) this.ackDueAt = Number.POSITIVE_INFINITY
    }
    this.queue.push({ body: serialize({ _tag: "msgs_state_info", req_msg_id: reqMsgId, info }), content: true })
  }

  // --- internal requests --------------------------------------------------------------------

  private newCall(
    token: C | undefined,
    kind: Kind,
    method: TlMethod,
    body: Uint8Array,
    deadline: number,
    checks?: ReadonlyArray<Call<C>>,
    build?: (msgId: bigint, sessionId: bigint) => Uint8Array
  ): Call<C> {
    return {
      token,
      kind,
      method,
      tag: methodName(method),
      body,
      ...(build === undefined ? {} : { build }),
      deadline,
      msgId: 0n,
      seqNo: 0,
      sessionId: this.state.sessionId,
      resends: 0,
      done: false,
      reuse: false,
      container: undefined,
      ...(checks === undefined ? {} : { checks })
    }
  }

  private internal(kind: Kind, method: TlMethod, nowMs: number, checks?: ReadonlyArray<Call<C>>): Item<C> {
    const call = this.newCall(undefined, kind, method, serialize(method), nowMs + this.requestTimeout, checks)
    return { body: call.body, content: true, call }
  }

  private stateRequest(calls: ReadonlyArray<Call<C>>, nowMs: number): Item<C> {
    return this.internal("state", { _tag: "msgs_state_req", msg_ids: calls.map((c) => c.msgId) } as unknown as TlMethod, nowMs, calls)
  }

  private ping(nowMs: number, delaySeconds?: number): void {
    const ping_id = randomLong(this.random)
    const method = delaySeconds === undefined
      ? { _tag: "ping", ping_id } as const
      : { _tag: "ping_delay_disconnect", ping_id, disconnect_delay: delaySeconds } as const
    this.queue.push(this.internal("ping", method, nowMs))
  }

  // --- time ---------------------------------------------------------------------------------

  /**
   * When `tick` has work next (ms, local clock): an ack to flush, a call to time out, a
   * keepalive, a silent connection to probe. `Infinity` when idle and disconnected.
   */
  nextWake(): number {
    let at = this.ackDueAt
    const oldest = this.calls.values().next()
    if (!oldest.done && oldest.value.deadline < at) at = oldest.value.deadline
    if (this.isConnected) {
      if (this.keepaliveAt < at) at = this.keepaliveAt
      if (this.pending.size > 0) {
        const probe = this.probeSentAt === undefined ? this.lastReceived + this.silence : this.probeSentAt + this.pongTimeout
        if (probe < at) at = probe
      }
    }
    return at
  }

  /** Runs what is due at `nowMs`: request timeouts, keepalive, dead-connection checks. */
  tick(nowMs: number): Array<Outcome<C>> {
    const out: Array<Outcome<C>> = []
    for (const call of this.calls) {
      if (call.deadline > nowMs) break
      const sent = call.msgId !== 0n && this.pending.get(call.msgId) === call
      this.fail(call, new SenderError({ reason: "Timeout", method: call.tag }), out)
      if (sent) this.queue.push({ body: serialize({ _tag: "rpc_drop_answer", req_msg_id: call.msgId }), content: true })
    }
    if (!this.isConnected) return out
    const silentFor = nowMs - this.lastReceived
    if (nowMs >= this.keepaliveAt) {
      if (silentFor > this.pingInterval + this.deadAfter) {
        out.push({ _tag: "Reconnect", reason: "Silent", detail: `nothing received for ${silentFor} ms` })
        return out
      }
      this.ping(nowMs, Math.ceil((this.pingInterval + this.deadAfter) / 1000))
      this.keepaliveAt = nowMs + this.pingInterval
    }
    if (this.pending.size > 0) {
      if (this.probeSentAt === undefined) {
        if (silentFor >= this.silence) {
          this.ping(nowMs)
          this.probeSentAt = nowMs
        }
      } else if (nowMs - this.probeSentAt >= this.pongTimeout) {
        out.push({ _tag: "Reconnect", reason: "NoPong", detail: `no answer to a ping for ${nowMs - this.probeSentAt} ms while calls wait` })
      }
    }
    return out
  }
}
