/**
 * What the server does with one client frame, once the transport has cut it out: the plain
 * handshake messages, and encrypted messages (session, msg_id window, salt and seq_no
 * checks, service messages, containers, RPC dispatch to the handler table). Produces the
 * payloads to send back; the connection loop writes them.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { randomLong, toHex, writeInt64LE } from "../../crypto/index.ts"
import { packMessage, unpackMessage, type InnerMessage } from "../../mtproto/encryptedMessage.ts"
import { nextServerMsgId } from "../../mtproto/msgId.ts"
import { authKeyIdLong, decryptBinding } from "../../mtproto/tempKey.ts"
import { decodePlainMessage, encodePlainMessage, isPlainMessage } from "../../mtproto/plainMessage.ts"
import {
  type AnyObject,
  type Api,
  constructorIdOf,
  deserialize,
  deserializeOneOf,
  gzipPacked,
  type InflateBudget,
  makeInflateBudget,
  type Mt,
  MtId,
  serialize,
  type TlMethod
} from "../../tl/index.ts"
import { findHandler, type HandlerContext, RpcFailure } from "../handlers/index.ts"
import { ANSWERED_LATER } from "../handlers/bots.ts"
import { HandshakeRejected, type HandshakeServer } from "./handshake.ts"
import type { RejectionKind } from "./limits.ts"
import { serializeResult } from "./result.ts"
import {
  newSession,
  ANSWER_MEMORY,
  SENT_MEMORY,
  type ServerMessage,
  type ServerState,
  type ServerSession,
  storeKey,
  type StoredKey,
  takeFault
} from "./state.ts"

/** The transport error code Telegram sends for an unknown auth key (and other fatal faults). */
export const TRANSPORT_ERROR_NOT_FOUND = -404

/** What to do after a frame. */
export type FrameOutcome =
  | {
    readonly _tag: "Send"
    readonly payloads: ReadonlyArray<Uint8Array>
    /** What was packed, for the `onServerMessage` hook (empty when no hook is set). */
    readonly messages: ReadonlyArray<ServerMessage>
    /** Queries this frame ran (their answers are in `payloads`). */
    readonly ran: number
  }
  | {
    readonly _tag: "Close"
    readonly transportError: number | undefined
    readonly reason: string
    /** What kind of frame the server refused (for the rejection metric and log). */
    readonly kind: RejectionKind
  }

/** Per-connection state the dispatcher needs. */
export interface ConnectionContext {
  readonly state: ServerState
  readonly handshake: HandshakeServer
  /** Arms (or re-arms) the ping_delay_disconnect timer. */
  readonly armDisconnect: (seconds: number) => Effect.Effect<void>
  /**
   * Runs a query whose answer waits for someone else (a bot's) beside the connection's other
   * requests: the answer is packed and sent in `session` when it is ready, and kept for a
   * re-sent query. `[]` when it was forked; its answer at once when too many already wait.
   */
  readonly answerLater: (
    key: StoredKey,
    session: ServerSession,
    msgId: bigint,
    answer: Effect.Effect<Outgoing>
  ) => Effect.Effect<ReadonlyArray<Outgoing>>
  lastPlainMsgId: bigint
  /** The key and session this connection last spoke with (pushes go there). */
  current: { readonly key: StoredKey; readonly session: ServerSession } | undefined
  /** {@link ServerState.activity} when the connection last received an encrypted message. */
  activeAt: number
  /** A key was created on this connection, or a message under a known key decrypted (the handshake deadline stops). */
  authenticated: boolean
  /** The connection came to the DC's media-only listener. */
  readonly mediaOnly: boolean
  /**
   * What queries the connection carried: file queries (`upload.*`, or anything inside
   * `invokeWithoutUpdates`) do not subscribe a connection to updates, others do. A connection
   * that carried only the former gets no pushes.
   */
  queries: { subscribing: boolean; silent: boolean }
}

