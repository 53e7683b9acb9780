// Decompression bombs: one inflate budget for the whole message, nesting bounded. Each input
// here used to demand gigabytes (16 MiB per gzip_packed member, multiplied by nesting and
// repetition); now each fails with TlDecodeError after at most one budget of inflating.
import { assert, describe, it } from "@effect/vitest"
import v8 from "node:v8"
import vm from "node:vm"
import { deflateSync, gzipSync } from "node:zlib"
import {
  deserialize,
  deserializeOneOf,
  deserializeResult,
  GZIP_PACKED_ID,
  makeInflateBudget,
  MAX_INFLATED_SIZE,
  serialize,
  TlDecodeError,
  TlWriter
} from "../../src/tl/index.ts"
import { bigChat, bomb25KB, chats, nestedBomb, packed, sixteenMiBMember, vectorOf } from "./support/bombs.ts"

const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 9 }))

const expectDecodeError = (f: () => unknown, reason?: RegExp): TlDecodeError => {
  try {
    f()
  } catch (e) {
    assert.instanceOf(e, TlDecodeError)
    if (reason !== undefined) assert.match((e as TlDecodeError).reason, reason)
    return e as TlDecodeError
  }
  return assert.fail("expected TlDecodeError")
}

/** Runs `f`, returning how long it took and how far the heap and array buffers grew at most. */
const measure = (f: () => void) => {
  globalThis.gc?.()
  const before = process.memoryUsage()
  const t0 = performance.now()
  f()
  const ms = performance.now() - t0
  const after = process.memoryUsage()
  return { ms, arrayBuffers: after.arrayBuffers - before.arrayBuffers }
}

