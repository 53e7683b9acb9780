/**
 * MtpSession, the pure session core, without sockets: one test per rule of the spec
 * (core.telegram.org/mtproto/description, /service_messages, /service_messages_about_messages)
 * and per rule of the engine (timeouts, dead links, at-most-once re-sends). A pinned clock; the
 * server side is written here with `packMessage(x = 8)` and client frames are opened with
 * `unpackMessage(x = 0)`.
 */
import { assert, describe, it } from "@effect/vitest"
import { authKeyId, randomBytes } from "../../src/crypto/index.ts"
import { type AuthKey, packMessage, unpackMessage } from "../../src/mtproto/encryptedMessage.ts"
import { nextServerMsgId } from "../../src/mtproto/msgId.ts"
import { MtpSession, type MtpSessionOptions, type Outcome } from "../../src/mtproto/MtpSession.ts"
import { type AnyObject, deserialize, type Mt, serialize, type TlMethod } from "../../src/tl/index.ts"

const key = randomBytes(256)
const authKey: AuthKey = { key, id: authKeyId(key) }
const SALT = 0x1122334455667788n
const T0 = 1_704_067_200_250

interface Sent {
  readonly msgId: bigint
  readonly seqNo: number
  readonly obj: { readonly _tag: string } & Record<string, unknown>
}
interface Frame {
  readonly salt: bigint
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  /** The messages: the one message, or a container's. */
  readonly messages: ReadonlyArray<Sent>
  readonly container: boolean
}

/** Opens a client frame like the server does. */
const open = (frame: Uint8Array): Frame => {
  const inner = unpackMessage(authKey, 0, frame)
  const obj = deserialize(inner.body) as unknown as Sent["obj"]
  if (obj._tag === "msg_container") {
    const messages = (obj as unknown as Mt.msg_container).messages.map((m) => ({
      msgId: m.msg_id,
      seqNo: m.seqno,
      obj: deserialize(m.body as unknown as Uint8Array) as unknown as Sent["obj"]
    }))
    return { ...inner, messages, container: true }
  }
  return { ...inner, messages: [{ msgId: inner.msgId, seqNo: inner.seqNo, obj }], container: false }
}

/** A session with a pinned clock and a little server beside it. */
const setup = (options: Partial<MtpSessionOptions> = {}) => {
  const core = new MtpSession<string>({ authKey, salt: SALT, timeOffset: 0, rotateSalts: false, ...options })
  let now = T0
  let lastServerId = 0n
  const t = {
    core,
    get now() {
      return now
    },
    advance: (ms: number) => void (now += ms),
    call: (token: string, method: TlMethod) => core.invoke(token, method, serialize(method), now),
    /** Everything the core sends now, frame by frame. */
    flushAll: (): Array<Frame> => {
      const frames: Array<Frame> = []
      for (let f = core.flush(now); f !== undefined; f = core.flush(now)) frames.push(open(f))
      return frames
    },
    serverId: (response = true) => (lastServerId = nextServerMsgId(now, lastServerId, response)),
    /** A server frame carrying `body` (an object or raw bytes). */
    frame: (body: AnyObject | Uint8Array, opts: { seqNo?: number; msgId?: bigint; sessionId?: bigint } = {}) =>
      packMessage(authKey, 8, {
        salt: SALT,
        sessionId: opts.sessionId ?? core.sessionId,
        msgId: opts.msgId ?? t.serverId(),
        seqNo: opts.seqNo ?? 1,
        body: body instanceof Uint8Array ? body : serialize(body)
      }, randomBytes),
    /** A server container of messages (content-related unless said). */
    container: (items: ReadonlyArray<{ body: AnyObject; msgId?: bigint; seqNo?: number }>) => {
      const messages = items.map((i) => {
        const body = serialize(i.body)
        return { _tag: "message" as const, msg_id: i.msgId ?? t.serverId(), seqno: i.seqNo ?? 1, bytes: body.length, body }
      })
      return t.frame(serialize({ _tag: "msg_container", messages } as unknown as AnyObject), { seqNo: 2 })
    },
    receive: (frame: Uint8Array) => core.receive(frame, now),
    result: (reqMsgId: bigint, value: AnyObject) => t.frame(serialize({ _tag: "rpc_result", req_msg_id: reqMsgId, result: serialize(value) } as unknown as AnyObject))
  }
  core.connected(now)
  return t
}

