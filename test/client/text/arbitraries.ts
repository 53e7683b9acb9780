/**
 * Random formatted texts for the Text property tests: a tree of styles, links, code and pre
 * over text full of characters that need escaping (and astral ones, which count 2 UTF-16
 * units), flattened into `text` + entities. Trees nest properly, so the entity sets are
 * valid: containers nest, code/pre hold nothing; styles may still overlap after merging.
 */
import fc from "fast-check"
import type { FormattedTextInput } from "../../../src/client/text/Text.ts"
import type { Api } from "../../../src/tl/index.ts"

const tricky = fc.constantFrom(
  "*", "**", "_", "__", "-", "--", "~", "|", "||", "`", "```", "\\", "[", "]", "(", ")", "![", "!", ">", "**>",
  "<", "&", "&amp;", "&lt", "\"", "'", "\n", "\n>", " ", "#", ";", "tg://user?id=1", "<b>"
)
const plain = fc.constantFrom("a", "b", "Z", "0", "é", "ß", "中", "\t", "\r")
const astral = fc.constantFrom("👍", "😀", "𝕏", "👨‍👩‍👧", "🇺🇦", "\u{10FFFF}", "\uD83D", "\uDC4D")

/** A short string heavy in markup characters, emoji and lone surrogates. */
export const textArb = (maxLength = 6): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.oneof({ arbitrary: tricky, weight: 4 }, { arbitrary: plain, weight: 4 }, { arbitrary: astral, weight: 2 }),
    maxLength
  })

const markupTokens = fc.constantFrom(
  "**", "__", "--", "~~", "||", "`", "```", "```py\n", "\n```", "[", "![", "](", ")", "](https://t.me/x)",
  "](tg://user?id=42)", "](tg://emoji?id=5368324170671202286)", "\n> ", "\n**> ", "\\", "\\>", "\\*",
  "<b>", "</b>", "<i>", "</em>", "<u>", "<s>", "</del>", "<tg-spoiler>", "<span class=\"tg-spoiler\">", "</span>",
  "<code>", "</code>", "<pre>", "</pre>", "<code class=\"language-js\">", "<a href=\"https://x.y/?a=1&amp;b\">",
  "<a href='tg://user?id=7'>", "</a>", "<tg-emoji emoji-id=\"5\">", "</tg-emoji>", "<blockquote>",
  "<blockquote expandable>", "</blockquote>", "<br>", "<br/>", "<!-- c -->", "<unknown x=1>", "</unknown>",
  "&lt;", "&#128077;", "&#x1F44D;", "&#xD800;", "&bogus;", "<a href=\"", "<", "&"
)

/** Strings made of markup pieces of both dialects mixed with text: hostile, often malformed. */
export const markupArb: fc.Arbitrary<string> = fc
  .array(fc.oneof({ arbitrary: markupTokens, weight: 3 }, { arbitrary: textArb(3), weight: 2 }), { maxLength: 24 })
  .map((pieces) => pieces.join(""))

const flagTags = [
  "messageEntityBold",
  "messageEntityItalic",
  "messageEntityUnderline",
  "messageEntityStrike",
  "messageEntitySpoiler"
] as const

const long = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })

type LinkSpec =
  | { readonly _tag: "messageEntityTextUrl"; readonly url: string }
  | { readonly _tag: "messageEntityMentionName"; readonly user_id: bigint }
  | { readonly _tag: "messageEntityCustomEmoji"; readonly document_id: bigint }

const linkSpec: fc.Arbitrary<LinkSpec> = fc.oneof(
  textArb(8).map((s) => ({ _tag: "messageEntityTextUrl" as const, url: "https://" + s.replace(/\n/g, "") })),
  long.map((user_id) => ({ _tag: "messageEntityMentionName" as const, user_id })),
  long.map((document_id) => ({ _tag: "messageEntityCustomEmoji" as const, document_id }))
)

export type Node =
  | { readonly t: "text"; readonly s: string }
  | { readonly t: "style"; readonly tag: (typeof flagTags)[number]; readonly kids: ReadonlyArray<Node> }
  | { readonly t: "link"; readonly link: LinkSpec; readonly kids: ReadonlyArray<Node> }
  | { readonly t: "code"; readonly s: string }
  | { readonly t: "pre"; readonly language: string; readonly s: string }
  | { readonly t: "quote"; readonly collapsed: boolean; readonly kids: ReadonlyArray<Node> }

