/**
 * The HTML dialect's parser (Telegram Bot API HTML): HTML source → text + entities (UTF-16
 * offsets), in one pass, never throwing. The tags are documented on `Text.parseHtml`.
 *
 * Best effort on malformed input: a `<` or `&` that does not start a well-formed tag or
 * character reference is text; unknown tags are dropped (their content kept); a closing tag
 * closes the innermost open element of its kind even across others (styles may overlap);
 * elements left open end with the text. Every search ahead (a closing quote, `-->`) is done
 * at most once per failure, so hostile input stays linear.
 *
 * @internal
 */
import { canonicalize, type FlagTag, type FormatEntity, type FormattedText, plainEntity, preEntity, quoteEntity, targetEntity } from "./entities.ts"
import { classifyLink, type LinkTarget, parseLong } from "./links.ts"

const AMP = 38
const LT = 60

/** What an element stands for; `none` for unknown elements and the `<code>` carrying a pre's language. */
type Kind = FlagTag | "messageEntityCode" | "messageEntityPre" | "messageEntityBlockquote" | "link" | "none"

interface Element {
  readonly name: string
  readonly kind: Kind
  readonly start: number
  attr: string | boolean | LinkTarget
}

interface Tag {
  readonly closing: boolean
  readonly name: string
  readonly attrs: ReadonlyMap<string, string>
  readonly selfClosing: boolean
  /** Index after the tag's `>`. */
  readonly end: number
}

const STYLE_TAGS: Readonly<Record<string, FlagTag | "messageEntityCode">> = {
  b: "messageEntityBold",
  strong: "messageEntityBold",
  i: "messageEntityItalic",
  em: "messageEntityItalic",
  u: "messageEntityUnderline",
  ins: "messageEntityUnderline",
  s: "messageEntityStrike",
  strike: "messageEntityStrike",
  del: "messageEntityStrike",
  "tg-spoiler": "messageEntitySpoiler",
  code: "messageEntityCode"
}

const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: "\"", apos: "'", nbsp: "\u00a0" }

const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 /* - */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12
/** Characters that end an attribute name (or make the tag malformed). */
const endsAttrName = (c: number): boolean =>
  isSpace(c) || c === 47 /* / */ || c === 62 /* > */ || c === 61 /* = */ || c === 34 || c === 39 || c === 60 || Number.isNaN(c)

/**
 * The character reference at `i` (`&lt;`, `&#128077;`, `&#x1F44D;`): its text and the index
 * after it, or undefined when it is not one (then `&` is text).
 */
