import { assert, describe, it } from "@effect/vitest"
import { constants, createPrivateKey, privateDecrypt, randomBytes as nodeRandom } from "node:crypto"
import {
  bytesToBigInt,
  CryptoError,
  generateRsaKeyPair,
  parseRsaPublicKeyPem,
  randomBytes,
  rsaFingerprint,
  rsaPadDecrypt,
  rsaPadEncrypt,
  selectRsaKey,
  TELEGRAM_PRODUCTION_RSA_KEY,
  TELEGRAM_RSA_KEYS,
  TELEGRAM_TEST_RSA_KEY,
  toHex
} from "../../src/crypto/index.ts"
import { hasVector, loadVector } from "./vectors.ts"

const reason = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    assert.instanceOf(e, CryptoError)
    return (e as CryptoError).reason
  }
  return assert.fail("expected a CryptoError")
}

describe.skipIf(!hasVector("telegram_rsa_keys.json"))("RSA fingerprints (telegram_rsa_keys.json)", () => {
  const v = hasVector("telegram_rsa_keys.json") ? loadVector("telegram_rsa_keys.json") : { keys: [] }
  for (const k of v.keys as Array<{ role: string; pem: string; n_hex: string; e: number; fingerprint_i64: string; fingerprint_u64: string }>) {
    it(`${k.role} ${k.fingerprint_i64}`, () => {
      const key = parseRsaPublicKeyPem(k.pem)
      assert.strictEqual(key.n, BigInt("0x" + k.n_hex))
      assert.strictEqual(key.e, BigInt(k.e))
      assert.strictEqual(key.fingerprint, BigInt(k.fingerprint_i64))
      assert.strictEqual(BigInt.asUintN(64, key.fingerprint), BigInt(k.fingerprint_u64))
    })
  }
  it("SPKI PEM (extra algorithm vector)", () => {
    const x = v.extra_fingerprint_test_vector
    const key = parseRsaPublicKeyPem(x.pem_spki)
    assert.strictEqual(key.n, BigInt("0x" + x.n_hex))
    assert.strictEqual(key.fingerprint, BigInt(x.fingerprint_i64))
  })
  it("embedded keys are the current production and test keys", () => {
    const [prod, test] = v.keys
    assert.strictEqual(TELEGRAM_PRODUCTION_RSA_KEY.fingerprint, BigInt(prod.fingerprint_i64))
    assert.strictEqual(TELEGRAM_TEST_RSA_KEY.fingerprint, BigInt(test.fingerprint_i64))
  })
})

