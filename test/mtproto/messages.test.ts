// The pure message pieces under the handshake and the session: plain messages, msg_id
// generation, the receiver's msg_id window and MTProto 2.0 encrypted messages. Hostile
// input must end in a SecurityError with its own reason, never a RangeError.
import { assert, describe, it } from "@effect/vitest"
import {
  aesIgeEncrypt,
  authKeyId,
  concatBytes,
  messageKeyIv,
  msgKey,
  randomBytes
} from "../../src/crypto/index.ts"
import {
  type AuthKey,
  decodePlainMessage,
  encodePlainMessage,
  type InnerMessage,
  isPlainMessage,
  msgIdSeconds,
  MsgIdWindow,
  nextClientMsgId,
  nextServerMsgId,
  packMessage,
  SecurityError,
  type SecurityFailure,
  unpackMessage
} from "../../src/mtproto/index.ts"

/** Runs `f` and returns the reason of the SecurityError it throws (fails on anything else). */
const reasonOf = (f: () => unknown): SecurityFailure => {
  try {
    f()
  } catch (e) {
    assert.instanceOf(e, SecurityError, `threw ${String(e)}`)
    return (e as SecurityError).reason
  }
  return assert.fail("did not throw")
}

const setInt32 = (bytes: Uint8Array, offset: number, value: number) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(offset, value, true)

describe("plain messages", () => {
  const body = Uint8Array.from({ length: 40 }, (_, i) => i)
  const msgId = 0x6543_2100_0000_0004n

  it("encode → decode keeps msg_id and body; auth_key_id is zero", () => {
    const frame = encodePlainMessage(msgId, body)
    assert.strictEqual(frame.length, 20 + body.length)
    assert.deepStrictEqual(frame.subarray(0, 8), new Uint8Array(8))
    assert.isTrue(isPlainMessage(frame))
    const decoded = decodePlainMessage(frame)
    assert.strictEqual(decoded.msgId, msgId)
    assert.deepStrictEqual(decoded.body, body)
  })

  it("rejects any byte after the declared length (the framing removes padded intermediate's padding)", () => {
    for (const extra of [1, 4, 13, 15]) {
      const frame = concatBytes(encodePlainMessage(msgId, body), randomBytes(extra))
      assert.strictEqual(reasonOf(() => decodePlainMessage(frame)), "BadLength")
    }
  })

  it("rejects a truncated message", () => {
    const frame = encodePlainMessage(msgId, body)
    assert.strictEqual(reasonOf(() => decodePlainMessage(frame.subarray(0, 19))), "Truncated")
    assert.strictEqual(reasonOf(() => decodePlainMessage(new Uint8Array(0))), "Truncated")
    // Header whole, body cut short: the declared length is a lie.
    assert.strictEqual(reasonOf(() => decodePlainMessage(frame.subarray(0, 30))), "BadLength")
  })

  it("rejects a non-zero auth_key_id", () => {
    const frame = encodePlainMessage(msgId, body)
    frame[7] = 1
    assert.isFalse(isPlainMessage(frame))
    assert.strictEqual(reasonOf(() => decodePlainMessage(frame)), "AuthKeyIdMismatch")
  })

  it("rejects hostile lengths without reading past the frame", () => {
    for (const length of [-1, -0x8000_0000, 0x7fff_ffff, body.length + 1]) {
      const frame = encodePlainMessage(msgId, body)
      setInt32(frame, 16, length)
      assert.strictEqual(reasonOf(() => decodePlainMessage(frame)), "BadLength", `length ${length}`)
    }
  })
})

describe("msg_id", () => {
  const now = 1_700_000_000_123

  it("client ids are divisible by 4, strictly increasing even when the clock stands still or goes back", () => {
    let last = 0n
    const times = [now, now, now, now + 1, now - 5_000, now - 5_000, now + 10]
    for (const t of times) {
      const id = nextClientMsgId(t, last)
      assert.strictEqual(id % 4n, 0n)
      assert.isTrue(id > last, `${id} after ${last}`)
      last = id
    }
  })

  it("client ids carry the unix time in their high 32 bits", () => {
    const id = nextClientMsgId(now, 0n)
    assert.strictEqual(msgIdSeconds(id), Math.floor(now / 1000))
    // The fraction of the second lands in the low bits, so ids made in one second still differ.
    assert.isTrue(nextClientMsgId(now + 500, 0n) > id)
  })

  it("server ids are odd: 1 mod 4 for responses, 3 mod 4 otherwise, strictly increasing", () => {
    let last = 0n
    for (let i = 0; i < 20; i++) {
      const response = i % 3 !== 0
      const id = nextServerMsgId(now, last, response)
      assert.strictEqual(id % 4n, response ? 1n : 3n)
      assert.isTrue(id > last)
      last = id
    }
  })
})