const pong = (msgId: bigint, pingId: bigint) => ({ _tag: "pong", msg_id: msgId, ping_id: pingId }) as const
const nearest = { _tag: "nearestDc", country: "XX", this_dc: 2, nearest_dc: 2 } as const
const getNearestDc = { _tag: "help.getNearestDc" } as const
const tags = (outcomes: ReadonlyArray<Outcome<string>>) => outcomes.map((o) => o._tag)
const only = <A>(xs: ReadonlyArray<A>): A => {
  assert.strictEqual(xs.length, 1)
  return xs[0]!
}

describe("MtpSession: sending", () => {
  it("a lone call is one message: msg_id divisible by 4, odd seq_no, the current salt and session", () => {
    const t = setup()
    const call = t.call("a", getNearestDc)
    const frame = only(t.flushAll())
    assert.isFalse(frame.container)
    assert.strictEqual(frame.msgId % 4n, 0n)
    assert.strictEqual(frame.seqNo, 1)
    assert.strictEqual(frame.salt, SALT)
    assert.strictEqual(frame.sessionId, t.core.sessionId)
    assert.strictEqual(call.msgId, frame.msgId)
    assert.strictEqual(frame.messages[0]!.obj._tag, "help.getNearestDc")
  })

  it("calls queued together go out as one container whose msg_id is larger than its messages'; it is not content-related", () => {
    const t = setup()
    for (let i = 0; i < 5; i++) t.call(`c${i}`, { _tag: "ping", ping_id: BigInt(i) })
    const frame = only(t.flushAll())
    assert.isTrue(frame.container)
    assert.strictEqual(frame.messages.length, 5)
    assert.strictEqual(frame.seqNo % 2, 0)
    assert.deepStrictEqual(frame.messages.map((m) => m.seqNo), [1, 3, 5, 7, 9])
    for (const m of frame.messages) assert.isTrue(m.msgId < frame.msgId)
  })

  it("a cancelled call still queued is never sent; a sent one gets rpc_drop_answer and its late answer is dropped", () => {
    const t = setup()
    const queued = t.call("q", getNearestDc)
    assert.isFalse(t.core.cancel(queued))
    assert.strictEqual(t.core.flush(t.now), undefined)
    const sent = t.call("s", getNearestDc)
    t.flushAll()
    assert.isTrue(t.core.cancel(sent))
    const drop = only(only(t.flushAll()).messages)
    assert.strictEqual(drop.obj._tag, "rpc_drop_answer")
    assert.strictEqual(drop.obj.req_msg_id, sent.msgId)
    assert.deepStrictEqual(tags(t.receive(t.result(sent.msgId, nearest))), [])
  })
})

