/**
 * A table-driven AES-256 block cipher in plain TypeScript, used where node:crypto's per-call
 * overhead dominates: IGE decryption (inherently serial, no native mode fits) and IGE
 * encryption of small messages. Internal to the crypto module.
 *
 * Layout: the state is four 32-bit words read little-endian from the block (byte 0 of a
 * column is the low byte), so blocks are read through `Int32Array` views without byte
 * shuffling. Tables are computed at load time from GF(2^8) arithmetic.
 *
 * Not constant-time (table lookups depend on key and data) — the usual trade-off of
 * software AES; the native paths are used for bulk encryption.
 *
 * @module
 */

/** True when the host stores `Int32Array` elements little-endian (every platform Node ships on except s390x). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const SBOX = new Uint8Array(256)
const INV_SBOX = new Uint8Array(256)
/**
 * Encryption tables, all in one array so the hot loop keeps a single base pointer in a
 * register: [0, 1024) holds TE0..TE3 (TE0[x] = column (2s, s, s, 3s) of s = S[x], packed
 * little-endian; TEk = TE0 rotated by k bytes), [1024, 2048) holds S[x] shifted into byte k
 * for the last round (no MixColumns).
 */
export const TE = new Int32Array(2048)
/** Decryption tables, same layout: TD0[x] = column (14t, 9t, 13t, 11t) of t = S⁻¹[x], then S⁻¹[x] << 8k. */
export const TD = new Int32Array(2048)

const xtime = (a: number): number => ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff
const gmul = (a: number, b: number): number => {
  let r = 0
  while (b > 0) {
    if (b & 1) r ^= a
    a = xtime(a)
    b >>= 1
  }
  return r
}
const rotl8 = (w: number): number => (w << 8) | (w >>> 24)

{
  // S-box from its definition: multiplicative inverse in GF(2^8) followed by the affine map.
  const inv = new Uint8Array(256)
  for (let a = 1; a < 256; a++) {
    for (let b = 1; b < 256; b++) {
      if (gmul(a, b) === 1) {
        inv[a] = b
        break
      }
    }
  }
  for (let x = 0; x < 256; x++) {
    const b = inv[x]!
    let s = b
    for (let i = 1; i <= 4; i++) s ^= ((b << i) | (b >>> (8 - i))) & 0xff
    s ^= 0x63
    SBOX[x] = s
    INV_SBOX[s] = x
  }
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x]!
    const e = xtime(s) | (s << 8) | (s << 16) | ((xtime(s) ^ s) << 24)
    const t = INV_SBOX[x]!
    const d = gmul(t, 14) | (gmul(t, 9) << 8) | (gmul(t, 13) << 16) | (gmul(t, 11) << 24)
    for (let k = 0, re = e, rd = d; k < 4; k++, re = rotl8(re), rd = rotl8(rd)) {
      TE[256 * k + x] = re
      TD[256 * k + x] = rd
      TE[1024 + 256 * k + x] = s << (8 * k)
      TD[1024 + 256 * k + x] = t << (8 * k)
    }
  }
}

const SCRATCH_ENC = new Int32Array(60)
const SCRATCH_DEC = new Int32Array(60)
const SCRATCH_TMP = new Int32Array(60)

const subWord = (w: number): number =>
  SBOX[w & 0xff]! | (SBOX[(w >>> 8) & 0xff]! << 8) | (SBOX[(w >>> 16) & 0xff]! << 16) | (SBOX[w >>> 24]! << 24)

/**
 * AES-256 encryption round keys (60 words, little-endian columns) of a 32-byte key, written
 * into `w` (default: a module-level scratch array — typed arrays over 64 bytes are allocated
 * off the V8 heap and cost more than the expansion itself; all callers are synchronous).
 */
export const expandKeyEnc = (key: Uint8Array, w: Int32Array = SCRATCH_ENC): Int32Array => {
  for (let i = 0; i < 8; i++) {
    w[i] = key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24)
  }
  let rcon = 1
  for (let i = 8; i < 60; i++) {
    let t = w[i - 1]!
    if (i % 8 === 0) {
      // RotWord moves byte 1 to position 0: a right rotation of the little-endian word.
      t = subWord((t >>> 8) | (t << 24)) ^ rcon
      rcon = xtime(rcon)
    } else if (i % 8 === 4) {
      t = subWord(t)
    }
    w[i] = w[i - 8]! ^ t
  }
  return w
}

/**
 * AES-256 decryption round keys for the equivalent inverse cipher: the encryption keys in
 * reverse round order, with InvMixColumns applied to the 13 middle rounds.
 */