describe("MsgIdWindow", () => {
  const nowSeconds = 1_700_000_000
  const at = (seconds: number, low: number) => (BigInt(seconds) << 32n) | BigInt(low)

  it("checks parity by direction", () => {
    const w = new MsgIdWindow()
    w.check(at(nowSeconds, 1), nowSeconds, true)
    w.check(at(nowSeconds, 7), nowSeconds, true)
    w.check(at(nowSeconds, 8), nowSeconds, false)
    assert.strictEqual(reasonOf(() => w.check(at(nowSeconds, 12), nowSeconds, true)), "BadMsgIdParity")
    assert.strictEqual(reasonOf(() => w.check(at(nowSeconds, 13), nowSeconds, false)), "BadMsgIdParity")
    assert.strictEqual(reasonOf(() => w.check(at(nowSeconds, 14), nowSeconds, false)), "BadMsgIdParity")
  })

  it("rejects ids more than 300 s old or 30 s ahead, accepts the edges", () => {
    const w = new MsgIdWindow()
    w.check(at(nowSeconds - 300, 1), nowSeconds, true)
    w.check(at(nowSeconds + 30, 1), nowSeconds, true)
    assert.strictEqual(reasonOf(() => w.check(at(nowSeconds - 301, 1), nowSeconds, true)), "MsgIdTooOld")
    assert.strictEqual(reasonOf(() => w.check(at(nowSeconds + 31, 1), nowSeconds, true)), "MsgIdTooNew")
  })

  it("rejects a duplicate", () => {
    const w = new MsgIdWindow()
    const id = at(nowSeconds, 5)
    w.check(id, nowSeconds, true)
    assert.strictEqual(reasonOf(() => w.check(id, nowSeconds, true)), "DuplicateMsgId")
  })

  it("keeps bounded memory and still refuses ids it has forgotten", () => {
    const capacity = 8
    const w = new MsgIdWindow(capacity)
    const ids = Array.from({ length: 1_000 }, (_, i) => at(nowSeconds, 1 + 4 * i))
    for (const id of ids) w.check(id, nowSeconds, true)
    // White-box: the window's private set is its whole memory (evicted in batches, so up to 2×).
    const seen = (w as unknown as { readonly seen: Set<bigint> }).seen
    assert.isAtMost(seen.size, 2 * capacity)
    // Forgotten (old) ids are below the floor: still replays.
    assert.strictEqual(reasonOf(() => w.check(ids[0]!, nowSeconds, true)), "DuplicateMsgId")
    assert.strictEqual(reasonOf(() => w.check(ids[500]!, nowSeconds, true)), "DuplicateMsgId")
    // Remembered ones too, and a new one passes.
    assert.strictEqual(reasonOf(() => w.check(ids[999]!, nowSeconds, true)), "DuplicateMsgId")
    w.check(at(nowSeconds, 1 + 4 * 1_000), nowSeconds, true)
  })

  it("accepts smaller ids after a larger one (a container before its messages), even across evictions", () => {
    const capacity = 4
    const w = new MsgIdWindow(capacity)
    const container = at(nowSeconds, 1_001)
    w.check(container, nowSeconds, true)
    // More inner ids than the window holds: eviction must drop the smallest, not the container.
    for (let i = 0; i < 4 * capacity; i++) w.check(at(nowSeconds, 1 + 4 * i), nowSeconds, true)
    assert.strictEqual(reasonOf(() => w.check(container, nowSeconds, true)), "DuplicateMsgId")
  })
})