/** A message the server is about to pack. */
export interface Outgoing {
  readonly body: Uint8Array
  /** Content-related (odd seq_no, needs an ack) or not. */
  readonly content: boolean
  /** An answer to a client message (msg_id ≡ 1 mod 4) or not (≡ 3). */
  readonly response: boolean
  /** For an rpc_result: the request's msg_id and the serialized result (the gzip and withhold faults need them). */
  readonly rpc?: { readonly reqMsgId: bigint; readonly result: Uint8Array } | undefined
  /** A message sent again (msg_resend_req): it keeps its original msg_id and seq_no. */
  readonly fixed?: { readonly msgId: bigint; readonly seqNo: number } | undefined
  /**
   * The answer to a file read (`upload.getFile`): large, and safe to compute again, so it is
   * not kept; a repeat of the query runs it again.
   */
  readonly rerunnable?: boolean | undefined
}

const send = (payloads: ReadonlyArray<Uint8Array>, messages: ReadonlyArray<ServerMessage> = [], ran = 0): FrameOutcome => ({
  _tag: "Send",
  payloads,
  messages,
  ran
})
const close = (kind: RejectionKind, reason: string, transportError?: number): FrameOutcome => ({
  _tag: "Close",
  transportError,
  reason,
  kind
})

const isAck = (body: Uint8Array): boolean => constructorIdOf(body) === MtId.msgs_ack

/** Keeps the answers of query `msgId`, so that the query sent again gets them without a second run. */
export const rememberAnswers = (session: ServerSession, msgId: bigint, answers: ReadonlyArray<Outgoing>): void => {
  session.answers.set(msgId, answers.map((o) => ({ body: o.body, content: o.content })))
  if (session.answers.size > ANSWER_MEMORY) session.answers.delete(session.answers.keys().next().value!)
}
/** Constructor ids of the service messages that are not queries (their answers are not kept). */
const NOT_QUERY_IDS: ReadonlySet<number> = new Set([
  MtId.msgs_ack,
  MtId.http_wait,
  MtId.msgs_state_info,
  MtId.msgs_all_info,
  MtId.msg_resend_req,
  MtId.msg_resend_ans_req,
  MtId.msgs_state_req
])
const SALT_LIFETIME_SECONDS = 3600

/** Wrappers whose `query` is the real call (the schema's generic `X` methods). */
const WRAPPERS = new Set([
  "invokeAfterMsg",
  "invokeAfterMsgs",
  "initConnection",
  "invokeWithLayer",
  "invokeWithoutUpdates",
  "invokeWithMessagesRange",
  "invokeWithTakeout",
  "invokeWithBusinessConnection",
  "invokeWithGooglePlayIntegrity",
  "invokeWithApnsSecret",
  "invokeWithReCaptcha"
])

// ---------------------------------------------------------------------------------------------
// Plain messages: the handshake

/** What a client may send before it has a key; nothing else is even decoded. */
const PLAIN_REQUESTS: ReadonlySet<string> = new Set(["req_pq_multi", "req_pq", "req_DH_params", "set_client_DH_params"])

/** Handles an unencrypted frame (auth_key_id = 0): one step of auth key creation. */
export const handlePlain = (conn: ConnectionContext, frame: Uint8Array, nowMs: number): FrameOutcome => {
  const nowSeconds = Math.floor(nowMs / 1000)
  let body: Uint8Array
  let request: AnyObject
  try {
    body = decodePlainMessage(frame).body
    // No gzip_packed anywhere: an unauthenticated peer gets no inflating done for it.
    request = deserializeOneOf(body, PLAIN_REQUESTS, makeInflateBudget(0, 0))
  } catch (e) {
    return close("handshake", `undecodable plain message: ${String(e)}`, TRANSPORT_ERROR_NOT_FOUND)
  }
  let reply: Uint8Array
  try {
    switch (request._tag) {
      case "req_pq_multi":
      case "req_pq":
        reply = serialize(conn.handshake.reqPq(request))
        break
      case "req_DH_params":
        reply = serialize(conn.handshake.reqDhParams(request, nowSeconds))
        break
      case "set_client_DH_params": {
        const step = conn.handshake.setClientDhParams(request)
        if (step._tag === "KeyCreated") {
          storeKey(conn.state, step.key, nowSeconds)
          conn.authenticated = true
        }
        reply = step.body
        break
      }
      default:
        return close("handshake", `unexpected plain message ${request._tag}`, TRANSPORT_ERROR_NOT_FOUND)
    }
  } catch (e) {
    if (e instanceof HandshakeRejected) return close("handshake", `handshake: ${e.reason}`, TRANSPORT_ERROR_NOT_FOUND)
    return close("handshake", `handshake failure: ${String(e)}`, TRANSPORT_ERROR_NOT_FOUND)
  }
  conn.lastPlainMsgId = nextServerMsgId(nowMs, conn.lastPlainMsgId, true)
  return send([encodePlainMessage(conn.lastPlainMsgId, reply)])
}