describe("MtpSession: answers and updates", () => {
  it("rpc_result completes the call of its req_msg_id with the decoded result", () => {
    const t = setup()
    const call = t.call("a", getNearestDc)
    t.flushAll()
    const outcome = only(t.receive(t.result(call.msgId, nearest)))
    assert.deepStrictEqual(outcome, { _tag: "Result", call: "a", value: nearest })
    assert.strictEqual(t.core.callCount, 0)
  })

  it("rpc_error becomes the typed error (FLOOD_WAIT_5 → FloodWait 5 s) named after the call", () => {
    const t = setup()
    const call = t.call("a", getNearestDc)
    t.flushAll()
    const outcome = only(t.receive(t.result(call.msgId, { _tag: "rpc_error", error_code: 420, error_message: "FLOOD_WAIT_5" })))
    assert.strictEqual(outcome._tag, "Failed")
    if (outcome._tag === "Failed") {
      assert.strictEqual(outcome.error._tag, "FloodWait")
      assert.strictEqual((outcome.error as { seconds: number }).seconds, 5)
      assert.strictEqual(outcome.error.method, "help.getNearestDc")
    }
  })

  it("a gzip_packed rpc_result decodes like a plain one", async () => {
    const { gzip } = await import("../../src/tl/gzip.ts")
    const t = setup()
    const call = t.call("a", getNearestDc)
    t.flushAll()
    const packed = serialize({ _tag: "gzip_packed", packed_data: gzip(serialize(nearest)) } as unknown as AnyObject)
    const body = serialize({ _tag: "rpc_result", req_msg_id: call.msgId, result: packed } as unknown as AnyObject)
    assert.deepStrictEqual(only(t.receive(t.frame(body))), { _tag: "Result", call: "a", value: nearest })
  })

  it("pong completes the ping call of its msg_id; everything unknown in a frame is one batch of updates, in order", () => {
    const t = setup()
    const ping = t.call("p", { _tag: "ping", ping_id: 7n })
    t.flushAll()
    const outcomes = t.receive(t.container([
      { body: { _tag: "updatesTooLong" } },
      { body: pong(ping.msgId, 7n), seqNo: 2 },
      { body: { _tag: "updateShort", update: { _tag: "updateUserStatus", user_id: 1n, status: { _tag: "userStatusEmpty" } }, date: 1 } }
    ]))
    assert.deepStrictEqual(tags(outcomes), ["Result", "Updates"])
    const updates = outcomes[1] as Extract<Outcome<string>, { _tag: "Updates" }>
    assert.deepStrictEqual(updates.updates.map((u) => u._tag), ["updatesTooLong", "updateShort"])
  })

  it("destroy_session_ok answered bare (as Telegram does) completes the destroy_session call", () => {
    const t = setup()
    t.call("d", { _tag: "destroy_session", session_id: 99n })
    t.flushAll()
    assert.deepStrictEqual(only(t.receive(t.frame({ _tag: "destroy_session_ok", session_id: 99n }))), {
      _tag: "Result",
      call: "d",
      value: { _tag: "destroy_session_ok", session_id: 99n }
    })
  })
})

describe("MtpSession: acks", () => {
  it("content-related messages are acked after ackDelay (riding alone when nothing else goes); service ones never", () => {
    const t = setup({ ackDelayMs: 500 })
    t.receive(t.frame({ _tag: "updatesTooLong" }, { seqNo: 1 }))
    t.receive(t.frame({ _tag: "msgs_ack", msg_ids: [1n] }, { seqNo: 2 }))
    assert.isFalse(t.core.hasOutgoing(t.now))
    assert.strictEqual(t.core.nextWake(), T0 + 500)
    t.advance(500)
    assert.isTrue(t.core.hasOutgoing(t.now))
    const ack = only(only(t.flushAll()).messages)
    assert.strictEqual(ack.obj._tag, "msgs_ack")
    assert.strictEqual((ack.obj.msg_ids as ReadonlyArray<bigint>).length, 1)
    assert.strictEqual(ack.seqNo % 2, 0)
  })

  it("16 waiting acks go out at once; acks join a container that goes anyway", () => {
    const t = setup()
    for (let i = 0; i < 16; i++) t.receive(t.frame({ _tag: "updatesTooLong" }))
    assert.isTrue(t.core.hasOutgoing(t.now))
    assert.strictEqual((only(only(t.flushAll()).messages).obj.msg_ids as ReadonlyArray<bigint>).length, 16)
    t.receive(t.frame({ _tag: "updatesTooLong" }))
    t.call("a", { _tag: "ping", ping_id: 1n })
    t.call("b", { _tag: "ping", ping_id: 2n })
    assert.deepStrictEqual(only(t.flushAll()).messages.map((m) => m.obj._tag), ["ping", "ping", "msgs_ack"])
  })
})

