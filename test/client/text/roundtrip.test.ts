import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Text from "../../../src/client/text/Text.ts"
import { arbitraryEntities, htmlDoc, markdownDoc, markupArb } from "./arbitraries.ts"

/** Runs per property; `TEXT_RUNS=200000 npx vitest run test/client/text` for a long soak. */
const RUNS = Number(process.env["TEXT_RUNS"] ?? 2000)

const show = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))

/** The parser's answer is sane: entities inside the text, non-empty, already in normal form. */
const assertWellFormed = (r: Text.FormattedText): void => {
  assert.isString(r.text)
  for (const e of r.entities) {
    assert.isTrue(Number.isInteger(e.offset) && e.offset >= 0, show(e))
    assert.isTrue(Number.isInteger(e.length) && e.length > 0, show(e))
    assert.isAtMost(e.offset + e.length, r.text.length, show(e))
  }
  assert.deepStrictEqual(Text.normalize(r), r)
}

const dialects = [
  { name: "markdown", parse: Text.parseMarkdown, write: Text.toMarkdown, doc: markdownDoc },
  { name: "HTML", parse: Text.parseHtml, write: Text.toHtml, doc: htmlDoc }
] as const

describe("Text round trips", () => {
  for (const d of dialects) {
    describe(d.name, () => {
      it("parse(write(x)) = x for valid entity sets in normal form", () => {
        fc.assert(
          fc.property(d.doc, (doc) => {
            const x = Text.normalize(doc)
            const written = d.write(x)
            const back = d.parse(written)
            assert.deepStrictEqual(back, x, `written: ${show(written)}`)
          }),
          { numRuns: RUNS }
        )
      })

      it("arbitrary strings parse without throwing, to well-formed entities", () => {
        fc.assert(
          fc.property(markupArb, (s) => {
            assertWellFormed(d.parse(s))
          }),
          { numRuns: RUNS }
        )
      })

      it("any entity set (crossing, out of bounds, unknown kinds) is written without losing text", () => {
        fc.assert(
          fc.property(arbitraryEntities, (x) => {
            const back = d.parse(d.write(x))
            assert.strictEqual(back.text, x.text)
            assertWellFormed(back)
          }),
          { numRuns: RUNS }
        )
      })

      it("writing what was parsed and parsing again keeps the text", () => {
        fc.assert(
          fc.property(markupArb, (s) => {
            const once = d.parse(s)
            assert.strictEqual(d.parse(d.write(once)).text, once.text)
          }),
          { numRuns: RUNS }
        )
      })
    })
  }

  it("markdown: parse(toMarkdown(parse(s))) = parse(s) for any string", () => {
    fc.assert(
      fc.property(markupArb, (s) => {
        const once = Text.parseMarkdown(s)
        const written = Text.toMarkdown(once)
        assert.deepStrictEqual(Text.parseMarkdown(written), once, `written: ${show(written)}`)
      }),
      { numRuns: RUNS }
    )
  })

  it("normalize is idempotent and keeps only entities inside the text", () => {
    fc.assert(
      fc.property(arbitraryEntities, (x) => {
        const n = Text.normalize(x)
        assertWellFormed(n)
        assert.deepStrictEqual(Text.normalize(n), n)
      }),
      { numRuns: RUNS }
    )
  })
})
