/**
 * Every code block of the README is a program that works. Each ```ts block is, byte for byte, a
 * file of `examples/readme/` (and each of those files is in the README), so `npm run typecheck`
 * checks it; the offline programs run here to their end against an embedded TestDc (in one
 * process, as `npx tsx examples/readme/X.ts` runs them) and print what the README says; the
 * `*.test.ts` ones are vitest files that `npm test` runs; the ones marked "Runs against Telegram"
 * are only type-checked. ```sh blocks are commands, not run.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { usage } from "../../examples/demoOptions.ts"
import { repoRoot, run, tsxCli } from "../support/processes.ts"

const EXAMPLES = "examples/readme"
/** The first line of a program that needs Telegram itself (an api_id, a bot token). */
const TELEGRAM_MARK = "// Runs against Telegram"

interface Block {
  readonly lang: string
  readonly code: string
  /** The heading the block is under, for messages. */
  readonly section: string
}

/** The fenced blocks of a Markdown text. */
const fencedBlocks = (markdown: string): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  let section = "(top)"
  let open: { lang: string; lines: Array<string> } | undefined
  for (const line of markdown.split("\n")) {
    if (open !== undefined) {
      if (line === "```") {
        blocks.push({ lang: open.lang, code: open.lines.map((l) => `${l}\n`).join(""), section })
        open = undefined
      } else open.lines.push(line)
    } else if (line.startsWith("```")) open = { lang: line.slice(3).trim(), lines: [] }
    else if (line.startsWith("#")) section = line.replace(/^#+\s*/, "")
  }
  assert.isUndefined(open, "a code block of the README is not closed")
  return blocks
}

const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8")
const blocks = fencedBlocks(readme)
const files = fs.readdirSync(path.join(repoRoot, EXAMPLES)).filter((f) => f.endsWith(".ts")).sort()
const source = (file: string) => fs.readFileSync(path.join(repoRoot, EXAMPLES, file), "utf8")
const offline = files.filter((f) => !f.endsWith(".test.ts") && !source(f).startsWith(TELEGRAM_MARK))

/**
 * What each offline program prints (its console lines, and the messages it logs), in order.
 * The library's own log lines may come in between.
 */
const prints: Record<string, ReadonlyArray<string>> = {
  "quickstart.ts": ["Ada: hello", "bot: You said: hello"],
  "login.ts": ["Ada", "echo_bot", "Ada"],
  "invoke.ts": [
    "DC 2, 1 DC addresses",
    "after the wait: 2",
    "try again in 3600 s",
    "400 USERNAME_NOT_OCCUPIED - The provided username is not occupied.",
    "RpcError: USERNAME_NOT_OCCUPIED"
  ],
  "updates.ts": ["one", "two", "three"],
  "bot.ts": ["Count is 1 | Count: 1"],
  "metrics.ts": ["waiting out FLOOD_WAIT", "3 calls answered, 1 FLOOD_WAIT waited out"],
  "messaging.ts": ["Hello Bob, this is markdown (edited)", "Bob"],
  "files.ts": ["sent 1200000 bytes, read 1200000 back, wrote 1200000 to hello-copy.txt", "done: inputFile"],
  "sessions.ts": ["378 characters; logged in as echo_bot"],
  "proxy.ts": ["through MtProxy: DC 2"],
  "websocket.ts": ["over WebSockets: DC 2"]
}

/** A line as the program meant it: console lines as they are, log lines by their message. */
const said = (line: string): string => {
  const logged = /^timestamp=\S+ level=\w+ fiber=#\d+ message=("(?:[^"\\]|\\.)*"|\S*)/.exec(line)
  if (logged === null) return line
  return logged[1]!.startsWith("\"") ? JSON.parse(logged[1]!) as string : logged[1]!
}

