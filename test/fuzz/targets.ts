/**
 * Fuzz targets for the pure decoders: the TL decoder (random bytes; mutated encodings of real
 * objects of every constructor, plain and inside one or two levels of gzip_packed), every
 * transport decoder and the server's protocol detection (valid streams, mutated, in random
 * chunks), and encrypted-message unpacking with a known key. Each target's contract: return,
 * or throw only its typed errors.
 */
import fc from "fast-check"
import { existsSync } from "node:fs"
import { gzipSync } from "node:zlib"
import { type AuthKey, packMessage, unpackMessage } from "../../src/mtproto/index.ts"
import { authKeyId } from "../../src/crypto/index.ts"
import { deserialize, GZIP_PACKED_ID, serialize, TlWriter } from "../../src/tl/index.ts"
import {
  type CodecKind,
  makeClientFraming,
  makeDecoder,
  makeEncoder,
  makeServerFraming,
  type Side
} from "../../src/transport/index.ts"
import { generated, loadSchemas, Rng, ValueGen } from "../tl/values.ts"
import { chunked, concat, seededRandom } from "../support/bytes.ts"
import { type Mutation, mutateAll, mutationArb } from "./mutations.ts"
import { outcomeOf, type Target } from "./runner.ts"

// ---- TL ------------------------------------------------------------------------------------

const packedOnce = (inner: Uint8Array): Uint8Array => {
  const data = new Uint8Array(gzipSync(inner, { level: 1 }))
  const w = new TlWriter(data.length + 8)
  w.uint(GZIP_PACKED_ID)
  w.bytes(data)
  return w.result()
}
const packed = (inner: Uint8Array, levels: number): Uint8Array => (levels === 0 ? inner : packed(packedOnce(inner), levels - 1))

let corpus: ReadonlyArray<Uint8Array> | undefined
/**
 * One encoding per constructor and method of both schemas (all flags on, and a random mix),
 * built once per process from the schema files.
 */
export const tlCorpus = (): ReadonlyArray<Uint8Array> => {
  if (corpus !== undefined) return corpus
  const out: Array<Uint8Array> = []
  if (existsSync("schema/api.tl") && existsSync("schema/mtproto.tl")) {
    const { api, mt } = loadSchemas()
    const rng = new Rng(0xf022)
    for (const [schema, skip] of [[api, []], [mt, ["message", "gzip_packed"]]] as const) {
      const gen = new ValueGen(schema, rng)
      for (const c of generated(schema)) {
        if ((skip as ReadonlyArray<string>).includes(c.name)) continue
        out.push(serialize(gen.object(c, "on") as never))
        out.push(serialize(gen.object(c, "random") as never))
      }
    }
  }
  return (corpus = out)
}

const decodeTl = (bytes: Uint8Array): string => {
  try {
    deserialize(bytes)
    return "ok"
  } catch (e) {
    return outcomeOf(e, ["TlDecodeError"])
  }
}

/** Random bytes, half of them behind a real constructor id. */
export const tlRandom: Target<Uint8Array> = {
  name: "tl: random bytes",
  arbitrary: fc.oneof(
    fc.uint8Array({ maxLength: 256 }),
    fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 256 })).map(([i, rest]) => {
      const real = tlCorpus()
      const head = real.length === 0 ? new Uint8Array(4) : real[i % real.length]!.subarray(0, 4)
      const out = new Uint8Array(4 + rest.length)
      out.set(head)
      out.set(rest, 4)
      return out
    })
  ),
  run: decodeTl
}

interface TlMutant {
  readonly index: number
  readonly mutations: ReadonlyArray<Mutation>
  /** gzip_packed levels put around the mutated encoding (so the decoder meets it inflated). */
  readonly inside: number
  /** Mutations applied to the packed form as well (broken gzip). */
  readonly outer: ReadonlyArray<Mutation>
}

/** Mutated encodings of real objects, as they are, or inside one or two levels of gzip_packed. */
export const tlMutated: Target<TlMutant> = {
  name: "tl: mutated real objects (incl. nested gzip)",
  arbitrary: fc.record({
    index: fc.nat(),
    mutations: fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
    inside: fc.constantFrom(0, 0, 0, 1, 2),
    outer: fc.oneof(fc.constant([]), fc.constant([]), fc.array(mutationArb, { minLength: 1, maxLength: 2 }))
  }),
  run: ({ index, mutations, inside, outer }) => {
    const real = tlCorpus()
    if (real.length === 0) return "no schema"
    const original = real[index % real.length]!
    const bytes = mutateAll(packed(mutateAll(original, mutations), inside), inside > 0 ? outer : [])
    const outcome = decodeTl(bytes)
    // An unmutated encoding must decode, packed or not.
    if (mutations.length === 0 && (inside === 0 || outer.length === 0) && outcome !== "ok") {
      throw new Error(`a valid encoding failed to decode: ${outcome}`)
    }
    return outcome
  }
}

// ---- transport -------------------------------------------------------------------------------

interface Stream {
  readonly payloads: ReadonlyArray<Uint8Array>
  readonly mutations: ReadonlyArray<Mutation>
  readonly chunks: ReadonlyArray<number>
  readonly seed: number
}

const streamArb: fc.Arbitrary<Stream> = fc.record({
  payloads: fc.array(fc.integer({ min: 1, max: 80 }).chain((w) => fc.uint8Array({ minLength: w * 4, maxLength: w * 4 })), { minLength: 1, maxLength: 4 }),
  mutations: fc.oneof(fc.constant([]), fc.array(mutationArb, { minLength: 1, maxLength: 3 })),
  chunks: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
  seed: fc.integer()
})