// ---------------------------------------------------------------------------------------------
// Encrypted messages

const saltValid = (key: StoredKey, salt: bigint, nowSeconds: number): boolean =>
  salt === key.salt ||
  key.futureSalts.some((s) => s.salt === salt && s.valid_since <= nowSeconds && nowSeconds < s.valid_until)

/** The bad_msg_notification code for a msg_id's parity or time, or `undefined` if it is fine. */
const msgIdProblem = (msgId: bigint, nowSeconds: number): number | undefined => {
  if ((msgId & 3n) !== 0n) return 18
  const seconds = Number(msgId >> 32n)
  if (seconds < nowSeconds - 300) return 16
  if (seconds > nowSeconds + 30) return 17
  return undefined
}

const badMsg = (msgId: bigint, seqNo: number, code: number): Outgoing => ({
  body: serialize({ _tag: "bad_msg_notification", bad_msg_id: msgId, bad_msg_seqno: seqNo, error_code: code }),
  content: false,
  response: true
})

const rpcResult = (reqMsgId: bigint, result: Uint8Array): Outgoing => ({
  body: serialize({ _tag: "rpc_result", req_msg_id: reqMsgId, result }),
  content: true,
  response: true,
  rpc: { reqMsgId, result }
})


/** Client messages that are not queries: the content-message faults pass them by. */
const NOT_QUERIES = new Set(["msgs_ack", "http_wait", "msgs_state_info", "msgs_all_info", "msg_resend_req", "msg_resend_ans_req"])

const rpcError = (reqMsgId: bigint, code: number, message: string): Outgoing =>
  rpcResult(reqMsgId, serialize({ _tag: "rpc_error", error_code: code, error_message: message }))

const answer = (obj: AnyObject): Outgoing => ({ body: serialize(obj), content: true, response: true })

interface Item {
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Uint8Array
  readonly withheld: boolean
  readonly rerunnable?: boolean | undefined
}

/**
 * Assigns server msg_ids and seq_nos, and packs one message or a container; `undefined`
 * when every message was withheld. Applies the message-level faults (gzip, withheld answers,
 * detailed info) and remembers what it packed for msg_resend_req. Packed messages are
 * appended to `report` when given.
 */