describe("MtpSession: service messages about messages", () => {
  it("bad_server_salt: the new salt is used and the call goes out again with a new msg_id", () => {
    const t = setup()
    const call = t.call("a", getNearestDc)
    const first = only(t.flushAll()).msgId
    const outcomes = t.receive(t.frame({ _tag: "bad_server_salt", bad_msg_id: first, bad_msg_seqno: 1, error_code: 48, new_server_salt: 42n }, { seqNo: 0 }))
    assert.deepStrictEqual(tags(outcomes), ["SaltChanged"])
    const again = only(t.flushAll())
    assert.strictEqual(again.salt, 42n)
    assert.notStrictEqual(again.msgId, first)
    assert.strictEqual(call.msgId, again.msgId)
  })

  it("bad_msg_notification 16/17: the clock is set from the notification's msg_id and the call is re-sent", () => {
    const t = setup({ timeOffset: 100 })
    t.call("a", getNearestDc)
    const first = only(t.flushAll()).msgId
    // The server's real time is T0 (offset 0): its msg_id says so.
    t.receive(t.frame({ _tag: "bad_msg_notification", bad_msg_id: first, bad_msg_seqno: 1, error_code: 17 }, { seqNo: 0 }))
    assert.isAtMost(Math.abs(t.core.timeOffset), 1)
    const again = only(t.flushAll())
    assert.strictEqual(Number(again.msgId >> 32n), Math.floor(T0 / 1000) + t.core.timeOffset)
  })

  it("bad_msg_notification 32/33 starts a new session (new session_id, told as NewSession) and re-sends the call", () => {
    const t = setup()
    t.call("a", getNearestDc)
    const first = only(t.flushAll())
    const outcomes = t.receive(t.frame({ _tag: "bad_msg_notification", bad_msg_id: first.msgId, bad_msg_seqno: 1, error_code: 32 }, { seqNo: 0 }))
    assert.strictEqual(only(outcomes)._tag, "NewSession")
    const again = only(t.flushAll())
    assert.notStrictEqual(again.sessionId, first.sessionId)
    assert.strictEqual(again.seqNo, 1)
  })

  it("bad_msg_notification 64 about a container re-sends every call in it", () => {
    const t = setup()
    t.call("a", { _tag: "ping", ping_id: 1n })
    t.call("b", { _tag: "ping", ping_id: 2n })
    const container = only(t.flushAll())
    t.receive(t.frame({ _tag: "bad_msg_notification", bad_msg_id: container.msgId, bad_msg_seqno: 0, error_code: 64 }, { seqNo: 0 }))
    const again = only(t.flushAll())
    assert.deepStrictEqual(again.messages.map((m) => m.obj.ping_id), [1n, 2n])
  })

  it("a container is remembered while a call in it waits, and forgotten once each has ended or gone out again", () => {
    const t = setup()
    const calls = ["a", "b", "c"].map((token) => t.call(token, getNearestDc))
    const container = only(t.flushAll())
    assert.strictEqual(t.core.containerCount, 1)
    t.receive(t.result(calls[0]!.msgId, nearest))
    t.receive(t.result(calls[1]!.msgId, nearest))
    assert.strictEqual(t.core.containerCount, 1)
    // Still named by the container's msg_id: bad_msg 64 re-sends the one call left.
    t.receive(t.frame({ _tag: "bad_msg_notification", bad_msg_id: container.msgId, bad_msg_seqno: 0, error_code: 64 }, { seqNo: 0 }))
    const again = only(t.flushAll())
    assert.strictEqual(again.messages.filter((m) => m.obj._tag === "help.getNearestDc").length, 1)
    assert.strictEqual(t.core.containerCount, 0)
    const outcome = only(t.receive(t.result(calls[2]!.msgId, nearest)))
    assert.deepStrictEqual(outcome, { _tag: "Result", call: "c", value: nearest })
    // Answered calls (and their callers' tokens) are not kept alive by 10,000 containers of them.
    for (let round = 0; round < 100; round++) {
      const batch = Array.from({ length: 100 }, (_, i) => t.call(`r${round}.${i}`, getNearestDc))
      only(t.flushAll())
      for (const call of batch) t.receive(t.result(call.msgId, nearest))
    }
    assert.strictEqual(t.core.containerCount, 0)
    assert.strictEqual(t.core.callCount, 0)
  })

  it("other bad_msg_notification codes fail the call with SenderError BadMsgNotification and the code", () => {
    const t = setup()
    t.call("a", getNearestDc)
    const first = only(t.flushAll()).msgId
    const outcome = only(t.receive(t.frame({ _tag: "bad_msg_notification", bad_msg_id: first, bad_msg_seqno: 1, error_code: 20 }, { seqNo: 0 })))
    assert.strictEqual(outcome._tag, "Failed")
    if (outcome._tag === "Failed") {
      assert.strictEqual(outcome.error._tag, "SenderError")
      assert.strictEqual((outcome.error as { code?: number }).code, 20)
      assert.match(outcome.error.message, /message too old/)
    }
  })

  it("a call re-sent more than maxResends times fails with TooManyResends", () => {
    const t = setup({ maxResends: 2 })
    t.call("a", getNearestDc)
    let outcomes: Array<Outcome<string>> = []
    for (let i = 0; i < 3; i++) {
      const id = only(t.flushAll()).msgId
      outcomes = t.receive(t.frame({ _tag: "msg_resend_req", msg_ids: [id] }))
    }
    assert.strictEqual(only(outcomes)._tag, "Failed")
    assert.match((outcomes[0] as { error: Error }).error.message, /re-sent too many times/)
  })

  it("new_session_created: the server's salt is taken and NewSession (server) is told", () => {
    const t = setup()
    const outcome = only(t.receive(t.frame({ _tag: "new_session_created", first_msg_id: 4n, unique_id: 1n, server_salt: 77n })))
    assert.deepStrictEqual(outcome, { _tag: "NewSession", origin: "server", sessionId: t.core.sessionId })
    assert.strictEqual(t.core.salt, 77n)
  })

  it("msg_detailed_info about a waiting call asks for its answer with msg_resend_req; about an answered one it is acked", () => {
    const t = setup()
    const call = t.call("a", getNearestDc)
    t.flushAll()
    t.receive(t.frame({ _tag: "msg_detailed_info", msg_id: call.msgId, answer_msg_id: 1001n, bytes: 10, status: 0 }, { seqNo: 2 }))
    const ask = only(only(t.flushAll()).messages)
    assert.deepStrictEqual([ask.obj._tag, ask.obj.msg_ids], ["msg_resend_req", [1001n]])
    t.receive(t.frame({ _tag: "msg_detailed_info", msg_id: 8n, answer_msg_id: 1005n, bytes: 10, status: 0 }, { seqNo: 2 }))
    t.advance(1000)
    assert.deepStrictEqual(only(only(t.flushAll()).messages).obj.msg_ids, [1005n])
  })

  it("msgs_state_req is answered with msgs_state_info for its msg_id, one byte per id, from what the session received", () => {
    const t = setup()
    // An update (content-related), its ack sent; a msgs_ack (needs none); an update not yet acked.
    const acked = t.serverId(false)
    t.receive(t.frame({ _tag: "updatesTooLong" }, { msgId: acked, seqNo: 1 }))
    t.advance(600)
    const ackFrame = only(t.flushAll())
    assert.deepStrictEqual(only(ackFrame.messages).obj.msg_ids, [acked])
    const plain = t.serverId(false)
    t.receive(t.frame({ _tag: "msgs_ack", msg_ids: [] }, { msgId: plain, seqNo: 2 }))
    const skipped = t.serverId(false)
    const unacked = t.serverId(false)
    t.receive(t.frame({ _tag: "updatesTooLong" }, { msgId: unacked, seqNo: 3 }))
    const future = unacked + (120n << 32n)
    const old = unacked - (600n << 32n)
    const req = t.serverId(false)
    t.receive(t.frame({ _tag: "msgs_state_req", msg_ids: [acked, plain, skipped, unacked, future, old] }, { msgId: req, seqNo: 5 }))
    const frame = only(t.flushAll())
    const info = frame.messages.find((m) => m.obj._tag === "msgs_state_info")!
    assert.strictEqual(info.obj.req_msg_id, req)
    // 4+8 received and acknowledged, 4+16 needed no ack, 2 never received, 4 received (not acked
    // yet), 3 too new, 1 too old to know.
    assert.deepStrictEqual([...(info.obj.info as Uint8Array)], [4 | 8, 4 | 16, 2, 4, 3, 1])
    // The answer acknowledges `unacked`: its pending ack is gone; the request's own is sent.
    const acks = frame.messages.filter((m) => m.obj._tag === "msgs_ack").flatMap((m) => m.obj.msg_ids as Array<bigint>)
    assert.notInclude(acks, unacked)
    t.advance(600)
    const later = t.flushAll().flatMap((f) => f.messages).filter((m) => m.obj._tag === "msgs_ack").flatMap((m) => m.obj.msg_ids as Array<bigint>)
    assert.deepStrictEqual([...acks, ...later], [req])
  })

})

