import { assert, describe, it } from "@effect/vitest"
import { existsSync } from "node:fs"
import { deserialize, serialize, TlDecodeError } from "../../src/tl/index.ts"
import { generated, loadSchemas, Rng, ValueGen } from "./values.ts"

const hasSchemas = existsSync("schema/api.tl") && existsSync("schema/mtproto.tl")

/** Decoding must either succeed or throw TlDecodeError: nothing else. */
const decodeOrTlError = (bytes: Uint8Array, what: string): "ok" | "error" => {
  try {
    deserialize(bytes)
    return "ok"
  } catch (e) {
    if (!(e instanceof TlDecodeError)) assert.fail(`${what}: threw ${String(e)}`)
    assert.isNumber(e.offset)
    return "error"
  }
}

describe.skipIf(!hasSchemas)("hostile input for every constructor", () => {
  const encoded: Array<[string, Uint8Array]> = []
  if (hasSchemas) {
    const { api, mt } = loadSchemas()
    const rng = new Rng(99)
    for (const [schema, skip] of [[api, ""], [mt, "message gzip_packed"]] as const) {
      const gen = new ValueGen(schema, rng)
      for (const c of generated(schema)) {
        if (skip.split(" ").includes(c.name)) continue
        encoded.push([c.name, serialize(gen.object(c, "on") as never)])
      }
    }
  }

  it("every truncation fails with TlDecodeError", () => {
    // Every offset of short encodings; for long ones (300-char strings, 500-byte blobs) every
    // offset in the first 256 bytes, the last 16, and every 4th in between.
    let n = 0
    for (const [name, bytes] of encoded) {
      for (let cut = 0; cut < bytes.length; cut += cut < 256 || cut >= bytes.length - 16 ? 1 : 4) {
        const r = decodeOrTlError(bytes.subarray(0, cut), `${name} cut at ${cut}`)
        // rpc_result keeps everything after req_msg_id raw, so any cut past it is a valid value.
        if (!(name === "rpc_result" && cut >= 12)) assert.strictEqual(r, "error", `${name} cut at ${cut}`)
        n++
      }
    }
    assert.isAbove(n, 10_000)
  })

  it("random byte flips give a value or TlDecodeError", () => {
    const rng = new Rng(1234)
    for (const [name, bytes] of encoded) {
      for (let k = 0; k < 12; k++) {
        const copy = bytes.slice()
        const flips = 1 + rng.int(3)
        for (let f = 0; f < flips; f++) copy[rng.int(copy.length)]! ^= 1 << rng.int(8)
        decodeOrTlError(copy, `${name} flipped`)
      }
    }
  })

  it("trailing bytes are rejected", () => {
    for (const [name, bytes] of encoded.slice(0, 200)) {
      const longer = new Uint8Array(bytes.length + 4)
      longer.set(bytes)
      assert.strictEqual(decodeOrTlError(longer, name), "error")
    }
  })
})