export const pack = (
  state: ServerState,
  key: StoredKey,
  session: ServerSession,
  outs: ReadonlyArray<Outgoing>,
  nowMs: number,
  report?: Array<ServerMessage>
): Uint8Array | undefined => {
  const plan = state.faults
  const nextId = (response: boolean) => (session.lastServerMsgId = nextServerMsgId(nowMs, session.lastServerMsgId, response))
  const nextSeq = (content: boolean) => (content ? 2 * session.contentSent++ + 1 : 2 * session.contentSent)
  const items: Array<Item> = []
  const notice = (body: AnyObject) => items.push({ msgId: nextId(false), seqNo: nextSeq(false), body: serialize(body), withheld: false })
  for (const o of outs) {
    if (o.fixed !== undefined) {
      items.push({ msgId: o.fixed.msgId, seqNo: o.fixed.seqNo, body: o.body, withheld: false })
      continue
    }
    let body = o.body
    if (o.rpc !== undefined && plan.gzipResults !== undefined && o.rpc.result.length >= plan.gzipResults) {
      body = serialize({ _tag: "rpc_result", req_msg_id: o.rpc.reqMsgId, result: gzipPacked(o.rpc.result) })
    }
    const withheld = o.rpc !== undefined && takeFault(plan, "withholdAnswers")
    const item: Item = { msgId: nextId(o.response), seqNo: nextSeq(o.content), body, withheld, ...(o.rerunnable === true ? { rerunnable: true } : {}) }
    items.push(item)
    if (o.rpc === undefined) continue
    // Notifications about messages are not content-related: they need no ack of their own.
    if (withheld) {
      notice({ _tag: "msg_detailed_info", msg_id: o.rpc.reqMsgId, answer_msg_id: item.msgId, bytes: body.length, status: 0 })
    } else if (takeFault(plan, "newDetailedInfo")) {
      notice({ _tag: "msg_new_detailed_info", answer_msg_id: item.msgId, bytes: body.length, status: 0 })
    }
  }
  for (const i of items) {
    if (i.rerunnable === true) continue // a file read's answer: re-read rather than kept
    session.sent.set(i.msgId, { seqNo: i.seqNo, body: i.body })
    if (session.sent.size > SENT_MEMORY) session.sent.delete(session.sent.keys().next().value!)
  }
  const visible = items.filter((i) => !i.withheld)
  const describe = (msgId: bigint, seqNo: number, body: Uint8Array, withheld: boolean): ServerMessage => {
    let tag: string
    try {
      tag = deserialize(body)._tag
    } catch {
      tag = `#${(constructorIdOf(body) >>> 0).toString(16)}`
    }
    return { authKeyId: key.id, sessionId: session.sessionId, msgId, seqNo, contentRelated: (seqNo & 1) === 1, tag, withheld }
  }
  if (report !== undefined) for (const i of items) report.push(describe(i.msgId, i.seqNo, i.body, i.withheld))
  if (visible.length === 0) return undefined
  let inner: InnerMessage
  if (visible.length === 1) {
    const only = visible[0]!
    inner = { salt: key.salt, sessionId: session.sessionId, msgId: only.msgId, seqNo: only.seqNo, body: only.body }
  } else {
    // The container gets the largest msg_id: its contents were numbered first.
    const body = serialize({
      _tag: "msg_container",
      messages: visible.map((i) => ({ _tag: "message", msg_id: i.msgId, seqno: i.seqNo, bytes: i.body.length, body: i.body }))
    })
    inner = { salt: key.salt, sessionId: session.sessionId, msgId: nextId(false), seqNo: nextSeq(false), body }
    if (report !== undefined) report.push({ ...describe(inner.msgId, inner.seqNo, new Uint8Array(0), false), tag: "msg_container" })
  }
  if (plan.gzipMessages === true) inner = { ...inner, body: gzipPacked(inner.body) }
  return packMessage(key.authKey, 8, inner, state.randomBytes)
}

/**
 * Moves a key on to its next future salt once the current one's `valid_until` has passed
 * (and forgets expired ones), as Telegram's salts rotate.
 */
const rollSalts = (key: StoredKey, nowSeconds: number): void => {
  if (key.futureSalts.length === 0) return
  const live = key.futureSalts.filter((f) => f.valid_until > nowSeconds)
  if (live.length === key.futureSalts.length) return
  key.futureSalts = live
  const current = live.find((f) => f.valid_since <= nowSeconds)
  if (current !== undefined) key.salt = current.salt
}

