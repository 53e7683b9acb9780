/**
 * What the server does with one client frame, once the transport has cut it out: the plain
 * handshake messages, and encrypted messages (session, msg_id window, salt and seq_no
 * checks, service messages, containers, RPC dispatch to the handler table). Produces the
 * payloads to send back; the connection loop writes them.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { packMessage, unpackMessage, type InnerMessage } from "../../mtproto/encryptedMessage.ts"
import { nextServerMsgId } from "../../mtproto/msgId.ts"
import { decodePlainMessage, encodePlainMessage, isPlainMessage } from "../../mtproto/plainMessage.ts"
import { deserialize, serialize, type AnyObject, type Api, type Mt, type TlMethod } from "../../tl/index.ts"
import { findHandler, type HandlerContext, RpcFailure } from "../handlers.ts"
import { HandshakeRejected, type HandshakeServer } from "./handshake.ts"
import { serializeResult } from "./result.ts"
import { hex, newSession, randomLong, type ServerState, type SessionState, storeKey, type StoredKey } from "./state.ts"

/** The transport error code Telegram sends for an unknown auth key (and other fatal faults). */
export const TRANSPORT_ERROR_NOT_FOUND = -404

/** What to do after a frame. */
export type FrameOutcome =
  | { readonly _tag: "Send"; readonly payloads: ReadonlyArray<Uint8Array> }
  | { readonly _tag: "Close"; readonly transportError: number | undefined; readonly reason: string }

/** Per-connection state the dispatcher needs. */
export interface ConnectionContext {
  readonly state: ServerState
  readonly handshake: HandshakeServer
  /** Arms (or re-arms) the ping_delay_disconnect timer. */
  readonly armDisconnect: (seconds: number) => Effect.Effect<void>
  lastPlainMsgId: bigint
  /** The key and session this connection last spoke with (for pushes by later issues). */
  current: { readonly key: StoredKey; readonly session: SessionState } | undefined
}

interface Outgoing {
  readonly body: Uint8Array
  /** Content-related (odd seq_no, needs an ack) or not. */
  readonly content: boolean
  /** An answer to a client message (msg_id ≡ 1 mod 4) or not (≡ 3). */
  readonly response: boolean
}

const send = (payloads: ReadonlyArray<Uint8Array>): FrameOutcome => ({ _tag: "Send", payloads })
const close = (reason: string, transportError?: number): FrameOutcome => ({ _tag: "Close", transportError, reason })

const MSG_CONTAINER_ID = 0x73f1f8dc
const MSGS_ACK_ID = 0x62d6b459

const constructorId = (body: Uint8Array): number =>
  body.length >= 4 ? new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true) : 0
const isAck = (body: Uint8Array): boolean => constructorId(body) === MSGS_ACK_ID
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

/** Handles an unencrypted frame (auth_key_id = 0): one step of auth key creation. */
export const handlePlain = (conn: ConnectionContext, frame: Uint8Array, nowMs: number): FrameOutcome => {
  const nowSeconds = Math.floor(nowMs / 1000)
  let body: Uint8Array
  let request: AnyObject
  try {
    body = decodePlainMessage(frame).body
    request = deserialize(body)
  } catch (e) {
    return close(`undecodable plain message: ${String(e)}`, TRANSPORT_ERROR_NOT_FOUND)
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
        if (step._tag === "KeyCreated") storeKey(conn.state, step.key, nowSeconds)
        reply = step.body
        break
      }
      default:
        return close(`unexpected plain message ${request._tag}`, TRANSPORT_ERROR_NOT_FOUND)
    }
  } catch (e) {
    if (e instanceof HandshakeRejected) return close(`handshake: ${e.reason}`, TRANSPORT_ERROR_NOT_FOUND)
    return close(`handshake failure: ${String(e)}`, TRANSPORT_ERROR_NOT_FOUND)
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
  response: true
})

const rpcError = (reqMsgId: bigint, code: number, message: string): Outgoing =>
  rpcResult(reqMsgId, serialize({ _tag: "rpc_error", error_code: code, error_message: message }))

const answer = (obj: AnyObject): Outgoing => ({ body: serialize(obj), content: true, response: true })

