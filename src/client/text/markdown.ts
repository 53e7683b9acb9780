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
import { BACKSLASH, BACKTICK, BANG, GT, LBRACKET, LPAREN, MINUS, NL, PIPE, RBRACKET, RPAREN, SPACE, STAR, TILDE, UNDERSCORE } from "./chars.ts"
import { canonicalize, type FlagTag, type FormatEntity, type FormattedText, plainEntity, preEntity, quoteEntity, targetEntity } from "./entities.ts"
import { classifyLink, type LinkTarget } from "./links.ts"

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

/**
 * One parse. A class rather than closures: a parse then allocates no functions, which
 * matters for short messages (and under loaders that wrap every function, like tsx).
 */
class MarkdownParser {
  readonly src: string
  readonly n: number
  readonly parts: Array<string> = []
  readonly spans: Array<Span> = []
  /** Start of the source run not yet copied into `parts`. */
  run = 0
  readonly flagOpen = [-1, -1, -1, -1, -1] // placeholder part of each open style
  readonly linkOpen: Array<number> = [] // placeholder parts of open `[` / `![`
  readonly linkBang: Array<boolean> = []
  quoteStart = -1
  quoteCollapsed = false
  codeFailed = false
  preFailed = false
  urlFailedBefore = -1

  constructor(src: string) {
    this.src = src
    this.n = src.length
  }

  /** Copies the run up to `to` into `parts`; the next run starts at `resume`. */
  cut(to: number, resume: number): void {
    if (to > this.run) this.parts.push(this.src.slice(this.run, to))
    this.run = resume
  }

  /**
   * At a line start `j`: quote prefixes (`>`, `**>` for a collapsed quote, one optional
   * space after), the end of a quote when the line has none (at `brk`, before the line
   * break), and in code the escapes `\>` / `\*` that keep a line from reading as a quote.
   * `fence`: the line break is a pre's language line break, not text unless the pre turns
   * out empty (see `pre`), so it gets a placeholder part.
   */
  lineStart(j: number, leaf: boolean, brk: number, fence: boolean): number {
    const src = this.src
    const c = src.charCodeAt(j)
    let prefix = 0
    if (c === GT) prefix = 1
    else if (c === STAR && src.charCodeAt(j + 1) === STAR && src.charCodeAt(j + 2) === GT) prefix = 3
    if (this.quoteStart >= 0 && prefix !== 1) {
      this.cut(brk, brk)
      this.spans.push({ tag: "messageEntityBlockquote", start: this.quoteStart, end: this.parts.length, attr: this.quoteCollapsed })
      this.quoteStart = -1
    }
    if (fence) this.parts.push("")
    if (prefix > 0) {
      let k = j + prefix
      if (src.charCodeAt(k) === SPACE) k++
      this.cut(j, k)
      if (this.quoteStart < 0) {
        this.quoteStart = this.parts.length
        this.quoteCollapsed = prefix === 3
      }
      return k
    }
    if (leaf && c === BACKSLASH) {
      const d = src.charCodeAt(j + 1)
      if (d === GT || d === STAR) {
        this.cut(j, j + 1)
        return j + 2
      }
    }
    return j
  }

