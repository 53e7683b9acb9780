/**
 * SessionState unit tests: msg_id and seq_no numbering under a pinned clock, time sync,
 * reset, and pack/unpack against the server side of the format (x = 8) with every check of
 * the security guidelines.
 */
import { assert, describe, it } from "@effect/vitest"
import { authKeyId, randomBytes } from "../../src/crypto/index.ts"
import { type AuthKey, packMessage, unpackMessage } from "../../src/mtproto/encryptedMessage.ts"
import { SecurityError } from "../../src/mtproto/errors.ts"
import { nextServerMsgId } from "../../src/mtproto/msgId.ts"
import { SessionState } from "../../src/mtproto/sessionState.ts"
import { serialize } from "../../src/tl/index.ts"

const key = randomBytes(256)
const authKey: AuthKey = { key, id: authKeyId(key) }
const SALT = 0x1122334455667788n
/** A pinned local clock: 2024-01-01T00:00:00.250Z. */
const T0 = 1_704_067_200_250

const make = (timeOffset = 0) => new SessionState({ authKey, salt: SALT, timeOffset })

/** A server message for `state`'s session at server time `serverMs`. */
const fromServer = (
  state: SessionState,
  serverMs: number,
  body: Uint8Array,
  overrides: { msgId?: bigint; sessionId?: bigint; seqNo?: number } = {}
) => {
  const msgId = overrides.msgId ?? nextServerMsgId(serverMs, 0n, true)
  const frame = packMessage(authKey, 8, {
    salt: SALT,
    sessionId: overrides.sessionId ?? state.sessionId,
    msgId,
    seqNo: overrides.seqNo ?? 1,
    body
  }, randomBytes)
  return { msgId, frame }
}

const pong = serialize({ _tag: "pong", msg_id: 4n, ping_id: 7n })

const rejects = (f: () => unknown, reason: SecurityError["reason"]) => {
  try {
    f()
  } catch (e) {
    assert.instanceOf(e, SecurityError)
    assert.strictEqual((e as SecurityError).reason, reason)
    return
  }
  assert.fail(`expected SecurityError ${reason}`)
}

describe("SessionState numbering", () => {
  it("msg_ids under a pinned clock are strictly increasing, divisible by 4, and carry server time", () => {
    const state = make(30)
    let last = 0n
    for (let i = 0; i < 5000; i++) {
      const id = state.nextMsgId(T0)
      assert.strictEqual(id % 4n, 0n)
      assert.isTrue(id > last)
      last = id
    }
    // High 32 bits: local seconds + the offset (ties in one millisecond are broken by +4, never crossing a second here).
    assert.strictEqual(Number(last >> 32n), Math.floor(T0 / 1000) + 30)
    // A clock that steps back does not make ids go back.
    assert.isTrue(state.nextMsgId(T0 - 10_000) > last)
  })

  it("seq_no: 2n+1 for content-related messages, 2n for the others, n = content messages sent before", () => {
    const state = make()
    const seq = [true, true, false, true, false, false, true].map((c) => state.nextSeqNo(c))
    assert.deepStrictEqual(seq, [1, 3, 4, 5, 6, 6, 7])
    // pack numbers the same way.
    assert.strictEqual(state.pack(pong, false, T0).seqNo, 8)
    assert.strictEqual(state.pack(pong, true, T0).seqNo, 9)
  })

  it("syncTime takes the server's seconds from its msg_id and restarts msg_id numbering from the new time", () => {
    const state = make(500)
    const before = state.nextMsgId(T0)
    const serverMsgId = nextServerMsgId(T0 + 7_000, 0n, false) // the server is 7 s ahead of us
    state.syncTime(serverMsgId, T0)
    assert.strictEqual(state.timeOffset, 7)
    const after = state.nextMsgId(T0)
    assert.strictEqual(Number(after >> 32n), Math.floor(T0 / 1000) + 7)
    assert.isTrue(after < before)
  })

  it("reset: a new session_id, seq_no from the start, a fresh replay window", () => {
    const state = make()
    const first = state.sessionId
    state.nextSeqNo(true)
    state.nextSeqNo(true)
    const seen = fromServer(state, T0, pong)
    state.unpack(seen.frame, T0)
    state.reset()
    assert.notStrictEqual(state.sessionId, first)
    assert.strictEqual(state.nextSeqNo(true), 1)
    // The old session's messages are now foreign.
    rejects(() => state.unpack(seen.frame, T0), "SessionIdMismatch")
    // The salt and the clock carry over.
    assert.strictEqual(state.salt, SALT)
    assert.strictEqual(state.timeOffset, 0)
  })
})