/** Handles an encrypted frame. Never fails: every problem is an outcome. */
export const handleEncrypted = (conn: ConnectionContext, frame: Uint8Array, nowMs: number): Effect.Effect<FrameOutcome> =>
  Effect.suspend(() => {
    const state = conn.state
    const nowSeconds = Math.floor(nowMs / 1000)
    if (frame.length < 8) return Effect.succeed(close("auth_key", "frame shorter than an auth_key_id", TRANSPORT_ERROR_NOT_FOUND))
    const key = state.keys.get(toHex(frame.subarray(0, 8)))
    if (key === undefined) return Effect.succeed(close("auth_key", "unknown auth_key_id", TRANSPORT_ERROR_NOT_FOUND))
    if (key.expiresAt !== undefined && nowSeconds >= key.expiresAt) {
      state.keys.delete(key.id)
      return Effect.succeed(close("auth_key", "temporary auth key expired", TRANSPORT_ERROR_NOT_FOUND))
    }
    let message: InnerMessage
    try {
      message = unpackMessage(key.authKey, 0, frame)
    } catch (e) {
      // Like Telegram: a message that fails the msg_key check is not answered; the connection goes.
      return Effect.succeed(close("decrypt", `undecryptable message: ${String(e)}`))
    }
    let session = key.sessions.get(message.sessionId)
    if (session === undefined) {
      session = newSession(state, message.sessionId)
      key.sessions.set(message.sessionId, session)
    }
    const s = session
    conn.current = { key, session: s }
    conn.activeAt = ++state.activity
    let ran = 0
    conn.authenticated = true
    const reply = (outs: ReadonlyArray<Outgoing>) => {
      if (outs.length === 0) return send([])
      const report: Array<ServerMessage> | undefined = state.onServerMessage === undefined ? undefined : []
      const frame = pack(state, key, s, outs, nowMs, report)
      return send(frame === undefined ? [] : [frame], report, ran)
    }
    /** A query seen before: its kept answer goes out again (nothing runs twice); unknown ones are ignored. */
    const again = (msgId: bigint, outs: Array<Outgoing>) => {
      for (const a of s.answers.get(msgId) ?? []) outs.push({ body: a.body, content: a.content, response: true })
    }
    rollSalts(key, nowSeconds)

    const problem = msgIdProblem(message.msgId, nowSeconds)
    if (problem !== undefined) return Effect.succeed(reply([badMsg(message.msgId, message.seqNo, problem)]))
    if (!saltValid(key, message.salt, nowSeconds)) {
      // Not recorded in the window: the client resends the message with the new salt.
      return Effect.succeed(reply([{
        body: serialize({
          _tag: "bad_server_salt",
          bad_msg_id: message.msgId,
          bad_msg_seqno: message.seqNo,
          error_code: 48,
          new_server_salt: key.salt
        }),
        content: false,
        response: true
      }]))
    }
    try {
      s.window.check(message.msgId, nowSeconds, false)
    } catch {
      // A replay or a repeat: answered from what was kept, never run again (a file read,
      // whose answer is not kept, is read again).
      if (!s.rerunnable.has(message.msgId)) {
        const kept: Array<Outgoing> = []
        again(message.msgId, kept)
        return Effect.succeed(reply(kept))
      }
    }

    const outs: Array<Outgoing> = []
    const acks: Array<bigint> = []
    let firstMsgId = message.msgId
    // One inflate budget for everything this frame carries, however it is split up.
    const budget = makeInflateBudget()

    const one = (msgId: bigint, seqNo: number, body: Uint8Array) =>
      Effect.map(handleMessage(conn, key, s, msgId, seqNo, body, nowSeconds, budget), (produced) => {
        // Acks are never acknowledged, whatever their seq_no says.
        if ((seqNo & 1) === 1 && !isAck(body)) acks.push(msgId)
        for (const o of produced) outs.push(o)
        const answers = produced.filter((o) => o.response && o.fixed === undefined)
        if (answers.length > 0 && !NOT_QUERY_IDS.has(constructorIdOf(body))) {
          ran++
          if (answers.every((o) => o.rerunnable === true)) {
            s.rerunnable.add(msgId)
            if (s.rerunnable.size > ANSWER_MEMORY) s.rerunnable.delete(s.rerunnable.values().next().value!)
          } else {
            rememberAnswers(s, msgId, answers)
          }
        }
      })

    let work: Effect.Effect<void>
    if (constructorIdOf(message.body) === MtId.msg_container) {
      let container: Mt.msg_container
      try {
        container = deserialize(message.body, budget) as Mt.msg_container
      } catch {
        return Effect.succeed(reply([badMsg(message.msgId, message.seqNo, 64)])) // invalid container
      }
      if ((message.seqNo & 1) === 1) outs.push(badMsg(message.msgId, message.seqNo, 34))
      const inner = container.messages.filter((m) => {
        const code = msgIdProblem(m.msg_id, nowSeconds)
        if (code !== undefined) {
          outs.push(badMsg(m.msg_id, m.seqno, code))
          return false
        }
        try {
          s.window.check(m.msg_id, nowSeconds, false)
          return true
        } catch {
          if (s.rerunnable.has(m.msg_id)) return true
          again(m.msg_id, outs)
          return false
        }
      })
      if (inner.length > 0) firstMsgId = inner.reduce((min, m) => (m.msg_id < min ? m.msg_id : min), inner[0]!.msg_id)
      work = Effect.forEach(inner, (m) => one(m.msg_id, m.seqno, m.body), { discard: true })
    } else {
      work = one(message.msgId, message.seqNo, message.body)
    }

    return Effect.map(work, () => {
      if (!s.announced) {
        s.announced = true
        outs.unshift({
          body: serialize({ _tag: "new_session_created", first_msg_id: firstMsgId, unique_id: s.uniqueId, server_salt: key.salt }),
          content: true,
          response: false
        })
      }
      if (acks.length > 0) outs.push({ body: serialize({ _tag: "msgs_ack", msg_ids: acks }), content: false, response: false })
      return reply(outs)
    })
  })

