/**
 * The `tg://` links both formats use for entities that carry an id instead of a URL:
 * `tg://user?id=123` (a mention by id) and `tg://emoji?id=5368324170671202286` (a custom
 * emoji). Any other URL is a plain text link.
 *
 * @internal
 */

/** What a link target stands for once classified. */
export type LinkTarget =
  | { readonly _tag: "url"; readonly url: string }
  | { readonly _tag: "mention"; readonly userId: bigint }
  | { readonly _tag: "emoji"; readonly documentId: bigint }

const MIN_LONG = -(1n << 63n)
const MAX_LONG = (1n << 63n) - 1n

const USER_PREFIX = "tg://user?id="
const EMOJI_PREFIX = "tg://emoji?id="

/**
 * A TL `long` written in decimal (optionally negative), or `undefined` when `s` is not one
 * or does not fit in 64 signed bits (such an id could never be serialized).
 */
export const parseLong = (s: string): bigint | undefined => {
  const n = s.length
  if (n === 0 || n > 20) return undefined
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0
  if (i === n) return undefined
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return undefined
  }
  const v = BigInt(s)
  return v < MIN_LONG || v > MAX_LONG ? undefined : v
}

/** The id in `tg://<kind>?id=<id>` followed by nothing or by more `&`-parameters (ignored). */
const idAfter = (url: string, prefix: string): bigint | undefined => {
  if (!url.startsWith(prefix)) return undefined
  const amp = url.indexOf("&", prefix.length)
  return parseLong(url.slice(prefix.length, amp < 0 ? url.length : amp))
}

/** Classifies a link target (surrounding whitespace ignored): a mention, a custom emoji, or a plain URL. */
export const classifyLink = (raw: string): LinkTarget => {
  const url = raw.trim()
  if (url.charCodeAt(0) === 116 /* t */) {
    const userId = idAfter(url, USER_PREFIX)
    if (userId !== undefined) return { _tag: "mention", userId }
    const documentId = idAfter(url, EMOJI_PREFIX)
    if (documentId !== undefined) return { _tag: "emoji", documentId }
  }
  return { _tag: "url", url }
}

/** `tg://user?id=<id>`. */
export const mentionUrl = (userId: bigint): string => USER_PREFIX + userId.toString()

/** `tg://emoji?id=<id>`. */
export const emojiUrl = (documentId: bigint): string => EMOJI_PREFIX + documentId.toString()

/** Whether `v` is a bigint in the signed 64-bit range of a TL `long`. */
export const isLong = (v: unknown): v is bigint => typeof v === "bigint" && v >= MIN_LONG && v <= MAX_LONG
