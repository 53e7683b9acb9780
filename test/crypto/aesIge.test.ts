import { assert, describe, it } from "@effect/vitest"
import { createCipheriv, createDecipheriv, randomBytes as nodeRandom } from "node:crypto"
import { _igeImpl, IGE_NATIVE_ENCRYPT_THRESHOLD } from "../../src/crypto/aesIge.ts"
import { wasmAvailable } from "../../src/crypto/aesWasm.ts"
import { aesIgeDecrypt, aesIgeEncrypt, createAesCtr, CryptoError, fromHex, toHex } from "../../src/crypto/index.ts"
import { hasVector, loadVector } from "./vectors.ts"

const rnd = (n: number): Uint8Array => new Uint8Array(nodeRandom(n))

/** Straightforward IGE from the definition, one ECB call per block (the reference). */
const referenceIge = (dir: "enc" | "dec", data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array => {
  const algo = `aes-${key.length * 8}-ecb`
  const c = dir === "enc" ? createCipheriv(algo, key, null) : createDecipheriv(algo, key, null)
  c.setAutoPadding(false)
  const out = new Uint8Array(data.length)
  let prevIn = iv.slice(dir === "enc" ? 16 : 0, dir === "enc" ? 32 : 16) // p_{-1} (enc) / c_{-1} (dec) side
  let prevOut = iv.slice(dir === "enc" ? 0 : 16, dir === "enc" ? 16 : 32)
  for (let off = 0; off < data.length; off += 16) {
    const block = data.slice(off, off + 16)
    const x = new Uint8Array(16)
    for (let j = 0; j < 16; j++) x[j] = block[j]! ^ prevOut[j]!
    const y = c.update(x)
    const o = new Uint8Array(16)
    for (let j = 0; j < 16; j++) o[j] = y[j]! ^ prevIn[j]!
    out.set(o, off)
    prevIn = block
    prevOut = o
  }
  return out
}

const expectCryptoError = (f: () => unknown, reason: CryptoError["reason"]): void => {
  try {
    f()
  } catch (e) {
    assert.instanceOf(e, CryptoError)
    assert.strictEqual((e as CryptoError).reason, reason)
    return
  }
  assert.fail(`expected CryptoError ${reason}`)
}

describe.skipIf(!hasVector("aes_ige.json"))("AES-IGE known answers (aes_ige.json)", () => {
  const cases = hasVector("aes_ige.json") ? loadVector("aes_ige.json").cases : []
  for (const c of cases as Array<{ name: string; key: string; iv: string; plaintext: string; ciphertext: string }>) {
    const key = fromHex(c.key), iv = fromHex(c.iv), pt = fromHex(c.plaintext), ct = fromHex(c.ciphertext)
    if (key.length === 32) {
      it(`${c.name}: encrypt and decrypt`, () => {
        assert.strictEqual(toHex(aesIgeEncrypt(pt, key, iv)), c.ciphertext)
        assert.strictEqual(toHex(aesIgeDecrypt(ct, key, iv)), c.plaintext)
        assert.strictEqual(toHex(_igeImpl.encryptCbc(pt, key, iv)), c.ciphertext)
        assert.strictEqual(toHex(_igeImpl.encryptTable(pt, key, iv)), c.ciphertext)
        assert.strictEqual(toHex(_igeImpl.encryptWasm(pt, key, iv)), c.ciphertext)
        assert.strictEqual(toHex(_igeImpl.decryptTable(ct, key, iv)), c.plaintext)
        assert.strictEqual(toHex(_igeImpl.decryptWasm(ct, key, iv)), c.plaintext)
        assert.strictEqual(toHex(_igeImpl.decryptNativeBlocks(ct, key, iv)), c.plaintext)
      })
    } else {
      // AES-128 vectors check the reference used below (and thus the iv layout), not our API.
      it(`${c.name}: reference IGE (AES-128)`, () => {
        assert.strictEqual(toHex(referenceIge("enc", pt, key, iv)), c.ciphertext)
        assert.strictEqual(toHex(referenceIge("dec", ct, key, iv)), c.plaintext)
      })
    }
  }
})

describe("AES-IGE implementations agree with the per-block reference", () => {
  it("the WebAssembly module loads on Node", () => {
    assert.isTrue(wasmAvailable())
  })
  it("CBC trick, TS tables, WASM tables (both directions), over 300 random sizes/keys/ivs", () => {
    for (let i = 0; i < 300; i++) {
      const blocks = i < 40 ? i : 1 + Math.floor(Math.random() * (i % 10 === 0 ? 2048 : 80))
      const key = rnd(32), iv = rnd(32), data = rnd(blocks * 16)
      const ref = referenceIge("enc", data, key, iv)
      assert.strictEqual(toHex(_igeImpl.encryptCbc(data, key, iv)), toHex(ref))
      assert.strictEqual(toHex(_igeImpl.encryptTable(data, key, iv)), toHex(ref))
      assert.strictEqual(toHex(_igeImpl.encryptWasm(data, key, iv)), toHex(ref))
      assert.strictEqual(toHex(aesIgeEncrypt(data, key, iv)), toHex(ref))
      assert.strictEqual(toHex(_igeImpl.decryptTable(ref, key, iv)), toHex(data))
      assert.strictEqual(toHex(_igeImpl.decryptWasm(ref, key, iv)), toHex(data))
      assert.strictEqual(toHex(referenceIge("dec", ref, key, iv)), toHex(data))
      assert.strictEqual(toHex(aesIgeDecrypt(ref, key, iv)), toHex(data))
    }
  })

  it("works on unaligned views and does not modify its inputs", () => {
    const backing = rnd(16 * 70 + 3)
    const data = backing.subarray(3), key = rnd(33).subarray(1), iv = rnd(35).subarray(3)
    const before = toHex(data)
    for (const n of [16 * 11, 16 * 70]) {
      const d = data.subarray(0, n)
      const enc = aesIgeEncrypt(d, key, iv)
      assert.strictEqual(toHex(enc), toHex(referenceIge("enc", d, key, iv)))
      assert.strictEqual(toHex(aesIgeDecrypt(enc, key, iv)), toHex(d))
    }
    assert.strictEqual(toHex(data), before)
  })

  it("sizes around the native threshold round-trip", () => {
    for (const n of [IGE_NATIVE_ENCRYPT_THRESHOLD - 16, IGE_NATIVE_ENCRYPT_THRESHOLD, IGE_NATIVE_ENCRYPT_THRESHOLD + 16, 1 << 20]) {
      const key = rnd(32), iv = rnd(32), data = rnd(n)
      assert.strictEqual(toHex(aesIgeDecrypt(aesIgeEncrypt(data, key, iv), key, iv)), toHex(data))
    }
  })

  it("WASM path: large sizes (memory growth), then small ones again", () => {
    for (const n of [1 << 16, 16 * 5000 + 16, 176, 16]) {
      const key = rnd(32), iv = rnd(32), data = rnd(n)
      const ref = referenceIge("enc", data, key, iv)
      assert.strictEqual(toHex(_igeImpl.encryptWasm(data, key, iv)), toHex(ref))
      assert.strictEqual(toHex(_igeImpl.decryptWasm(ref, key, iv)), toHex(data))
    }
  })

  it("outputs are independent arrays (pooled small outputs do not overlap or get reused)", () => {
    const key = rnd(32), iv = rnd(32)
    const inputs = Array.from({ length: 600 }, (_, i) => rnd(16 * (1 + (i % 23))))
    const outs = inputs.map((d, i) => (i % 2 === 0 ? aesIgeEncrypt(d, key, iv) : aesIgeDecrypt(d, key, iv)))
    const hex = outs.map(toHex)
    for (let i = 0; i < inputs.length; i++) {
      const again = i % 2 === 0 ? aesIgeEncrypt(inputs[i]!, key, iv) : aesIgeDecrypt(inputs[i]!, key, iv)
      assert.strictEqual(toHex(again), hex[i])
      assert.strictEqual(toHex(outs[i]!), hex[i])
    }
    outs[0]!.fill(0)
    assert.strictEqual(toHex(outs[1]!), hex[1])
  })

  it("empty input gives empty output", () => {
    assert.strictEqual(aesIgeEncrypt(new Uint8Array(0), rnd(32), rnd(32)).length, 0)
    assert.strictEqual(aesIgeDecrypt(new Uint8Array(0), rnd(32), rnd(32)).length, 0)
  })
})

describe("AES-IGE rejects bad input", () => {
  it("key length", () => {
    expectCryptoError(() => aesIgeEncrypt(rnd(16), rnd(16), rnd(32)), "BadKeyLength")
    expectCryptoError(() => aesIgeDecrypt(rnd(16), rnd(31), rnd(32)), "BadKeyLength")
  })
  it("iv length", () => {
    expectCryptoError(() => aesIgeEncrypt(rnd(16), rnd(32), rnd(16)), "BadIvLength")
    expectCryptoError(() => aesIgeDecrypt(rnd(16), rnd(32), rnd(33)), "BadIvLength")
  })
  it("data not a multiple of 16", () => {
    for (const n of [1, 15, 17, 1025]) {
      expectCryptoError(() => aesIgeEncrypt(rnd(n), rnd(32), rnd(32)), "BadDataLength")
      expectCryptoError(() => aesIgeDecrypt(rnd(n), rnd(32), rnd(32)), "BadDataLength")
    }
  })
})

describe("AES-256-CTR", () => {
  it("streams: chunked updates equal one-shot node:crypto", () => {
    const key = rnd(32), iv = rnd(16), data = rnd(5000)
    const ref = createCipheriv("aes-256-ctr", key, iv).update(data)
    const ctr = createAesCtr(key, iv)
    const parts: Array<Uint8Array> = []
    for (let off = 0; off < data.length;) {
      const n = Math.min(1 + Math.floor(Math.random() * 300), data.length - off)
      parts.push(ctr.update(data.subarray(off, off + n)))
      off += n
    }
    assert.strictEqual(parts.map(toHex).join(""), toHex(ref))
    // Decryption is the same keystream.
    assert.strictEqual(toHex(createAesCtr(key, iv).update(ref)), toHex(data))
  })
  it("rejects bad key and iv lengths", () => {
    expectCryptoError(() => createAesCtr(rnd(16), rnd(16)), "BadKeyLength")
    expectCryptoError(() => createAesCtr(rnd(32), rnd(32)), "BadIvLength")
  })
})