/** One message (alone or from a container): service messages here, RPCs to the handlers. */
const handleMessage = (
  conn: ConnectionContext,
  key: StoredKey,
  session: ServerSession,
  msgId: bigint,
  seqNo: number,
  body: Uint8Array,
  nowSeconds: number,
  budget: InflateBudget
): Effect.Effect<ReadonlyArray<Outgoing>> =>
  Effect.gen(function*() {
    const state = conn.state
    let obj: AnyObject
    const gzipped = constructorIdOf(body) === MtId.gzip_packed
    try {
      obj = deserialize(body, budget)
    } catch {
      return [rpcError(msgId, 400, `INPUT_METHOD_INVALID_${(constructorIdOf(body) >>> 0).toString(16).padStart(8, "0")}`)]
    }
    // seq_no parity: a content-related message with an even seq_no is refused (code 34).
    // The reverse is tolerated, as Telegram does: mtcute numbers its msgs_ack as content.
    const contentRelated = obj._tag !== "msgs_ack" && obj._tag !== "http_wait"
    if (contentRelated && (seqNo & 1) === 0) return [badMsg(msgId, seqNo, 35)]
    if (state.onClientMessage !== undefined) {
      const verdict = yield* state.onClientMessage({
        authKeyId: key.id,
        sessionId: session.sessionId,
        msgId,
        seqNo,
        body: obj,
        gzipped,
        bytes: body.length
      })
      if (verdict === "drop") return []
    }
    if (contentRelated && !NOT_QUERIES.has(obj._tag)) {
      const plan = state.faults
      const code = plan.badMsg?.shift()
      if (plan.badMsg !== undefined && plan.badMsg.length === 0) plan.badMsg = undefined
      if (code !== undefined) return [badMsg(msgId, seqNo, code)]
      if (takeFault(plan, "resendReq")) return [{ body: serialize({ _tag: "msg_resend_req", msg_ids: [msgId] }), content: true, response: false }]
    }
    switch (obj._tag) {
      case "msgs_ack":
      case "http_wait":
      case "msgs_state_info":
      case "msgs_all_info":
        return []
      case "msg_resend_ans_req": {
        // Answers again to the queries of these msg_ids (kept by query id).
        const outs: Array<Outgoing> = []
        for (const id of obj.msg_ids) for (const a of session.answers.get(id) ?? []) outs.push({ body: a.body, content: a.content, response: true })
        return outs
      }
      case "msg_resend_req": {
        // Send the remembered messages again, unchanged; report the forgotten ones as unknown.
        const outs: Array<Outgoing> = []
        let missing = false
        for (const id of obj.msg_ids) {
          const m = session.sent.get(id)
          if (m === undefined) missing = true
          else outs.push({ body: m.body, content: (m.seqNo & 1) === 1, response: true, fixed: { msgId: id, seqNo: m.seqNo } })
        }
        if (missing) {
          outs.push(answer({ _tag: "msgs_state_info", req_msg_id: msgId, info: new Uint8Array(obj.msg_ids.length).fill(1) }))
        }
        return outs
      }
      case "ping":
        return [answer({ _tag: "pong", msg_id: msgId, ping_id: obj.ping_id })]
      case "ping_delay_disconnect":
        yield* conn.armDisconnect(obj.disconnect_delay)
        return [answer({ _tag: "pong", msg_id: msgId, ping_id: obj.ping_id })]
      case "get_future_salts": {
        const count = Math.min(Math.max(obj.num, 1), 64)
        const lifetime = state.faults.saltLifetime ?? SALT_LIFETIME_SECONDS
        const salts: Array<Mt.future_salt> = []
        for (let i = 0; i < count; i++) {
          const since = nowSeconds + i * lifetime
          salts.push({
            _tag: "future_salt",
            valid_since: since,
            // Telegram's salts overlap, so a client whose clock is a little off can switch
            // without a bad_server_salt; a second of overlap does the same here.
            valid_until: since + lifetime + 1,
            salt: i === 0 ? key.salt : randomLong(state.randomBytes)
          })
        }
        key.futureSalts = salts
        return [answer({ _tag: "future_salts", req_msg_id: msgId, now: nowSeconds, salts })]
      }
      case "destroy_session": {
        const existed = obj.session_id !== session.sessionId && key.sessions.delete(obj.session_id)
        const result = { _tag: existed ? "destroy_session_ok" : "destroy_session_none", session_id: obj.session_id } as const
        // A service message of its own, as Telegram sends it (not in an rpc_result, unlike
        // rpc_drop_answer's answer); the knob wraps it, for clients that must accept both.
        return [state.faults.destroySessionInRpcResult === true ? rpcResult(msgId, serialize(result)) : answer(result)]
      }
      case "rpc_drop_answer":
        // Every answer goes out as soon as it is computed, so there is never one to drop.
        return [rpcResult(msgId, serialize({ _tag: "rpc_answer_unknown" }))]
      case "msgs_state_req":
        return [answer({ _tag: "msgs_state_info", req_msg_id: msgId, info: Uint8Array.from(obj.msg_ids, (id) => messageState(session, id, nowSeconds)) })]
      case "req_pq_multi":
      case "req_pq":
        return [rpcResult(msgId, serialize(conn.handshake.reqPq(obj)))]
      default:
        return yield* invoke(conn, key, session, msgId, obj, nowSeconds)
    }
  })