describe("MtpSession: salts", () => {
  it("the first frame carrying a call asks for future salts after the call; each is used while valid, more fetched when two are left", () => {
    const t = setup({ rotateSalts: true })
    const call = t.call("a", getNearestDc)
    const frame = only(t.flushAll())
    assert.deepStrictEqual(frame.messages.map((m) => m.obj._tag), ["help.getNearestDc", "get_future_salts"])
    const now = Math.floor(T0 / 1000)
    const salts = [0, 1, 2, 3].map((i) => ({ _tag: "future_salt" as const, valid_since: now + i * 100, valid_until: now + (i + 1) * 100 + 1, salt: BigInt(10 + i) }))
    const asked = frame.messages[1]!.msgId
    t.receive(t.frame({ _tag: "future_salts", req_msg_id: asked, now, salts }))
    t.receive(t.result(call.msgId, nearest))
    t.advance(150_000)
    t.call("b", getNearestDc)
    const later = only(t.flushAll())
    assert.strictEqual(later.salt, 11n)
    assert.notInclude(later.messages.map((m) => m.obj._tag), "get_future_salts") // three salts still ahead
    t.advance(100_000)
    t.call("c", getNearestDc)
    const last = only(t.flushAll())
    assert.strictEqual(last.salt, 12n)
    assert.deepStrictEqual(last.messages.map((m) => m.obj._tag).slice(0, 2), ["help.getNearestDc", "get_future_salts"])
  })
})

