/**
 * The HTML dialect's writer: text + entities → Bot API HTML that {@link parseHtml} reads back
 * to the same normal form.
 *
 * @internal
 */
import { type FormatEntity, type FormattedTextInput, normalize } from "./entities.ts"
import { mentionUrl } from "./links.ts"
import { nest, writable } from "./nesting.ts"

const REFERENCES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }
const reference = (c: string): string => REFERENCES[c] as string

/** `&`, `<` and `>` as character references. */
const escapeText = (s: string): string => (/[&<>]/.test(s) ? s.replace(/[&<>]/g, reference) : s)

/** `&`, `<`, `>` and `"` as character references. */
export const escapeAttr = (s: string): string => (/[&<>"]/.test(s) ? s.replace(/[&<>"]/g, reference) : s)

const openTag = (e: FormatEntity): string => {
  switch (e._tag) {
    case "messageEntityBold":
      return "<b>"
    case "messageEntityItalic":
      return "<i>"
    case "messageEntityUnderline":
      return "<u>"
    case "messageEntityStrike":
      return "<s>"
    case "messageEntitySpoiler":
      return "<tg-spoiler>"
    case "messageEntityCode":
      return "<code>"
    case "messageEntityPre":
      return e.language === "" ? "<pre>" : `<pre><code class="language-${escapeAttr(e.language)}">`
    case "messageEntityTextUrl":
      return `<a href="${escapeAttr(e.url)}">`
    case "messageEntityMentionName":
      return `<a href="${mentionUrl(e.user_id)}">`
    case "messageEntityCustomEmoji":
      return `<tg-emoji emoji-id="${e.document_id}">`
    case "messageEntityBlockquote":
      return e.collapsed === true ? "<blockquote expandable>" : "<blockquote>"
  }
}

const closeTag = (e: FormatEntity): string => {
  switch (e._tag) {
    case "messageEntityPre":
      return e.language === "" ? "</pre>" : "</code></pre>"
    case "messageEntityTextUrl":
    case "messageEntityMentionName":
      return "</a>"
    case "messageEntityCustomEmoji":
      return "</tg-emoji>"
    case "messageEntityBlockquote":
      return "</blockquote>"
    case "messageEntitySpoiler":
      return "</tg-spoiler>"
    case "messageEntityCode":
      return "</code>"
    default:
      // b, i, u, s
      return "</" + openTag(e).slice(1)
  }
}

/** Writes the HTML dialect (see `Text.toHtml`). */
export const toHtml = (input: FormattedTextInput): string => {
  const { text, entities } = normalize(input)
  if (entities.length === 0) return escapeText(text)
  let out = ""
  let pos = 0
  for (const ev of nest(writable(entities))) {
    if (ev.at > pos) out += escapeText(text.slice(pos, ev.at))
    pos = ev.at
    out += ev.open ? openTag(ev.entity) : closeTag(ev.entity)
  }
  return out + escapeText(text.slice(pos))
}