const inline = fc.letrec<{ node: Node; nodes: ReadonlyArray<Node> }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ t: fc.constant("text" as const), s: textArb() }),
    fc.record({ t: fc.constant("style" as const), tag: fc.constantFrom(...flagTags), kids: tie("nodes") }),
    fc.record({ t: fc.constant("link" as const), link: linkSpec, kids: tie("nodes") }),
    fc.record({ t: fc.constant("code" as const), s: textArb() }),
    fc.record({
      t: fc.constant("pre" as const),
      language: fc.constantFrom("", "py", "c++", "objective-c", "a b"),
      s: textArb()
    })
  ),
  nodes: fc.array(tie("node"), { maxLength: 4 })
}))

interface Builder {
  text: string
  readonly entities: Array<Api.MessageEntity>
}

const flatten = (nodes: ReadonlyArray<Node>, b: Builder): void => {
  for (const node of nodes) {
    const offset = b.text.length
    switch (node.t) {
      case "text":
        b.text += node.s
        break
      case "code":
        b.text += node.s
        b.entities.push({ _tag: "messageEntityCode", offset, length: node.s.length })
        break
      case "pre":
        b.text += node.s
        b.entities.push({ _tag: "messageEntityPre", offset, length: node.s.length, language: node.language })
        break
      case "style":
        flatten(node.kids, b)
        b.entities.push({ _tag: node.tag, offset, length: b.text.length - offset })
        break
      case "link":
        flatten(node.kids, b)
        b.entities.push({ ...node.link, offset, length: b.text.length - offset })
        break
      case "quote":
        flatten(node.kids, b)
        b.entities.push({ _tag: "messageEntityBlockquote", offset, length: b.text.length - offset, collapsed: node.collapsed })
        break
    }
  }
}

/**
 * Markdown documents: lines of inline content, some runs of them quoted. Markdown quotes are
 * line prefixes, so quotes cover whole lines, and two quotes are kept apart by an unquoted
 * line unless the second is collapsed (its `**>` starts a new quote).
 */
export const markdownDoc: fc.Arbitrary<FormattedTextInput> = fc
  .array(fc.record({ quote: fc.option(fc.boolean()), kids: inline.nodes }), { maxLength: 4 })
  .map((segments) => {
    const b: Builder = { text: "", entities: [] }
    let previousQuoted = false
    segments.forEach((segment, k) => {
      if (k > 0) b.text += "\n"
      if (previousQuoted && segment.quote === false) b.text += "\n"
      const offset = b.text.length
      flatten(segment.kids, b)
      if (segment.quote !== null) {
        b.entities.push({ _tag: "messageEntityBlockquote", offset, length: b.text.length - offset, collapsed: segment.quote })
      }
      previousQuoted = segment.quote !== null
    })
    return b
  })

/** HTML documents: inline content and quotes anywhere (mid-line, back to back). */
export const htmlDoc: fc.Arbitrary<FormattedTextInput> = fc
  .array(
    fc.oneof(
      inline.node,
      fc.record({ t: fc.constant("quote" as const), collapsed: fc.boolean(), kids: inline.nodes })
    ),
    { maxLength: 5 }
  )
  .map((nodes) => {
    const b: Builder = { text: "", entities: [] }
    flatten(nodes, b)
    return b
  })

const anyTag = fc.constantFrom(
  ...flagTags,
  "messageEntityCode",
  "messageEntityPre",
  "messageEntityTextUrl",
  "messageEntityMentionName",
  "messageEntityCustomEmoji",
  "messageEntityBlockquote",
  "messageEntityUrl",
  "messageEntityHashtag"
)

/** Any entities at all over a text: overlapping, crossing, out of bounds, in any order. */
export const arbitraryEntities: fc.Arbitrary<FormattedTextInput> = textArb(30).chain((text) =>
  fc.record({
    text: fc.constant(text),
    entities: fc.array(
      fc.record({
        tag: anyTag,
        offset: fc.integer({ min: -2, max: text.length + 2 }),
        length: fc.integer({ min: -1, max: text.length + 2 }),
        url: textArb(5),
        id: long
      }).map(({ id, length, offset, tag, url }): Api.MessageEntity => {
        switch (tag) {
          case "messageEntityPre":
            return { _tag: tag, offset, length, language: url }
          case "messageEntityTextUrl":
            return { _tag: tag, offset, length, url }
          case "messageEntityMentionName":
            return { _tag: tag, offset, length, user_id: id }
          case "messageEntityCustomEmoji":
            return { _tag: tag, offset, length, document_id: id }
          case "messageEntityBlockquote":
            return { _tag: tag, offset, length, collapsed: id % 2n === 0n }
          default:
            return { _tag: tag, offset, length }
        }
      }),
      { maxLength: 8 }
    )
  })
)
