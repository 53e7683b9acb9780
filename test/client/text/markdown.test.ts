import { assert, describe, it } from "@effect/vitest"
import { Text } from "../../../src/index.ts"
import type { Api } from "../../../src/tl/index.ts"

const parse = Text.parseMarkdown

describe("Text.parseMarkdown", () => {
  it("counts offsets in UTF-16 code units (emoji count 2)", () => {
    const r = parse("👍 **bold** 😀 __it__")
    assert.strictEqual(r.text, "👍 bold 😀 it")
    assert.deepStrictEqual(r.entities, [
      { _tag: "messageEntityBold", offset: 3, length: 4 },
      { _tag: "messageEntityItalic", offset: 11, length: 2 }
    ])
    // a flag emoji is 2 code points = 4 units, a family emoji 8
    assert.deepStrictEqual(parse("🇺🇦👨‍👩‍👧 `x`").entities, [{ _tag: "messageEntityCode", offset: 13, length: 1 }])
  })

  it("nests and overlaps styles", () => {
    assert.deepStrictEqual(parse("**bold __both__**"), {
      text: "bold both",
      entities: [
        { _tag: "messageEntityBold", offset: 0, length: 9 },
        { _tag: "messageEntityItalic", offset: 5, length: 4 }
      ]
    })
    assert.deepStrictEqual(parse("**a __b** c__").entities, [
      { _tag: "messageEntityBold", offset: 0, length: 3 },
      { _tag: "messageEntityItalic", offset: 2, length: 3 }
    ])
    assert.deepStrictEqual(parse("--u-- ~~s~~ ||p||"), {
      text: "u s p",
      entities: [
        { _tag: "messageEntityUnderline", offset: 0, length: 1 },
        { _tag: "messageEntityStrike", offset: 2, length: 1 },
        { _tag: "messageEntitySpoiler", offset: 4, length: 1 }
      ]
    })
  })

  it("merges touching pieces of one style", () => {
    assert.deepStrictEqual(parse("**a****b**").entities, [{ _tag: "messageEntityBold", offset: 0, length: 2 }])
  })

  it("reads code and pre literally, pre with and without a language", () => {
    assert.deepStrictEqual(parse("run `a **b** \\` c` now"), {
      text: "run a **b** ` c now",
      entities: [{ _tag: "messageEntityCode", offset: 4, length: 11 }]
    })
    assert.deepStrictEqual(parse("```ts\nconst x = `1`\n```"), {
      text: "const x = `1`",
      entities: [{ _tag: "messageEntityPre", offset: 0, length: 13, language: "ts" }]
    })
    assert.deepStrictEqual(parse("a ```x = 1``` b"), {
      text: "a x = 1 b",
      entities: [{ _tag: "messageEntityPre", offset: 2, length: 5, language: "" }]
    })
    // the line break before the closing fence belongs to the fence; more line breaks are content
    assert.deepStrictEqual(parse("```\nx\n\n```").entities, [{ _tag: "messageEntityPre", offset: 0, length: 2, language: "" }])
  })

  it("reads links, mentions by id and custom emoji", () => {
    assert.deepStrictEqual(parse("see [the **docs**](https://core.telegram.org/api)!"), {
      text: "see the docs!",
      entities: [
        { _tag: "messageEntityTextUrl", offset: 4, length: 8, url: "https://core.telegram.org/api" },
        { _tag: "messageEntityBold", offset: 8, length: 4 }
      ]
    })
    assert.deepStrictEqual(parse("[x](https://e.com/a\\)b)").entities, [
      { _tag: "messageEntityTextUrl", offset: 0, length: 1, url: "https://e.com/a)b" }
    ])
    assert.deepStrictEqual(parse("[Foo](https://en.wikipedia.org/wiki/Foo_(bar))").entities, [
      { _tag: "messageEntityTextUrl", offset: 0, length: 3, url: "https://en.wikipedia.org/wiki/Foo_(bar)" }
    ])
    assert.deepStrictEqual(parse("hi [Ann](tg://user?id=123)"), {
      text: "hi Ann",
      entities: [{ _tag: "messageEntityMentionName", offset: 3, length: 3, user_id: 123n }]
    })
    assert.deepStrictEqual(parse("![👍](tg://emoji?id=5368324170671202286) ok"), {
      text: "👍 ok",
      entities: [{ _tag: "messageEntityCustomEmoji", offset: 0, length: 2, document_id: 5368324170671202286n }]
    })
    // `!` before an ordinary link is text
    assert.deepStrictEqual(parse("wow![a](https://a.b)"), {
      text: "wow!a",
      entities: [{ _tag: "messageEntityTextUrl", offset: 4, length: 1, url: "https://a.b" }]
    })
  })

  it("reads quote lines, collapsed ones, and quotes around code", () => {
    assert.deepStrictEqual(parse("> first\n>second\nafter"), {
      text: "first\nsecond\nafter",
      entities: [{ _tag: "messageEntityBlockquote", offset: 0, length: 12 }]
    })
    assert.deepStrictEqual(parse("> open\n**> hidden\n> more").entities, [
      { _tag: "messageEntityBlockquote", offset: 0, length: 4 },
      { _tag: "messageEntityBlockquote", offset: 5, length: 11, collapsed: true }
    ])
    assert.deepStrictEqual(parse("> ```py\n> x = 1\n> ```\nend"), {
      text: "x = 1\nend",
      entities: [
        { _tag: "messageEntityBlockquote", offset: 0, length: 5 },
        { _tag: "messageEntityPre", offset: 0, length: 5, language: "py" }
      ]
    })
  })

  it("backslash escapes punctuation and is literal before anything else", () => {
    assert.deepStrictEqual(parse("\\*\\*not bold\\*\\* \\[x\\] \\> C:\\Users"), {
      text: "**not bold** [x] > C:\\Users",
      entities: []
    })
  })

  it("gives best-effort text for malformed markdown", () => {
    for (const s of ["**bold", "[link", "`code", "```code", "[a](https://x", "[a] (b)", "**", "__x", "] ) [", "\\"]) {
      assert.deepStrictEqual(parse(s), { text: s, entities: [] }, s)
    }
    assert.deepStrictEqual(parse("**a [b** c"), {
      text: "a [b c",
      entities: [{ _tag: "messageEntityBold", offset: 0, length: 4 }]
    })
    assert.deepStrictEqual(parse("[a]()"), { text: "a", entities: [] })
    assert.deepStrictEqual(parse(""), { text: "", entities: [] })
  })

  it("stays linear on hostile input", () => {
    const hostile = "](".repeat(20_000) + "`".repeat(20_000) + "[".repeat(20_000) + "**".repeat(20_001)
    const t0 = performance.now()
    const r = parse(hostile)
    assert.isBelow(performance.now() - t0, 2_000)
    assert.isTrue(r.text.length > 0)
  })
})

