/**
 * Formatted message text: markdown and HTML to Telegram's `text` + `entities` and back.
 *
 * Pure functions, no `Client` needed. Offsets and lengths count **UTF-16 code units**, as
 * Telegram does (JavaScript string indices: `"👍"` has length 2).
 *
 * ```ts
 * import { Text } from "effect-mtproto"
 *
 * const { text, entities } = Text.parseMarkdown("**Hi** [Ann](tg://user?id=42), see `x`")
 * // text: "Hi Ann, see x"
 * // entities: bold 0+2, mention of user 42 at 3+3, code 12+1
 * Text.toHtml({ text, entities }) // '<b>Hi</b> <a href="tg://user?id=42">Ann</a>, see <code>x</code>'
 * ```
 *
 * **Normal form.** Both parsers return entities in one normal form (see {@link normalize}):
 * sorted by offset, then length descending, then kind; no empty entities; same-kind styles
 * that overlap or touch merged. For every text and entity set in normal form that the dialect
 * can express, `parseMarkdown(toMarkdown(x))` and `parseHtml(toHtml(x))` equal `x` (checked
 * by property tests). What a dialect cannot express, its writer drops or widens (documented
 * on each writer); the text itself always survives a round trip.
 *
 * **Never throws.** Malformed input (unclosed or unknown markup, stray markers, broken links)
 * gives best-effort text: unmatched markers stay as text, and the entities returned are
 * always inside the text with lengths > 0.
 *
 * @module
 */
import type { FormattedText, FormattedTextInput } from "./entities.ts"
import { normalize as normalizeText } from "./entities.ts"
import { parseHtml as parseHtmlText } from "./html.ts"
import { escapeAttr, toHtml as toHtmlText } from "./htmlWriter.ts"
import { parseMarkdown as parseMarkdownText } from "./markdown.ts"
import { toMarkdown as toMarkdownText } from "./markdownWriter.ts"

export type { FormattedText, FormattedTextInput } from "./entities.ts"

/**
 * Parses markdown into text and entities. The dialect (close to mtcute's and to the Bot API's
 * MarkdownV2, minus its mandatory escaping):
 *
 * | markdown | entity |
 * | --- | --- |
 * | `**bold**` | `messageEntityBold` |
 * | `__italic__` | `messageEntityItalic` |
 * | `--underline--` | `messageEntityUnderline` |
 * | `~~strike~~` | `messageEntityStrike` |
 * | `\|\|spoiler\|\|` | `messageEntitySpoiler` |
 * | `` `code` `` | `messageEntityCode` |
 * | ```` ```lang⏎code⏎``` ```` | `messageEntityPre` with `language` (the first line after the fence, may be empty; a pre on one line, ```` ```x``` ````, has none) |
 * | `[text](https://url)` | `messageEntityTextUrl` |
 * | `[name](tg://user?id=123)` | `messageEntityMentionName` |
 * | `![👍](tg://emoji?id=5368324170671202286)` (also without `!`) | `messageEntityCustomEmoji` |
 * | lines starting with `>` | `messageEntityBlockquote` (consecutive lines form one quote) |
 * | a first line starting with `**>`, then `>` lines | `messageEntityBlockquote` with `collapsed` (expandable) |
 *
 * Rules:
 * - Style markers are doubled characters and toggle: the first `**` opens bold, the next
 *   closes it. Styles may nest and overlap each other and links (`**a __b** c__`).
 * - A backslash before an ASCII punctuation character makes it literal (`\*\*`, `\[`, `\\`);
 *   before anything else it is itself literal (`C:\Users`).
 * - Code and pre are literal: no markup inside; only `` \` `` and `\\` are escapes there (and
 *   `\>` / `\*` at a line start, so a code line can start with `>`). The line break before
 *   the closing fence is not part of the pre.
 * - In a link URL, `\)`, `\(` and `\\` are escapes; balanced parentheses need none.
 * - A quote prefix `>` (or `**>`) may be followed by one space, which is dropped. Quotes span
 *   whole lines, including lines inside code and pre.
 * - Unmatched markers (`**` never closed, `[` without `](url)`, a lone backtick) are text.
 */