/**
 * What the server knows of a client msg_id (core.telegram.org/mtproto/service_messages_about_messages):
 * 4+32+64 answered, 4+32 received and run, 3 too new, 1 forgotten or too old, 2 never received.
 */
const messageState = (session: ServerSession, msgId: bigint, nowSeconds: number): number => {
  if (session.answers.has(msgId)) return 4 | 32 | 64
  if (session.window.has(msgId)) return 4 | 32
  const seconds = Number(msgId >> 32n)
  if (seconds > nowSeconds + 30) return 3
  if (seconds < nowSeconds - 300 || session.window.forgot(msgId)) return 1
  return 2
}

/** What an unbound temporary key may call (core.telegram.org/api/pfs). */
const UNBOUND_ALLOWED = new Set(["help.getConfig", "help.getNearestDc"])

/**
 * `auth.bindTempAuthKey` (core.telegram.org/method/auth.bindTempAuthKey): the calling key must be
 * temporary; the binding message must decrypt under the permanent key (MTProto 1.0), carry this
 * request's msg_id with seq_no 0, and name the same nonce, keys, session and expiry.
 */
const bindTempKey = (
  state: ServerState,
  key: StoredKey,
  session: ServerSession,
  msgId: bigint,
  request: Api.auth.bindTempAuthKey,
  nowSeconds: number
): Outgoing => {
  if (!key.temp) return rpcError(msgId, 400, "TEMP_AUTH_KEY_EMPTY")
  const permId = new Uint8Array(8)
  writeInt64LE(permId, request.perm_auth_key_id)
  const perm = state.keys.get(toHex(permId))
  const opened = perm === undefined || perm.temp ? undefined : decryptBinding(perm.authKey, request.encrypted_message)
  const inner = opened?.inner
  const valid = opened !== undefined && inner !== undefined && opened.msgId === msgId && opened.seqNo === 0 &&
    inner.nonce === request.nonce && inner.perm_auth_key_id === request.perm_auth_key_id &&
    inner.temp_auth_key_id === authKeyIdLong(key.authKey.id) && inner.temp_session_id === session.sessionId &&
    inner.expires_at === request.expires_at && request.expires_at > nowSeconds
  if (!valid) return rpcError(msgId, 400, "ENCRYPTED_MESSAGE_INVALID")
  // One temporary key per permanent key: binding a new one replaces the old binding.
  for (const other of state.keys.values()) if (other.boundTo === perm!.id && other !== key) other.boundTo = undefined
  key.boundTo = perm!.id
  return rpcResult(msgId, serializeResult(true))
}

