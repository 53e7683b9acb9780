/**
 * AES-256-IGE on WebAssembly: the same table-driven AES as `aesBlock.ts`, emitted as a
 * WebAssembly module by the small assembler below (no toolchain, no binary blob: the
 * bytecode is generated at load time from these loops). WASM runs the round loop about
 * twice as fast as V8's JIT does (no bounds checks on typed arrays, i32 registers), which
 * is what IGE decryption and small encryptions need; large encryptions go to native CBC.
 *
 * Every MTProto message has its own key, so per-call cost matters as much as the block
 * loop. One exported call per message does everything: the key and iv arrive as 16 i32
 * arguments (never written to linear memory), the key schedule is expanded inside the
 * call (straight-line code, round keys in locals; decryption keys get InvMixColumns through
 * a precomputed table), then the IGE loop runs. The JS side copies only the data in and the
 * result out.
 *
 * The loop keeps no chaining values in registers: the previous input block is read back
 * from the input area (the iv half it needs sits just before the data) and the previous
 * output block from the output area (its iv half sits just before the output), so only the
 * AES state is live across the rounds.
 *
 * Memory layout (one linear memory, grown on demand):
 *   [0, 8192)             TE (see aesBlock.ts): 4 round tables, then 4 last-round S-box tables
 *   [8192, 16384)         TD, same layout for decryption
 *   [16384, 20480)        IMC: IMCk[b] = TDk[S[b]], InvMixColumns of byte b in row k
 *   [DATA-16, DATA)       previous input block (iv half), wiped after the call
 *   [DATA, DATA+n)        input
 *   [DATA+n, DATA+n+16)   previous output block (iv half), wiped after the call
 *   [OUT, OUT+n)          output, OUT = DATA + n + 16
 *
 * @module
 */
import { TD, TE } from "./aesBlock.ts"

const TDB = 8192
const IMC = 16384
const DATA = 20496

// --- a tiny WebAssembly assembler (just what the two functions need) ---
const uleb = (n: number): Array<number> => {
  const out: Array<number> = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
const sleb = (n: number): Array<number> => {
  const out: Array<number> = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return (out.push(b), out)
    out.push(b | 0x80)
  }
}
const OP = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, void: 0x40,
  get: 0x20, set: 0x21, tee: 0x22,
  load: 0x28, store: 0x36, const: 0x41,
  eqz: 0x45, ltU: 0x49, add: 0x6a, and: 0x71, xor: 0x73, shrU: 0x76, shl: 0x74
} as const

