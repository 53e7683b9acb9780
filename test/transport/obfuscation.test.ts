import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as NodeCrypto from "node:crypto"
import {
  acceptObfuscation,
  type CodecKind,
  detectTransport,
  forbiddenFirstInts,
  isForbiddenHeader,
  makeClientFraming,
  makeClientObfuscation,
  makeServerFraming,
  TransportError
} from "../../src/transport/index.ts"
import { chunked, collect, concat, le32, payloadOf, seededRandom } from "../support/bytes.ts"

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

const assertTransportError = (e: unknown, reason: TransportError["reason"]) => {
  assert.instanceOf(e, TransportError)
  assert.strictEqual((e as TransportError).reason, reason)
}

const ctr = (key: Uint8Array, iv: Uint8Array, data: Uint8Array) =>
  new Uint8Array(NodeCrypto.createCipheriv("aes-256-ctr", key, iv).update(data))

// The connection framing delivers MTProto payloads exactly, padded intermediate included (its
// padding is removed): payloads here are shaped like encrypted messages (24 + 16k bytes).
const assertPayload = (_codec: CodecKind, frame: Uint8Array, payload: Uint8Array) => assert.deepStrictEqual(frame, payload)

/** A payload shaped like an encrypted message: 24 + 16·`blocks` bytes. */
const messageOf = (blocks: number, fill: number) => payloadOf(6 + 4 * blocks, fill)

const secret = Uint8Array.from({ length: 16 }, (_, i) => i * 17)

