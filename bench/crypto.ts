/**
 * Crypto benchmarks: our implementations side by side with mtcute's (WASM IGE, its
 * factorization and BigInt modPow) and with node:crypto ceilings, in one run, ratios printed.
 * `npm run bench -- crypto` runs only this section; `BENCH_ONLY=ige` stops after the IGE rows.
 */
import { bigint as fumanBigint } from "@fuman/utils"
import { factorizePQSync } from "@mtcute/core/utils.js"
import { NodeCryptoProvider } from "@mtcute/node/utils.js"
import { ige256Decrypt, ige256Encrypt, initSync, SIMD_AVAILABLE } from "@mtcute/wasm"
import { pbkdf2 as noblePbkdf2 } from "@noble/hashes/pbkdf2.js"
import { sha1 as nobleSha1 } from "@noble/hashes/legacy.js"
import { sha256 as nobleSha256, sha512 as nobleSha512 } from "@noble/hashes/sha2.js"
import { constants, createCipheriv, createPublicKey, generatePrimeSync, publicEncrypt } from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import {
  aesIgeDecrypt,
  aesIgeEncrypt,
  bigIntToBytes,
  bytesToBigInt,
  constantTimeEqual,
  factorizePq,
  messageKeyIv,
  modPow,
  msgKey,
  pbkdf2Sha512,
  randomBytes,
  sha1,
  sha256,
  TELEGRAM_DH_PRIME,
  TELEGRAM_PRODUCTION_RSA_KEY
} from "../src/crypto/index.ts"

let sink = 0
/** Calls per second of `f`, measured for about `ms` milliseconds after a short warm-up. */
const rate = (f: () => Uint8Array | bigint | unknown, ms = 250): number => {
  const deadline = performance.now() + ms / 5
  while (performance.now() < deadline) f()
  let n = 0, batch = 1
  const t0 = performance.now()
  let t = 0
  do {
    for (let i = 0; i < batch; i++) {
      const r = f()
      if (r instanceof Uint8Array) sink ^= r[0] ?? 0
    }
    n += batch
    batch = Math.min(batch * 2, 4096)
  } while ((t = performance.now() - t0) < ms)
  return (n / t) * 1000
}
/** Median wall time in ms of `f` over `inputs`. */
const median = <A>(inputs: ReadonlyArray<A>, f: (a: A) => unknown): number => {
  const ts = inputs.map((a) => {
    const t = performance.now()
    f(a)
    return performance.now() - t
  })
  ts.sort((x, y) => x - y)
  return ts[Math.floor(ts.length / 2)]!
}

type Row = { readonly what: string; readonly ours: string; readonly peer: string; readonly peerName: string; readonly ratio: string }
const rows: Array<Row> = []
const fmtRate = (r: number, bytes?: number): string =>
  bytes !== undefined ? `${((r * bytes) / 1e6).toFixed(0)} MB/s` : r >= 1000 ? `${(r / 1000).toFixed(1)}k/s` : `${r.toFixed(1)}/s`
const add = (what: string, ours: number, peer: number, peerName: string, bytes?: number): void => {
  rows.push({ what, ours: fmtRate(ours, bytes), peer: fmtRate(peer, bytes), peerName, ratio: `${(ours / peer).toFixed(2)}x` })
}
const addMs = (what: string, ours: number, peer: number, peerName: string): void => {
  rows.push({ what, ours: `${ours.toFixed(2)} ms`, peer: `${peer.toFixed(2)} ms`, peerName, ratio: `${(peer / ours).toFixed(2)}x` })
}
const buf = (n: number): Uint8Array => randomBytes(n)