describe("selectRsaKey", () => {
  it("picks the offered key; signed and unsigned fingerprints both match", () => {
    const f = TELEGRAM_PRODUCTION_RSA_KEY.fingerprint
    assert.strictEqual(selectRsaKey([847625836280919973n, f]), TELEGRAM_PRODUCTION_RSA_KEY)
    assert.strictEqual(selectRsaKey([BigInt.asUintN(64, f)]), TELEGRAM_PRODUCTION_RSA_KEY)
    assert.strictEqual(selectRsaKey([TELEGRAM_TEST_RSA_KEY.fingerprint], TELEGRAM_RSA_KEYS.test), TELEGRAM_TEST_RSA_KEY)
  })
  it("custom keys can be added; no match is a typed error", () => {
    const custom = generateRsaKeyPair().publicKey
    assert.strictEqual(selectRsaKey([custom.fingerprint], [...TELEGRAM_RSA_KEYS.production, custom]), custom)
    assert.strictEqual(reason(() => selectRsaKey([1n, 2n])), "NoMatchingRsaKey")
    assert.strictEqual(reason(() => selectRsaKey([TELEGRAM_TEST_RSA_KEY.fingerprint])), "NoMatchingRsaKey")
  })
  it("bad PEMs are refused", () => {
    assert.strictEqual(reason(() => parseRsaPublicKeyPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")), "BadPem")
    assert.strictEqual(reason(() => parseRsaPublicKeyPem("hello")), "BadPem")
  })
})

describe("RSA_PAD", () => {
  const pair = generateRsaKeyPair()
  const privateKey = createPrivateKey(pair.privateKeyPem)

  it("key pair: PKCS#1 PEMs, e = 65537, fingerprint of (n, e)", () => {
    assert.match(pair.publicKeyPem, /BEGIN RSA PUBLIC KEY/)
    assert.match(pair.privateKeyPem, /BEGIN RSA PRIVATE KEY/)
    assert.strictEqual(pair.publicKey.e, 65537n)
    assert.strictEqual(pair.publicKey.n.toString(2).length, 2048)
    assert.strictEqual(pair.publicKey.fingerprint, rsaFingerprint(pair.publicKey.n, 65537n))
  })

  it("round-trips through the server side for 60 random payloads (0..144 bytes)", () => {
    for (let i = 0; i < 60; i++) {
      const len = i < 3 ? [0, 144, 143][i]! : Math.floor(Math.random() * 145)
      const data = new Uint8Array(nodeRandom(len))
      const enc = rsaPadEncrypt(data, pair.publicKey, randomBytes)
      assert.strictEqual(enc.length, 256)
      const dataWithPadding = rsaPadDecrypt(enc, i % 2 === 0 ? pair : privateKey)
      assert.strictEqual(dataWithPadding.length, 192)
      assert.strictEqual(toHex(dataWithPadding.subarray(0, len)), toHex(data))
    }
  })

  it("uses randomBytes as documented: padding first, then a 32-byte temp_key per attempt", () => {
    const calls: Array<number> = []
    const data = new Uint8Array(100).fill(7)
    const enc = rsaPadEncrypt(data, pair.publicKey, (n) => {
      calls.push(n)
      return new Uint8Array(n).fill(calls.length)
    })
    assert.deepStrictEqual(calls.slice(0, 2), [92, 32])
    assert.isTrue(calls.slice(1).every((n) => n === 32))
    const back = rsaPadDecrypt(enc, pair)
    assert.strictEqual(toHex(back.subarray(100)), toHex(new Uint8Array(92).fill(1)))
  })

  it("retries with a new temp_key when key_aes_encrypted ≥ n", () => {
    // A modulus just above 2^2047 makes roughly half of the attempts too large.
    const n = pair.publicKey.n
    let attempts = 0
    for (let i = 0; i < 10; i++) {
      let count = 0
      const enc = rsaPadEncrypt(new Uint8Array(10), { n, e: 65537n }, (k) => (k === 32 && count++, new Uint8Array(nodeRandom(k))))
      attempts += count
      const raw = new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, enc))
      assert.isTrue(bytesToBigInt(raw) < n)
    }
    assert.isAtLeast(attempts, 10)
  })

  it("rejects data over 144 bytes and non-2048-bit keys", () => {
    assert.strictEqual(reason(() => rsaPadEncrypt(new Uint8Array(145), pair.publicKey, randomBytes)), "DataTooLong")
    assert.strictEqual(reason(() => rsaPadEncrypt(new Uint8Array(10), { n: (1n << 1024n) + 1n, e: 3n }, randomBytes)), "BadRsaKey")
  })

  it("server side rejects tampered ciphertext, bad length and a wrong key", () => {
    const enc = rsaPadEncrypt(new Uint8Array(50), pair.publicKey, randomBytes)
    const bad = enc.slice()
    bad[200]! ^= 1
    assert.strictEqual(reason(() => rsaPadDecrypt(bad, pair)), "RsaHashMismatch")
    assert.strictEqual(reason(() => rsaPadDecrypt(enc.subarray(1), pair)), "BadDataLength")
    // With another key the ciphertext may even exceed its modulus (then OpenSSL refuses it).
    assert.oneOf(reason(() => rsaPadDecrypt(enc, generateRsaKeyPair())), ["RsaHashMismatch", "RsaDecryptFailed"])
  })
})