describe("Text.toMarkdown", () => {
  it("writes entities as markers and leaves ordinary text alone", () => {
    const text = "bold both, 2*3 = 6 a_b - c"
    const entities: Array<Api.MessageEntity> = [
      { _tag: "messageEntityItalic", offset: 5, length: 4 },
      { _tag: "messageEntityBold", offset: 0, length: 9 }
    ]
    assert.strictEqual(Text.toMarkdown({ text, entities }), "**bold __both__**, 2*3 = 6 a_b - c")
  })

  it("escapes only what would read as markup", () => {
    assert.strictEqual(Text.toMarkdown({ text: "a**b [c] `d` \\ e--f\n> g" }), "a\\**b \\[c\\] \\`d\\` \\\\ e\\--f\n\\> g")
  })

  it("writes pre, links, mentions, custom emoji and quotes", () => {
    const r = Text.toMarkdown({
      text: "code\nAnn 👍 docs\nquoted",
      entities: [
        { _tag: "messageEntityPre", offset: 0, length: 4, language: "js" },
        { _tag: "inputMessageEntityMentionName", offset: 5, length: 3, user_id: { _tag: "inputUser", user_id: 7n, access_hash: 1n } },
        { _tag: "messageEntityCustomEmoji", offset: 9, length: 2, document_id: 42n },
        { _tag: "messageEntityTextUrl", offset: 12, length: 4, url: "https://x.y/(a)" },
        { _tag: "messageEntityBlockquote", offset: 17, length: 6, collapsed: true }
      ]
    })
    assert.strictEqual(
      r,
      "```js\ncode\n```\n[Ann](tg://user?id=7) ![👍](tg://emoji?id=42) [docs](https://x.y/\\(a\\))\n**> quoted"
    )
  })

  it("keeps the text of entities it cannot write (unknown kinds, crossing links)", () => {
    const x = {
      text: "see https://a.b #tag",
      entities: [
        { _tag: "messageEntityUrl", offset: 4, length: 11 },
        { _tag: "messageEntityHashtag", offset: 16, length: 4 },
        { _tag: "messageEntityTextUrl", offset: 0, length: 8, url: "https://1" },
        { _tag: "messageEntityTextUrl", offset: 4, length: 8, url: "https://2" }
      ] satisfies Array<Api.MessageEntity>
    }
    const back = Text.parseMarkdown(Text.toMarkdown(x))
    assert.strictEqual(back.text, x.text)
    assert.deepStrictEqual(back.entities, [{ _tag: "messageEntityTextUrl", offset: 0, length: 8, url: "https://1" }])
  })
})