describe("decompression bombs", () => {
  it("a 25 KB message demanding 16 GB fails fast, and packed once more (800 bytes) too", () => {
    const nested = nestedBomb()
    assert.isBelow(nested.length, 1024)
    let error: TlDecodeError | undefined
    const { ms } = measure(() => {
      error = expectDecodeError(() => deserialize(nested))
    })
    assert.match(error!.reason, /nested deeper than 2/)
    // At most one budget of inflating: tens of milliseconds, seconds on a loaded machine.
    assert.isBelow(ms, 5_000)
    // The same members packed once: the budget, not the depth, stops it.
    const once = bomb25KB()
    assert.isBelow(once.length, 32 * 1024)
    const { ms: ms2 } = measure(() => void expectDecodeError(() => deserialize(once), /inflate budget/))
    assert.isBelow(ms2, 5_000)
  })

  it("a ~400-byte message inflating to 128 MB fails within one budget", () => {
    // Eight 16 MiB members inside one packed vector: each alone fits the old per-member cap.
    const sixteen = sixteenMiBMember()
    const bomb = packed(packed(chats(vectorOf(Array.from({ length: 8 }, () => sixteen)))))
    assert.isBelow(bomb.length, 1_024)
    const e = expectDecodeError(() => deserialize(bomb))
    assert.match(e.reason, /nested deeper than 2/)
    // Unnested, the eight members exhaust the budget at the second.
    const flat = packed(chats(vectorOf(Array.from({ length: 8 }, () => sixteen))))
    assert.match(expectDecodeError(() => deserialize(flat)).reason, /inflate budget/)
  })

  it("repeated members share one budget: the sum counts, not each member", () => {
    const half = packed(bigChat(6 * 1024 * 1024))
    const two = chats(vectorOf([half, half]))
    assert.strictEqual((deserialize(two) as unknown as { chats: Array<unknown> }).chats.length, 2)
    const three = chats(vectorOf([half, half, half]))
    expectDecodeError(() => deserialize(three), /inflate budget/)
    // A caller's budget: one message's parts decoded separately still share it.
    const budget = makeInflateBudget()
    deserialize(two, budget)
    expectDecodeError(() => deserialize(chats(vectorOf([half])), budget), /inflate budget/)
  })

  it("nesting is bounded; two levels (Telegram packs once) decode", () => {
    const ping = serialize({ _tag: "ping", ping_id: 7n })
    assert.deepStrictEqual(deserialize(packed(packed(ping))), { _tag: "ping", ping_id: 7n })
    expectDecodeError(() => deserialize(packed(packed(packed(ping)))), /nested deeper than 2/)
    assert.deepStrictEqual(deserialize(packed(packed(packed(ping))), makeInflateBudget(MAX_INFLATED_SIZE, 3)), { _tag: "ping", ping_id: 7n })
  })

  it("a member must hold exactly one object", () => {
    const ping = serialize({ _tag: "ping", ping_id: 7n })
    const padded = new Uint8Array(ping.length + 1024)
    padded.set(ping)
    expectDecodeError(() => deserialize(packed(padded)), /trailing bytes after the packed object/)
  })

  it("zlib-framed members (as mtcute sends them, and Telegram takes) decode under the same budget", () => {
    const zlibPacked = (body: Uint8Array, level = 6, corrupt = false) => {
      const data = new Uint8Array(deflateSync(body, { level }))
      if (corrupt) data[data.length - 1]! ^= 1
      const w = new TlWriter(body.length + 64)
      w.uint(GZIP_PACKED_ID)
      w.bytes(data)
      return w.result()
    }
    const ping = serialize({ _tag: "ping", ping_id: 7n })
    assert.deepStrictEqual(deserialize(zlibPacked(ping)), { _tag: "ping", ping_id: 7n })
    // No size is announced: the budget stops a bomb (16 MiB + 1 of zeros in ~16 KB).
    const big = chats(vectorOf([zlibPacked(bigChat(6 * 1024 * 1024), 9), zlibPacked(bigChat(6 * 1024 * 1024), 9)]))
    assert.strictEqual((deserialize(big) as unknown as { chats: Array<unknown> }).chats.length, 2)
    const { ms } = measure(() => void expectDecodeError(() => deserialize(zlibPacked(new Uint8Array(MAX_INFLATED_SIZE + 1), 9)), /inflate budget/))
    assert.isBelow(ms, 5_000)
    // A flipped Adler-32 is refused.
    expectDecodeError(() => deserialize(zlibPacked(ping, 6, true)), /Adler-32/)
  })

  it("a trailer that lies low costs no more than it announces", () => {
    // 64 MiB of zeros whose trailer says 16 bytes: zlib stops at 17 bytes of output.
    const data = gz(new Uint8Array(64 * 1024 * 1024))
    data[data.length - 4] = 16
    data[data.length - 3] = data[data.length - 2] = data[data.length - 1] = 0
    const w = new TlWriter(data.length + 8)
    w.uint(GZIP_PACKED_ID)
    w.bytes(data)
    const { ms } = measure(() => void expectDecodeError(() => deserialize(w.result()), /inflates past its declared size/))
    assert.isBelow(ms, 2_000)
  })

  it("the result decoder and the restricted decoder share the rules", () => {
    const bomb = packed(new Uint8Array(MAX_INFLATED_SIZE + 4))
    expectDecodeError(() => deserializeResult("help.getConfig", bomb), /inflate budget/)
    const req = serialize({ _tag: "req_pq_multi", nonce: new Uint8Array(16) })
    const only = new Set(["req_pq_multi", "req_DH_params"])
    assert.strictEqual(deserializeOneOf(req, only)._tag, "req_pq_multi")
    expectDecodeError(() => deserializeOneOf(serialize({ _tag: "ping", ping_id: 1n }), only), /req_pq_multi \| req_DH_params/)
    expectDecodeError(() => deserializeOneOf(packed(req), only), /unexpected constructor id 0x3072cfa1/)
    // A gzip_packed vector inside an allowed constructor: refused with a zero budget.
    const resPq = serialize({
      _tag: "resPQ",
      nonce: new Uint8Array(16),
      server_nonce: new Uint8Array(16),
      pq: new Uint8Array(8),
      server_public_key_fingerprints: [1n]
    })
    const vec = resPq.subarray(resPq.length - 16)
    const sneaky = new Uint8Array([...resPq.subarray(0, resPq.length - 16), ...packed(vec)])
    expectDecodeError(() => deserializeOneOf(sneaky, new Set(["resPQ"]), makeInflateBudget(0, 0)), /not allowed here/)
    assert.strictEqual(deserializeOneOf(sneaky, new Set(["resPQ"]))._tag, "resPQ")
  })

  it("invalid gzip members leave no memory behind (node:zlib's sync API leaked 16 KiB each)", () => {
    v8.setFlagsFromString("--expose-gc")
    const gc = vm.runInNewContext("gc") as () => void
    const wrap = (data: Uint8Array) => {
      const w = new TlWriter(data.length + 8)
      w.uint(GZIP_PACKED_ID)
      w.bytes(data)
      return w.result()
    }
    const member = gz(serialize({ _tag: "ping", ping_id: 7n }))
    const corrupt = member.slice()
    corrupt[10]! ^= 0xff // the first byte of the deflate data: an invalid block type
    const broken = wrap(corrupt)
    const truncated = wrap(member.subarray(0, member.length - 12))
    const external = () => {
      gc()
      const m = process.memoryUsage()
      return m.external + m.arrayBuffers
    }
    for (let i = 0; i < 200; i++) expectDecodeError(() => deserialize(broken))
    const before = external()
    for (let i = 0; i < 10_000; i++) {
      expectDecodeError(() => deserialize(broken))
      expectDecodeError(() => deserialize(truncated))
    }
    // 20,000 refusals: 320 MiB of native memory with node:zlib, nothing now.
    assert.isBelow(external() - before, 32 * 1024 * 1024)
  })
})