const feed = (decode: (chunk: Uint8Array, onFrame: (f: Uint8Array) => void) => void, chunks: ReadonlyArray<Uint8Array>) => {
  let frames = 0
  try {
    for (const c of chunks) decode(c, () => void frames++)
    return { frames, outcome: `ok` }
  } catch (e) {
    return { frames, outcome: outcomeOf(e, ["TransportError"]) }
  }
}

/** One codec's decoder, fed what the other side's encoder wrote, mutated or not, in random chunks. */
export const transportTarget = (kind: CodecKind, side: Side): Target<Stream> => ({
  name: `transport: ${kind} decoder, ${side} side`,
  arbitrary: streamArb,
  run: ({ payloads, mutations, chunks, seed }) => {
    const encoder = makeEncoder(kind, side === "server" ? "client" : "server", { randomBytes: seededRandom(seed) })
    const wire = mutateAll(concat(payloads.map((p) => encoder.encode(p))), mutations)
    const decoder = makeDecoder(kind, side)
    const { frames, outcome } = feed(decoder.decode.bind(decoder), chunked(wire, chunks))
    if (mutations.length === 0 && (outcome !== "ok" || frames !== payloads.length)) {
      // Server-side streams always decode; the client side may see a payload that reads as an error code.
      if (side === "server" || !outcome.startsWith("TransportError: ServerError")) throw new Error(`a valid stream failed: ${outcome}, ${frames} frames`)
    }
    return outcome
  }
})

/** The server's framing with protocol detection: any client framing (obfuscated or not), mutated, chunked. */
export const serverFramingTarget: Target<Stream & { readonly codec: CodecKind; readonly obfuscated: boolean }> = {
  name: "transport: server framing with protocol detection",
  arbitrary: fc.record({
    codec: fc.constantFrom<CodecKind>("abridged", "intermediate", "padded", "full"),
    obfuscated: fc.boolean()
  }).chain((c) => streamArb.map((s) => ({ ...s, ...c }))),
  run: ({ codec, obfuscated, payloads, mutations, chunks, seed }) => {
    const client = makeClientFraming({
      codec,
      randomBytes: seededRandom(seed),
      ...(obfuscated && codec !== "full" ? { obfuscation: { dcId: 2 } } : {})
    })
    const wire = mutateAll(concat([client.init, ...payloads.map((p) => client.encode(p))]), mutations)
    const server = makeServerFraming()
    const { frames, outcome } = feed(server.decode, chunked(wire, chunks))
    if (mutations.length === 0 && (outcome !== "ok" || frames !== payloads.length)) throw new Error(`a valid stream failed: ${outcome}`)
    return outcome
  }
}

// ---- encrypted messages -------------------------------------------------------------------------

const keyBytes = seededRandom(0xa11ce)(256)
const authKey: AuthKey = { key: keyBytes, id: authKeyId(keyBytes) }

let frames: ReadonlyArray<{ readonly x: 0 | 8; readonly frame: Uint8Array }> | undefined
/** Encrypted messages under the known key, both directions, bodies from the TL corpus. */
const encryptedCorpus = () => {
  if (frames !== undefined) return frames
  const random = seededRandom(7)
  const bodies = tlCorpus().filter((_, i) => i % 13 === 0)
  const list = (bodies.length > 0 ? bodies : [serialize({ _tag: "ping", ping_id: 1n })]).flatMap((body, i) =>
    ([0, 8] as const).map((x) => ({
      x,
      frame: packMessage(authKey, x, { salt: BigInt(i), sessionId: 7n, msgId: BigInt(i) << 2n, seqNo: i, body }, random)
    }))
  )
  return (frames = list)
}

/** Mutated encrypted frames under a known key: only SecurityError, and TlDecodeError for what decrypts. */
export const unpackTarget: Target<{ readonly index: number; readonly mutations: ReadonlyArray<Mutation>; readonly swapDirection: boolean }> = {
  name: "mtproto: encrypted unpack with a known key",
  arbitrary: fc.record({
    index: fc.nat(),
    mutations: fc.oneof(fc.constant([]), fc.array(mutationArb, { minLength: 1, maxLength: 3 })),
    swapDirection: fc.boolean()
  }),
  run: ({ index, mutations, swapDirection }) => {
    const corpus = encryptedCorpus()
    const { x, frame } = corpus[index % corpus.length]!
    const direction = swapDirection ? ((8 - x) as 0 | 8) : x
    let body: Uint8Array
    try {
      body = unpackMessage(authKey, direction, mutateAll(frame, mutations)).body
    } catch (e) {
      const outcome = outcomeOf(e, ["SecurityError"])
      if (mutations.length === 0 && !swapDirection) throw new Error(`a valid frame failed: ${outcome}`)
      return outcome
    }
    if (swapDirection) throw new Error("a frame decrypted in the wrong direction")
    return `decrypted, ${decodeTl(body)}`
  }
}

/** Every pure target, in the order the scripts print them. */
export const pureTargets = (): ReadonlyArray<Target<any>> => [
  tlRandom,
  tlMutated,
  ...(["abridged", "intermediate", "padded", "full"] as const).flatMap((kind) =>
    (["server", "client"] as const).map((side) => transportTarget(kind, side))
  ),
  serverFramingTarget,
  unpackTarget
]