/** Unwraps the generic wrappers, then runs the handler; always answers with an rpc_result. */
const invoke = (
  conn: ConnectionContext,
  key: StoredKey,
  session: ServerSession,
  msgId: bigint,
  obj: AnyObject,
  nowSeconds: number
): Effect.Effect<ReadonlyArray<Outgoing>> => {
  const state = conn.state
  // A loose view of the call: the union of every method is too large to narrow here.
  interface Wrapped {
    readonly _tag: string
    readonly query?: Wrapped | undefined
    readonly layer?: number | undefined
  }
  let call = obj as Wrapped
  let withoutUpdates = false
  while (WRAPPERS.has(call._tag) && typeof call.query === "object") {
    if (call._tag === "invokeWithoutUpdates") withoutUpdates = true
    if (call._tag === "invokeWithLayer") session.layer = call.layer
    if (call._tag === "initConnection") {
      const { query: _inner, ...rest } = call as unknown as Api.initConnection
      session.initConnection = rest
    }
    call = call.query
  }
  const query = call as unknown as TlMethod
  // Telegram: file queries, and queries inside invokeWithoutUpdates, leave the connection unsubscribed.
  if (query._tag.startsWith("upload.") || withoutUpdates) conn.queries.silent = true
  else conn.queries.subscribing = true
  if (query._tag === "auth.bindTempAuthKey") return Effect.succeed([bindTempKey(state, key, session, msgId, query, nowSeconds)])
  // A temporary key not bound to a permanent one may only call a few methods, as on Telegram.
  if (key.temp && key.boundTo === undefined && !UNBOUND_ALLOWED.has(query._tag)) {
    return Effect.succeed([rpcError(msgId, 401, "AUTH_KEY_PERM_EMPTY")])
  }
  const handler = findHandler(state.handlers, query._tag)
  const ctx: HandlerContext = {
    dcId: state.dcId,
    host: state.host,
    port: state.port,
    mediaPort: state.mediaPort,
    mediaOnly: conn.mediaOnly,
    world: state.world,
    // A bound temporary key speaks for its permanent key (the login lives there).
    authKeyId: key.boundTo ?? key.id,
    sessionId: session.sessionId,
    msgId,
    layer: session.layer,
    initConnection: session.initConnection,
    now: nowSeconds
  }
  const answer = Effect.map(Effect.exit(Effect.suspend(() => handler(query, ctx))), (exit): Outgoing => {
    if (Exit.isSuccess(exit)) {
      try {
        const result = rpcResult(msgId, serializeResult(exit.value))
        return query._tag === "upload.getFile" ? { ...result, rerunnable: true } : result
      } catch {
        return rpcError(msgId, 500, "INTERNAL_SERIALIZATION")
      }
    }
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some" && failure.value instanceof RpcFailure) {
      return rpcError(msgId, failure.value.code, failure.value.message)
    }
    return rpcError(msgId, 500, "INTERNAL")
  })
  // A query that waits for a bot must not hold up the connection's other requests.
  if (ANSWERED_LATER.has(query._tag)) return conn.answerLater(key, session, msgId, answer)
  return Effect.map(answer, (o) => [o])
}

/** Whether a frame is a plain (handshake) message. */
export const isPlain = isPlainMessage