describe("obfuscation", () => {
  for (const codec of ["abridged", "intermediate", "padded"] as const) {
    for (const withSecret of [false, true]) {
      it(`${codec}${withSecret ? " with secret" : ""}: client → detection → both directions agree`, () => {
        fc.assert(
          fc.property(
            fc.integer({ min: -0x8000, max: 0x7fff }),
            fc.array(fc.integer({ min: 5, max: 200 }), { minLength: 1, maxLength: 5 }),
            fc.array(fc.integer({ min: 1, max: 90 }), { maxLength: 5 }),
            fc.integer(),
            (dcId, sizes, chunks, seed) => {
              const client = makeClientFraming({
                codec,
                obfuscation: { dcId, secret: withSecret ? secret : undefined },
                randomBytes: seededRandom(seed)
              })
              assert.strictEqual(client.init.length, 64)
              const server = makeServerFraming({ secret: withSecret ? secret : undefined, randomBytes: seededRandom(~seed) })
              const up = sizes.map((w, i) => messageOf(w, i))
              const wire = concat([client.init, ...up.map((p) => client.encode(p))])
              const received = collect(server.decode, chunked(wire, chunks))
              assert.deepStrictEqual(server.info, { codec, obfuscated: true, dcId })
              assert.strictEqual(received.length, up.length)
              received.forEach((f, i) => assertPayload(codec, f, up[i]!))
              const down = sizes.map((w, i) => messageOf(w, 100 + i))
              const back = collect(client.decode, chunked(concat(down.map((p) => server.encode(p))), chunks))
              assert.strictEqual(back.length, down.length)
              back.forEach((f, i) => assertPayload(codec, f, down[i]!))
            }
          ),
          { numRuns: 25 }
        )
      })
    }
  }

  it("follows the spec's key derivation (checked with node:crypto directly)", () => {
    const random = seededRandom(42)
    const obf = makeClientObfuscation({ codec: "intermediate", dcId: -2, randomBytes: random })
    const h = obf.header
    // Client → server: key = header[8..40], iv = header[40..56]; bytes 56..64 carry tag and DC id.
    const plain = ctr(h.slice(8, 40), h.slice(40, 56), h)
    assert.deepStrictEqual(plain.subarray(56, 62), Uint8Array.of(0xee, 0xee, 0xee, 0xee, 0xfe, 0xff))
    // The encryptor continues the same keystream after the 64 header bytes.
    const next = ctr(h.slice(8, 40), h.slice(40, 56), concat([new Uint8Array(64), Uint8Array.of(1, 2, 3, 4)]))
    assert.deepStrictEqual(obf.encrypt(Uint8Array.of(1, 2, 3, 4)), next.subarray(64))
    // Server → client: key and iv from header[8..56] reversed.
    const rev = h.slice(8, 56).reverse()
    const fromServer = ctr(rev.slice(0, 32), rev.slice(32, 48), Uint8Array.of(9, 8, 7, 6))
    assert.deepStrictEqual(obf.decrypt(fromServer), Uint8Array.of(9, 8, 7, 6))
  })

  it("keys both directions with SHA-256(key ‖ secret) when a secret is set", () => {
    const obf = makeClientObfuscation({ codec: "padded", dcId: 3, secret, randomBytes: seededRandom(9) })
    const h = obf.header
    const key = new Uint8Array(NodeCrypto.createHash("sha256").update(h.slice(8, 40)).update(secret).digest())
    const plain = ctr(key, h.slice(40, 56), h)
    assert.deepStrictEqual(plain.subarray(56, 62), Uint8Array.of(0xdd, 0xdd, 0xdd, 0xdd, 3, 0))
  })

  it("accepts a 0xdd-prefixed secret as the same 16 bytes", () => {
    const obf = makeClientObfuscation({ codec: "padded", dcId: 1, secret: concat([Uint8Array.of(0xdd), secret]), randomBytes: seededRandom(1) })
    const server = acceptObfuscation(obf.header, { secret })
    assert.strictEqual(server.codec, "padded")
    assertTransportError(thrown(() => makeClientObfuscation({ codec: "padded", dcId: 1, secret: new Uint8Array(15) })), "Open")
  })

  it("a wrong secret makes the server reject the header", () => {
    const obf = makeClientObfuscation({ codec: "abridged", dcId: 2, secret, randomBytes: seededRandom(11) })
    assertTransportError(thrown(() => acceptObfuscation(obf.header, { secret: new Uint8Array(16) })), "BadFrame")
    assertTransportError(thrown(() => acceptObfuscation(obf.header)), "BadFrame")
  })

  it("redraws forbidden headers", () => {
    const good = seededRandom(5)(64)
    good[0] = 0x01
    good[4] = 0x01
    const forbidden: Array<Uint8Array> = [
      (() => {
        const h = good.slice()
        h[0] = 0xef
        return h
      })(),
      ...forbiddenFirstInts.map((v) => concat([le32(v), good.subarray(4)])),
      concat([good.subarray(0, 4), le32(0), good.subarray(8)])
    ]
    for (const h of forbidden) assert.isTrue(isForbiddenHeader(h))
    assert.isFalse(isForbiddenHeader(good))
    const queue = [...forbidden, good]
    let calls = 0
    const obf = makeClientObfuscation({
      codec: "intermediate",
      dcId: 2,
      randomBytes: (n) => {
        calls++
        assert.strictEqual(n, 64)
        return queue.shift()!.slice()
      }
    })
    assert.strictEqual(calls, forbidden.length + 1)
    assert.deepStrictEqual(obf.header.subarray(0, 56), good.subarray(0, 56))
    assert.strictEqual(acceptObfuscation(obf.header).dcId, 2)
  })

  it("gives up (TransportError Open) on a random source that only yields forbidden headers", () => {
    assertTransportError(thrown(() => makeClientObfuscation({ codec: "abridged", dcId: 1, randomBytes: (n) => new Uint8Array(n) })), "Open")
  })

  it("refuses to obfuscate the full codec and out-of-range DC ids", () => {
    assertTransportError(thrown(() => makeClientFraming({ codec: "full", obfuscation: { dcId: 1 } })), "Open")
    assertTransportError(thrown(() => makeClientObfuscation({ codec: "abridged", dcId: 40000 })), "Open")
  })
})