describe("MtpSession: security checks", () => {
  it("a frame that fails a check is Rejected and counts as nothing: no ack, no liveness; three in a row ask to reconnect", () => {
    const t = setup({ silenceMs: 1000, pongTimeoutMs: 1000 })
    t.call("a", getNearestDc)
    t.flushAll()
    const good = t.frame({ _tag: "updatesTooLong" })
    const bad = good.slice()
    bad[10] = bad[10]! ^ 1
    t.advance(900)
    assert.deepStrictEqual(tags(t.receive(bad)), ["Rejected"])
    assert.deepStrictEqual(tags(t.receive(bad)), ["Rejected"])
    // Liveness was not refreshed by the bad frames: the probe is due 1 s after the connect.
    assert.strictEqual(t.core.nextWake(), T0 + 1000)
    assert.deepStrictEqual(tags(t.receive(bad)), ["Rejected", "Reconnect"])
    assert.isFalse(t.core.hasOutgoing(t.now + 600)) // nothing acked
  })

  it("a replayed frame is Rejected (DuplicateMsgId); a frame of another session too", () => {
    const t = setup()
    const frame = t.frame({ _tag: "updatesTooLong" })
    assert.deepStrictEqual(tags(t.receive(frame)), ["Updates"])
    const replay = only(t.receive(frame))
    assert.strictEqual(replay._tag === "Rejected" ? replay.error.reason : "", "DuplicateMsgId")
    const other = only(t.receive(t.frame({ _tag: "updatesTooLong" }, { sessionId: 5n })))
    assert.strictEqual(other._tag === "Rejected" ? other.error.reason : "", "SessionIdMismatch")
  })

  it("messages inside a container are checked: bad parity, out of the window, repeated ids are Rejected, the rest go on", () => {
    const t = setup()
    const good = t.serverId()
    const outcomes = t.receive(t.container([
      { body: { _tag: "updatesTooLong" }, msgId: good },
      { body: { _tag: "updatesTooLong" }, msgId: good },
      { body: { _tag: "updatesTooLong" }, msgId: good + 3n }, // divisible by 4: a client's id
      { body: { _tag: "updatesTooLong" }, msgId: (BigInt(Math.floor(T0 / 1000) - 400) << 32n) | 1n }
    ]))
    const rejected = outcomes.filter((o) => o._tag === "Rejected").map((o) => (o as { error: { reason: string } }).error.reason)
    assert.deepStrictEqual(rejected, ["DuplicateMsgId", "BadMsgIdParity", "MsgIdTooOld"])
    assert.strictEqual((outcomes.find((o) => o._tag === "Updates") as { updates: ReadonlyArray<unknown> }).updates.length, 1)
  })
})

