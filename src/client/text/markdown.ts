/**
 * The markdown dialect's parser: markdown source → text + entities (UTF-16 offsets), in one
 * pass, never throwing. The dialect is documented on `Text.parseMarkdown`.
 *
 * How it stays linear and best-effort: the text is collected as `parts` (slices of the
 * source), and every marker that may turn out unmatched (`**`, `[`, ...) holds an empty
 * placeholder part. Entities remember part indices, not offsets; at the end unmatched
 * markers put their own characters back into their placeholders, and only then are parts
 * turned into offsets. A closing backtick/fence or link URL is searched at most once per
 * failure (a failed search is remembered), so hostile input cannot make it quadratic.
 *
 * @internal
 */
import { canonicalize, type FlagTag, type FormatEntity, type FormattedText, plainEntity, preEntity, quoteEntity, targetEntity } from "./entities.ts"
import { classifyLink, type LinkTarget } from "./links.ts"

const NL = 10
const SPACE = 32
const BANG = 33
const LPAREN = 40
const RPAREN = 41
const STAR = 42
const MINUS = 45
const GT = 62
const LBRACKET = 91
const BACKSLASH = 92
const RBRACKET = 93
const UNDERSCORE = 95
const BACKTICK = 96
const PIPE = 124
const TILDE = 126

/** The style each doubled marker character toggles, by character code. */
const FLAG_OF: Partial<Record<number, number>> = { [STAR]: 0, [UNDERSCORE]: 1, [MINUS]: 2, [TILDE]: 3, [PIPE]: 4 }
const FLAG_TAGS: ReadonlyArray<FlagTag> = [
  "messageEntityBold",
  "messageEntityItalic",
  "messageEntityUnderline",
  "messageEntityStrike",
  "messageEntitySpoiler"
]
/** The markers, by style index (also what an unmatched one turns back into). */
export const FLAG_MARKERS: ReadonlyArray<string> = ["**", "__", "--", "~~", "||"]

/** Characters the main loop must look at; everything else is copied as a run. */
const SPECIAL = new Uint8Array(128)
for (const c of "\\`\n*_-~|[]!") SPECIAL[c.charCodeAt(0)] = 1

/** ASCII punctuation: what a backslash escapes outside code (CommonMark's set). */
const isPunct = (c: number): boolean =>
  (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)

/** An entity found, with part indices for its bounds. */
interface Span {
  readonly tag: FormatEntity["_tag"] | "link"
  readonly start: number
  readonly end: number
  readonly attr: string | boolean | LinkTarget | undefined
}