describe("SessionState pack/unpack", () => {
  it("client → server: the server side (x = 0) reads what pack wrote", () => {
    const state = make()
    const packed = state.pack(pong, true, T0)
    const inner = unpackMessage(authKey, 0, packed.frame)
    assert.strictEqual(inner.salt, SALT)
    assert.strictEqual(inner.sessionId, state.sessionId)
    assert.strictEqual(inner.msgId, packed.msgId)
    assert.strictEqual(inner.seqNo, 1)
    assert.deepStrictEqual(inner.body, pong)
    // Explicit ids are kept (a container's inner numbering).
    const fixed = state.pack(pong, false, T0, { msgId: 44n << 32n, seqNo: 6 })
    assert.strictEqual(unpackMessage(authKey, 0, fixed.frame).msgId, 44n << 32n)
  })

  it("server → client: unpack reads a server-packed message (x = 8)", () => {
    const state = make()
    const { frame, msgId } = fromServer(state, T0, pong, { seqNo: 3 })
    const inner = state.unpack(frame, T0)
    assert.strictEqual(inner.msgId, msgId)
    assert.strictEqual(inner.seqNo, 3)
    assert.deepStrictEqual(inner.body, pong)
  })

  it("rejects: session id mismatch, parity, duplicate, too old, too new, wrong msg_key, wrong direction", () => {
    const state = make()
    state.unpack(fromServer(state, T0, pong).frame, T0) // the session's first message
    rejects(() => state.unpack(fromServer(state, T0, pong, { sessionId: state.sessionId ^ 1n }).frame, T0), "SessionIdMismatch")
    const even = nextServerMsgId(T0 + 1, 0n, true) & ~3n
    rejects(() => state.unpack(fromServer(state, T0, pong, { msgId: even }).frame, T0), "BadMsgIdParity")
    const once = fromServer(state, T0 + 2, pong)
    state.unpack(once.frame, T0)
    rejects(() => state.unpack(once.frame, T0), "DuplicateMsgId")
    rejects(() => state.unpack(fromServer(state, T0 - 301_000, pong).frame, T0), "MsgIdTooOld")
    rejects(() => state.unpack(fromServer(state, T0 + 31_000, pong).frame, T0), "MsgIdTooNew")
    // Inside the window at both ends.
    state.unpack(fromServer(state, T0 - 299_000, pong).frame, T0)
    state.unpack(fromServer(state, T0 + 29_000, pong).frame, T0)
    const tampered = fromServer(state, T0 + 3, pong).frame.slice()
    tampered[30] = tampered[30]! ^ 1
    rejects(() => state.unpack(tampered, T0), "MsgKeyMismatch")
    // A client-direction frame (x = 0) is not a server message.
    rejects(() => state.unpack(state.pack(pong, true, T0).frame, T0), "MsgKeyMismatch")
    const otherKey = randomBytes(256)
    const foreign = packMessage({ key: otherKey, id: authKeyId(otherKey) }, 8, {
      salt: SALT,
      sessionId: state.sessionId,
      msgId: nextServerMsgId(T0 + 4, 0n, true),
      seqNo: 1,
      body: pong
    }, randomBytes)
    rejects(() => state.unpack(foreign, T0), "AuthKeyIdMismatch")
  })

  it("a clock off by more than the window: the session's first message, and 16/17 notifications, set the clock", () => {
    const state = make(-100) // we believe the server is 100 s behind; it is not
    state.unpack(fromServer(state, T0, pong).frame, T0)
    assert.strictEqual(state.timeOffset, 0)
    // Later in the session the window holds again for ordinary messages...
    const skewed = T0 + 120_000
    rejects(() => state.unpack(fromServer(state, skewed, pong).frame, T0), "MsgIdTooNew")
    // ...but a bad_msg_notification 17 from 120 s ahead resynchronises.
    const notification = serialize({ _tag: "bad_msg_notification", bad_msg_id: 8n, bad_msg_seqno: 1, error_code: 17 })
    state.unpack(fromServer(state, skewed + 1000, notification).frame, T0)
    assert.strictEqual(state.timeOffset, 121)
    // Such a notification is still checked for replays.
    const again = fromServer(state, skewed + 2000, notification)
    state.unpack(again.frame, T0)
    rejects(() => state.unpack(again.frame, T0), "DuplicateMsgId")
    // Other codes get no exemption.
    const other = serialize({ _tag: "bad_msg_notification", bad_msg_id: 8n, bad_msg_seqno: 1, error_code: 18 })
    rejects(() => state.unpack(fromServer(state, T0 + 900_000, other).frame, T0), "MsgIdTooNew")
  })
})