export async function run(): Promise<void> {
  const require = createRequire(import.meta.url)
  initSync(readFileSync(require.resolve(`@mtcute/wasm/${SIMD_AVAILABLE ? "mtcute-simd.wasm" : "mtcute.wasm"}`)))

  // --- AES-256-IGE ---
  const key = buf(32), iv = buf(32)
  const cbc = (d: Uint8Array) => {
    const c = createCipheriv("aes-256-cbc", key, iv.subarray(0, 16))
    c.setAutoPadding(false)
    return c.update(d)
  }
  for (const [size, label] of [[176, "176 B"], [352, "352 B"], [4096, "4 KiB"], [65536, "64 KiB"], [1 << 20, "1 MiB"]] as const) {
    const data = buf(size)
    const bytes = size >= 65536 ? size : undefined
    const ms = size >= 65536 ? 600 : 300
    const enc = rate(() => aesIgeEncrypt(data, key, iv), ms)
    add(`IGE encrypt ${label}`, enc, rate(() => ige256Encrypt(data, key, iv), ms), "mtcute wasm", bytes)
    add(`IGE encrypt ${label}`, enc, rate(() => cbc(data), ms), "node CBC (ceiling)", bytes)
    add(`IGE decrypt ${label}`, rate(() => aesIgeDecrypt(data, key, iv), ms), rate(() => ige256Decrypt(data, key, iv), ms), "mtcute wasm", bytes)
  }

  if (process.env.BENCH_ONLY === "ige") return printRows()

  // --- per message (MTProto 2.0) ---
  const authKey = buf(256)
  const out176 = buf(176), in352 = buf(352)
  const mtcuteMsg = (plain: Uint8Array) => {
    const { key: k, iv: v } = messageKeyIv(authKey, msgKey(authKey, plain, 0), 0)
    return ige256Encrypt(plain, k, v)
  }
  add("message encrypt 176 B (msgKey+kdf+IGE)", rate(() => {
    const mk = msgKey(authKey, out176, 0)
    const { key: k, iv: v } = messageKeyIv(authKey, mk, 0)
    return aesIgeEncrypt(out176, k, v)
  }), rate(() => mtcuteMsg(out176)), "same, mtcute IGE")
  const mk352 = buf(16)
  add("message decrypt 352 B (kdf+IGE+msgKey check)", rate(() => {
    const { key: k, iv: v } = messageKeyIv(authKey, mk352, 8)
    const plain = aesIgeDecrypt(in352, k, v)
    return constantTimeEqual(msgKey(authKey, plain, 8), mk352)
  }), rate(() => {
    const { key: k, iv: v } = messageKeyIv(authKey, mk352, 8)
    const plain = ige256Decrypt(in352, k, v)
    return constantTimeEqual(msgKey(authKey, plain, 8), mk352)
  }), "same, mtcute IGE")

  // --- PQ ---
  const provider = new NodeCryptoProvider()
  const semiprimes = Array.from({ length: 50 }, () =>
    (generatePrimeSync(32, { bigint: true }) as bigint) * (generatePrimeSync(31, { bigint: true }) as bigint))
  const ours = median(semiprimes, factorizePq)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const theirs = median(semiprimes, (n) => factorizePQSync(provider as any, bigIntToBytes(n)))
  addMs("factorizePq, median of 50 (~63-bit)", ours, theirs, "mtcute factorizePQSync")

  // --- 2048-bit modPow ---
  const exps = Array.from({ length: 8 }, () => bytesToBigInt(buf(256)))
  addMs("g^a mod p, 2048-bit (median of 8)", median(exps, (a) => modPow(3n, a, TELEGRAM_DH_PRIME)),
    median(exps, (a) => fumanBigint.modPowBinary(3n, a, TELEGRAM_DH_PRIME)), "mtcute (@fuman) modPowBinary")

  // --- RSA raw e = 65537: BigInt (chosen) vs OpenSSL via JWK ---
  const { n, e } = TELEGRAM_PRODUCTION_RSA_KEY
  const x = bytesToBigInt(buf(255))
  const b64 = (v: bigint) => Buffer.from(bigIntToBytes(v)).toString("base64url")
  const bigIntPow = (b0: bigint, e0: bigint, m: bigint): bigint => {
    let r = 1n
    for (let b1 = b0 % m, e1 = e0; e1 > 0n; e1 >>= 1n, b1 = (b1 * b1) % m) if (e1 & 1n) r = (r * b1) % m
    return r
  }
  add("RSA x^65537 mod n (modPow = native via JWK)", rate(() => modPow(x, e, n)), rate(() => bigIntPow(x, e, n)),
    "BigInt square-and-multiply")
  void createPublicKey, void publicEncrypt, void constants, void b64

  // --- hashes ---
  for (const [size, label] of [[64, "64 B"], [1024, "1 KiB"], [1 << 20, "1 MiB"]] as const) {
    const data = buf(size)
    const bytes = size >= 1 << 20 ? size : undefined
    add(`SHA-1 ${label}`, rate(() => sha1(data)), rate(() => nobleSha1(data)), "@noble/hashes", bytes)
    add(`SHA-256 ${label}`, rate(() => sha256(data)), rate(() => nobleSha256(data)), "@noble/hashes", bytes)
  }
  void nobleSha512
  const salt = buf(32), pw = buf(32)
  const tNode = performance.now()
  pbkdf2Sha512(pw, salt, 100000)
  const msNode = performance.now() - tNode
  const tNoble = performance.now()
  noblePbkdf2(nobleSha512, pw, salt, { c: 100000, dkLen: 64 })
  addMs("PBKDF2-SHA512 100k (node, chosen)", msNode, performance.now() - tNoble, "@noble/hashes")

  printRows()
}

const printRows = (): void => {
  const w = [44, 16, 16, 30, 8] as const
  const line = (c: ReadonlyArray<string>) => c.map((s, i) => s.padEnd(w[i]!)).join(" | ")
  console.log(line(["benchmark", "ours", "peer", "peer", "ours/peer"]))
  console.log(w.map((n) => "-".repeat(n)).join("-|-"))
  for (const r of rows) console.log(line([r.what, r.ours, r.peer, r.peerName, r.ratio]))
  console.log("(for ms rows the ratio is peer time / our time: >1 means we are faster)")
  if (sink === -1) console.log(sink)
}
