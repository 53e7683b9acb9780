/**
 * The markdown dialect's writer: text + entities → markdown that {@link parseMarkdown}
 * reads back to the same normal form. Escapes only where a character would otherwise be
 * read as markup (a doubled `*`, a `>` opening a line, ...), so ordinary text stays readable.
 *
 * @internal
 */
import { BACKSLASH, BACKTICK, GT, LBRACKET, MINUS, NL, PIPE, RBRACKET, STAR, TILDE, UNDERSCORE } from "./chars.ts"
import { endOf, flagIndex, type FormatEntity, type FormattedTextInput, isFlag, normalize } from "./entities.ts"
import { emojiUrl, mentionUrl } from "./links.ts"
import { FLAG_MARKERS } from "./markdown.ts"
import { nest, type NestEvent, writable } from "./nesting.ts"

/** A quote on whole lines: `[start, end)` starts a line and ends one. */
interface LineQuote {
  readonly start: number
  end: number
  readonly collapsed: boolean
  /** Whether its first prefix has been written (a collapsed quote's first one is `**>`). */
  begun: boolean
}

/**
 * Quotes widened to whole lines, since markdown quotes are line prefixes. Lines start at the
 * text's line breaks and also at a pre's fences (the fence lines carry prefixes too); quotes
 * that then overlap or touch merge, except that a collapsed one (`**>`) can start right where
 * another ends.
 */
const lineQuotes = (
  text: string,
  quotes: ReadonlyArray<FormatEntity>,
  preStarts: ReadonlySet<number>,
  preEnds: ReadonlySet<number>
): Array<LineQuote> => {
  const out: Array<LineQuote> = []
  for (const q of quotes) {
    let start = q.offset
    if (start > 0 && text.charCodeAt(start - 1) !== NL && !preStarts.has(start) && !preEnds.has(start)) {
      start = text.lastIndexOf("\n", start - 1) + 1
    }
    let end = endOf(q)
    if (end < text.length && text.charCodeAt(end) !== NL && !preStarts.has(end) && !preEnds.has(end)) {
      const nl = text.indexOf("\n", end)
      end = nl < 0 ? text.length : nl
    }
    const collapsed = q._tag === "messageEntityBlockquote" && q.collapsed === true
    const last = out[out.length - 1]
    if (last !== undefined && (start < last.end || (start === last.end && !collapsed))) {
      last.end = Math.max(last.end, end)
    } else out.push({ start, end, collapsed, begun: false })
  }
  return out
}

type Item =
  | { readonly k: "text"; readonly s: string; readonly leaf: boolean }
  | { readonly k: "raw"; readonly s: string }
  // a line break (or, at the very start, none) and the quote prefix of the line it starts
  | { readonly k: "line"; readonly nl: boolean; readonly prefix: string }