describe("MtpSession: time", () => {
  it("every call ends within requestTimeout: Failed Timeout, and rpc_drop_answer if it was sent", () => {
    const t = setup({ requestTimeoutMs: 5000 })
    t.call("a", getNearestDc)
    t.flushAll()
    t.advance(1000)
    t.call("b", getNearestDc)
    assert.strictEqual(t.core.nextWake(), T0 + 5000)
    t.advance(4000)
    const outcome = only(t.core.tick(t.now))
    assert.strictEqual(outcome._tag === "Failed" ? outcome.error.message : "", "help.getNearestDc: no answer within the request timeout")
    assert.deepStrictEqual(only(t.flushAll()).messages.map((m) => m.obj._tag), ["help.getNearestDc", "rpc_drop_answer"])
    assert.strictEqual(t.core.callCount, 1)
  })

  it("requestTimeout Infinity: a call waits for ever and no deadline wakes the shell for it", () => {
    const t = setup({ requestTimeoutMs: Number.POSITIVE_INFINITY })
    t.core.disconnected()
    t.call("a", getNearestDc)
    assert.strictEqual(t.core.nextWake(), Number.POSITIVE_INFINITY)
  })

  it("idle: nothing wakes but the keepalive, which is a ping_delay_disconnect with the disconnect delay", () => {
    const t = setup({ pingIntervalMs: 60_000, deadAfterMs: 15_000 })
    assert.strictEqual(t.core.nextWake(), T0 + 60_000)
    t.advance(60_000)
    assert.deepStrictEqual(t.core.tick(t.now), [])
    const ping = only(only(t.flushAll()).messages)
    assert.deepStrictEqual([ping.obj._tag, ping.obj.disconnect_delay], ["ping_delay_disconnect", 75])
    t.core.disconnected()
    assert.strictEqual(t.core.nextWake(), Number.POSITIVE_INFINITY)
  })

  it("while calls wait, silence sends a ping at once; no valid frame within pongTimeout asks to reconnect", () => {
    const t = setup({ silenceMs: 5000, pongTimeoutMs: 10_000 })
    t.call("a", getNearestDc)
    t.flushAll()
    assert.strictEqual(t.core.nextWake(), T0 + 5000)
    t.advance(5000)
    assert.deepStrictEqual(t.core.tick(t.now), [])
    assert.strictEqual(only(only(t.flushAll()).messages).obj._tag, "ping")
    t.advance(9999)
    assert.deepStrictEqual(t.core.tick(t.now), [])
    t.advance(1)
    assert.deepStrictEqual(tags(t.core.tick(t.now)), ["Reconnect"])
  })

  it("a valid frame after the probe ping proves the link: no reconnect", () => {
    const t = setup({ silenceMs: 5000, pongTimeoutMs: 10_000 })
    t.call("a", getNearestDc)
    t.flushAll()
    t.advance(5000)
    t.core.tick(t.now)
    t.flushAll()
    t.advance(2000)
    t.receive(t.frame({ _tag: "updatesTooLong" }))
    t.advance(9000)
    assert.deepStrictEqual(tags(t.core.tick(t.now)), [])
  })

  it("a keepalive after more than pingInterval + deadAfter of silence asks to reconnect", () => {
    const t = setup({ pingIntervalMs: 1000, deadAfterMs: 500 })
    t.advance(1000)
    t.core.tick(t.now)
    t.flushAll()
    t.advance(1000)
    assert.deepStrictEqual(tags(t.core.tick(t.now)), ["Reconnect"])
  })
})