describe("detectTransport", () => {
  for (const codec of ["abridged", "intermediate", "padded", "full"] as const) {
    for (const obfuscated of codec === "full" ? [false] : [false, true]) {
      it(`${codec}${obfuscated ? " obfuscated" : ""}: detected from the first bytes, one byte at a time`, () => {
        const client = makeClientFraming({
          codec,
          randomBytes: seededRandom(3),
          ...(obfuscated ? { obfuscation: { dcId: 4 } } : {})
        })
        const wire = concat([client.init, client.encode(messageOf(1, 1)), client.encode(messageOf(74, 2))])
        // Pure detection on growing prefixes: never needs more than 64 bytes.
        let n = 0
        for (;;) {
          const d = detectTransport(wire.subarray(0, n))
          if (d._tag === "Detected") {
            assert.deepStrictEqual(d.codec.info, { codec, obfuscated, dcId: obfuscated ? 4 : undefined })
            assert.strictEqual(d.consumed, client.init.length)
            break
          }
          assert.isAtMost(d.atLeast, 64)
          assert.isAbove(d.atLeast, n)
          n = d.atLeast
        }
        const server = makeServerFraming()
        assertTransportError(thrown(() => server.encode(payloadOf(1, 0))), "Write")
        const frames = collect(server.decode, chunked(wire, [1]))
        assert.strictEqual(frames.length, 2)
        assertPayload(codec, frames[1]!, messageOf(74, 2))
        assert.deepStrictEqual(server.info, { codec, obfuscated, dcId: obfuscated ? 4 : undefined })
        // Server → client, including a server error code at the end.
        const down = concat([server.encode(messageOf(0, 3)), server.encode(le32(-404))])
        const got: Array<Uint8Array> = []
        const err = thrown(() => client.decode(down, (f) => got.push(f)))
        assert.strictEqual(got.length, 1)
        assertTransportError(err, "ServerError")
        assert.strictEqual((err as TransportError).code, -404)
      })
    }
  }

  it("rejects HTTP and TLS openings and implausible full frames", () => {
    for (const text of ["POST /api", "GET /api", "HEAD /", "OPTIONS"]) {
      assertTransportError(thrown(() => detectTransport(new TextEncoder().encode(text))), "BadFrame")
    }
    assertTransportError(thrown(() => detectTransport(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0, 0, 0, 0))), "BadFrame")
    assertTransportError(thrown(() => detectTransport(le32(13, 0))), "BadFrame")
    assertTransportError(thrown(() => detectTransport(le32(0x7ffffff0, 0))), "BadFrame")
    const server = makeServerFraming()
    assertTransportError(thrown(() => server.decode(new TextEncoder().encode("GET / HTTP/1.1"), () => {})), "BadFrame")
    assertTransportError(thrown(() => server.decode(Uint8Array.of(0xef), () => {})), "BadFrame")
  })

  it("passes the client's quick-ACK request through and answers it", () => {
    const client = makeClientFraming({ codec: "intermediate", obfuscation: { dcId: 1 }, randomBytes: seededRandom(2) })
    const acks: Array<number> = []
    const client2 = makeClientFraming({
      codec: "abridged",
      onQuickAck: (t) => acks.push(t)
    })
    const server = makeServerFraming()
    const flags: Array<boolean> = []
    server.decode(concat([client.init, client.encode(payloadOf(5, 0), true)]), (_f, q) => flags.push(q))
    assert.deepStrictEqual(flags, [true])
    const server2 = makeServerFraming()
    server2.decode(concat([client2.init, client2.encode(payloadOf(5, 0), true)]), () => {})
    client2.decode(server2.encodeQuickAck(0x1234), () => assert.fail("a quick ACK is not a frame"))
    assert.deepStrictEqual(acks, [0x80001234])
  })
})

describe("padded intermediate: the connection framing removes the padding", () => {
  const plain = (bodyWords: number) => {
    const p = payloadOf(5 + bodyWords, 9)
    p.fill(0, 0, 8) // auth_key_id = 0
    new DataView(p.buffer).setInt32(16, bodyWords * 4, true)
    return p
  }
  for (const obfuscated of [false, true]) {
    it(`plain and encrypted messages arrive exact, both directions${obfuscated ? ", obfuscated" : ""}`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer(), (words, blocks, seed) => {
          const client = makeClientFraming({ codec: "padded", randomBytes: seededRandom(seed), ...(obfuscated ? { obfuscation: { dcId: 2 } } : {}) })
          const server = makeServerFraming({ randomBytes: seededRandom(~seed) })
          const up = [plain(words), messageOf(blocks, 1)]
          const got = collect(server.decode, [concat([client.init, ...up.map((p) => client.encode(p))])])
          assert.deepStrictEqual(got, up)
          const down = [messageOf(blocks, 2), plain(words)]
          assert.deepStrictEqual(collect(client.decode, [concat(down.map((p) => server.encode(p)))]), down)
        }),
        { numRuns: 50 }
      )
    })
  }

  it("a frame that is no MTProto message is left whole for the layer above to reject", () => {
    const server = makeServerFraming()
    const lying = plain(2)
    new DataView(lying.buffer).setInt32(16, 400, true) // says 400 bytes, has 8
    const short = payloadOf(3, 1)
    const client = makeClientFraming({ codec: "padded", randomBytes: () => new Uint8Array(16) })
    const got = collect(server.decode, [concat([client.init, client.encode(lying), client.encode(short)])])
    assert.deepStrictEqual(got, [lying, short])
  })
})