  /** The first backtick (or fence) at or after `j` not escaped by an odd run of backslashes. */
  findTick(j: number, fence: boolean): number {
    const src = this.src
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
  leafContent(a: number, b: number): void {
    const src = this.src
    for (let k = a; k < b;) {
      const c = src.charCodeAt(k)
      if (c === BACKSLASH) {
        const d = src.charCodeAt(k + 1)
        if ((d === BACKTICK || d === BACKSLASH) && k + 1 < b) {
          this.cut(k, k + 1)
          k += 2
        } else k++
      } else if (c === NL) {
        k = this.lineStart(k + 1, true, k, false)
      } else k++
    }
  }

  pre(i: number): number {
    const close = this.preFailed ? -1 : this.findTick(i + 3, true)
    if (close < 0) {
      this.preFailed = true
      return i + 3
    }
    const parts = this.parts
    this.cut(i, i + 3)
    // the opening fence and language line (and its line break, pushed by `lineStart`),
    // should this pre turn out empty
    const opener = parts.length
    parts.push("")
    let language = ""
    let from = i + 3
    const nl = this.src.indexOf("\n", from)
    if (nl >= 0 && nl < close) {
      language = this.src.slice(from, nl)
      this.run = nl + 1
      from = this.lineStart(nl + 1, true, nl + 1, true)
    }
    const start = parts.length
    this.leafContent(from, close)
    this.cut(close, close + 3)
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
        parts[opener] = this.src.slice(i, nl)
        parts[opener + 1] = "\n"
      }
      if (stripped) parts[last] += "\n"
      parts.push("```")
    } else {
      this.spans.push({ tag: "messageEntityPre", start, end: parts.length, attr: language })
    }
    return close + 3
  }

  code(i: number): number {
    const src = this.src
    if (src.charCodeAt(i + 1) === BACKTICK && src.charCodeAt(i + 2) === BACKTICK) return this.pre(i)
    const close = this.codeFailed ? -1 : this.findTick(i + 1, false)
    if (close < 0) this.codeFailed = true
    if (close <= i + 1) return i + 1 // no closing backtick, or empty code: a literal backtick
    this.cut(i, i + 1)
    const start = this.parts.length
    this.leafContent(i + 1, close)
    this.cut(close, close + 1)
    this.spans.push({ tag: "messageEntityCode", start, end: this.parts.length, attr: undefined })
    return close + 1
  }

  /** The `)` ending a URL starting at `j` (parentheses inside may nest), or -1. */
  urlEnd(j: number): number {
    const src = this.src
    let depth = 0
    for (let k = j; k < this.n; k++) {
      const c = src.charCodeAt(k)
      if (c === BACKSLASH && src.charCodeAt(k + 1) !== NL) k++
      else if (c === LPAREN) depth++
      else if (c === RPAREN) {
        if (depth === 0) return k
        depth--
      } else if (c === NL) {
        this.urlFailedBefore = k
        return -1
      }
    }
    this.urlFailedBefore = this.n
    return -1
  }

  /** At `]`: closes the innermost `[`/`![` when a `(url)` follows, else both are literal. */
  closeLink(i: number): number {
    const at = this.linkOpen.pop()
    if (at === undefined) return i + 1
    const bang = this.linkBang.pop() as boolean
    const close = this.src.charCodeAt(i + 1) === LPAREN && i >= this.urlFailedBefore ? this.urlEnd(i + 2) : -1
    if (close < 0) {
      this.parts[at] = bang ? "![" : "["
      return i + 1
    }
    this.cut(i, close + 1)
    const raw = this.src.slice(i + 2, close)
    const target = classifyLink(raw.includes("\\") ? raw.replace(/\\([\\()])/g, "$1") : raw)
    if (bang && target._tag !== "emoji") this.parts[at] = "!"
    this.spans.push({ tag: "link", start: at + 1, end: this.parts.length, attr: target })
    return close + 1
  }

  openLink(i: number, width: number): void {
    this.cut(i, i + width)
    this.linkOpen.push(this.parts.length)
    this.linkBang.push(width === 2)
    this.parts.push("")
  }

  /** A doubled style marker at `i`: opens its style, or closes it. */
  toggle(i: number, c: number): void {
    const f = FLAG_OF[c] as number
    this.cut(i, i + 2)
    const open = this.flagOpen[f] as number
    if (open < 0) {
      this.flagOpen[f] = this.parts.length
      this.parts.push("")
    } else {
      this.spans.push({ tag: FLAG_TAGS[f] as FlagTag, start: open + 1, end: this.parts.length, attr: undefined })
      this.flagOpen[f] = -1
    }
  }

  parse(): FormattedText {
    const { n, src } = this
    let i = this.lineStart(0, false, 0, false)
    while (i < n) {
      const c = src.charCodeAt(i)
      if (c >= 128 || SPECIAL[c] === 0) {
        i++
        continue
      }
      switch (c) {
        case NL:
          i = this.lineStart(i + 1, false, i, false)
          break
        case BACKSLASH:
          if (i + 1 < n && isPunct(src.charCodeAt(i + 1))) {
            this.cut(i, i + 1)
            i += 2
          } else i++
          break
        case BACKTICK:
          i = this.code(i)
          break
        case LBRACKET:
          this.openLink(i, 1)
          i++
          break
        case BANG:
          if (src.charCodeAt(i + 1) === LBRACKET) {
            this.openLink(i, 2)
            i += 2
          } else i++
          break
        case RBRACKET:
          i = this.closeLink(i)
          break
        default:
          // a style marker is a doubled character
          if (src.charCodeAt(i + 1) === c) {
            this.toggle(i, c)
            i += 2
          } else i++
      }
    }
    return this.finish()
  }

  /** Unmatched markers become text again; part indices become offsets. */
  finish(): FormattedText {
    const { parts, spans } = this
    this.cut(this.n, this.n)
    if (this.quoteStart >= 0) {
      spans.push({ tag: "messageEntityBlockquote", start: this.quoteStart, end: parts.length, attr: this.quoteCollapsed })
    }
    for (let f = 0; f < 5; f++) {
      const at = this.flagOpen[f] as number
      if (at >= 0) parts[at] = FLAG_MARKERS[f] as string
    }
    for (let k = 0; k < this.linkOpen.length; k++) parts[this.linkOpen[k] as number] = this.linkBang[k] === true ? "![" : "["

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
}

/** Parses the markdown dialect (see `Text.parseMarkdown`). Never throws. */
export const parseMarkdown = (src: string): FormattedText => new MarkdownParser(src).parse()

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
