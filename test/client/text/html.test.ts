import { assert, describe, it } from "@effect/vitest"
import { Text } from "../../../src/index.ts"

const parse = Text.parseHtml

describe("Text.parseHtml", () => {
  it("reads the Bot API tags and their aliases", () => {
    assert.deepStrictEqual(parse("<b>bold <i>both</i></b> <strong>s</strong><em>e</em><ins>u</ins><del>d</del><strike>k</strike>"), {
      text: "bold both seudk",
      entities: [
        { _tag: "messageEntityBold", offset: 0, length: 9 },
        { _tag: "messageEntityItalic", offset: 5, length: 4 },
        { _tag: "messageEntityBold", offset: 10, length: 1 },
        { _tag: "messageEntityItalic", offset: 11, length: 1 },
        { _tag: "messageEntityUnderline", offset: 12, length: 1 },
        { _tag: "messageEntityStrike", offset: 13, length: 2 }
      ]
    })
    assert.deepStrictEqual(parse("<tg-spoiler>a</tg-spoiler><span class=\"tg-spoiler\">b</span><span class=\"x\">c</span>"), {
      text: "abc",
      entities: [{ _tag: "messageEntitySpoiler", offset: 0, length: 2 }]
    })
  })

  it("reads pre with a language, code, links, mentions and custom emoji", () => {
    assert.deepStrictEqual(parse("<pre><code class=\"language-python\">print(1)</code></pre> <code>x</code>"), {
      text: "print(1) x",
      entities: [
        { _tag: "messageEntityPre", offset: 0, length: 8, language: "python" },
        { _tag: "messageEntityCode", offset: 9, length: 1 }
      ]
    })
    assert.deepStrictEqual(parse("<pre language=\"js\">a</pre>").entities, [
      { _tag: "messageEntityPre", offset: 0, length: 1, language: "js" }
    ])
    assert.deepStrictEqual(
      parse("<a href=\"https://x.y/?a=1&amp;b=2\">x</a> <a href='tg://user?id=123'>Ann</a> <tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji>"),
      {
        text: "x Ann 👍",
        entities: [
          { _tag: "messageEntityTextUrl", offset: 0, length: 1, url: "https://x.y/?a=1&b=2" },
          { _tag: "messageEntityMentionName", offset: 2, length: 3, user_id: 123n },
          { _tag: "messageEntityCustomEmoji", offset: 6, length: 2, document_id: 5368324170671202286n }
        ]
      }
    )
  })

  it("reads blockquotes, expandable ones collapsed", () => {
    assert.deepStrictEqual(parse("<blockquote>a</blockquote>\n<blockquote expandable>b\nc</blockquote>").entities, [
      { _tag: "messageEntityBlockquote", offset: 0, length: 1 },
      { _tag: "messageEntityBlockquote", offset: 2, length: 3, collapsed: true }
    ])
  })

  it("decodes character references, counting UTF-16 units", () => {
    assert.deepStrictEqual(parse("&lt;b&gt; &amp; &quot; &#128077;<b>&#x1F44D;</b> &bogus; &#99999999; & x"), {
      text: "<b> & \" 👍👍 &bogus; &#99999999; & x",
      entities: [{ _tag: "messageEntityBold", offset: 10, length: 2 }]
    })
  })

  it("gives best-effort text for malformed HTML", () => {
    assert.deepStrictEqual(parse("<b>unclosed"), { text: "unclosed", entities: [{ _tag: "messageEntityBold", offset: 0, length: 8 }] })
    assert.deepStrictEqual(parse("a < b > c <3 </b>x <unknown k=v>y</unknown> <!-- note -->z"), { text: "a < b > c <3 x y z", entities: [] })
    assert.deepStrictEqual(parse("<a href=\"x>no end"), { text: "<a href=\"x>no end", entities: [] })
    assert.deepStrictEqual(parse("<a>no href</a><tg-emoji emoji-id=\"x\">e</tg-emoji>"), { text: "no hrefe", entities: [] })
    // a closing tag closes its own element even across another one
    assert.deepStrictEqual(parse("<b>a<i>b</b>c</i>").entities, [
      { _tag: "messageEntityBold", offset: 0, length: 2 },
      { _tag: "messageEntityItalic", offset: 1, length: 2 }
    ])
    assert.deepStrictEqual(parse("line<br>break<br/>"), { text: "line\nbreak\n", entities: [] })
  })

  it("stays linear on hostile input", () => {
    const hostile = "<a href=\"".repeat(20_000) + "<b ".repeat(20_000) + "&#".repeat(20_000) + "<!--".repeat(20_000)
    const t0 = performance.now()
    const r = parse(hostile)
    assert.isBelow(performance.now() - t0, 2_000)
    assert.strictEqual(r.text, hostile)
  })
})

describe("Text.toHtml", () => {
  it("writes nested tags and escapes text and attributes", () => {
    assert.strictEqual(
      Text.toHtml({
        text: "a<b> & \"c\" link",
        entities: [
          { _tag: "messageEntityBold", offset: 0, length: 4 },
          { _tag: "messageEntityTextUrl", offset: 11, length: 4, url: "https://x.y/?a=1&b=\"2\"" }
        ]
      }),
      "<b>a&lt;b&gt;</b> &amp; \"c\" <a href=\"https://x.y/?a=1&amp;b=&quot;2&quot;\">link</a>"
    )
  })

  it("splits a style that crosses a link", () => {
    const x = {
      text: "abcdef",
      entities: [
        { _tag: "messageEntityBold", offset: 0, length: 4 },
        { _tag: "messageEntityTextUrl", offset: 2, length: 4, url: "https://t.me" }
      ] as const
    }
    const html = Text.toHtml(x)
    assert.strictEqual(html, "<b>ab</b><a href=\"https://t.me\"><b>cd</b>ef</a>")
    assert.deepStrictEqual(parse(html), Text.normalize(x))
  })

  it("writes pre, mentions, custom emoji and quotes", () => {
    assert.strictEqual(
      Text.toHtml({
        text: "x\nAnn 👍\nq",
        entities: [
          { _tag: "messageEntityPre", offset: 0, length: 1, language: "py" },
          { _tag: "messageEntityMentionName", offset: 2, length: 3, user_id: 7n },
          { _tag: "messageEntityCustomEmoji", offset: 6, length: 2, document_id: 42n },
          { _tag: "messageEntityBlockquote", offset: 9, length: 1, collapsed: true }
        ]
      }),
      "<pre><code class=\"language-py\">x</code></pre>\n<a href=\"tg://user?id=7\">Ann</a> <tg-emoji emoji-id=\"42\">👍</tg-emoji>\n<blockquote expandable>q</blockquote>"
    )
  })

  it("escapeHtml / escapeMarkdown make text safe to embed", () => {
    const name = "<Ann & **Bob**> [x](y)"
    assert.deepStrictEqual(Text.parseHtml(`<b>${Text.escapeHtml(name)}</b>`), {
      text: name,
      entities: [{ _tag: "messageEntityBold", offset: 0, length: name.length }]
    })
    assert.deepStrictEqual(Text.parseMarkdown(`**${Text.escapeMarkdown(name)}**`), {
      text: name,
      entities: [{ _tag: "messageEntityBold", offset: 0, length: name.length }]
    })
  })
})
