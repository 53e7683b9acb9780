/**
 * AES-256-IGE on WebAssembly: the same table-driven AES as `aesBlock.ts`, emitted as a
 * WebAssembly module by the small assembler below (no toolchain, no binary blob: the
 * bytecode is generated at load time from these loops). WASM runs this loop about twice as
 * fast as V8's JIT does (no bounds checks on typed arrays, i32 registers), which is what
 * IGE decryption and small encryptions need; large encryptions still go to native CBC.
 *
 * Memory layout (one linear memory, grown on demand):
 *   [0, 8192)        encryption tables TE (see aesBlock.ts)
 *   [8192, 16384)    decryption tables TD
 *   [16384, 16624)   round keys (60 words)
 *   [16640, 16672)   iv (c₋₁ ‖ p₋₁)
 *   [DATA, DATA+n)   input; [DATA+n, DATA+2n) output
 *
 * @module
 */
import { expandKeyDec, expandKeyEnc, TD, TE } from "./aesBlock.ts"

const RK = 16384
const IV = 16640
const DATA = 16896

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
  get: 0x20, set: 0x21,
  load: 0x28, store: 0x36, const: 0x41,
  geU: 0x4f, add: 0x6a, and: 0x71, xor: 0x73, shrU: 0x76, shl: 0x74
} as const

/** Emits the body of `ige(n)` for one direction; locals are numbered after the parameter. */
const igeBody = (dec: boolean): Array<number> => {
  const code: Array<number> = []
  const e = (...b: Array<number>) => void code.push(...b)
  // locals: 0 = n (param); 1 off; 2..5 c; 6..9 p; 10..13 x; 14..17 s; 18..21 t
  const OFF = 1, C = 2, P = 6, X = 10, S = 14, T = 18
  const get = (i: number) => e(OP.get, ...uleb(i))
  const set = (i: number) => e(OP.set, ...uleb(i))
  const i32 = (v: number) => e(OP.const, ...sleb(v))
  const load = (offset: number) => e(OP.load, 2, ...uleb(offset))
  const store = (offset: number) => e(OP.store, 2, ...uleb(offset))
  const tables = dec ? 8192 : 0
  // Byte k of local `v`, scaled to a table index ×4: ((v >>> 8k) & 255) << 2 in one shift + mask.
  const index = (v: number, k: number) => {
    get(v)
    if (k === 0) i32(2), e(OP.shl)
    else i32(8 * k - 2), e(OP.shrU)
    i32(1020), e(OP.and)
  }
  // Column sources: encryption reads s_j, s_{j+1}, s_{j+2}, s_{j+3}; decryption s_j, s_{j-1}, ...
  const src = (j: number, k: number) => (dec ? (j - k + 4) % 4 : (j + k) % 4)

  for (let j = 0; j < 4; j++) i32(0), load(IV + 4 * j), set(C + j)
  for (let j = 0; j < 4; j++) i32(0), load(IV + 16 + 4 * j), set(P + j)
  i32(0), set(OFF)
  e(OP.block, OP.void, OP.loop, OP.void)
  get(OFF), get(0), e(OP.geU, OP.brIf, 1)
  for (let j = 0; j < 4; j++) {
    get(OFF), load(DATA + 4 * j), set(X + j)
    // s_j = x_j ^ (enc: c_j, dec: p_j) ^ rk_j
    get(X + j), get((dec ? P : C) + j), e(OP.xor), i32(0), load(RK + 4 * j), e(OP.xor), set(S + j)
  }
  for (let r = 1; r <= 14; r++) {
    const last = r === 14
    for (let j = 0; j < 4; j++) {
      for (let k = 0; k < 4; k++) {
        index(S + src(j, k), k)
        load(tables + (last ? 4096 : 0) + 1024 * k)
        if (k > 0) e(OP.xor)
      }
      i32(0), load(RK + 16 * r + 4 * j), e(OP.xor), set(T + j)
    }
    for (let j = 0; j < 4; j++) get(T + j), set(S + j)
  }
  // out_j = s_j ^ (enc: p_j, dec: c_j); then the chaining values move on.
  for (let j = 0; j < 4; j++) {
    get(OFF), get(0), e(OP.add)
    get(S + j), get((dec ? C : P) + j), e(OP.xor)
    if (dec) set(T + j), get(T + j)
    else set(C + j), get(C + j)
    store(DATA + 4 * j)
  }
  for (let j = 0; j < 4; j++) {
    if (dec) get(T + j), set(P + j), get(X + j), set(C + j)
    else get(X + j), set(P + j)
  }
  get(OFF), i32(16), e(OP.add), set(OFF)
  e(OP.br, 0, OP.end, OP.end, OP.end)
  return [1, ...uleb(21), 0x7f, ...code]
}

const section = (id: number, body: Array<number>): Array<number> => [id, ...uleb(body.length), ...body]
const str = (s: string): Array<number> => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))]

const moduleBytes = (): Uint8Array => {
  const enc = igeBody(false), dec = igeBody(true)
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 0]), // type 0: (i32) -> ()
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

interface Instance {
  readonly memory: WasmMemory
  readonly enc: (n: number) => void
  readonly dec: (n: number) => void
}

let instance: Instance | null | undefined
let u8 = new Uint8Array(0)
let i32 = new Int32Array(0)
let rkView = new Int32Array(0)

/** Views over the memory; a `grow` detaches the old buffer, so they are rebuilt then. */
const refreshViews = (): void => {
  u8 = new Uint8Array(instance!.memory.buffer)
  i32 = new Int32Array(instance!.memory.buffer)
  rkView = i32.subarray(RK >> 2, (RK >> 2) + 60)
}

const load = (): Instance | null => {
  if (instance !== undefined) return instance
  try {
    if (WA === undefined) throw new Error("no WebAssembly")
    const inst = new WA.Instance(new WA.Module(moduleBytes()), {})
    const ex = inst.exports as Instance & { readonly mem: WasmMemory }
    instance = { memory: ex.mem, enc: ex.enc, dec: ex.dec }
    refreshViews()
    i32.set(TE, 0)
    i32.set(TD, 2048)
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
  const need = DATA + 2 * n
  if (need > inst.memory.buffer.byteLength) {
    inst.memory.grow(Math.ceil((need - inst.memory.buffer.byteLength) / 65536))
    refreshViews()
  }
  if (dec) expandKeyDec(key, rkView)
  else expandKeyEnc(key, rkView)
  u8.set(iv, IV)
  u8.set(data, DATA)
  if (dec) inst.dec(n)
  else inst.enc(n)
  out.set(u8.subarray(DATA + n, DATA + 2 * n))
  // Wipe the key schedule and iv (session-key material); the data area is overwritten by the next call.
  u8.fill(0, RK, DATA)
}

/** IGE encryption into `out` (same length as `data`); arguments already validated. Requires {@link wasmAvailable}. */
export const igeEncryptWasm = (data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void =>
  run(false, data, key, iv, out)

/** IGE decryption into `out`; see {@link igeEncryptWasm}. */
export const igeDecryptWasm = (data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void =>
  run(true, data, key, iv, out)