describe("MtpSession: reconnects and at-most-once", () => {
  it("an unanswered call goes out again on the next connection with its original msg_id and seq_no, inside a container", () => {
    const t = setup()
    const call = t.call("a", getNearestDc)
    const first = only(t.flushAll())
    t.core.disconnected()
    t.advance(2000)
    t.core.connected(t.now)
    const again = only(t.flushAll())
    assert.isTrue(again.container)
    const resent = only(again.messages)
    assert.deepStrictEqual([resent.msgId, resent.seqNo], [first.msgId, first.seqNo])
    assert.isTrue(again.msgId > first.msgId)
    assert.deepStrictEqual(only(t.receive(t.result(call.msgId, nearest))), { _tag: "Result", call: "a", value: nearest })
  })

  it("older than the reuse window: msgs_state_req first; not received → re-sent with a new msg_id", () => {
    const t = setup({ reuseMsgIdMs: 1000, requestTimeoutMs: Number.POSITIVE_INFINITY })
    const call = t.call("a", getNearestDc)
    const first = only(t.flushAll()).msgId
    t.core.disconnected()
    t.advance(2000)
    t.core.connected(t.now)
    const ask = only(only(t.flushAll()).messages)
    assert.deepStrictEqual([ask.obj._tag, ask.obj.msg_ids], ["msgs_state_req", [first]])
    t.receive(t.frame({ _tag: "msgs_state_info", req_msg_id: ask.msgId, info: Uint8Array.of(2) }, { seqNo: 2 }))
    const again = only(only(t.flushAll()).messages)
    assert.strictEqual(again.obj._tag, "help.getNearestDc")
    assert.notStrictEqual(again.msgId, first)
    assert.strictEqual(call.msgId, again.msgId)
  })

  it("the server forgot it (1): ResultUnknown; it answered already (4+64): msg_resend_ans_req, and the late answer completes it", () => {
    const t = setup({ reuseMsgIdMs: 1000, requestTimeoutMs: Number.POSITIVE_INFINITY })
    t.call("gone", { _tag: "ping", ping_id: 1n })
    const answered = t.call("done", { _tag: "ping", ping_id: 2n })
    only(t.flushAll())
    t.core.disconnected()
    t.advance(2000)
    t.core.connected(t.now)
    const ask = only(only(t.flushAll()).messages)
    const outcomes = t.receive(t.frame({ _tag: "msgs_state_info", req_msg_id: ask.msgId, info: Uint8Array.of(1, 4 | 32 | 64) }, { seqNo: 2 }))
    const failed = only(outcomes)
    assert.strictEqual(failed._tag === "Failed" ? `${failed.call} ${(failed.error as { reason: string }).reason}` : "", "gone ResultUnknown")
    const resendAns = only(only(t.flushAll()).messages)
    assert.deepStrictEqual([resendAns.obj._tag, resendAns.obj.msg_ids], ["msg_resend_ans_req", [answered.msgId]])
    assert.deepStrictEqual(tags(t.receive(t.frame(pong(answered.msgId, 2n)))), ["Result"])
  })

  it("a call the server did not take (msg_resend_req) is re-sent with a new msg_id", () => {
    const t = setup()
    t.call("a", getNearestDc)
    const first = only(t.flushAll()).msgId
    t.receive(t.frame({ _tag: "msg_resend_req", msg_ids: [first] }))
    assert.notStrictEqual(only(t.flushAll()).msgId, first)
  })

  it("failAll ends every call with the reason", () => {
    const t = setup()
    t.call("a", getNearestDc)
    t.flushAll()
    t.call("b", getNearestDc)
    const outcomes = t.core.failAll("Closed")
    assert.deepStrictEqual(outcomes.map((o) => o._tag === "Failed" ? `${o.call}:${(o.error as { reason: string }).reason}` : ""), ["a:Closed", "b:Closed"])
    assert.strictEqual(t.core.callCount, 0)
  })
})