/** Characters that may need a backslash in plain text. */
const MARKUP = /[\\`[\]*_\-~|>]/

/** `c` must be escaped in plain text when the next output character is `next`. */
const escapeText = (s: string, next: number, lineStart: boolean): string => {
  if (!MARKUP.test(s)) return s
  let out = ""
  let last = 0
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    let escape: boolean
    switch (c) {
      case BACKSLASH:
      case BACKTICK:
      case LBRACKET:
      case RBRACKET:
        escape = true
        break
      case STAR:
      case UNDERSCORE:
      case MINUS:
      case TILDE:
      case PIPE:
        escape = (k + 1 < s.length ? s.charCodeAt(k + 1) : next) === c
        break
      case GT:
        escape = k === 0 && lineStart
        break
      default:
        escape = false
    }
    if (escape) {
      out += s.slice(last, k) + "\\"
      last = k
    }
  }
  return last === 0 && out === "" ? s : out + s.slice(last)
}

/** Code/pre content: backticks and backslashes, and a line start that would read as a quote. */
const escapeLeaf = (s: string, lineStart: boolean): string => {
  let head = ""
  let body = s
  if (lineStart && (s.charCodeAt(0) === GT || s.startsWith("**>"))) {
    head = "\\" + s[0]
    body = s.slice(1)
  }
  return head + (/[\\`]/.test(body) ? body.replace(/[\\`]/g, "\\$&") : body)
}

const escapeUrl = (url: string): string => (/[\\()]/.test(url) ? url.replace(/[\\()]/g, "\\$&") : url)

const linkClose = (e: FormatEntity): string => {
  switch (e._tag) {
    case "messageEntityTextUrl":
      return "](" + escapeUrl(e.url) + ")"
    case "messageEntityMentionName":
      return "](" + mentionUrl(e.user_id) + ")"
    case "messageEntityCustomEmoji":
      return "](" + emojiUrl(e.document_id) + ")"
    default:
      return "]"
  }
}

/**
 * Lays out text and markers as items (text runs, raw markup, line breaks with their quote
 * prefixes). A class rather than closures: writing a message allocates no functions.
 */
class Layout {
  readonly items: Array<Item> = []
  /** The quote the next line may belong to (lines come in text order). */
  q = 0
  /** Inside code or pre. */
  leaf = false
  readonly text: string
  readonly quotes: ReadonlyArray<LineQuote>
  readonly preStarts: ReadonlySet<number>
  readonly preEnds: ReadonlySet<number>

  constructor(text: string, quotes: ReadonlyArray<LineQuote>, preStarts: ReadonlySet<number>, preEnds: ReadonlySet<number>) {
    this.text = text
    this.quotes = quotes
    this.preStarts = preStarts
    this.preEnds = preEnds
  }

  /**
   * The quote prefix of an output line whose content starts at text position `pos`: a text
   * line belongs to a quote that starts at or before it and ends at or after it; a fence line
   * (`line` is `"opener"`/`"closer"`) only if the quote goes on past it. Several output lines
   * can start at one position (a line break, then a pre's fences): a quote starts on the last
   * of them, so a quote just above stays apart.
   */
  prefixAt(pos: number, line: "text" | "opener" | "closer"): string {
    const quotes = this.quotes
    const fence = line !== "text"
    while (
      this.q < quotes.length &&
      ((quotes[this.q] as LineQuote).end < pos || (fence && (quotes[this.q] as LineQuote).end === pos))
    ) this.q++
    const quote = quotes[this.q]
    if (quote === undefined || pos < quote.start || (fence ? pos >= quote.end : pos > quote.end)) return ""
    if (!quote.begun) {
      const later = line === "text"
        ? this.preStarts.has(pos) || this.preEnds.has(pos)
        : line === "closer" && this.preStarts.has(pos)
      if (pos === quote.start && later) return ""
      quote.begun = true
      if (quote.collapsed) return "**>"
    }
    return ">"
  }

  /** Text `[a, b)`, split at line breaks. */
  emitText(a: number, b: number): void {
    const text = this.text
    while (a < b) {
      const nl = text.indexOf("\n", a)
      const stop = nl < 0 || nl >= b ? b : nl
      if (stop > a) this.items.push({ k: "text", s: text.slice(a, stop), leaf: this.leaf })
      if (stop === b) return
      this.items.push({ k: "line", nl: true, prefix: this.prefixAt(stop + 1, "text") })
      a = stop + 1
    }
  }

  layout(events: ReadonlyArray<NestEvent>): Array<Item> {
    const items = this.items
    const first = this.prefixAt(0, "text")
    if (first !== "") items.push({ k: "line", nl: false, prefix: first })
    let pos = 0
    for (const ev of events) {
      this.emitText(pos, ev.at)
      pos = ev.at
      const e = ev.entity
      if (isFlag(e._tag)) {
        items.push({ k: "raw", s: FLAG_MARKERS[flagIndex(e._tag)] as string })
      } else if (e._tag === "messageEntityCode") {
        items.push({ k: "raw", s: "`" })
        this.leaf = ev.open
      } else if (e._tag === "messageEntityPre") {
        if (ev.open) {
          items.push({ k: "raw", s: "```" + e.language }, { k: "line", nl: true, prefix: this.prefixAt(ev.at, "opener") })
        } else {
          items.push({ k: "line", nl: true, prefix: this.prefixAt(ev.at, "closer") }, { k: "raw", s: "```" })
        }
        this.leaf = ev.open
      } else {
        items.push({ k: "raw", s: ev.open ? (e._tag === "messageEntityCustomEmoji" ? "![" : "[") : linkClose(e) })
      }
    }
    this.emitText(pos, this.text.length)
    return items
  }
}

/** The items as markdown, escaping text by what surrounds it. */
const render = (items: ReadonlyArray<Item>): string => {
  let out = ""
  // where the output stands on its line: at its start, after only a `**` there, or further
  let line: "start" | "stars" | "inside" = "start"
  for (let k = 0; k < items.length; k++) {
    const item = items[k] as Item
    const next = items[k + 1]
    switch (item.k) {
      case "line":
        if (item.nl) out += "\n"
        line = "start"
        if (item.prefix !== "") {
          // one space after the prefix reads nicer; the parser drops exactly one
          out += next === undefined || next.k === "line" ? item.prefix : item.prefix + " "
          line = "inside"
        }
        break
      case "raw":
        out += item.s
        line = line === "start" && item.s === "**" ? "stars" : "inside"
        break
      case "text": {
        const following = next === undefined ? -1 : next.k === "line" ? NL : next.s.charCodeAt(0)
        out += item.leaf ? escapeLeaf(item.s, line === "start") : escapeText(item.s, following, line !== "inside")
        line = "inside"
      }
    }
  }
  return out
}

const isInline = (e: FormatEntity): boolean =>
  e._tag !== "messageEntityBlockquote" && !(e._tag === "messageEntityTextUrl" && e.url.includes("\n"))
const isQuote = (e: FormatEntity): boolean => e._tag === "messageEntityBlockquote"

/** Writes the markdown dialect (see `Text.toMarkdown`). */
export const toMarkdown = (input: FormattedTextInput): string => {
  const { text, entities } = normalize(input)
  const inline = writable(entities.filter(isInline))
  const preStarts = new Set<number>()
  const preEnds = new Set<number>()
  for (const e of inline) {
    if (e._tag === "messageEntityPre") {
      preStarts.add(e.offset)
      preEnds.add(endOf(e))
    }
  }
  const quotes = lineQuotes(text, entities.filter(isQuote), preStarts, preEnds)
  if (inline.length === 0 && quotes.length === 0 && !MARKUP.test(text)) return text
  return render(new Layout(text, quotes, preStarts, preEnds).layout(nest(inline)))
}
