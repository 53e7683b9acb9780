/**
 * The markdown dialect's writer: text + entities → markdown that {@link parseMarkdown}
 * reads back to the same normal form. Escapes only where a character would otherwise be
 * read as markup (a doubled `*`, a `>` opening a line, ...), so ordinary text stays readable.
 *
 * @internal
 */
import { endOf, type FormatEntity, type FormattedTextInput, isFlag, normalize } from "./entities.ts"
import { emojiUrl, mentionUrl } from "./links.ts"
import { FLAG_MARKERS } from "./markdown.ts"
import { nest, writable } from "./nesting.ts"

const NL = 10
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
  const fenceAt = (pos: number): boolean => preStarts.has(pos) || preEnds.has(pos)
  const out: Array<LineQuote> = []
  for (const q of quotes) {
    let start = q.offset
    if (start > 0 && text.charCodeAt(start - 1) !== NL && !fenceAt(start)) {
      start = text.lastIndexOf("\n", start - 1) + 1
    }
    let end = endOf(q)
    if (end < text.length && text.charCodeAt(end) !== NL && !fenceAt(end)) {
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

/** `c` must be escaped in plain text when the next output character is `next`. */
const escapeText = (s: string, next: number, lineStart: boolean): string => {
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

const escapeUrl = (url: string): string => url.replace(/[\\()]/g, "\\$&")

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

const FLAG_INDEX: Partial<Record<FormatEntity["_tag"], number>> = {
  messageEntityBold: 0,
  messageEntityItalic: 1,
  messageEntityUnderline: 2,
  messageEntityStrike: 3,
  messageEntitySpoiler: 4
}

/** Writes the markdown dialect (see `Text.toMarkdown`). */
export const toMarkdown = (input: FormattedTextInput): string => {
  const { text, entities } = normalize(input)
  const inline = writable(
    entities.filter((e) =>
      e._tag !== "messageEntityBlockquote" && !(e._tag === "messageEntityTextUrl" && e.url.includes("\n"))
    )
  )
  const preStarts = new Set<number>()
  const preEnds = new Set<number>()
  for (const e of inline) {
    if (e._tag === "messageEntityPre") {
      preStarts.add(e.offset)
      preEnds.add(endOf(e))
    }
  }
  const quotes = lineQuotes(text, entities.filter((e) => e._tag === "messageEntityBlockquote"), preStarts, preEnds)
  if (inline.length === 0 && quotes.length === 0 && !/[\\`[\]*_\-~|>]/.test(text)) return text

  const items: Array<Item> = []
  let q = 0
  /**
   * The quote prefix of an output line whose content starts at text position `pos`: a text
   * line belongs to a quote that starts at or before it and ends at or after it; a fence line
   * (`line` is `"opener"`/`"closer"`) only if the quote goes on past it. Several output lines
   * can start at one position (a line break, then a pre's fences): a quote starts on the last
   * of them, so a quote just above stays apart.
   */
  const prefixAt = (pos: number, line: "text" | "opener" | "closer"): string => {
    const fence = line !== "text"
    while (q < quotes.length && ((quotes[q] as LineQuote).end < pos || (fence && (quotes[q] as LineQuote).end === pos))) q++
    const quote = quotes[q]
    if (quote === undefined || pos < quote.start || (fence ? pos >= quote.end : pos > quote.end)) return ""
    if (!quote.begun) {
      const later = line === "text" ? preStarts.has(pos) || preEnds.has(pos) : line === "closer" && preStarts.has(pos)
      if (pos === quote.start && later) return ""
      quote.begun = true
      if (quote.collapsed) return "**>"
    }
    return ">"
  }
  let leaf = false
  const emitText = (a: number, b: number): void => {
    while (a < b) {
      const nl = text.indexOf("\n", a)
      const stop = nl < 0 || nl >= b ? b : nl
      if (stop > a) items.push({ k: "text", s: text.slice(a, stop), leaf })
      if (stop === b) return
      items.push({ k: "line", nl: true, prefix: prefixAt(stop + 1, "text") })
      a = stop + 1
    }
  }

  const first = prefixAt(0, "text")
  if (first !== "") items.push({ k: "line", nl: false, prefix: first })
  let pos = 0
  for (const ev of nest(inline)) {
    emitText(pos, ev.at)
    pos = ev.at
    const e = ev.entity
    if (isFlag(e._tag)) {
      items.push({ k: "raw", s: FLAG_MARKERS[FLAG_INDEX[e._tag] as number] as string })
    } else if (e._tag === "messageEntityCode") {
      items.push({ k: "raw", s: "`" })
      leaf = ev.open
    } else if (e._tag === "messageEntityPre") {
      if (ev.open) {
        items.push({ k: "raw", s: "```" + e.language }, { k: "line", nl: true, prefix: prefixAt(ev.at, "opener") })
      } else {
        items.push({ k: "line", nl: true, prefix: prefixAt(ev.at, "closer") }, { k: "raw", s: "```" })
      }
      leaf = ev.open
    } else {
      items.push({ k: "raw", s: ev.open ? (e._tag === "messageEntityCustomEmoji" ? "![" : "[") : linkClose(e) })
    }
  }
  emitText(pos, text.length)

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
