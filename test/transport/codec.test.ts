import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import {
  type CodecKind,
  makeCodec,
  makeDecoder,
  makeEncoder,
  TransportError
} from "../../src/transport/index.ts"
import { crc32 } from "../../src/transport/internal/crc32.ts"
import { chunked, collect, concat, le32, payloadOf, seededRandom } from "../support/bytes.ts"

const kinds: ReadonlyArray<CodecKind> = ["abridged", "intermediate", "padded", "full"]

const thrown = (f: () => void): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

const assertTransportError = (e: unknown, reason: TransportError["reason"]): TransportError => {
  assert.instanceOf(e, TransportError)
  assert.strictEqual((e as TransportError).reason, reason)
  return e as TransportError
}

/** The padded codec appends 0–15 bytes; the others give back the payload exactly. */
const assertSamePayload = (kind: CodecKind, frame: Uint8Array, payload: Uint8Array) => {
  if (kind === "padded") {
    assert.isAtLeast(frame.length, payload.length)
    assert.isAtMost(frame.length, payload.length + 15)
    assert.deepStrictEqual(frame.subarray(0, payload.length), payload)
  } else {
    assert.deepStrictEqual(frame, payload)
  }
}

// At least 5 words: shorter frames with a negative first int32 are server error codes (tested apart).
const payloadArb = fc.integer({ min: 5, max: 300 }).chain((words) =>
  fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })
)