/** Emits the body of `ige(n)` for one direction; locals are numbered after the parameter. */
const igeBody = (dec: boolean): Array<number> => {
  const code: Array<number> = []
  const e = (...b: Array<number>) => void code.push(...b)
  // params: 0 = n, 1..8 key words, 9..16 iv words; locals: 17 a (input offset), 18 b (output
  // offset), 19..26 two state sets, 27..86 expanded key words, 87..146 decryption round keys
  const PK = 1, PIV = 9, A = 17, B = 18, S = 19, W = 27, K = 87, LOCALS = 146 - 16
  const rk = (i: number) => get(K + i)
  const get = (i: number) => e(OP.get, ...uleb(i))
  const set = (i: number) => e(OP.set, ...uleb(i))
  const i32 = (v: number) => e(OP.const, ...sleb(v))
  const load = (offset: number) => e(OP.load, 2, ...uleb(offset))
  const store = (offset: number) => e(OP.store, 2, ...uleb(offset))
  const tables = dec ? TDB : 0
  // Byte k of local `v`, scaled to a table index ×4: ((v >>> 8k) & 255) << 2 in one shift + mask.
  const index = (v: number, k: number) => {
    get(v)
    if (k === 0) i32(2), e(OP.shl)
    else i32(8 * k - 2), e(OP.shrU)
    i32(1020), e(OP.and)
  }
  /** XOR of table[base + 1024k][byte src(k) of locals] over k = 0..3 (leaves the value on the stack). */
  const lookup4 = (base: number, src: (k: number) => number) => {
    for (let k = 0; k < 4; k++) {
      index(src(k), k)
      load(base + 1024 * k)
      if (k > 0) e(OP.xor)
    }
  }

  // --- key expansion (AES-256, FIPS-197 §5.2) on little-endian words, into locals W.. ---
  for (let i = 0; i < 8; i++) get(PK + i), set(W + i)
  let rcon = 1
  for (let i = 8; i < 60; i++) {
    const prev = W + i - 1
    get(W + i - 8)
    if (i % 8 === 0 || i % 8 === 4) {
      const rot = i % 8 === 0 ? 1 : 0
      for (let k = 0; k < 4; k++) {
        // byte (k + rot) % 4 of prev, looked up in the S-box table that places its result in byte k
        const sb = (k + rot) % 4
        get(prev)
        if (sb === 0) i32(2), e(OP.shl)
        else i32(8 * sb - 2), e(OP.shrU)
        i32(1020), e(OP.and)
        load(4096 + 1024 * k)
        if (k > 0) e(OP.xor)
      }
      if (i % 8 === 0) {
        i32(rcon), e(OP.xor)
        rcon = (rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0)
      }
    } else {
      get(prev)
    }
    e(OP.xor), set(W + i)
  }
  // Round keys in locals (V8 keeps what does not fit in registers in stack slots and XORs
  // from there; measured ~7% faster than loading them from linear memory): encryption in
  // order; decryption in reverse round order with InvMixColumns on the 13 middle rounds
  // (equivalent inverse cipher).
  for (let r = 0; r <= 14; r++) {
    for (let j = 0; j < 4; j++) {
      const w = W + 4 * (dec ? 14 - r : r) + j
      if (dec && r > 0 && r < 14) lookup4(IMC, () => w)
      else get(w)
      set(K + 4 * r + j)
    }
  }
  // The iv halves go in front of the input (previous input block) and of the output
  // (previous output block). Encryption: c₋₁ = iv[0..16) is the previous output, p₋₁ the
  // previous input; decryption the other way round.
  for (let j = 0; j < 4; j++) {
    i32(0), get(PIV + (dec ? 0 : 4) + j), store(DATA - 16 + 4 * j)
    get(0), get(PIV + (dec ? 4 : 0) + j), store(DATA + 4 * j)
  }

  // --- the IGE loop: out_i = AES(in_i ⊕ out_{i-1}) ⊕ in_{i-1} ---
  i32(0), set(A)
  get(0), i32(16), e(OP.add), set(B)
  e(OP.block, OP.void)
  get(0), e(OP.eqz, OP.brIf, 0)
  e(OP.loop, OP.void)
  for (let j = 0; j < 4; j++) {
    get(A), load(DATA + 4 * j)
    get(B), load(DATA - 16 + 4 * j), e(OP.xor)
    rk(j), e(OP.xor)
    set(S + j)
  }
  // Column sources: encryption reads s_j, s_{j+1}, s_{j+2}, s_{j+3}; decryption s_j, s_{j-1}, ...
  const src = (j: number, k: number) => (dec ? (j - k + 4) % 4 : (j + k) % 4)
  for (let r = 1; r <= 14; r++) {
    const from = S + 4 * ((r - 1) & 1), to = S + 4 * (r & 1)
    const last = r === 14
    for (let j = 0; j < 4; j++) {
      // (T0 ⊕ T1) ⊕ (T2 ⊕ T3) ⊕ rk: a balanced tree shortens the per-round dependency chain
      // of this serial cipher (measured 7-10% faster decryption than a left-to-right chain).
      const base = tables + (last ? 4096 : 0)
      const lk = (k: number) => (index(from + src(j, k), k), load(base + 1024 * k))
      lk(0), lk(1), e(OP.xor), lk(2), lk(3), e(OP.xor), e(OP.xor), rk(4 * r + j), e(OP.xor)
      if (last) {
        // output word: y_j ⊕ previous input block
        set(to + j)
        get(B)
        get(to + j), get(A), load(DATA - 16 + 4 * j), e(OP.xor)
        store(DATA + 4 * j)
      } else {
        set(to + j)
      }
    }
  }
  get(A), i32(16), e(OP.add), set(A)
  get(B), i32(16), e(OP.add), set(B)
  get(A), get(0), e(OP.ltU, OP.brIf, 0)
  e(OP.end, OP.end)
  // Wipe the iv copies (derived from the auth key); the key never touches linear memory.
  for (let j = 0; j < 4; j++) i32(0), i32(0), store(DATA - 16 + 4 * j), get(0), i32(0), store(DATA + 4 * j)
  e(OP.end)
  return [1, ...uleb(LOCALS), 0x7f, ...code]
}

const section = (id: number, body: Array<number>): Array<number> => [id, ...uleb(body.length), ...body]
const str = (s: string): Array<number> => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))]

const moduleBytes = (): Uint8Array => {
  const enc = igeBody(false), dec = igeBody(true)
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 17, ...Array<number>(17).fill(0x7f), 0]), // type 0: (i32 × 17) -> ()
    ...section(3, [2, 0, 0]), // two functions of type 0
    ...section(5, [1, 0, 1]), // one memory, min 1 page
    ...section(7, [3, ...str("mem"), 2, 0, ...str("enc"), 0, 0, ...str("dec"), 0, 1]),
    ...section(10, [2, ...uleb(enc.length), ...enc, ...uleb(dec.length), ...dec])
  ])
}

