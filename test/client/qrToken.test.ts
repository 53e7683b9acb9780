// The pure part of QR login, without sockets: the tg://login URL and the tracker that
// decides when to refresh a code or give up.
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import {
  EXPIRY_GRACE_MS,
  loginUrl,
  MAX_STALE,
  QrTokenTracker,
  STALE_WAIT_MS
} from "../../src/client/auth/qrToken.ts"

const bytes = (...b: Array<number>) => new Uint8Array(b)

describe("loginUrl", () => {
  it("is tg://login?token= and base64url without padding", () => {
    // 0xfb 0xff → "-_8" in base64url ("+/8=" in base64).
    assert.strictEqual(loginUrl(bytes(0xfb, 0xff)), "tg://login?token=-_8")
    assert.strictEqual(loginUrl(bytes()), "tg://login?token=")
  })

  it("round-trips any token, with only URL-safe characters (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.nat(8), (token, offset) => {
        // A view into a larger buffer encodes only its own bytes.
        const backing = new Uint8Array(token.length + offset * 2)
        backing.set(token, offset)
        const url = loginUrl(backing.subarray(offset, offset + token.length))
        const text = url.slice("tg://login?token=".length)
        assert.match(text, /^[A-Za-z0-9_-]*$/)
        assert.deepStrictEqual(new Uint8Array(Buffer.from(text, "base64url")), token)
      })
    )
  })
})

describe("QrTokenTracker", () => {
  const A = bytes(1, 2, 3)
  const B = bytes(4, 5, 6)

  it("waits until the code's expiry (server time, corrected by the offset) plus a grace", () => {
    const t = new QrTokenTracker(10)
    // Expires at server second 1000; the server runs 5 s ahead; local now is 990.5 s.
    const step = t.onToken(A, 1000, 990_500, 5)
    assert.deepStrictEqual(step, { fresh: true, expiresAtMs: 995_000, waitMs: 4_500 + EXPIRY_GRACE_MS })
    // Already past: only the grace.
    assert.strictEqual(t.onToken(A, 1000, 999_000, 5).waitMs, EXPIRY_GRACE_MS)
  })

  it("counts new codes only: the same code again (a spurious wake) is not shown again", () => {
    const t = new QrTokenTracker(10)
    assert.isTrue(t.onToken(A, 10, 0, 0).fresh)
    assert.isFalse(t.onToken(A, 10, 1_000, 0).fresh)
    assert.isTrue(t.onToken(B, 20, 11_000, 0).fresh)
    assert.strictEqual(t.tokens, 2)
  })

  it("maxRefreshes 0: the first code's expiry gives up; maxRefreshes 2: the third's", () => {
    const none = new QrTokenTracker(0)
    none.onToken(A, 10, 0, 0)
    assert.strictEqual(none.onExpired(), "GiveUp")

    const two = new QrTokenTracker(2)
    const codes = [bytes(1), bytes(2), bytes(3)]
    const verdicts = codes.map((code, i) => {
      two.onToken(code, 10 * (i + 1), 10_000 * i, 0)
      return two.onExpired()
    })
    assert.deepStrictEqual(verdicts, ["Refresh", "Refresh", "GiveUp"])
  })

  it("a spurious wake before the expiry does not use up a refresh", () => {
    const t = new QrTokenTracker(1)
    t.onToken(A, 10, 0, 0)
    t.onToken(A, 10, 2_000, 0) // woken by a push that was not a scan: same code
    assert.strictEqual(t.onExpired(), "Refresh")
    t.onToken(B, 20, 10_500, 0)
    assert.strictEqual(t.onExpired(), "GiveUp")
  })

  it("a server that gives the expired code again is asked at most every second, and given up on after MAX_STALE times", () => {
    const t = new QrTokenTracker(5)
    t.onToken(A, 10, 0, 0)
    assert.strictEqual(t.onExpired(), "Refresh")
    for (let i = 0; i < MAX_STALE; i++) {
      const step = t.onToken(A, 10, 10_300 + i * 1000, 0)
      assert.isFalse(step.fresh)
      assert.strictEqual(step.waitMs, STALE_WAIT_MS)
      assert.strictEqual(t.onExpired(), "Refresh")
    }
    t.onToken(A, 10, 30_000, 0)
    assert.strictEqual(t.onExpired(), "GiveUp")
    // A new code starts over.
    const fresh = new QrTokenTracker(5)
    fresh.onToken(A, 10, 0, 0)
    fresh.onExpired()
    fresh.onToken(A, 10, 10_300, 0)
    fresh.onExpired()
    assert.isTrue(fresh.onToken(B, 40, 11_000, 0).fresh)
    assert.strictEqual(fresh.onExpired(), "Refresh")
  })

  it("at most 1 + maxRefreshes codes expire unscanned; the next expiry of a new code gives up (property)", () => {
    fc.assert(
      fc.property(
        fc.nat(5),
        fc.array(fc.record({ code: fc.integer({ min: 0, max: 3 }), expired: fc.boolean() }), { maxLength: 60 }),
        (maxRefreshes, answers) => {
          const t = new QrTokenTracker(maxRefreshes)
          let now = 0
          // Codes (by the position they were first shown at) whose wait ran out.
          const expiredCodes = new Set<number>()
          for (const a of answers) {
            const step = t.onToken(bytes(a.code), Math.floor(now / 1000) + 1, now, 0)
            assert.isAtLeast(step.waitMs, EXPIRY_GRACE_MS)
            now += step.waitMs
            if (!a.expired) continue
            const isNew = !expiredCodes.has(t.tokens)
            expiredCodes.add(t.tokens)
            const verdict = t.onExpired()
            assert.isAtMost(expiredCodes.size, maxRefreshes + 1)
            if (isNew) assert.strictEqual(verdict, expiredCodes.size > maxRefreshes ? "GiveUp" : "Refresh")
            if (verdict === "GiveUp") break
          }
        }
      )
    )
  })
})