describe("codecs", () => {
  for (const kind of kinds) {
    describe(kind, () => {
      it("round-trips client→server and server→client under random chunking", () => {
        fc.assert(
          fc.property(
            fc.array(payloadArb, { minLength: 1, maxLength: 8 }),
            fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 6 }),
            fc.integer(),
            (payloads, sizes, seed) => {
              const randomBytes = seededRandom(seed)
              for (const [from, to] of [["client", "server"], ["server", "client"]] as const) {
                const enc = makeEncoder(kind, from, { randomBytes })
                const dec = makeDecoder(kind, to)
                const wire = concat(payloads.map((p) => enc.encode(p)))
                const frames = collect(dec.decode.bind(dec), chunked(wire, sizes))
                assert.strictEqual(frames.length, payloads.length)
                frames.forEach((f, i) => assertSamePayload(kind, f, payloads[i]!))
                assert.strictEqual(dec.buffered, 0)
              }
            }
          ),
          { numRuns: 60 }
        )
      })

      it("decodes one byte at a time and many frames in one chunk", () => {
        const payloads = [payloadOf(1, 1), payloadOf(126, 2), payloadOf(127, 3), payloadOf(1000, 4), payloadOf(2, 5)]
        const enc = makeEncoder(kind, "server", { randomBytes: seededRandom(7) })
        const wire = concat(payloads.map((p) => enc.encode(p)))
        const oneByte = makeDecoder(kind, "client")
        const frames1 = collect(oneByte.decode.bind(oneByte), chunked(wire, [1]))
        const whole = makeDecoder(kind, "client")
        const frames2 = collect(whole.decode.bind(whole), [wire])
        assert.strictEqual(frames1.length, payloads.length)
        assert.strictEqual(frames2.length, payloads.length)
        payloads.forEach((p, i) => {
          assertSamePayload(kind, frames1[i]!, p)
          assertSamePayload(kind, frames2[i]!, p)
        })
      })

      it("keeps at most one partial frame buffered", () => {
        const enc = makeEncoder(kind, "server", { randomBytes: seededRandom(1) })
        const frame = enc.encode(payloadOf(50, 9))
        const second = enc.encode(payloadOf(50, 9))
        const dec = makeDecoder(kind, "client")
        const frames = collect(dec.decode.bind(dec), [concat([frame, second.subarray(0, second.length - 1)])])
        assert.strictEqual(frames.length, 1)
        assert.strictEqual(dec.buffered, second.length - 1)
      })

      it("turns a negative 4-byte payload into ServerError with the code", () => {
        for (const code of [-404, -429, -444]) {
          const enc = makeEncoder(kind, "server", { randomBytes: seededRandom(code) })
          const dec = makeDecoder(kind, "client")
          const frames: Array<Uint8Array> = []
          const wire = concat([enc.encode(payloadOf(3, 1)), enc.encode(le32(code))])
          const e = assertTransportError(thrown(() => dec.decode(wire, (f) => frames.push(f))), "ServerError")
          assert.strictEqual(e.code, code)
          assert.strictEqual(frames.length, 1, "the frame before the error is delivered")
          // The decoder stays failed.
          assertTransportError(thrown(() => dec.decode(new Uint8Array(1), () => {})), "ServerError")
        }
      })

      it("rejects empty payloads on encode", () => {
        assertTransportError(thrown(() => makeEncoder(kind, "client").encode(new Uint8Array(0))), "Write")
      })

      it("random corruption yields only TransportError or frames", () => {
        fc.assert(
          fc.property(
            fc.array(payloadArb, { minLength: 1, maxLength: 4 }),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
            fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }),
            (payloads, flips, sizes) => {
              const enc = makeEncoder(kind, "server", { randomBytes: seededRandom(3) })
              const wire = concat(payloads.map((p) => enc.encode(p)))
              for (const [at, value] of flips) wire[at % wire.length] = value
              const dec = makeDecoder(kind, "client", { maxFrameLength: 4096 })
              try {
                for (const c of chunked(wire, sizes)) dec.decode(c, (f) => assert.instanceOf(f, Uint8Array))
              } catch (e) {
                assert.instanceOf(e, TransportError)
              }
            }
          ),
          { numRuns: 200 }
        )
      })
    })
  }

  describe("hostile lengths fail on the header, before any body is read", () => {
    const max = 1024
    const cases: ReadonlyArray<[CodecKind, "client" | "server", Uint8Array]> = [
      ["abridged", "client", Uint8Array.of(0)],
      ["abridged", "server", Uint8Array.of(0x80)],
      ["abridged", "client", Uint8Array.of(0x7f, 0xff, 0xff, 0x7f)],
      ["abridged", "server", Uint8Array.of(0xff, 0xff, 0xff, 0xff)],
      ["intermediate", "client", le32(0)],
      ["intermediate", "client", le32(6)],
      ["intermediate", "client", le32(max + 4)],
      ["intermediate", "server", le32(0xffffffff)],
      ["intermediate", "server", le32(0x7ffffffc)],
      ["padded", "client", le32(0)],
      ["padded", "client", le32(max + 16)],
      ["padded", "server", le32(0xfffffff0)],
      ["full", "client", le32(0, 0)],
      ["full", "client", le32(12, 0)],
      ["full", "client", le32(18, 0)],
      ["full", "client", le32(-16, 0)],
      ["full", "server", le32(0x7ffffff0, 0)],
      ["full", "client", le32(max + 16, 0)]
    ]
    for (const [kind, side, header] of cases) {
      it(`${kind} ${side} ${Array.from(header, (b) => b.toString(16)).join(" ")}`, () => {
        const dec = makeDecoder(kind, side, { maxFrameLength: max })
        assertTransportError(thrown(() => dec.decode(header, () => {})), "BadFrame")
      })
    }

    it("accepts a frame of exactly the maximum", () => {
      for (const kind of kinds) {
        const enc = makeEncoder(kind, "server", { randomBytes: () => new Uint8Array(16) })
        const dec = makeDecoder(kind, "client", { maxFrameLength: max })
        assert.strictEqual(collect(dec.decode.bind(dec), [enc.encode(payloadOf(max / 4, 1))]).length, 1)
      }
    })

    it("defaults to a 16 MiB maximum", () => {
      const dec = makeDecoder("intermediate", "client")
      assertTransportError(thrown(() => dec.decode(le32(16 * 1024 * 1024 + 4), () => {})), "BadFrame")
    })
  })

  describe("non-multiple-of-4 payloads", () => {
    it("abridged, intermediate and full refuse to encode them; padded carries them", () => {
      const odd = new Uint8Array(5)
      for (const kind of ["abridged", "intermediate", "full"] as const) {
        assertTransportError(thrown(() => makeEncoder(kind, "client").encode(odd)), "Write")
      }
      const frame = makeEncoder("padded", "client", { randomBytes: () => new Uint8Array(16) }).encode(odd)
      const dec = makeDecoder("padded", "server")
      assert.deepStrictEqual(collect(dec.decode.bind(dec), [frame]), [odd])
    })
  })

  describe("abridged envelope", () => {
    it("uses 1 byte below 127 words and 0x7f + 3 bytes LE from 127 on", () => {
      const enc = makeEncoder("abridged", "client")
      assert.deepStrictEqual(enc.encode(payloadOf(126, 0)).subarray(0, 1), Uint8Array.of(126))
      assert.deepStrictEqual(enc.encode(payloadOf(127, 0)).subarray(0, 4), Uint8Array.of(0x7f, 127, 0, 0))
      assert.deepStrictEqual(enc.encode(payloadOf(0x1234, 0)).subarray(0, 4), Uint8Array.of(0x7f, 0x34, 0x12, 0))
    })
  })

  describe("quick ACK", () => {
    for (const kind of ["abridged", "intermediate", "padded"] as const) {
      it(`${kind}: a client request reaches the server and the server's ACK reaches the client`, () => {
        const client = makeCodec(kind, "client", { onQuickAck: (t) => acks.push(t), randomBytes: seededRandom(5) })
        const server = makeCodec(kind, "server", { randomBytes: seededRandom(6) })
        const acks: Array<number> = []
        const flags: Array<boolean> = []
        for (const words of [3, 200]) {
          server.decoder.decode(client.encoder.encode(payloadOf(words, 1), true), (_f, q) => flags.push(q))
          server.decoder.decode(client.encoder.encode(payloadOf(words, 1)), (_f, q) => flags.push(q))
        }
        assert.deepStrictEqual(flags, [true, false, true, false])
        const wire = concat([
          server.encodeQuickAck(0x12345678),
          server.encoder.encode(payloadOf(2, 0)),
          server.encodeQuickAck(0x7abcdef0)
        ])
        const frames = collect(client.decoder.decode.bind(client.decoder), chunked(wire, [1]))
        assert.deepStrictEqual(acks, [0x92345678, 0xfabcdef0])
        assert.strictEqual(frames.length, 1)
      })
    }

    it("abridged quick ACK starts with the high bit (byte-swapped)", () => {
      assert.deepStrictEqual(makeCodec("abridged", "server").encodeQuickAck(0x01020304), Uint8Array.of(0x81, 2, 3, 4))
    })

    it("full has no quick ACK", () => {
      assertTransportError(thrown(() => makeCodec("full", "server").encodeQuickAck(1)), "Write")
    })
  })

  describe("full transport", () => {
    it("frames as length, seq_no, payload, CRC32 (known answer)", () => {
      const frame = makeEncoder("full", "client").encode(le32(0x11223344))
      // len 16, seq 0, payload, CRC32 of the first 12 bytes (value checked with node:zlib's crc32)
      assert.deepStrictEqual(frame, le32(16, 0, 0x11223344, 0x8894d9e2))
    })

    it("rejects a bad CRC", () => {
      const frame = makeEncoder("full", "server").encode(payloadOf(4, 1))
      frame[frame.length - 1]! ^= 1
      assertTransportError(thrown(() => makeDecoder("full", "client").decode(frame, () => {})), "BadFrame")
    })

    it("rejects a corrupted payload", () => {
      const frame = makeEncoder("full", "server").encode(payloadOf(4, 1))
      frame[10]! ^= 0x40
      assertTransportError(thrown(() => makeDecoder("full", "client").decode(frame, () => {})), "BadFrame")
    })

    it("rejects a skipped or repeated seq_no", () => {
      const enc = makeEncoder("full", "server")
      const f0 = enc.encode(payloadOf(2, 0))
      const f1 = enc.encode(payloadOf(2, 1))
      const f2 = enc.encode(payloadOf(2, 2))
      const skip = makeDecoder("full", "client")
      assertTransportError(thrown(() => skip.decode(concat([f0, f2]), () => {})), "BadFrame")
      const repeat = makeDecoder("full", "client")
      assertTransportError(thrown(() => repeat.decode(concat([f0, f1, f1]), () => {})), "BadFrame")
      const first = makeDecoder("full", "client")
      assertTransportError(thrown(() => first.decode(f1, () => {})), "BadFrame")
    })

    it("counts each direction from 0 on its own", () => {
      const client = makeCodec("full", "client")
      const server = makeCodec("full", "server")
      client.encoder.encode(payloadOf(1, 0))
      client.encoder.encode(payloadOf(1, 0))
      const fromServer = server.encoder.encode(payloadOf(1, 0))
      assert.strictEqual(new DataView(fromServer.buffer).getUint32(4, true), 0)
      assert.strictEqual(collect(client.decoder.decode.bind(client.decoder), [fromServer]).length, 1)
    })
  })

  it("CRC32 check value", () => {
    assert.strictEqual(crc32(new TextEncoder().encode("123456789")), 0xcbf43926)
    assert.strictEqual(crc32(new TextEncoder().encode("1234"), new TextEncoder().encode("56789")), 0xcbf43926)
  })

  it("init bytes", () => {
    assert.deepStrictEqual(makeCodec("abridged", "client").init, Uint8Array.of(0xef))
    assert.deepStrictEqual(makeCodec("intermediate", "client").init, le32(0xeeeeeeee))
    assert.deepStrictEqual(makeCodec("padded", "client").init, le32(0xdddddddd))
    assert.strictEqual(makeCodec("full", "client").init.length, 0)
    assert.strictEqual(makeCodec("abridged", "server").init.length, 0)
  })
})