export const expandKeyDec = (key: Uint8Array, d: Int32Array = SCRATCH_DEC): Int32Array => {
  const e = expandKeyEnc(key, SCRATCH_TMP)
  for (let r = 0; r <= 14; r++) {
    for (let j = 0; j < 4; j++) d[4 * r + j] = e[4 * (14 - r) + j]!
  }
  for (let i = 4; i < 56; i++) {
    const w = d[i]!
    // TDk includes S⁻¹, so look up through S first to get plain InvMixColumns.
    d[i] = TD[SBOX[w & 0xff]!]! ^ TD[256 | SBOX[(w >>> 8) & 0xff]!]! ^ TD[512 | SBOX[(w >>> 16) & 0xff]!]! ^
      TD[768 | SBOX[w >>> 24]!]!
  }
  return d
}

/**
 * AES-256-IGE encryption over little-endian word views. `src` and `dst` hold `words` words
 * (a multiple of 4); `iv` holds 8 words (c₋₁ then p₋₁). `dst` may not alias `src`.
 */
export const igeEncryptWords = (
  rk: Int32Array,
  src: Int32Array,
  dst: Int32Array,
  words: number,
  iv: Int32Array
): void => {
  // Fully unrolled: constant round-key indices and no loop-carried round counter measured
  // about 2x faster than a round loop in V8.
  const T = TE
  let c0 = iv[0]!, c1 = iv[1]!, c2 = iv[2]!, c3 = iv[3]!
  let p0 = iv[4]!, p1 = iv[5]!, p2 = iv[6]!, p3 = iv[7]!
  for (let off = 0; off < words; off += 4) {
    const x0 = src[off]!, x1 = src[off + 1]!, x2 = src[off + 2]!, x3 = src[off + 3]!
    const s0_0 = x0 ^ c0 ^ rk[0]!, s0_1 = x1 ^ c1 ^ rk[1]!, s0_2 = x2 ^ c2 ^ rk[2]!, s0_3 = x3 ^ c3 ^ rk[3]!
    const s1_0 = T[s0_0 & 255]! ^ T[256 | ((s0_1 >>> 8) & 255)]! ^ T[512 | ((s0_2 >>> 16) & 255)]! ^ T[768 | (s0_3 >>> 24)]! ^ rk[4]!
    const s1_1 = T[s0_1 & 255]! ^ T[256 | ((s0_2 >>> 8) & 255)]! ^ T[512 | ((s0_3 >>> 16) & 255)]! ^ T[768 | (s0_0 >>> 24)]! ^ rk[5]!
    const s1_2 = T[s0_2 & 255]! ^ T[256 | ((s0_3 >>> 8) & 255)]! ^ T[512 | ((s0_0 >>> 16) & 255)]! ^ T[768 | (s0_1 >>> 24)]! ^ rk[6]!
    const s1_3 = T[s0_3 & 255]! ^ T[256 | ((s0_0 >>> 8) & 255)]! ^ T[512 | ((s0_1 >>> 16) & 255)]! ^ T[768 | (s0_2 >>> 24)]! ^ rk[7]!
    const s2_0 = T[s1_0 & 255]! ^ T[256 | ((s1_1 >>> 8) & 255)]! ^ T[512 | ((s1_2 >>> 16) & 255)]! ^ T[768 | (s1_3 >>> 24)]! ^ rk[8]!
    const s2_1 = T[s1_1 & 255]! ^ T[256 | ((s1_2 >>> 8) & 255)]! ^ T[512 | ((s1_3 >>> 16) & 255)]! ^ T[768 | (s1_0 >>> 24)]! ^ rk[9]!
    const s2_2 = T[s1_2 & 255]! ^ T[256 | ((s1_3 >>> 8) & 255)]! ^ T[512 | ((s1_0 >>> 16) & 255)]! ^ T[768 | (s1_1 >>> 24)]! ^ rk[10]!
    const s2_3 = T[s1_3 & 255]! ^ T[256 | ((s1_0 >>> 8) & 255)]! ^ T[512 | ((s1_1 >>> 16) & 255)]! ^ T[768 | (s1_2 >>> 24)]! ^ rk[11]!
    const s3_0 = T[s2_0 & 255]! ^ T[256 | ((s2_1 >>> 8) & 255)]! ^ T[512 | ((s2_2 >>> 16) & 255)]! ^ T[768 | (s2_3 >>> 24)]! ^ rk[12]!
    const s3_1 = T[s2_1 & 255]! ^ T[256 | ((s2_2 >>> 8) & 255)]! ^ T[512 | ((s2_3 >>> 16) & 255)]! ^ T[768 | (s2_0 >>> 24)]! ^ rk[13]!
    const s3_2 = T[s2_2 & 255]! ^ T[256 | ((s2_3 >>> 8) & 255)]! ^ T[512 | ((s2_0 >>> 16) & 255)]! ^ T[768 | (s2_1 >>> 24)]! ^ rk[14]!
    const s3_3 = T[s2_3 & 255]! ^ T[256 | ((s2_0 >>> 8) & 255)]! ^ T[512 | ((s2_1 >>> 16) & 255)]! ^ T[768 | (s2_2 >>> 24)]! ^ rk[15]!
    const s4_0 = T[s3_0 & 255]! ^ T[256 | ((s3_1 >>> 8) & 255)]! ^ T[512 | ((s3_2 >>> 16) & 255)]! ^ T[768 | (s3_3 >>> 24)]! ^ rk[16]!
    const s4_1 = T[s3_1 & 255]! ^ T[256 | ((s3_2 >>> 8) & 255)]! ^ T[512 | ((s3_3 >>> 16) & 255)]! ^ T[768 | (s3_0 >>> 24)]! ^ rk[17]!
    const s4_2 = T[s3_2 & 255]! ^ T[256 | ((s3_3 >>> 8) & 255)]! ^ T[512 | ((s3_0 >>> 16) & 255)]! ^ T[768 | (s3_1 >>> 24)]! ^ rk[18]!
    const s4_3 = T[s3_3 & 255]! ^ T[256 | ((s3_0 >>> 8) & 255)]! ^ T[512 | ((s3_1 >>> 16) & 255)]! ^ T[768 | (s3_2 >>> 24)]! ^ rk[19]!
    const s5_0 = T[s4_0 & 255]! ^ T[256 | ((s4_1 >>> 8) & 255)]! ^ T[512 | ((s4_2 >>> 16) & 255)]! ^ T[768 | (s4_3 >>> 24)]! ^ rk[20]!
    const s5_1 = T[s4_1 & 255]! ^ T[256 | ((s4_2 >>> 8) & 255)]! ^ T[512 | ((s4_3 >>> 16) & 255)]! ^ T[768 | (s4_0 >>> 24)]! ^ rk[21]!
    const s5_2 = T[s4_2 & 255]! ^ T[256 | ((s4_3 >>> 8) & 255)]! ^ T[512 | ((s4_0 >>> 16) & 255)]! ^ T[768 | (s4_1 >>> 24)]! ^ rk[22]!
    const s5_3 = T[s4_3 & 255]! ^ T[256 | ((s4_0 >>> 8) & 255)]! ^ T[512 | ((s4_1 >>> 16) & 255)]! ^ T[768 | (s4_2 >>> 24)]! ^ rk[23]!
    const s6_0 = T[s5_0 & 255]! ^ T[256 | ((s5_1 >>> 8) & 255)]! ^ T[512 | ((s5_2 >>> 16) & 255)]! ^ T[768 | (s5_3 >>> 24)]! ^ rk[24]!
    const s6_1 = T[s5_1 & 255]! ^ T[256 | ((s5_2 >>> 8) & 255)]! ^ T[512 | ((s5_3 >>> 16) & 255)]! ^ T[768 | (s5_0 >>> 24)]! ^ rk[25]!
    const s6_2 = T[s5_2 & 255]! ^ T[256 | ((s5_3 >>> 8) & 255)]! ^ T[512 | ((s5_0 >>> 16) & 255)]! ^ T[768 | (s5_1 >>> 24)]! ^ rk[26]!
    const s6_3 = T[s5_3 & 255]! ^ T[256 | ((s5_0 >>> 8) & 255)]! ^ T[512 | ((s5_1 >>> 16) & 255)]! ^ T[768 | (s5_2 >>> 24)]! ^ rk[27]!
    const s7_0 = T[s6_0 & 255]! ^ T[256 | ((s6_1 >>> 8) & 255)]! ^ T[512 | ((s6_2 >>> 16) & 255)]! ^ T[768 | (s6_3 >>> 24)]! ^ rk[28]!
    const s7_1 = T[s6_1 & 255]! ^ T[256 | ((s6_2 >>> 8) & 255)]! ^ T[512 | ((s6_3 >>> 16) & 255)]! ^ T[768 | (s6_0 >>> 24)]! ^ rk[29]!
    const s7_2 = T[s6_2 & 255]! ^ T[256 | ((s6_3 >>> 8) & 255)]! ^ T[512 | ((s6_0 >>> 16) & 255)]! ^ T[768 | (s6_1 >>> 24)]! ^ rk[30]!
    const s7_3 = T[s6_3 & 255]! ^ T[256 | ((s6_0 >>> 8) & 255)]! ^ T[512 | ((s6_1 >>> 16) & 255)]! ^ T[768 | (s6_2 >>> 24)]! ^ rk[31]!
    const s8_0 = T[s7_0 & 255]! ^ T[256 | ((s7_1 >>> 8) & 255)]! ^ T[512 | ((s7_2 >>> 16) & 255)]! ^ T[768 | (s7_3 >>> 24)]! ^ rk[32]!
    const s8_1 = T[s7_1 & 255]! ^ T[256 | ((s7_2 >>> 8) & 255)]! ^ T[512 | ((s7_3 >>> 16) & 255)]! ^ T[768 | (s7_0 >>> 24)]! ^ rk[33]!
    const s8_2 = T[s7_2 & 255]! ^ T[256 | ((s7_3 >>> 8) & 255)]! ^ T[512 | ((s7_0 >>> 16) & 255)]! ^ T[768 | (s7_1 >>> 24)]! ^ rk[34]!
    const s8_3 = T[s7_3 & 255]! ^ T[256 | ((s7_0 >>> 8) & 255)]! ^ T[512 | ((s7_1 >>> 16) & 255)]! ^ T[768 | (s7_2 >>> 24)]! ^ rk[35]!
    const s9_0 = T[s8_0 & 255]! ^ T[256 | ((s8_1 >>> 8) & 255)]! ^ T[512 | ((s8_2 >>> 16) & 255)]! ^ T[768 | (s8_3 >>> 24)]! ^ rk[36]!
    const s9_1 = T[s8_1 & 255]! ^ T[256 | ((s8_2 >>> 8) & 255)]! ^ T[512 | ((s8_3 >>> 16) & 255)]! ^ T[768 | (s8_0 >>> 24)]! ^ rk[37]!
    const s9_2 = T[s8_2 & 255]! ^ T[256 | ((s8_3 >>> 8) & 255)]! ^ T[512 | ((s8_0 >>> 16) & 255)]! ^ T[768 | (s8_1 >>> 24)]! ^ rk[38]!
    const s9_3 = T[s8_3 & 255]! ^ T[256 | ((s8_0 >>> 8) & 255)]! ^ T[512 | ((s8_1 >>> 16) & 255)]! ^ T[768 | (s8_2 >>> 24)]! ^ rk[39]!
    const s10_0 = T[s9_0 & 255]! ^ T[256 | ((s9_1 >>> 8) & 255)]! ^ T[512 | ((s9_2 >>> 16) & 255)]! ^ T[768 | (s9_3 >>> 24)]! ^ rk[40]!
    const s10_1 = T[s9_1 & 255]! ^ T[256 | ((s9_2 >>> 8) & 255)]! ^ T[512 | ((s9_3 >>> 16) & 255)]! ^ T[768 | (s9_0 >>> 24)]! ^ rk[41]!
    const s10_2 = T[s9_2 & 255]! ^ T[256 | ((s9_3 >>> 8) & 255)]! ^ T[512 | ((s9_0 >>> 16) & 255)]! ^ T[768 | (s9_1 >>> 24)]! ^ rk[42]!
    const s10_3 = T[s9_3 & 255]! ^ T[256 | ((s9_0 >>> 8) & 255)]! ^ T[512 | ((s9_1 >>> 16) & 255)]! ^ T[768 | (s9_2 >>> 24)]! ^ rk[43]!
    const s11_0 = T[s10_0 & 255]! ^ T[256 | ((s10_1 >>> 8) & 255)]! ^ T[512 | ((s10_2 >>> 16) & 255)]! ^ T[768 | (s10_3 >>> 24)]! ^ rk[44]!
    const s11_1 = T[s10_1 & 255]! ^ T[256 | ((s10_2 >>> 8) & 255)]! ^ T[512 | ((s10_3 >>> 16) & 255)]! ^ T[768 | (s10_0 >>> 24)]! ^ rk[45]!
    const s11_2 = T[s10_2 & 255]! ^ T[256 | ((s10_3 >>> 8) & 255)]! ^ T[512 | ((s10_0 >>> 16) & 255)]! ^ T[768 | (s10_1 >>> 24)]! ^ rk[46]!
    const s11_3 = T[s10_3 & 255]! ^ T[256 | ((s10_0 >>> 8) & 255)]! ^ T[512 | ((s10_1 >>> 16) & 255)]! ^ T[768 | (s10_2 >>> 24)]! ^ rk[47]!
    const s12_0 = T[s11_0 & 255]! ^ T[256 | ((s11_1 >>> 8) & 255)]! ^ T[512 | ((s11_2 >>> 16) & 255)]! ^ T[768 | (s11_3 >>> 24)]! ^ rk[48]!
    const s12_1 = T[s11_1 & 255]! ^ T[256 | ((s11_2 >>> 8) & 255)]! ^ T[512 | ((s11_3 >>> 16) & 255)]! ^ T[768 | (s11_0 >>> 24)]! ^ rk[49]!
    const s12_2 = T[s11_2 & 255]! ^ T[256 | ((s11_3 >>> 8) & 255)]! ^ T[512 | ((s11_0 >>> 16) & 255)]! ^ T[768 | (s11_1 >>> 24)]! ^ rk[50]!
    const s12_3 = T[s11_3 & 255]! ^ T[256 | ((s11_0 >>> 8) & 255)]! ^ T[512 | ((s11_1 >>> 16) & 255)]! ^ T[768 | (s11_2 >>> 24)]! ^ rk[51]!
    const s13_0 = T[s12_0 & 255]! ^ T[256 | ((s12_1 >>> 8) & 255)]! ^ T[512 | ((s12_2 >>> 16) & 255)]! ^ T[768 | (s12_3 >>> 24)]! ^ rk[52]!
    const s13_1 = T[s12_1 & 255]! ^ T[256 | ((s12_2 >>> 8) & 255)]! ^ T[512 | ((s12_3 >>> 16) & 255)]! ^ T[768 | (s12_0 >>> 24)]! ^ rk[53]!
    const s13_2 = T[s12_2 & 255]! ^ T[256 | ((s12_3 >>> 8) & 255)]! ^ T[512 | ((s12_0 >>> 16) & 255)]! ^ T[768 | (s12_1 >>> 24)]! ^ rk[54]!
    const s13_3 = T[s12_3 & 255]! ^ T[256 | ((s12_0 >>> 8) & 255)]! ^ T[512 | ((s12_1 >>> 16) & 255)]! ^ T[768 | (s12_2 >>> 24)]! ^ rk[55]!
    const y0 = T[1024 | (s13_0 & 255)]! ^ T[1280 | ((s13_1 >>> 8) & 255)]! ^ T[1536 | ((s13_2 >>> 16) & 255)]! ^ T[1792 | (s13_3 >>> 24)]! ^ rk[56]!
    const y1 = T[1024 | (s13_1 & 255)]! ^ T[1280 | ((s13_2 >>> 8) & 255)]! ^ T[1536 | ((s13_3 >>> 16) & 255)]! ^ T[1792 | (s13_0 >>> 24)]! ^ rk[57]!
    const y2 = T[1024 | (s13_2 & 255)]! ^ T[1280 | ((s13_3 >>> 8) & 255)]! ^ T[1536 | ((s13_0 >>> 16) & 255)]! ^ T[1792 | (s13_1 >>> 24)]! ^ rk[58]!
    const y3 = T[1024 | (s13_3 & 255)]! ^ T[1280 | ((s13_0 >>> 8) & 255)]! ^ T[1536 | ((s13_1 >>> 16) & 255)]! ^ T[1792 | (s13_2 >>> 24)]! ^ rk[59]!
    c0 = y0 ^ p0, c1 = y1 ^ p1, c2 = y2 ^ p2, c3 = y3 ^ p3
    dst[off] = c0, dst[off + 1] = c1, dst[off + 2] = c2, dst[off + 3] = c3
    p0 = x0, p1 = x1, p2 = x2, p3 = x3
  }
}

