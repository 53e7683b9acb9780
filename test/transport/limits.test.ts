// A peer's announced length is not a reason to allocate: decoders grow the frame buffer as
// bytes arrive, on both sides and for every codec.
import { assert, describe, it } from "@effect/vitest"
import { type CodecKind, DEFAULT_MAX_FRAME_LENGTH, makeDecoder, makeEncoder, makeServerFraming, type Side } from "../../src/transport/index.ts"
import { chunked, collect, payloadOf, seededRandom } from "../support/bytes.ts"

const kinds: ReadonlyArray<CodecKind> = ["abridged", "intermediate", "padded", "full"]
const MAX = DEFAULT_MAX_FRAME_LENGTH

/** The first bytes of a frame announcing `length` bytes (for the decoder of `side`). */
const header = (kind: CodecKind, side: Side, length: number): Uint8Array => {
  // Encode a real frame of that length and keep its start: the header is what a decoder sees first.
  const from: Side = side === "server" ? "client" : "server"
  return makeEncoder(kind, from, { randomBytes: () => new Uint8Array(16) }).encode(new Uint8Array(length)).subarray(0, 64)
}

const arrayBuffers = () => {
  globalThis.gc?.()
  return process.memoryUsage().arrayBuffers
}

describe("frame buffers grow as bytes arrive", () => {
  for (const side of ["server", "client"] as const) {
    it(`100 ${side}-side decoders per codec announcing 16 MiB reserve next to nothing`, () => {
      const announced = MAX - 16
      const heads = kinds.map((kind) => [kind, header(kind, side, announced)] as const)
      const decoders: Array<unknown> = []
      const before = arrayBuffers()
      for (const [kind, head] of heads) {
        for (let i = 0; i < 100; i++) {
          const d = makeDecoder(kind, side)
          d.decode(head, () => assert.fail("no frame yet"))
          assert.strictEqual(d.buffered, 64)
          decoders.push(d)
        }
      }
      const grew = arrayBuffers() - before
      // 400 decoders × 16 KiB (64 KiB with slack) at most; allocating from the length would be 6.4 GB.
      assert.isBelow(grew, 400 * 64 * 1024 + 4 * 1024 * 1024, `array buffers grew by ${grew} bytes`)
      assert.strictEqual(decoders.length, 400)
    })
  }

  it("the server framing (detection included) does the same", () => {
    const before = arrayBuffers()
    const framings = Array.from({ length: 100 }, () => {
      const f = makeServerFraming()
      f.decode(Uint8Array.of(0xee, 0xee, 0xee, 0xee, 0xf0, 0xff, 0xff, 0x00, 1, 2, 3, 4), () => assert.fail("no frame yet"))
      return f
    })
    assert.isBelow(arrayBuffers() - before, 100 * 64 * 1024 + 4 * 1024 * 1024)
    assert.strictEqual(framings.length, 100)
  })

  for (const kind of kinds) {
    it(`${kind}: a large frame fed in small chunks arrives whole and exact`, () => {
      const payload = payloadOf(300_001, 5) // 1.2 MB, grown through several doublings
      const wire = makeEncoder(kind, "client", { randomBytes: seededRandom(1) }).encode(payload)
      const dec = makeDecoder(kind, "server")
      const frames = collect(dec.decode.bind(dec), chunked(wire, [1, 7, 1000, 4096, 65_537]))
      assert.strictEqual(frames.length, 1)
      assert.deepStrictEqual(frames[0]!.subarray(0, payload.length), payload)
      // The delivered frame owns an exact buffer (full: with its 4-byte CRC after it), not a larger growth buffer.
      assert.strictEqual(frames[0]!.buffer.byteLength, frames[0]!.length + (kind === "full" ? 4 : 0))
      assert.strictEqual(dec.buffered, 0)
    })
  }
})