describe("README", () => {
  it("has only ts blocks (programs) and sh blocks (commands), besides plain text", () => {
    assert.deepStrictEqual(blocks.filter((b) => !["ts", "sh", ""].includes(b.lang)).map((b) => `${b.section}: ${b.lang}`), [])
    assert.isAbove(blocks.filter((b) => b.lang === "ts").length, 5)
  })

  it(`every ts block is a file of ${EXAMPLES}/, and every file there is one block`, () => {
    const ts = blocks.filter((b) => b.lang === "ts")
    const unmatched = ts.filter((b) => !files.some((f) => source(f) === b.code))
    assert.deepStrictEqual(
      unmatched.map((b) => `"${b.section}": ${b.code.split("\n", 1)[0]}`),
      [],
      `README blocks that are no file of ${EXAMPLES}/ (save each as a .ts file there, byte for byte)`
    )
    const shown = files.filter((f) => ts.filter((b) => b.code === source(f)).length === 1)
    assert.deepStrictEqual(shown, files, `each file of ${EXAMPLES}/ is exactly one README block`)
  })

  it("says what every offline program prints", () => {
    assert.deepStrictEqual(Object.keys(prints).sort(), offline)
    // The first program's output, as the README shows it.
    assert.include(readme, `\n\`\`\`\n${prints["quickstart.ts"]!.join("\n")}\n\`\`\`\n`)
  })

  it("installs the peers in the ranges package.json asks for", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { peerDependencies: Record<string, string> }
    const peers = ["effect", "@effect/platform", "@effect/platform-node"].map((name) => `${name}@${pkg.peerDependencies[name]}`)
    assert.deepStrictEqual(Object.keys(pkg.peerDependencies).sort(), ["@effect/platform", "@effect/platform-node", "effect"])
    assert.include(readme, `npm install effect-mtproto ${peers.join(" ")}\n`)
    assert.include(readme, `.tgz ${peers.join(" ")}\n`)
  })

  it("lists the demo's flags as --help prints them, and every npm script", () => {
    const options = usage.slice(usage.indexOf("Options:\n") + "Options:\n".length, usage.indexOf("\n\nExamples:"))
    assert.include(readme, `\`\`\`\n${options}\n\`\`\``)
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts)
    const table = readme.slice(readme.indexOf("## Commands"), readme.indexOf("\n## ", readme.indexOf("## Commands") + 1))
    const missing = scripts.filter((s) => s !== "prepare" && !table.includes(s === "start" || s === "test" ? `| \`npm ${s}\`` : `| \`npm run ${s}`) && !table.includes(`npm run -s ${s}`))
    assert.deepStrictEqual(missing, [], "npm scripts missing from the README's command table")
  })

  it.live("its offline programs run to their end and print what they should", () =>
    Effect.gen(function*() {
      const runner = path.join(repoRoot, "test/examples/readmeRunner.ts")
      const { code, stderr, stdout } = yield* run(
        process.execPath,
        [tsxCli, runner, ...offline.map((f) => `${EXAMPLES}/${f}`)],
        { cwd: repoRoot },
        "150 seconds"
      )
      const lines = stdout.split("\n")
      // The package name resolves to this repository's src/, as tsconfig.json's paths say.
      assert.strictEqual(lines[0], `@@ effect-mtproto is file://${path.join(repoRoot, "src/index.ts")}`)
      for (const file of offline) {
        const start = lines.indexOf(`@@ start ${EXAMPLES}/${file}`)
        assert.isAtLeast(start, 0, `${file} was not started: ${stdout}${stderr}`)
        const end = lines.findIndex((l, i) => i > start && l.startsWith("@@ "))
        const output = lines.slice(start + 1, end === -1 ? undefined : end).map(said)
        assert.match(lines[end] ?? "", new RegExp(`^@@ ok ${EXAMPLES}/${file} \\d+$`), `${file}:\n${output.join("\n")}\n${stderr}`)
        // In order, with the library's log lines allowed in between.
        let at = 0
        for (const expected of prints[file]!) {
          const found = output.indexOf(expected, at)
          assert.isAtLeast(found, 0, `${file} did not print ${JSON.stringify(expected)} (after line ${at}):\n${output.join("\n")}`)
          at = found + 1
        }
      }
      assert.strictEqual(code, 0, stderr)
      assert.strictEqual(stderr, "")
    }), 180_000)
})
