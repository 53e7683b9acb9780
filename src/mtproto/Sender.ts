/**
 * The Sender: one per DC connection. It owns the encrypted session, turns `invoke` calls into
 * MTProto messages (containers, gzip, acks), dispatches everything the server sends
 * (core.telegram.org/mtproto/service_messages) and survives reconnects without losing or
 * duplicating an answer.
 *
 * Shape: a write fiber drains the outbox into containers; a read fiber decrypts, checks and
 * dispatches; a pinger keeps the connection alive and notices a dead one. All three live in
 * the scope of one connection; the connection loop reconnects with a Schedule and re-sends
 * every call that has no answer yet.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { randomBytes as defaultRandomBytes, type RandomBytes } from "../crypto/index.ts"
import {
  type AnyObject,
  deserialize,
  deserializeResult,
  type Mt,
  type ResultOf,
  serialize,
  type TlMethod,
  TlWriter
} from "../tl/index.ts"
import { TransportError } from "../transport/index.ts"
import type { FrameChannel } from "./channel.ts"
import type { AuthKey } from "./encryptedMessage.ts"
import { keepSaltsFresh } from "./futureSalts.ts"
import { encodeBody, ID, MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES, methodName, readId, unpackGzip } from "./internal/wire.ts"
import { type AnyRpcError, fromRpcError, SenderError } from "./rpcError.ts"
import { SessionState } from "./sessionState.ts"

/** How to run a Sender. */
export interface SenderOptions {
  readonly authKey: AuthKey
  /** The current server salt (from the handshake or a stored session). */
  readonly salt: bigint
  /** server time − local time, in seconds. */
  readonly timeOffset: number
  /** Opens a fresh connection to the DC; run again on every reconnect. */
  readonly connect: Effect.Effect<FrameChannel, TransportError, Scope.Scope>
  /** Interval of `ping_delay_disconnect` (default 60 s); a connection silent for this plus `deadAfter` is dropped. */
  readonly pingInterval?: Duration.DurationInput | undefined
  /** Extra silence tolerated after a ping before the connection counts as dead (default 15 s). */
  readonly deadAfter?: Duration.DurationInput | undefined
  /** Delay before pending acks are flushed on their own (default 500 ms). */
  readonly ackDelay?: Duration.DurationInput | undefined
  /** Reconnect policy between connection attempts (default: exponential from 100 ms, capped at 5 s, jittered). */
  readonly reconnect?: Schedule.Schedule<unknown, unknown> | undefined
  /** Bodies larger than this many bytes are sent gzip_packed when that makes them smaller (default 512). */
  readonly gzipThreshold?: number | undefined
  /** Fetch future salts (`get_future_salts`) and switch to each before the current one expires (default true). */
  readonly rotateSalts?: boolean | undefined
  /** How often one call may be re-sent (salt, time, reconnect) before it fails (default 20). */
  readonly maxResends?: number | undefined
  readonly randomBytes?: RandomBytes | undefined
}

/** What a running Sender offers. */
export interface Sender {
  /** Sends a method and waits for its typed result. Interrupting the wait sends `rpc_drop_answer`. */
  readonly invoke: <M extends TlMethod>(method: M) => Effect.Effect<ResultOf<M>, AnyRpcError | SenderError>
  /** `invoke` without the result typing, for generic code (routing, wrappers). */
  readonly invokeUntyped: (method: TlMethod) => Effect.Effect<unknown, AnyRpcError | SenderError>
  /** Everything the server sends that is not an answer or a service message (updates), decoded. */
  readonly updates: Effect.Effect<Stream.Stream<AnyObject>, never, Scope.Scope>
  /** The session as it stands (for persistence). */
  readonly state: Effect.Effect<{ readonly salt: bigint; readonly timeOffset: number; readonly sessionId: bigint }>
  /** How many connections have been opened so far (1 after the first connect). */
  readonly connections: Effect.Effect<number>
}

/** A call waiting for its answer. Mutable: its msg_id changes when it is re-sent. */
interface Call {
  readonly method: TlMethod
  readonly tag: string
  readonly body: Uint8Array
  readonly deferred: Deferred.Deferred<unknown, AnyRpcError | SenderError>
  msgId: bigint
  resends: number
  /** The caller stopped waiting: nothing more is sent for this call. */
  dropped: boolean
}

/** A message without a caller (acks, pings, rpc_drop_answer, msgs_state_info). */
interface Service {
  readonly body: Uint8Array
  readonly contentRelated: boolean
}