/**
 * AES-256-IGE decryption over little-endian word views (see {@link igeEncryptWords});
 * `rk` comes from {@link expandKeyDec}. p_i = D(c_i ⊕ p_{i-1}) ⊕ c_{i-1}.
 */
export const igeDecryptWords = (
  rk: Int32Array,
  src: Int32Array,
  dst: Int32Array,
  words: number,
  iv: Int32Array
): void => {
  const T = TD
  let c0 = iv[0]!, c1 = iv[1]!, c2 = iv[2]!, c3 = iv[3]!
  let p0 = iv[4]!, p1 = iv[5]!, p2 = iv[6]!, p3 = iv[7]!
  for (let off = 0; off < words; off += 4) {
    const x0 = src[off]!, x1 = src[off + 1]!, x2 = src[off + 2]!, x3 = src[off + 3]!
    const s0_0 = x0 ^ p0 ^ rk[0]!, s0_1 = x1 ^ p1 ^ rk[1]!, s0_2 = x2 ^ p2 ^ rk[2]!, s0_3 = x3 ^ p3 ^ rk[3]!
    const s1_0 = T[s0_0 & 255]! ^ T[256 | ((s0_3 >>> 8) & 255)]! ^ T[512 | ((s0_2 >>> 16) & 255)]! ^ T[768 | (s0_1 >>> 24)]! ^ rk[4]!
    const s1_1 = T[s0_1 & 255]! ^ T[256 | ((s0_0 >>> 8) & 255)]! ^ T[512 | ((s0_3 >>> 16) & 255)]! ^ T[768 | (s0_2 >>> 24)]! ^ rk[5]!
    const s1_2 = T[s0_2 & 255]! ^ T[256 | ((s0_1 >>> 8) & 255)]! ^ T[512 | ((s0_0 >>> 16) & 255)]! ^ T[768 | (s0_3 >>> 24)]! ^ rk[6]!
    const s1_3 = T[s0_3 & 255]! ^ T[256 | ((s0_2 >>> 8) & 255)]! ^ T[512 | ((s0_1 >>> 16) & 255)]! ^ T[768 | (s0_0 >>> 24)]! ^ rk[7]!
    const s2_0 = T[s1_0 & 255]! ^ T[256 | ((s1_3 >>> 8) & 255)]! ^ T[512 | ((s1_2 >>> 16) & 255)]! ^ T[768 | (s1_1 >>> 24)]! ^ rk[8]!
    const s2_1 = T[s1_1 & 255]! ^ T[256 | ((s1_0 >>> 8) & 255)]! ^ T[512 | ((s1_3 >>> 16) & 255)]! ^ T[768 | (s1_2 >>> 24)]! ^ rk[9]!
    const s2_2 = T[s1_2 & 255]! ^ T[256 | ((s1_1 >>> 8) & 255)]! ^ T[512 | ((s1_0 >>> 16) & 255)]! ^ T[768 | (s1_3 >>> 24)]! ^ rk[10]!
    const s2_3 = T[s1_3 & 255]! ^ T[256 | ((s1_2 >>> 8) & 255)]! ^ T[512 | ((s1_1 >>> 16) & 255)]! ^ T[768 | (s1_0 >>> 24)]! ^ rk[11]!
    const s3_0 = T[s2_0 & 255]! ^ T[256 | ((s2_3 >>> 8) & 255)]! ^ T[512 | ((s2_2 >>> 16) & 255)]! ^ T[768 | (s2_1 >>> 24)]! ^ rk[12]!
    const s3_1 = T[s2_1 & 255]! ^ T[256 | ((s2_0 >>> 8) & 255)]! ^ T[512 | ((s2_3 >>> 16) & 255)]! ^ T[768 | (s2_2 >>> 24)]! ^ rk[13]!
    const s3_2 = T[s2_2 & 255]! ^ T[256 | ((s2_1 >>> 8) & 255)]! ^ T[512 | ((s2_0 >>> 16) & 255)]! ^ T[768 | (s2_3 >>> 24)]! ^ rk[14]!
    const s3_3 = T[s2_3 & 255]! ^ T[256 | ((s2_2 >>> 8) & 255)]! ^ T[512 | ((s2_1 >>> 16) & 255)]! ^ T[768 | (s2_0 >>> 24)]! ^ rk[15]!
    const s4_0 = T[s3_0 & 255]! ^ T[256 | ((s3_3 >>> 8) & 255)]! ^ T[512 | ((s3_2 >>> 16) & 255)]! ^ T[768 | (s3_1 >>> 24)]! ^ rk[16]!
    const s4_1 = T[s3_1 & 255]! ^ T[256 | ((s3_0 >>> 8) & 255)]! ^ T[512 | ((s3_3 >>> 16) & 255)]! ^ T[768 | (s3_2 >>> 24)]! ^ rk[17]!
    const s4_2 = T[s3_2 & 255]! ^ T[256 | ((s3_1 >>> 8) & 255)]! ^ T[512 | ((s3_0 >>> 16) & 255)]! ^ T[768 | (s3_3 >>> 24)]! ^ rk[18]!
    const s4_3 = T[s3_3 & 255]! ^ T[256 | ((s3_2 >>> 8) & 255)]! ^ T[512 | ((s3_1 >>> 16) & 255)]! ^ T[768 | (s3_0 >>> 24)]! ^ rk[19]!
    const s5_0 = T[s4_0 & 255]! ^ T[256 | ((s4_3 >>> 8) & 255)]! ^ T[512 | ((s4_2 >>> 16) & 255)]! ^ T[768 | (s4_1 >>> 24)]! ^ rk[20]!
    const s5_1 = T[s4_1 & 255]! ^ T[256 | ((s4_0 >>> 8) & 255)]! ^ T[512 | ((s4_3 >>> 16) & 255)]! ^ T[768 | (s4_2 >>> 24)]! ^ rk[21]!
    const s5_2 = T[s4_2 & 255]! ^ T[256 | ((s4_1 >>> 8) & 255)]! ^ T[512 | ((s4_0 >>> 16) & 255)]! ^ T[768 | (s4_3 >>> 24)]! ^ rk[22]!
    const s5_3 = T[s4_3 & 255]! ^ T[256 | ((s4_2 >>> 8) & 255)]! ^ T[512 | ((s4_1 >>> 16) & 255)]! ^ T[768 | (s4_0 >>> 24)]! ^ rk[23]!
    const s6_0 = T[s5_0 & 255]! ^ T[256 | ((s5_3 >>> 8) & 255)]! ^ T[512 | ((s5_2 >>> 16) & 255)]! ^ T[768 | (s5_1 >>> 24)]! ^ rk[24]!
    const s6_1 = T[s5_1 & 255]! ^ T[256 | ((s5_0 >>> 8) & 255)]! ^ T[512 | ((s5_3 >>> 16) & 255)]! ^ T[768 | (s5_2 >>> 24)]! ^ rk[25]!
    const s6_2 = T[s5_2 & 255]! ^ T[256 | ((s5_1 >>> 8) & 255)]! ^ T[512 | ((s5_0 >>> 16) & 255)]! ^ T[768 | (s5_3 >>> 24)]! ^ rk[26]!
    const s6_3 = T[s5_3 & 255]! ^ T[256 | ((s5_2 >>> 8) & 255)]! ^ T[512 | ((s5_1 >>> 16) & 255)]! ^ T[768 | (s5_0 >>> 24)]! ^ rk[27]!
    const s7_0 = T[s6_0 & 255]! ^ T[256 | ((s6_3 >>> 8) & 255)]! ^ T[512 | ((s6_2 >>> 16) & 255)]! ^ T[768 | (s6_1 >>> 24)]! ^ rk[28]!
    const s7_1 = T[s6_1 & 255]! ^ T[256 | ((s6_0 >>> 8) & 255)]! ^ T[512 | ((s6_3 >>> 16) & 255)]! ^ T[768 | (s6_2 >>> 24)]! ^ rk[29]!
    const s7_2 = T[s6_2 & 255]! ^ T[256 | ((s6_1 >>> 8) & 255)]! ^ T[512 | ((s6_0 >>> 16) & 255)]! ^ T[768 | (s6_3 >>> 24)]! ^ rk[30]!
    const s7_3 = T[s6_3 & 255]! ^ T[256 | ((s6_2 >>> 8) & 255)]! ^ T[512 | ((s6_1 >>> 16) & 255)]! ^ T[768 | (s6_0 >>> 24)]! ^ rk[31]!
    const s8_0 = T[s7_0 & 255]! ^ T[256 | ((s7_3 >>> 8) & 255)]! ^ T[512 | ((s7_2 >>> 16) & 255)]! ^ T[768 | (s7_1 >>> 24)]! ^ rk[32]!
    const s8_1 = T[s7_1 & 255]! ^ T[256 | ((s7_0 >>> 8) & 255)]! ^ T[512 | ((s7_3 >>> 16) & 255)]! ^ T[768 | (s7_2 >>> 24)]! ^ rk[33]!
    const s8_2 = T[s7_2 & 255]! ^ T[256 | ((s7_1 >>> 8) & 255)]! ^ T[512 | ((s7_0 >>> 16) & 255)]! ^ T[768 | (s7_3 >>> 24)]! ^ rk[34]!
    const s8_3 = T[s7_3 & 255]! ^ T[256 | ((s7_2 >>> 8) & 255)]! ^ T[512 | ((s7_1 >>> 16) & 255)]! ^ T[768 | (s7_0 >>> 24)]! ^ rk[35]!
    const s9_0 = T[s8_0 & 255]! ^ T[256 | ((s8_3 >>> 8) & 255)]! ^ T[512 | ((s8_2 >>> 16) & 255)]! ^ T[768 | (s8_1 >>> 24)]! ^ rk[36]!
    const s9_1 = T[s8_1 & 255]! ^ T[256 | ((s8_0 >>> 8) & 255)]! ^ T[512 | ((s8_3 >>> 16) & 255)]! ^ T[768 | (s8_2 >>> 24)]! ^ rk[37]!
    const s9_2 = T[s8_2 & 255]! ^ T[256 | ((s8_1 >>> 8) & 255)]! ^ T[512 | ((s8_0 >>> 16) & 255)]! ^ T[768 | (s8_3 >>> 24)]! ^ rk[38]!
    const s9_3 = T[s8_3 & 255]! ^ T[256 | ((s8_2 >>> 8) & 255)]! ^ T[512 | ((s8_1 >>> 16) & 255)]! ^ T[768 | (s8_0 >>> 24)]! ^ rk[39]!
    const s10_0 = T[s9_0 & 255]! ^ T[256 | ((s9_3 >>> 8) & 255)]! ^ T[512 | ((s9_2 >>> 16) & 255)]! ^ T[768 | (s9_1 >>> 24)]! ^ rk[40]!
    const s10_1 = T[s9_1 & 255]! ^ T[256 | ((s9_0 >>> 8) & 255)]! ^ T[512 | ((s9_3 >>> 16) & 255)]! ^ T[768 | (s9_2 >>> 24)]! ^ rk[41]!
    const s10_2 = T[s9_2 & 255]! ^ T[256 | ((s9_1 >>> 8) & 255)]! ^ T[512 | ((s9_0 >>> 16) & 255)]! ^ T[768 | (s9_3 >>> 24)]! ^ rk[42]!
    const s10_3 = T[s9_3 & 255]! ^ T[256 | ((s9_2 >>> 8) & 255)]! ^ T[512 | ((s9_1 >>> 16) & 255)]! ^ T[768 | (s9_0 >>> 24)]! ^ rk[43]!
    const s11_0 = T[s10_0 & 255]! ^ T[256 | ((s10_3 >>> 8) & 255)]! ^ T[512 | ((s10_2 >>> 16) & 255)]! ^ T[768 | (s10_1 >>> 24)]! ^ rk[44]!
    const s11_1 = T[s10_1 & 255]! ^ T[256 | ((s10_0 >>> 8) & 255)]! ^ T[512 | ((s10_3 >>> 16) & 255)]! ^ T[768 | (s10_2 >>> 24)]! ^ rk[45]!
    const s11_2 = T[s10_2 & 255]! ^ T[256 | ((s10_1 >>> 8) & 255)]! ^ T[512 | ((s10_0 >>> 16) & 255)]! ^ T[768 | (s10_3 >>> 24)]! ^ rk[46]!
    const s11_3 = T[s10_3 & 255]! ^ T[256 | ((s10_2 >>> 8) & 255)]! ^ T[512 | ((s10_1 >>> 16) & 255)]! ^ T[768 | (s10_0 >>> 24)]! ^ rk[47]!
    const s12_0 = T[s11_0 & 255]! ^ T[256 | ((s11_3 >>> 8) & 255)]! ^ T[512 | ((s11_2 >>> 16) & 255)]! ^ T[768 | (s11_1 >>> 24)]! ^ rk[48]!
    const s12_1 = T[s11_1 & 255]! ^ T[256 | ((s11_0 >>> 8) & 255)]! ^ T[512 | ((s11_3 >>> 16) & 255)]! ^ T[768 | (s11_2 >>> 24)]! ^ rk[49]!
    const s12_2 = T[s11_2 & 255]! ^ T[256 | ((s11_1 >>> 8) & 255)]! ^ T[512 | ((s11_0 >>> 16) & 255)]! ^ T[768 | (s11_3 >>> 24)]! ^ rk[50]!
    const s12_3 = T[s11_3 & 255]! ^ T[256 | ((s11_2 >>> 8) & 255)]! ^ T[512 | ((s11_1 >>> 16) & 255)]! ^ T[768 | (s11_0 >>> 24)]! ^ rk[51]!
    const s13_0 = T[s12_0 & 255]! ^ T[256 | ((s12_3 >>> 8) & 255)]! ^ T[512 | ((s12_2 >>> 16) & 255)]! ^ T[768 | (s12_1 >>> 24)]! ^ rk[52]!
    const s13_1 = T[s12_1 & 255]! ^ T[256 | ((s12_0 >>> 8) & 255)]! ^ T[512 | ((s12_3 >>> 16) & 255)]! ^ T[768 | (s12_2 >>> 24)]! ^ rk[53]!
    const s13_2 = T[s12_2 & 255]! ^ T[256 | ((s12_1 >>> 8) & 255)]! ^ T[512 | ((s12_0 >>> 16) & 255)]! ^ T[768 | (s12_3 >>> 24)]! ^ rk[54]!
    const s13_3 = T[s12_3 & 255]! ^ T[256 | ((s12_2 >>> 8) & 255)]! ^ T[512 | ((s12_1 >>> 16) & 255)]! ^ T[768 | (s12_0 >>> 24)]! ^ rk[55]!
    const y0 = T[1024 | (s13_0 & 255)]! ^ T[1280 | ((s13_3 >>> 8) & 255)]! ^ T[1536 | ((s13_2 >>> 16) & 255)]! ^ T[1792 | (s13_1 >>> 24)]! ^ rk[56]!
    const y1 = T[1024 | (s13_1 & 255)]! ^ T[1280 | ((s13_0 >>> 8) & 255)]! ^ T[1536 | ((s13_3 >>> 16) & 255)]! ^ T[1792 | (s13_2 >>> 24)]! ^ rk[57]!
    const y2 = T[1024 | (s13_2 & 255)]! ^ T[1280 | ((s13_1 >>> 8) & 255)]! ^ T[1536 | ((s13_0 >>> 16) & 255)]! ^ T[1792 | (s13_3 >>> 24)]! ^ rk[58]!
    const y3 = T[1024 | (s13_3 & 255)]! ^ T[1280 | ((s13_2 >>> 8) & 255)]! ^ T[1536 | ((s13_1 >>> 16) & 255)]! ^ T[1792 | (s13_0 >>> 24)]! ^ rk[59]!
    p0 = y0 ^ c0, p1 = y1 ^ c1, p2 = y2 ^ c2, p3 = y3 ^ c3
    dst[off] = p0, dst[off + 1] = p1, dst[off + 2] = p2, dst[off + 3] = p3
    c0 = x0, c1 = x1, c2 = x2, c3 = x3
  }
}