export const parseMarkdown = (markdown: string): FormattedText => parseMarkdownText(markdown)

/**
 * Writes text and entities as markdown in the {@link parseMarkdown} dialect, escaping just
 * enough that `parseMarkdown` reads the same text and entities back.
 *
 * Accepts entities in any order and any kind; kinds markdown cannot express (auto-detected
 * `messageEntityUrl`, `Hashtag`, ...) are left out, their text kept. Also left out, text kept:
 * a code/pre that another entity starts or ends inside, a link or quote crossing another
 * link, and a link whose URL holds a line break. A blockquote that does not span whole lines
 * is widened to whole lines, and quotes on consecutive lines merge (unless the second is
 * collapsed).
 */
export const toMarkdown = (input: FormattedTextInput): string => toMarkdownText(input)

/**
 * Parses Telegram's (Bot API) HTML into text and entities:
 * `<b>`/`<strong>`, `<i>`/`<em>`, `<u>`/`<ins>`, `<s>`/`<strike>`/`<del>`,
 * `<tg-spoiler>`/`<span class="tg-spoiler">`, `<code>`, `<pre>` (language from
 * `<pre><code class="language-x">` or `<pre language="x">`), `<a href="url">` (a
 * `tg://user?id=N` href is a mention, `tg://emoji?id=N` a custom emoji),
 * `<tg-emoji emoji-id="N">`, `<blockquote>` / `<blockquote expandable>` (collapsed), `<br>`
 * (a line break). Character references: `&lt; &gt; &amp; &quot; &apos; &nbsp;` and numeric
 * ones (`&#128077;`, `&#x1F44D;`). Whitespace and line breaks are kept as written.
 *
 * Best effort on malformed HTML: unknown tags are dropped with their content kept, a `<` or
 * `&` that starts no tag or reference is text, unclosed elements end with the text, and a
 * closing tag closes the innermost open element of its kind.
 */
export const parseHtml = (html: string): FormattedText => parseHtmlText(html)

/**
 * Writes text and entities as HTML that {@link parseHtml} reads back to the same normal form
 * (`&`, `<` and `>` in text are escaped). Entities are nested properly: a style crossing
 * another entity is split in two tags. Left out, text kept: kinds HTML cannot express, a
 * code/pre that another entity starts or ends inside, a link or quote crossing another.
 */
export const toHtml = (input: FormattedTextInput): string => toHtmlText(input)

/**
 * The normal form both parsers return:
 *
 * - only the kinds the dialects express are kept (bold, italic, underline, strike, spoiler,
 *   code, pre, text link, mention by id, custom emoji, blockquote); auto-detected ones
 *   (`messageEntityUrl`, `Mention`, `Hashtag`, ...) are dropped, the text stays;
 * - `inputMessageEntityMentionName` of an `inputUser` becomes `messageEntityMentionName`;
 *   a text link's URL is trimmed; a link to `tg://user?id=N` / `tg://emoji?id=N` becomes a
 *   mention / custom emoji; a text link with an empty URL is dropped;
 * - entities are clipped to the text, empty ones dropped;
 * - same-kind styles (bold, italic, underline, strike, spoiler) that overlap or touch are
 *   merged (a style is a set of characters: neither dialect can tell the pieces apart);
 * - pre `language` is one trimmed line without backticks; blockquote `collapsed` is present
 *   only when `true`;
 * - sorted by offset ascending, length descending, then kind (blockquote, text link, mention,
 *   custom emoji, bold, italic, underline, strike, spoiler, code, pre), then attribute;
 *   exact duplicates removed.
 */
export const normalize = (input: FormattedTextInput): FormattedText => normalizeText(input)

/**
 * Escapes plain text for use inside markdown written by hand (outside code and link URLs):
 * every character that can take part in markup gets a backslash.
 */
export const escapeMarkdown = (text: string): string => text.replace(/[\\`*_\-~|[\]>!]/g, "\\$&")

/** Escapes plain text for use inside HTML: `&`, `<`, `>` and `"`. */
export const escapeHtml = (text: string): string => escapeAttr(text)