type Outgoing = { readonly _tag: "call"; readonly call: Call } | { readonly _tag: "service"; readonly service: Service } | {
  readonly _tag: "flush"
}

/**
 * Starts a Sender in the current scope. The first connection is opened in the background;
 * calls queue until it is up. Closing the scope closes the connection and fails pending
 * calls with `SenderError("Closed")`.
 */
export const make = (options: SenderOptions): Effect.Effect<Sender, never, Scope.Scope> =>
  Effect.gen(function*() {
    const random = options.randomBytes ?? defaultRandomBytes
    const state = new SessionState({ authKey: options.authKey, salt: options.salt, timeOffset: options.timeOffset, randomBytes: random })
    const gzipThreshold = options.gzipThreshold ?? 512
    const maxResends = options.maxResends ?? 20
    const pingInterval = Duration.decode(options.pingInterval ?? Duration.seconds(60))
    const deadAfter = Duration.decode(options.deadAfter ?? Duration.seconds(15))
    const ackDelay = Duration.decode(options.ackDelay ?? Duration.millis(500))

    // Owned by this Sender's fibers, which hand work to each other through the outbox; a
    // connection's reader and writer never touch the maps at the same time as a step of
    // another connection, because only one connection runs at a time.
    const pending = new Map<bigint, Call>()
    const containers = new Map<bigint, Array<bigint>>()
    let acks: Array<bigint> = []
    let connectionCount = 0
    let closed = false

    const outbox = yield* Queue.unbounded<Outgoing>()
    // Unbounded costs nothing while idle (a sliding hub preallocates its ring: 65 KB at 4096) and
    // loses no update; subscribers are expected to keep up (the updates layer consumes eagerly).
    const hub = yield* PubSub.unbounded<AnyObject>()

    const enqueue = (item: Outgoing) => Queue.offer(outbox, item)

    const failCall = (call: Call, error: AnyRpcError | SenderError) =>
      Effect.zipRight(Effect.sync(() => forget(call)), Deferred.fail(call.deferred, error))

    const forget = (call: Call) => {
      if (pending.get(call.msgId) === call) pending.delete(call.msgId)
    }

    /** Puts a call back in the outbox to be sent with a new msg_id. */
    const resend = (call: Call): Effect.Effect<void> =>
      Effect.suspend(() => {
        forget(call)
        if (++call.resends > maxResends) {
          return failCall(call, new SenderError({ reason: "TooManyResends", method: call.tag }))
        }
        return Effect.asVoid(enqueue({ _tag: "call", call }))
      })

    /** The calls a msg_id stands for: the call itself, or every call of a container. */
    const callsFor = (msgId: bigint): Array<Call> => {
      const direct = pending.get(msgId)
      if (direct !== undefined) return [direct]
      const inner = containers.get(msgId)
      if (inner === undefined) return []
      return inner.flatMap((id) => {
        const c = pending.get(id)
        return c === undefined ? [] : [c]
      })
    }

    const resendAll = (msgId: bigint) => Effect.forEach(callsFor(msgId), resend, { discard: true })

    // --- outgoing -----------------------------------------------------------------------

    /** Packs one batch into a frame; registers the calls under their new msg_ids. */
    const packBatch = (batch: ReadonlyArray<Outgoing>, now: number): Uint8Array | undefined => {
      const items: Array<{ body: Uint8Array; contentRelated: boolean; call?: Call }> = []
      for (const item of batch) {
        if (item._tag === "call") {
          // A caller that went away while queued needs nothing sent.
          if (item.call.dropped) continue
          items.push({ body: item.call.body, contentRelated: true, call: item.call })
        } else if (item._tag === "service") {
          items.push({ body: item.service.body, contentRelated: item.service.contentRelated })
        }
      }
      if (acks.length > 0) {
        items.push({ body: serialize({ _tag: "msgs_ack", msg_ids: acks }), contentRelated: false })
        acks = []
      }
      if (items.length === 0) return undefined
      if (items.length === 1) {
        const only = items[0]!
        const packed = state.pack(only.body, only.contentRelated, now)
        if (only.call !== undefined) register(only.call, packed.msgId)
        return packed.frame
      }
      const w = new TlWriter(1024)
      w.uint(ID.msgContainer)
      w.int(items.length)
      const ids: Array<bigint> = []
      for (const item of items) {
        const msgId = state.nextMsgId(now)
        const seqNo = state.nextSeqNo(item.contentRelated)
        w.long(msgId)
        w.int(seqNo)
        w.int(item.body.length)
        w.raw(item.body)
        if (item.call !== undefined) ids.push(msgId), register(item.call, msgId)
      }
      // The container's own msg_id is greater than those inside it; it is not content-related.
      const container = state.pack(w.result(), false, now)
      containers.set(container.msgId, ids)
      if (containers.size > 4096) containers.delete(containers.keys().next().value!)
      return container.frame
    }

    const register = (call: Call, msgId: bigint) => {
      call.msgId = msgId
      pending.set(msgId, call)
    }

    /** Takes what is queued (up to the container limits) without waiting for more. */
    const takeBatch = Effect.flatMap(Queue.take(outbox), (first) =>
      Effect.map(Queue.takeUpTo(outbox, MAX_CONTAINER_MESSAGES - 2), (rest) => {
        const batch = [first]
        let bytes = 0
        for (const item of rest) batch.push(item)
        // Over the byte limit: put the tail back for the next frame.
        const keep: Array<Outgoing> = []
        const back: Array<Outgoing> = []
        for (const item of batch) {
          const size = item._tag === "call" ? item.call.body.length : item._tag === "service" ? item.service.body.length : 0
          if (keep.length > 0 && bytes + size > MAX_CONTAINER_BYTES) back.push(item)
          else keep.push(item), (bytes += size + 16)
        }
        return { keep, back }
      }))

    const writer = (channel: FrameChannel) =>
      Effect.forever(
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const { back, keep } = yield* restore(takeBatch)
            if (back.length > 0) yield* Queue.offerAll(outbox, back)
            const now = yield* Clock.currentTimeMillis
            const frame = packBatch(keep, now)
            if (frame !== undefined) yield* restore(channel.send(frame))
          })
        )
      )

    // --- incoming -----------------------------------------------------------------------

    const completeResult = (reqMsgId: bigint, result: Uint8Array) =>
      Effect.suspend(() => {
        const call = pending.get(reqMsgId)
        if (call === undefined) return Effect.void // late answer to a dropped or answered call
        pending.delete(reqMsgId)
        try {
          const bytes = unpackGzip(result)
          if (readId(bytes) === ID.rpcError) {
            const e = deserialize(bytes) as Mt.rpc_error
            return Deferred.fail(call.deferred, fromRpcError(e.error_code, e.error_message, call.tag))
          }
          const value: unknown = (deserializeResult as (m: unknown, b: Uint8Array) => unknown)(call.method, bytes)
          return Deferred.succeed(call.deferred, value)
        } catch (cause) {
          return Deferred.fail(call.deferred, new SenderError({ reason: "Decode", method: call.tag, cause }))
        }
      })

    /** Completes the call waiting on `msgId` with an answer that does not come in rpc_result (pong, future_salts). */
    const completeDirect = (msgId: bigint, value: unknown) =>
      Effect.suspend(() => {
        const call = pending.get(msgId)
        if (call === undefined) return Effect.void
        pending.delete(msgId)
        return Deferred.succeed(call.deferred, value)
      })

    const dispatch = (msgId: bigint, seqNo: number, raw: Uint8Array): Effect.Effect<void> =>
      Effect.suspend(() => {
        if ((seqNo & 1) === 1) acks.push(msgId)
        let body: Uint8Array
        let obj: AnyObject
        try {
          // Inflate first: a whole message may come gzip_packed, an rpc_result included.
          body = unpackGzip(raw)
          if (readId(body) === ID.rpcResult) {
            if (body.length < 12) return Effect.void
            const reqMsgId = new DataView(body.buffer, body.byteOffset + 4, 8).getBigInt64(0, true)
            return completeResult(reqMsgId, body.subarray(12))
          }
          obj = deserialize(body)
        } catch (cause) {
          return Effect.logDebug("undecodable server message").pipe(Effect.annotateLogs({ msgId: String(msgId), cause: String(cause) }))
        }
        return handleObject(msgId, obj as Mt.AnyObject | { readonly _tag: "other" })
      })

    const handleObject = (msgId: bigint, obj: Mt.AnyObject | { readonly _tag: "other" }): Effect.Effect<void> => {
      switch (obj._tag) {
        case "msg_container":
          return Effect.forEach(obj.messages, (m) => dispatch(m.msg_id, m.seqno, m.body as unknown as Uint8Array), { discard: true })
        case "new_session_created":
          return Effect.sync(() => {
            state.salt = obj.server_salt
          })
        case "bad_server_salt":
          return Effect.zipRight(
            Effect.sync(() => {
              state.salt = obj.new_server_salt
            }),
            resendAll(obj.bad_msg_id)
          )
        case "bad_msg_notification":
          return badMsg(msgId, obj)
        case "msgs_ack":
          return Effect.void
        case "pong":
          return completeDirect(obj.msg_id, obj)
        case "future_salts":
          return completeDirect(obj.req_msg_id, obj)
        case "msg_detailed_info":
          // The answer to obj.msg_id went out as answer_msg_id. A call still waiting never got
          // it: ask for it again. Otherwise just ack it.
          if (pending.has(obj.msg_id)) {
            return enqueue({
              _tag: "service",
              service: { body: serialize({ _tag: "msg_resend_req", msg_ids: [obj.answer_msg_id] }), contentRelated: true }
            })
          }
          return Effect.sync(() => {
            acks.push(obj.answer_msg_id)
          })
        case "msg_new_detailed_info":
          return Effect.sync(() => {
            acks.push(obj.answer_msg_id)
          })
        case "msgs_state_req":
          return enqueue({
            _tag: "service",
            service: {
              // 1 = nothing is known about the message: we keep no record of server messages.
              body: serialize({ _tag: "msgs_state_info", req_msg_id: msgId, info: new Uint8Array(obj.msg_ids.length).fill(1) }),
              // Content-related, like every message but acks and containers.
              contentRelated: true
            }
          })
        case "msg_resend_req":
          return Effect.forEach(obj.msg_ids, resendAll, { discard: true })
        case "destroy_session_ok":
        case "destroy_session_none": {
          // Telegram answers destroy_session with the bare object, not in an rpc_result: hand
          // it to the call that asked about this session.
          for (const call of pending.values()) {
            const method = call.method as { readonly _tag: string; readonly session_id?: bigint }
            if (method._tag === "destroy_session" && method.session_id === obj.session_id) return completeDirect(call.msgId, obj)
          }
          return Effect.void
        }
        default:
          return PubSub.publish(hub, obj as AnyObject)
      }
    }

    const badMsg = (msgId: bigint, n: Mt.bad_msg_notification) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        switch (n.error_code) {
          case 16: // msg_id too low
          case 17: // msg_id too high: the clock is off; the server's msg_id carries its time
            state.syncTime(msgId, now)
            return yield* resendAll(n.bad_msg_id)
          case 32: // seq_no too low
          case 33: // seq_no too high: start a fresh session, as the spec recommends
            state.reset()
            return yield* resendAll(n.bad_msg_id)
          case 48: // bad salt: the new one comes in bad_server_salt, which is handled apart
            return yield* resendAll(n.bad_msg_id)
          case 64: // invalid container: send the calls one by one
            return yield* resendAll(n.bad_msg_id)
          default:
            return yield* Effect.forEach(
              callsFor(n.bad_msg_id),
              (call) => failCall(call, new SenderError({ reason: "BadMsgNotification", method: call.tag, code: n.error_code })),
              { discard: true }
            )
        }
      })

    let lastReceived = 0
    const reader = (channel: FrameChannel) =>
      Effect.forever(
        Effect.gen(function*() {
          const frame = yield* channel.receive
          const now = yield* Clock.currentTimeMillis
          lastReceived = now
          let inner
          try {
            inner = state.unpack(frame, now)
          } catch (cause) {
            // A tampered or replayed message is dropped; the session goes on.
            yield* Effect.logWarning("rejected server message").pipe(Effect.annotateLogs({ reason: String((cause as { reason?: string }).reason) }))
            return
          }
          yield* dispatch(inner.msgId, inner.seqNo, inner.body)
          if (acks.length >= 16) yield* enqueue({ _tag: "flush" })
        })
      )

    const acker = Effect.forever(
      Effect.zipRight(Effect.sleep(ackDelay), Effect.suspend(() => acks.length > 0 ? enqueue({ _tag: "flush" }) : Effect.void))
    )

    const pinger = Effect.forever(
      Effect.gen(function*() {
        yield* Effect.sleep(pingInterval)
        const now = yield* Clock.currentTimeMillis
        if (now - lastReceived > Duration.toMillis(pingInterval) + Duration.toMillis(deadAfter)) {
          return yield* new TransportError({ reason: "Timeout" })
        }
        const pingId = new DataView(random(8).buffer).getBigInt64(0, true)
        yield* enqueue({
          _tag: "service",
          service: {
            body: serialize({
              _tag: "ping_delay_disconnect",
              ping_id: pingId,
              disconnect_delay: Math.ceil(Duration.toSeconds(pingInterval) + Duration.toSeconds(deadAfter))
            }),
            contentRelated: true
          }
        })
      })
    )

    /** One connection: open it, re-send what has no answer, run the fibers until one fails. */
    const connection = Effect.scoped(
      Effect.gen(function*() {
        const channel = yield* options.connect
        connectionCount++
        lastReceived = yield* Clock.currentTimeMillis
        // Everything sent on the previous connection and not answered goes out again.
        const unanswered = [...pending.values()]
        pending.clear()
        containers.clear()
        acks = []
        yield* Effect.forEach(unanswered, resend, { discard: true })
        // The connection's loops; the first to fail ends the connection, and the others stop
        // with its scope. (A FiberSet: joining zipped fibers costs ~100 KB per connection.)
        const loops = yield* FiberSet.make<never, TransportError>()
        for (const loop of [writer(channel), reader(channel), pinger, acker]) yield* FiberSet.run(loops, loop)
        return yield* FiberSet.join(loops)
      })
    )

    const reconnect = options.reconnect ??
      // 100 ms, 200 ms, ... capped at 5 s; a connection that lived a minute starts the backoff over.
      Schedule.exponential("100 millis").pipe(
        Schedule.union(Schedule.spaced("5 seconds")),
        Schedule.jittered,
        Schedule.resetAfter("1 minute")
      )

    const loop = connection.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.logDebug("connection lost", Cause.squash(cause))
      ),
      Effect.repeat(reconnect)
    )
    yield* Effect.forkScoped(loop)
    if (options.rotateSalts !== false) {
      yield* Effect.forkScoped(keepSaltsFresh({
        // Suspended: `invokeUntyped` is defined further down.
        getFutureSalts: Effect.suspend(() =>
          Effect.map(invokeUntyped({ _tag: "get_future_salts", num: 8 }), (a) => a as Mt.future_salts)
        ),
        serverNow: Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000) + state.timeOffset),
        setSalt: (salt) => Effect.sync(() => void (state.salt = salt))
      }))
    }

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closed = true
        const queued = yield* Queue.takeAll(outbox)
        const calls = [...pending.values()]
        for (const item of queued) if (item._tag === "call") calls.push(item.call)
        pending.clear()
        yield* Effect.forEach(calls, (c) => Deferred.fail(c.deferred, new SenderError({ reason: "Closed", method: c.tag })), {
          discard: true
        })
        yield* PubSub.shutdown(hub)
      })
    )

    const invokeUntyped = (method: TlMethod): Effect.Effect<unknown, AnyRpcError | SenderError> =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(new SenderError({ reason: "Closed", method: methodName(method) }))
        return Effect.flatMap(Deferred.make<unknown, AnyRpcError | SenderError>(), (deferred) => {
          const call: Call = { method, tag: methodName(method), body: encodeBody(method, gzipThreshold), deferred, msgId: 0n, resends: 0, dropped: false }
          return Effect.zipRight(
            enqueue({ _tag: "call", call }),
            Effect.onInterrupt(Deferred.await(deferred), () =>
              Effect.suspend(() => {
                const sent = pending.get(call.msgId) === call
                call.dropped = true
                forget(call)
                // Tell the server we no longer want the answer (it may still be computed).
                return sent
                  ? enqueue({
                    _tag: "service",
                    service: { body: serialize({ _tag: "rpc_drop_answer", req_msg_id: call.msgId }), contentRelated: true }
                  })
                  : Deferred.interrupt(deferred)
              }))
          )
        })
      })

    // The result type follows from the method; the decoder picked by `deserializeResult` makes it so.
    const invoke = <M extends TlMethod>(method: M) => invokeUntyped(method) as Effect.Effect<ResultOf<M>, AnyRpcError | SenderError>

    return {
      invoke,
      invokeUntyped,
      updates: Stream.fromPubSub(hub, { scoped: true }),
      state: Effect.sync(() => ({ salt: state.salt, timeOffset: state.timeOffset, sessionId: state.sessionId })),
      connections: Effect.sync(() => connectionCount)
    } satisfies Sender
  })