const characterReference = (src: string, i: number): { readonly text: string; readonly end: number } | undefined => {
  const semi = src.indexOf(";", i + 1)
  if (semi < 0 || semi - i > 12) return undefined
  const body = src.slice(i + 1, semi)
  if (body.charCodeAt(0) === 35 /* # */) {
    const hex = body.charCodeAt(1) === 120 || body.charCodeAt(1) === 88 // x X
    const digits = body.slice(hex ? 2 : 1)
    if (digits.length === 0 || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined
    const cp = Number.parseInt(digits, hex ? 16 : 10)
    return cp > 0x10ffff ? undefined : { text: String.fromCodePoint(cp), end: semi + 1 }
  }
  const named = NAMED[body.toLowerCase()]
  return named === undefined ? undefined : { text: named, end: semi + 1 }
}

/** Decodes the character references in an attribute value. */
const decodeAttr = (raw: string): string => {
  if (!raw.includes("&")) return raw
  let out = ""
  let last = 0
  for (let k = raw.indexOf("&"); k >= 0; k = raw.indexOf("&", k + 1)) {
    const ref = characterReference(raw, k)
    if (ref === undefined) continue
    out += raw.slice(last, k) + ref.text
    last = ref.end
    k = ref.end - 1
  }
  return out + raw.slice(last)
}

/** The language in a `<code class="language-x">` (the whole rest when the class starts with it). */
const languageOfClass = (cls: string | undefined): string | undefined => {
  if (cls === undefined) return undefined
  if (cls.startsWith("language-")) return cls.slice(9)
  const m = /(?:^|\s)language-(\S+)/.exec(cls)
  return m === null ? undefined : m[1]
}

/** One parse, as a class so that a parse allocates no functions (see the markdown parser). */
class HtmlParser {
  readonly src: string
  readonly parts: Array<string> = []
  /** Length of the text so far, in UTF-16 units. */
  length = 0
  /** Start of the source run not yet copied into `parts`. */
  run = 0
  readonly stack: Array<Element> = []
  readonly entities: Array<FormatEntity> = []
  // where a closing `"` / `'` / `-->` is known to be absent from on (a failed search is not repeated)
  noDoubleQuoteFrom = Infinity
  noSingleQuoteFrom = Infinity
  noCommentEndFrom = Infinity

  constructor(src: string) {
    this.src = src
  }

  cut(to: number, resume: number): void {
    if (to > this.run) this.emit(this.src.slice(this.run, to))
    this.run = resume
  }

  emit(s: string): void {
    this.parts.push(s)
    this.length += s.length
  }

  /** The tag at `i` (which holds `<`), or undefined when `<` is text there. */
  readTag(i: number): Tag | undefined {
    const src = this.src
    let j = i + 1
    const closing = src.charCodeAt(j) === 47 /* / */
    if (closing) j++
    if (!isNameStart(src.charCodeAt(j))) {
      if (!closing && src.startsWith("!--", j) && j < this.noCommentEndFrom) {
        const end = src.indexOf("-->", j + 3)
        // a comment: an empty element nobody handles
        if (end >= 0) return { closing: false, name: "!--", attrs: new Map(), selfClosing: true, end: end + 3 }
        this.noCommentEndFrom = j
      }
      return undefined
    }
    const nameStart = j
    while (isNameChar(src.charCodeAt(j))) j++
    const name = src.slice(nameStart, j).toLowerCase()
    const attrs = new Map<string, string>()
    for (;;) {
      while (isSpace(src.charCodeAt(j))) j++
      const c = src.charCodeAt(j)
      if (c === 62 /* > */) return { closing, name, attrs, selfClosing: false, end: j + 1 }
      if (c === 47 && src.charCodeAt(j + 1) === 62) return { closing, name, attrs, selfClosing: true, end: j + 2 }
      const attrStart = j
      while (!endsAttrName(src.charCodeAt(j))) j++
      if (j === attrStart) return undefined
      const attr = src.slice(attrStart, j).toLowerCase()
      let k = j
      while (isSpace(src.charCodeAt(k))) k++
      if (src.charCodeAt(k) !== 61 /* = */) {
        attrs.set(attr, "")
        continue
      }
      k++
      while (isSpace(src.charCodeAt(k))) k++
      const q = src.charCodeAt(k)
      if (q === 34 || q === 39) {
        if (k >= (q === 34 ? this.noDoubleQuoteFrom : this.noSingleQuoteFrom)) return undefined
        const close = src.indexOf(q === 34 ? "\"" : "'", k + 1)
        if (close < 0) {
          if (q === 34) this.noDoubleQuoteFrom = k
          else this.noSingleQuoteFrom = k
          return undefined
        }
        attrs.set(attr, decodeAttr(src.slice(k + 1, close)))
        j = close + 1
      } else {
        const valueStart = k
        while (!endsAttrName(src.charCodeAt(k)) || src.charCodeAt(k) === 61) k++
        if (k === valueStart) return undefined
        attrs.set(attr, decodeAttr(src.slice(valueStart, k)))
        j = k
      }
    }
  }

  closeElement(at: number): void {
    const el = this.stack.splice(at, 1)[0] as Element
    const len = this.length - el.start
    if (len <= 0) return
    let e: FormatEntity | undefined
    switch (el.kind) {
      case "none":
        return
      case "link":
        e = targetEntity(el.attr as LinkTarget, el.start, len)
        break
      case "messageEntityPre":
        e = preEntity(el.start, len, el.attr as string)
        break
      case "messageEntityBlockquote":
        e = quoteEntity(el.start, len, el.attr === true)
        break
      default:
        e = plainEntity(el.kind, el.start, len)
    }
    if (e !== undefined) this.entities.push(e)
  }

  openElement(tag: Tag): void {
    const { attrs, name } = tag
    const top = this.stack[this.stack.length - 1]
    let kind: Kind = "none"
    let attr: Element["attr"] = ""
    const style = STYLE_TAGS[name]
    if (name === "code" && top?.kind === "messageEntityPre") {
      // <pre><code class="language-x">: the code element only carries the pre's language
      const language = languageOfClass(attrs.get("class"))
      if (language !== undefined && top.attr === "") top.attr = language
    } else if (style !== undefined) {
      kind = style
    } else if (name === "span") {
      if ((attrs.get("class") ?? "").split(/\s+/).includes("tg-spoiler")) kind = "messageEntitySpoiler"
    } else if (name === "pre") {
      kind = "messageEntityPre"
      attr = attrs.get("language") ?? ""
    } else if (name === "a") {
      const href = attrs.get("href")
      if (href !== undefined) {
        kind = "link"
        attr = classifyLink(href)
      }
    } else if (name === "tg-emoji") {
      const id = parseLong(attrs.get("emoji-id") ?? "")
      if (id !== undefined) {
        kind = "link"
        attr = { _tag: "emoji", documentId: id }
      }
    } else if (name === "blockquote") {
      kind = "messageEntityBlockquote"
      attr = attrs.has("expandable")
    }
    this.stack.push({ name, kind, start: this.length, attr })
  }

  /** The innermost open element a closing tag `name` closes: same name, else same kind. */
  findOpen(name: string): number {
    const stack = this.stack
    for (let k = stack.length - 1; k >= 0; k--) if ((stack[k] as Element).name === name) return k
    const kind = STYLE_TAGS[name]
    if (kind !== undefined) {
      for (let k = stack.length - 1; k >= 0; k--) if ((stack[k] as Element).kind === kind) return k
    }
    return -1
  }

  parse(): FormattedText {
    const src = this.src
    const n = src.length
    let i = 0
    while (i < n) {
      const c = src.charCodeAt(i)
      if (c !== LT && c !== AMP) {
        i++
        continue
      }
      if (c === AMP) {
        const ref = characterReference(src, i)
        if (ref === undefined) {
          i++
          continue
        }
        this.cut(i, ref.end)
        this.emit(ref.text)
        i = ref.end
        continue
      }
      const tag = this.readTag(i)
      if (tag === undefined) {
        i++
        continue
      }
      this.cut(i, tag.end)
      i = tag.end
      if (tag.name === "br") {
        if (!tag.closing) this.emit("\n")
      } else if (tag.closing) {
        const at = this.findOpen(tag.name)
        if (at >= 0) this.closeElement(at)
      } else if (!tag.selfClosing) {
        this.openElement(tag)
      }
    }
    this.cut(n, n)
    while (this.stack.length > 0) this.closeElement(this.stack.length - 1)
    const parts = this.parts
    const text = parts.length === 1 ? (parts[0] as string) : parts.join("")
    return { text, entities: this.entities.length === 0 ? [] : canonicalize(this.entities) }
  }
}

/** Parses the HTML dialect (see `Text.parseHtml`). Never throws. */
export const parseHtml = (src: string): FormattedText => new HtmlParser(src).parse()