describe("encrypted messages", () => {
  const key = randomBytes(256)
  const authKey: AuthKey = { key, id: authKeyId(key) }
  const message: InnerMessage = {
    salt: -0x1234_5678_9abc_def0n,
    sessionId: 0x0fed_cba9_8765_4321n,
    msgId: (1_700_000_000n << 32n) | 4n,
    seqNo: 3,
    body: Uint8Array.from({ length: 52 }, (_, i) => (i * 7) & 0xff)
  }

  /**
   * Encrypts an arbitrary plaintext with a correct msg_key, so the checks behind msg_key
   * (length, padding) can be reached with hostile headers.
   */
  const sealRaw = (plain: Uint8Array, x: 0 | 8): Uint8Array => {
    const mk = msgKey(key, plain, x)
    const { iv, key: aesKey } = messageKeyIv(key, mk, x)
    return concatBytes(authKey.id, mk, aesIgeEncrypt(plain, aesKey, iv))
  }
  /** A plaintext header for `bodyLength` declared bytes, with `total` bytes in all. */
  const rawPlain = (declared: number, total: number): Uint8Array => {
    const plain = randomBytes(total)
    setInt32(plain, 28, declared)
    return plain
  }

  for (const x of [0, 8] as const) {
    it(`pack → unpack round trip, ${x === 0 ? "client → server" : "server → client"}`, () => {
      for (let i = 0; i < 20; i++) {
        const frame = packMessage(authKey, x, message, randomBytes)
        assert.deepStrictEqual(frame.subarray(0, 8), authKey.id)
        assert.strictEqual((frame.length - 24) % 16, 0)
        const padding = frame.length - 24 - 32 - message.body.length
        assert.isTrue(padding >= 12 && padding <= 1024, `padding ${padding}`)
        assert.deepStrictEqual(unpackMessage(authKey, x, frame), message)
      }
    })
  }

  it("a message can't be read in the other direction", () => {
    assert.strictEqual(reasonOf(() => unpackMessage(authKey, 8, packMessage(authKey, 0, message, randomBytes))), "MsgKeyMismatch")
  })

  it("rejects 1..15 bytes after the last block (the framing removes padded intermediate's padding)", () => {
    for (let extra = 1; extra < 16; extra++) {
      const frame = concatBytes(packMessage(authKey, 8, message, randomBytes), randomBytes(extra))
      assert.strictEqual(reasonOf(() => unpackMessage(authKey, 8, frame)), "BadLength", `${extra} extra bytes`)
    }
  })

  it("tampered msg_key, ciphertext or auth_key_id; another key", () => {
    const frame = packMessage(authKey, 0, message, randomBytes)
    const badKey = frame.slice()
    badKey[8]! ^= 1
    assert.strictEqual(reasonOf(() => unpackMessage(authKey, 0, badKey)), "MsgKeyMismatch")
    const badBody = frame.slice()
    badBody[frame.length - 1]! ^= 0x80
    assert.strictEqual(reasonOf(() => unpackMessage(authKey, 0, badBody)), "MsgKeyMismatch")
    const badId = frame.slice()
    badId[0]! ^= 1
    assert.strictEqual(reasonOf(() => unpackMessage(authKey, 0, badId)), "AuthKeyIdMismatch")
    const other = randomBytes(256)
    assert.strictEqual(reasonOf(() => unpackMessage({ key: other, id: authKey.id }, 0, frame)), "MsgKeyMismatch")
  })

  it("truncated frames", () => {
    const frame = packMessage(authKey, 0, message, randomBytes)
    for (const n of [0, 8, 24, 24 + 47]) {
      assert.strictEqual(reasonOf(() => unpackMessage(authKey, 0, frame.subarray(0, n))), "Truncated", `${n} bytes`)
    }
  })

  it("bad message_data_length behind a valid msg_key", () => {
    for (const declared of [-4, 6, 0x7fff_fff0, 64 - 32 - 12 + 4]) {
      const frame = sealRaw(rawPlain(declared, 64), 8)
      assert.strictEqual(reasonOf(() => unpackMessage(authKey, 8, frame)), "BadLength", `declared ${declared}`)
    }
    // The largest length that leaves the 12 bytes of padding required is accepted.
    assert.strictEqual(unpackMessage(authKey, 8, sealRaw(rawPlain(64 - 32 - 12, 64), 8)).body.length, 20)
  })

  it("more than 1024 bytes of padding behind a valid msg_key", () => {
    const total = 32 + 1040
    assert.strictEqual(reasonOf(() => unpackMessage(authKey, 0, sealRaw(rawPlain(0, total), 0))), "BadPadding")
    assert.strictEqual(unpackMessage(authKey, 0, sealRaw(rawPlain(16, total), 0)).body.length, 16)
  })
})