/** Parses the markdown dialect (see `Text.parseMarkdown`). Never throws. */
export const parseMarkdown = (src: string): FormattedText => {
  const n = src.length
  const parts: Array<string> = []
  const spans: Array<Span> = []
  /** Start of the source run not yet copied into `parts`. */
  let run = 0
  /** Copies the run up to `to` into `parts`; the next run starts at `resume`. */
  const cut = (to: number, resume: number): void => {
    if (to > run) parts.push(src.slice(run, to))
    run = resume
  }

  const flagOpen = [-1, -1, -1, -1, -1] // placeholder part of each open style
  const linkOpen: Array<number> = [] // placeholder parts of open `[` / `![`
  const linkBang: Array<boolean> = []
  let quoteStart = -1
  let quoteCollapsed = false
  let codeFailed = false
  let preFailed = false
  let urlFailedBefore = -1

  /**
   * At a line start `j`: quote prefixes (`>`, `**>` for a collapsed quote, one optional
   * space after), the end of a quote when the line has none (at `brk`, before the line
   * break), and in code the escapes `\>` / `\*` that keep a line from reading as a quote.
   */
  const lineStart = (j: number, leaf: boolean, brk: number, fence = false): number => {
    const c = src.charCodeAt(j)
    let prefix = 0
    if (c === GT) prefix = 1
    else if (c === STAR && src.charCodeAt(j + 1) === STAR && src.charCodeAt(j + 2) === GT) prefix = 3
    if (quoteStart >= 0 && prefix !== 1) {
      cut(brk, brk)
      spans.push({ tag: "messageEntityBlockquote", start: quoteStart, end: parts.length, attr: quoteCollapsed })
      quoteStart = -1
    }
    // a pre's language line break: not text, unless the pre turns out empty (see `pre`)
    if (fence) parts.push("")
    if (prefix > 0) {
      let k = j + prefix
      if (src.charCodeAt(k) === SPACE) k++
      cut(j, k)
      if (quoteStart < 0) {
        quoteStart = parts.length
        quoteCollapsed = prefix === 3
      }
      return k
    }
    if (leaf && c === BACKSLASH) {
      const d = src.charCodeAt(j + 1)
      if (d === GT || d === STAR) {
        cut(j, j + 1)
        return j + 2
      }
    }
    return j
  }

  /** The first backtick at or after `j` not escaped by an odd run of backslashes. */
  const findTick = (j: number, fence: boolean): number => {
    for (;;) {
      const k = fence ? src.indexOf("```", j) : src.indexOf("`", j)
      if (k < 0) return -1
      let slashes = 0
      for (let m = k - 1; m >= j && src.charCodeAt(m) === BACKSLASH; m--) slashes++
      if ((slashes & 1) === 0) return k
      j = k + 1
    }
  }

  /** Literal content of code/pre in `[a, b)`: only `` \` `` and `\\` are escapes. */
  const leafContent = (a: number, b: number): void => {
    for (let k = a; k < b;) {
      const c = src.charCodeAt(k)
      if (c === BACKSLASH) {
        const d = src.charCodeAt(k + 1)
        if ((d === BACKTICK || d === BACKSLASH) && k + 1 < b) {
          cut(k, k + 1)
          k += 2
        } else k++
      } else if (c === NL) {
        k = lineStart(k + 1, true, k)
      } else k++
    }
  }

  const pre = (i: number): number => {
    const close = preFailed ? -1 : findTick(i + 3, true)
    if (close < 0) {
      preFailed = true
      return i + 3
    }
    cut(i, i + 3)
    // the opening fence and language line (and its line break, pushed by `lineStart`),
    // should this pre turn out empty
    const opener = parts.length
    parts.push("")
    let language = ""
    let from = i + 3
    const nl = src.indexOf("\n", from)
    if (nl >= 0 && nl < close) {
      language = src.slice(from, nl)
      run = nl + 1
      from = lineStart(nl + 1, true, nl + 1, true)
    }
    const start = parts.length
    leafContent(from, close)
    cut(close, close + 3)
    // the line break before the closing fence belongs to the fence
    const last = parts.length - 1
    const stripped = last >= start && (parts[last] as string).charCodeAt((parts[last] as string).length - 1) === NL
    if (stripped) parts[last] = (parts[last] as string).slice(0, -1)
    let empty = true
    for (let k = start; k < parts.length && empty; k++) empty = (parts[k] as string).length === 0
    if (empty) {
      // an empty pre is no pre (like an empty code span): its fences are text
      if (from === i + 3) parts[opener] = "```"
      else {
        parts[opener] = src.slice(i, nl)
        parts[opener + 1] = "\n"
      }
      if (stripped) parts[last] += "\n"
      parts.push("```")
    } else {
      spans.push({ tag: "messageEntityPre", start, end: parts.length, attr: language })
    }
    return close + 3
  }

  const code = (i: number): number => {
    if (src.charCodeAt(i + 1) === BACKTICK && src.charCodeAt(i + 2) === BACKTICK) return pre(i)
    const close = codeFailed ? -1 : findTick(i + 1, false)
    if (close < 0) codeFailed = true
    if (close <= i + 1) return i + 1 // no closing backtick, or empty code: a literal backtick
    cut(i, i + 1)
    const start = parts.length
    leafContent(i + 1, close)
    cut(close, close + 1)
    spans.push({ tag: "messageEntityCode", start, end: parts.length, attr: undefined })
    return close + 1
  }

  /** The `)` ending a URL starting at `j` (parentheses inside may nest), or -1. */
  const urlEnd = (j: number): number => {
    let depth = 0
    for (let k = j; k < n; k++) {
      const c = src.charCodeAt(k)
      if (c === BACKSLASH && src.charCodeAt(k + 1) !== NL) k++
      else if (c === LPAREN) depth++
      else if (c === RPAREN) {
        if (depth === 0) return k
        depth--
      } else if (c === NL) {
        urlFailedBefore = k
        return -1
      }
    }
    urlFailedBefore = n
    return -1
  }

  const unescapeUrl = (a: number, b: number): string => {
    const raw = src.slice(a, b)
    if (!raw.includes("\\")) return raw
    return raw.replace(/\\([\\()])/g, "$1")
  }

  /** At `]`: closes the innermost `[`/`![` when a `(url)` follows, else both are literal. */
  const closeLink = (i: number): number => {
    const at = linkOpen.pop()
    if (at === undefined) return i + 1
    const bang = linkBang.pop() as boolean
    const close = src.charCodeAt(i + 1) === LPAREN && i >= urlFailedBefore ? urlEnd(i + 2) : -1
    if (close < 0) {
      parts[at] = bang ? "![" : "["
      return i + 1
    }
    cut(i, close + 1)
    const target = classifyLink(unescapeUrl(i + 2, close))
    if (bang && target._tag !== "emoji") parts[at] = "!"
    spans.push({ tag: "link", start: at + 1, end: parts.length, attr: target })
    return close + 1
  }

  const openLink = (i: number, width: number): void => {
    cut(i, i + width)
    linkOpen.push(parts.length)
    linkBang.push(width === 2)
    parts.push("")
  }

  let i = lineStart(0, false, 0)
  while (i < n) {
    const c = src.charCodeAt(i)
    if (c >= 128 || SPECIAL[c] === 0) {
      i++
      continue
    }
    switch (c) {
      case NL:
        i = lineStart(i + 1, false, i)
        break
      case BACKSLASH:
        if (i + 1 < n && isPunct(src.charCodeAt(i + 1))) {
          cut(i, i + 1)
          i += 2
        } else i++
        break
      case BACKTICK:
        i = code(i)
        break
      case LBRACKET:
        openLink(i, 1)
        i++
        break
      case BANG:
        if (src.charCodeAt(i + 1) === LBRACKET) {
          openLink(i, 2)
          i += 2
        } else i++
        break
      case RBRACKET:
        i = closeLink(i)
        break
      default: {
        // a doubled style marker toggles its style
        if (src.charCodeAt(i + 1) !== c) {
          i++
          break
        }
        const f = FLAG_OF[c] as number
        cut(i, i + 2)
        const open = flagOpen[f] as number
        if (open < 0) {
          flagOpen[f] = parts.length
          parts.push("")
        } else {
          spans.push({ tag: FLAG_TAGS[f] as FlagTag, start: open + 1, end: parts.length, attr: undefined })
          flagOpen[f] = -1
        }
        i += 2
      }
    }
  }
  cut(n, n)
  if (quoteStart >= 0) spans.push({ tag: "messageEntityBlockquote", start: quoteStart, end: parts.length, attr: quoteCollapsed })
  // unmatched markers are text again
  for (let f = 0; f < 5; f++) if ((flagOpen[f] as number) >= 0) parts[flagOpen[f] as number] = FLAG_MARKERS[f] as string
  for (let k = 0; k < linkOpen.length; k++) parts[linkOpen[k] as number] = linkBang[k] === true ? "![" : "["

  const text = parts.length === 1 ? (parts[0] as string) : parts.join("")
  if (spans.length === 0) return { text, entities: [] }
  const offsets = new Array<number>(parts.length + 1)
  let acc = 0
  for (let k = 0; k < parts.length; k++) {
    offsets[k] = acc
    acc += (parts[k] as string).length
  }
  offsets[parts.length] = acc
  const entities: Array<FormatEntity> = []
  for (const s of spans) {
    const offset = offsets[s.start] as number
    const length = (offsets[s.end] as number) - offset
    if (length <= 0) continue
    const e = toEntity(s, offset, length)
    if (e !== undefined) entities.push(e)
  }
  return { text, entities: canonicalize(entities) }
}

const toEntity = (s: Span, offset: number, length: number): FormatEntity | undefined => {
  switch (s.tag) {
    case "link":
      return targetEntity(s.attr as LinkTarget, offset, length)
    case "messageEntityPre":
      return preEntity(offset, length, s.attr as string)
    case "messageEntityBlockquote":
      return quoteEntity(offset, length, s.attr === true)
    default:
      return plainEntity(s.tag as FlagTag | "messageEntityCode", offset, length)
  }
}