// Our tsconfig's lib (ES2023, no DOM) has no WebAssembly declarations: type the little we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: object }
}
const WA = (globalThis as unknown as { readonly WebAssembly?: WasmApi }).WebAssembly

type Fn = (
  n: number, k0: number, k1: number, k2: number, k3: number, k4: number, k5: number, k6: number, k7: number,
  i0: number, i1: number, i2: number, i3: number, i4: number, i5: number, i6: number, i7: number
) => void

interface Instance {
  readonly memory: WasmMemory
  readonly enc: Fn
  readonly dec: Fn
}

let instance: Instance | null | undefined
let u8 = new Uint8Array(0)

const load = (): Instance | null => {
  if (instance !== undefined) return instance
  try {
    if (WA === undefined) throw new Error("no WebAssembly")
    const inst = new WA.Instance(new WA.Module(moduleBytes()), {})
    const ex = inst.exports as Instance & { readonly mem: WasmMemory }
    instance = { memory: ex.mem, enc: ex.enc, dec: ex.dec }
    u8 = new Uint8Array(ex.mem.buffer)
    const i32 = new Int32Array(ex.mem.buffer)
    i32.set(TE, 0)
    i32.set(TD, TDB >> 2)
    // IMCk[b] = TDk[S[b]] (TDk already contains S⁻¹, so this is plain InvMixColumns of byte b).
    for (let k = 0; k < 4; k++) {
      for (let b = 0; b < 256; b++) i32[(IMC >> 2) + 256 * k + b] = TD[256 * k + (TE[1024 + b]! & 255)]!
    }
  } catch {
    // No WebAssembly (or a locked-down runtime): callers fall back to the JS tables.
    instance = null
  }
  return instance
}

/** True when the WASM module is usable on this runtime. */
export const wasmAvailable = (): boolean => load() !== null

const run = (dec: boolean, data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void => {
  const inst = instance!
  const n = data.length
  const need = DATA + 2 * n + 16
  if (need > u8.length) {
    inst.memory.grow(Math.ceil((need - u8.length) / 65536))
    u8 = new Uint8Array(inst.memory.buffer)
  }
  const mem = u8
  mem.set(data, DATA)
  const k = key, v = iv
  ;(dec ? inst.dec : inst.enc)(
    n,
    k[0]! | (k[1]! << 8) | (k[2]! << 16) | (k[3]! << 24), k[4]! | (k[5]! << 8) | (k[6]! << 16) | (k[7]! << 24),
    k[8]! | (k[9]! << 8) | (k[10]! << 16) | (k[11]! << 24), k[12]! | (k[13]! << 8) | (k[14]! << 16) | (k[15]! << 24),
    k[16]! | (k[17]! << 8) | (k[18]! << 16) | (k[19]! << 24), k[20]! | (k[21]! << 8) | (k[22]! << 16) | (k[23]! << 24),
    k[24]! | (k[25]! << 8) | (k[26]! << 16) | (k[27]! << 24), k[28]! | (k[29]! << 8) | (k[30]! << 16) | (k[31]! << 24),
    v[0]! | (v[1]! << 8) | (v[2]! << 16) | (v[3]! << 24), v[4]! | (v[5]! << 8) | (v[6]! << 16) | (v[7]! << 24),
    v[8]! | (v[9]! << 8) | (v[10]! << 16) | (v[11]! << 24), v[12]! | (v[13]! << 8) | (v[14]! << 16) | (v[15]! << 24),
    v[16]! | (v[17]! << 8) | (v[18]! << 16) | (v[19]! << 24), v[20]! | (v[21]! << 8) | (v[22]! << 16) | (v[23]! << 24),
    v[24]! | (v[25]! << 8) | (v[26]! << 16) | (v[27]! << 24), v[28]! | (v[29]! << 8) | (v[30]! << 16) | (v[31]! << 24)
  )
  out.set(mem.subarray(DATA + n + 16, DATA + 2 * n + 16))
}

/** IGE encryption into `out` (same length as `data`); arguments already validated. Requires {@link wasmAvailable}. */
export const igeEncryptWasm = (data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void =>
  run(false, data, key, iv, out)

/** IGE decryption into `out`; see {@link igeEncryptWasm}. */
export const igeDecryptWasm = (data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void =>
  run(true, data, key, iv, out)