/** Assigns server msg_ids and seq_nos, and packs one message or a container. */
const pack = (state: ServerState, key: StoredKey, session: SessionState, outs: ReadonlyArray<Outgoing>, nowMs: number): Uint8Array => {
  const nextId = (response: boolean) => (session.lastServerMsgId = nextServerMsgId(nowMs, session.lastServerMsgId, response))
  const nextSeq = (content: boolean) => (content ? 2 * session.contentSent++ + 1 : 2 * session.contentSent)
  const items = outs.map((o) => ({ msgId: nextId(o.response), seqNo: nextSeq(o.content), body: o.body }))
  let inner: InnerMessage
  if (items.length === 1) {
    const only = items[0]!
    inner = { salt: key.salt, sessionId: session.sessionId, msgId: only.msgId, seqNo: only.seqNo, body: only.body }
  } else {
    // The container gets the largest msg_id: its contents were numbered first.
    const body = serialize({
      _tag: "msg_container",
      messages: items.map((i) => ({ _tag: "message", msg_id: i.msgId, seqno: i.seqNo, bytes: i.body.length, body: i.body }))
    })
    inner = { salt: key.salt, sessionId: session.sessionId, msgId: nextId(false), seqNo: nextSeq(false), body }
  }
  return packMessage(key.authKey, 8, inner, state.randomBytes)
}

