/**
 * Formatted-text benchmark: our markdown/HTML parsers (`Text.parseMarkdown`,
 * `Text.parseHtml`) against mtcute's (`@mtcute/markdown-parser` `md`,
 * `@mtcute/html-parser` `thtml`, its Bot-API-compatible variant that keeps whitespace), on
 * the same input in the same process; the writers (`toMarkdown`/`toHtml` against mtcute's
 * `unparse`) too.
 *
 * The dialects differ in corners, so the inputs use what both read alike (bold, italic,
 * code, links, pre with a language), and the run stops unless both sides agree on the text
 * and on every entity's kind, offset and length.
 *
 * `npm run bench -- markdown` runs only this section.
 */
import { thtml } from "@mtcute/html-parser"
import { md } from "@mtcute/markdown-parser"
import * as Text from "../src/client/text/Text.ts"
import { compare, fmt, RUN_MS, RUNS, sinkValue, WARMUP_MS } from "./support/measure.ts"

/** One chunk of a release announcement: every entity kind both dialects share. */
const chunk = (k: number): string =>
  `**Release 2.${k}** is out: __faster__ parsing, see [the changelog](https://example.com/changelog/2.${k}) ` +
  `and run \`npm install pkg@2.${k}\` to update 👍.\n` +
  "```ts\nconst client = await connect({ apiId: 1 })\nawait client.send(\"hello\")\n```\n" +
  `Plain text follows with a few words, numbers ${12_345 + k} and an emoji 🎉 to keep it realistic.`

const inputs = [
  { name: "short message", markdown: chunk(0) },
  { name: "long message ", markdown: Array.from({ length: 24 }, (_, k) => chunk(k)).join("\n\n") }
]

interface AnyEntity {
  readonly offset: number
  readonly length: number
  readonly _tag?: string
  readonly _?: string
}
interface AnyText {
  readonly text: string
  readonly entities?: ReadonlyArray<AnyEntity> | undefined
}

/** Kind, offset and length of each entity, in one order, so both sides compare as sets. */
const shape = (t: AnyText): Array<string> =>
  (t.entities ?? []).map((e) => `${e._tag ?? e._}@${e.offset}+${e.length}`).sort()

const assertAgree = (what: string, ours: AnyText, theirs: AnyText): void => {
  const a = shape(ours)
  const b = shape(theirs)
  if (ours.text !== theirs.text || a.length !== b.length || a.some((x, i) => x !== b[i])) {
    throw new Error(`${what}: the parsers disagree on the benchmark input\n  ours:   ${a.join(" ")}\n  mtcute: ${b.join(" ")}`)
  }
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8")

const row = (what: string, bytes: number, r: Record<string, number>): void => {
  const o = r["ours"] as number
  const m = r["mtcute"] as number
  const mb = (ops: number): string => ((ops * bytes) / 1e6).toFixed(1).padStart(6)
  console.log(
    `  ${what}  ours ${fmt(o)} ops/s ${mb(o)} MB/s   mtcute ${fmt(m)} ops/s ${mb(m)} MB/s   ours/mtcute ${(o / m).toFixed(2)}x`
  )
}

export const run = async (): Promise<void> => {
  console.log(`node ${process.version}, ${RUNS} runs of ~${RUN_MS} ms per contender after ${WARMUP_MS} ms warmup; median ops/s`)
  for (const input of inputs) {
    const ours = Text.parseMarkdown(input.markdown)
    assertAgree(`markdown (${input.name.trim()})`, ours, md(input.markdown))
    const html = Text.toHtml(ours)
    assertAgree(`HTML (${input.name.trim()})`, Text.parseHtml(html), thtml(html))
    const theirs = md(input.markdown)
    console.log(
      `${input.name.trim()}: ${input.markdown.length} UTF-16 units of markdown, ${html.length} of HTML, ${ours.entities.length} entities`
    )
    row(`parse markdown ${input.name}`, utf8Bytes(input.markdown), compare({
      ours: () => Text.parseMarkdown(input.markdown),
      mtcute: () => md(input.markdown)
    }))
    row(`parse HTML     ${input.name}`, utf8Bytes(html), compare({
      ours: () => Text.parseHtml(html),
      mtcute: () => thtml(html)
    }))
    row(`write markdown ${input.name}`, utf8Bytes(input.markdown), compare({
      ours: () => Text.toMarkdown(ours),
      mtcute: () => md.unparse(theirs)
    }))
    row(`write HTML     ${input.name}`, utf8Bytes(html), compare({
      ours: () => Text.toHtml(ours),
      mtcute: () => thtml.unparse(theirs)
    }))
  }
  if (sinkValue() === 0x7fffffff) console.log("") // keeps the sink observable
}