/** Handles an encrypted frame. Never fails: every problem is an outcome. */
export const handleEncrypted = (conn: ConnectionContext, frame: Uint8Array, nowMs: number): Effect.Effect<FrameOutcome> =>
  Effect.suspend(() => {
    const state = conn.state
    const nowSeconds = Math.floor(nowMs / 1000)
    if (frame.length < 8) return Effect.succeed(close("frame shorter than an auth_key_id", TRANSPORT_ERROR_NOT_FOUND))
    const key = state.keys.get(hex(frame.subarray(0, 8)))
    if (key === undefined) return Effect.succeed(close("unknown auth_key_id", TRANSPORT_ERROR_NOT_FOUND))
    if (key.expiresAt !== undefined && nowSeconds >= key.expiresAt) {
      state.keys.delete(key.id)
      return Effect.succeed(close("temporary auth key expired", TRANSPORT_ERROR_NOT_FOUND))
    }
    let message: InnerMessage
    try {
      message = unpackMessage(key.authKey, 0, frame)
    } catch (e) {
      // Like Telegram: a message that fails the msg_key check is not answered; the connection goes.
      return Effect.succeed(close(`undecryptable message: ${String(e)}`))
    }
    let session = key.sessions.get(message.sessionId)
    if (session === undefined) {
      session = newSession(state, message.sessionId)
      key.sessions.set(message.sessionId, session)
    }
    const s = session
    conn.current = { key, session: s }
    const reply = (outs: ReadonlyArray<Outgoing>) =>
      send(outs.length === 0 ? [] : [pack(state, key, s, outs, nowMs)])

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
      return Effect.succeed(send([])) // a replay or a duplicate: ignored
    }

    const outs: Array<Outgoing> = []
    const acks: Array<bigint> = []
    let firstMsgId = message.msgId

    const one = (msgId: bigint, seqNo: number, body: Uint8Array) =>
      Effect.map(handleMessage(conn, key, s, msgId, seqNo, body, nowSeconds), (produced) => {
        // Acks are never acknowledged, whatever their seq_no says.
        if ((seqNo & 1) === 1 && !isAck(body)) acks.push(msgId)
        for (const o of produced) outs.push(o)
      })

    let work: Effect.Effect<void>
    if (constructorId(message.body) === MSG_CONTAINER_ID) {
      let container: Mt.msg_container
      try {
        container = deserialize(message.body) as Mt.msg_container
      } catch {
        return Effect.succeed(reply([badMsg(message.msgId, message.seqNo, 64)])) // invalid container
      }
      if ((message.seqNo & 1) === 1) outs.push(badMsg(message.msgId, message.seqNo, 35))
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
  session: SessionState,
  msgId: bigint,
  seqNo: number,
  body: Uint8Array,
  nowSeconds: number
): Effect.Effect<ReadonlyArray<Outgoing>> =>
  Effect.gen(function*() {
    const state = conn.state
    let obj: AnyObject
    try {
      obj = deserialize(body)
    } catch {
      return [rpcError(msgId, 400, `INPUT_METHOD_INVALID_${constructorId(body).toString(16).padStart(8, "0")}`)]
    }
    // seq_no parity: a content-related message with an even seq_no is refused (code 34).
    // The reverse is tolerated, as Telegram does: mtcute numbers its msgs_ack as content.
    const contentRelated = obj._tag !== "msgs_ack" && obj._tag !== "http_wait"
    if (contentRelated && (seqNo & 1) === 0) return [badMsg(msgId, seqNo, 34)]
    if (state.onClientMessage !== undefined) {
      const verdict = yield* state.onClientMessage({ authKeyId: key.id, sessionId: session.sessionId, msgId, seqNo, body: obj })
      if (verdict === "drop") return []
    }
    switch (obj._tag) {
      case "msgs_ack":
      case "http_wait":
      case "msg_resend_req":
      case "msg_resend_ans_req":
        return []
      case "ping":
        return [answer({ _tag: "pong", msg_id: msgId, ping_id: obj.ping_id })]
      case "ping_delay_disconnect":
        yield* conn.armDisconnect(obj.disconnect_delay)
        return [answer({ _tag: "pong", msg_id: msgId, ping_id: obj.ping_id })]
      case "get_future_salts": {
        const count = Math.min(Math.max(obj.num, 1), 64)
        const salts: Array<Mt.future_salt> = []
        for (let i = 0; i < count; i++) {
          const since = nowSeconds + i * SALT_LIFETIME_SECONDS
          salts.push({
            _tag: "future_salt",
            valid_since: since,
            valid_until: since + SALT_LIFETIME_SECONDS,
            salt: i === 0 ? key.salt : randomLong(state.randomBytes)
          })
        }
        key.futureSalts = salts
        return [answer({ _tag: "future_salts", req_msg_id: msgId, now: nowSeconds, salts })]
      }
      case "destroy_session": {
        const existed = obj.session_id !== session.sessionId && key.sessions.delete(obj.session_id)
        return [rpcResult(msgId, serialize({ _tag: existed ? "destroy_session_ok" : "destroy_session_none", session_id: obj.session_id }))]
      }
      case "rpc_drop_answer":
        // Every answer goes out as soon as it is computed, so there is never one to drop.
        return [rpcResult(msgId, serialize({ _tag: "rpc_answer_unknown" }))]
      case "msgs_state_req":
        return [answer({ _tag: "msgs_state_info", req_msg_id: msgId, info: new Uint8Array(obj.msg_ids.length).fill(1) })]
      case "req_pq_multi":
      case "req_pq":
        return [rpcResult(msgId, serialize(conn.handshake.reqPq(obj)))]
      default:
        return [yield* invoke(conn, key, session, msgId, obj, nowSeconds)]
    }
  })

/** Unwraps the generic wrappers, then runs the handler; always answers with an rpc_result. */
const invoke = (
  conn: ConnectionContext,
  key: StoredKey,
  session: SessionState,
  msgId: bigint,
  obj: AnyObject,
  nowSeconds: number
): Effect.Effect<Outgoing> => {
  const state = conn.state
  // A loose view of the call: the union of every method is too large to narrow here.
  interface Wrapped {
    readonly _tag: string
    readonly query?: Wrapped | undefined
    readonly layer?: number | undefined
  }
  let call = obj as Wrapped
  while (WRAPPERS.has(call._tag) && typeof call.query === "object") {
    if (call._tag === "invokeWithLayer") session.layer = call.layer
    if (call._tag === "initConnection") {
      const { query: _inner, ...rest } = call as unknown as Api.initConnection
      session.initConnection = rest
    }
    call = call.query
  }
  const query = call as unknown as TlMethod
  const handler = findHandler(state.handlers, query._tag)
  if (handler === undefined) return Effect.succeed(rpcError(msgId, 400, "METHOD_INVALID"))
  const ctx: HandlerContext = {
    dcId: state.dcId,
    host: state.host,
    port: state.port,
    world: state.world,
    authKeyId: key.id,
    sessionId: session.sessionId,
    msgId,
    layer: session.layer,
    initConnection: session.initConnection,
    now: nowSeconds
  }
  return Effect.map(Effect.exit(Effect.suspend(() => handler(query, ctx))), (exit) => {
    if (Exit.isSuccess(exit)) {
      try {
        return rpcResult(msgId, serializeResult(exit.value))
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
}

/** Whether a frame is a plain (handshake) message. */
export const isPlain = isPlainMessage
