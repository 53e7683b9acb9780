// The TestDc CLI as a person and a script meet it: `--help`, one line and exit 2 for a bad
// flag, one line and exit 1 for a port that is taken, the JSON handle first on stdout through
// `npm run -s testdc` and through the built bin (`effect-mtproto-testdc` → dist/testing/cli.js).
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as Net from "node:net"
import * as path from "node:path"
import { parseRsaPublicKeyPem } from "../../src/crypto/index.ts"
import { firstLine, type Finished, repoRoot, run, start, stop, tsxCli } from "../support/processes.ts"

const cli = ["src/testing/cli.ts"]
const testdc = (...args: ReadonlyArray<string>) => run(process.execPath, [tsxCli, ...cli, ...args])

/** A refused command line: exit 2, nothing on stdout, one line on stderr that names the program, no stack. */
const assertRefused = (result: Finished, message: string) => {
  assert.strictEqual(result.code, 2, result.stderr)
  assert.strictEqual(result.stdout, "")
  assert.strictEqual(result.stderr, `effect-mtproto-testdc: ${message} (see effect-mtproto-testdc --help)\n`)
}

/** The JSON handle: the keys the CLI promises, a PEM whose fingerprint is the one printed. */
const assertHandle = (line: string, dcId: number) => {
  const info = JSON.parse(line) as { host: string; port: number; dcId: number; rsaPublicKeyPem: string; fingerprint: string }
  assert.deepStrictEqual(Object.keys(info).sort(), ["dcId", "fingerprint", "host", "port", "rsaPublicKeyPem"])
  assert.deepStrictEqual([info.host, info.dcId], ["127.0.0.1", dcId])
  assert.isAbove(info.port, 0)
  assert.strictEqual(parseRsaPublicKeyPem(info.rsaPublicKeyPem).fingerprint.toString(), info.fingerprint)
}

// The processes are independent and mostly wait on their start: run them side by side.
describe.concurrent("TestDc CLI as a process", () => {
  it.live("--help prints the usage on stdout and exits 0", () =>
    Effect.gen(function*() {
      const result = yield* testdc("--help")
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      assert.match(result.stdout, /^Runs an emulated Telegram/)
      for (const flag of ["--port N", "--dc N", "--host HOST", "--cluster", "--mtproxy SECRET", "--websocket"]) assert.include(result.stdout, flag)
    }))

  it.live("a bad flag or value: one line on stderr, exit 2, no stack trace", () =>
    Effect.gen(function*() {
      const [unknown, notANumber, noValue] = yield* Effect.all([
        testdc("--transport", "foo"),
        testdc("--port", "http"),
        testdc("--dc")
      ], { concurrency: "unbounded" })
      assertRefused(unknown, "unknown option --transport")
      assertRefused(notANumber, "--port must be an integer from 0 to 65535 (got 'http')")
      assertRefused(noValue, "--dc needs a value (--dc N)")
    }))

  it.scopedLive("a port that is taken: one line on stderr, exit 1", () =>
    Effect.gen(function*() {
      const taken = yield* Effect.acquireRelease(
        Effect.async<Net.Server>((resume) => {
          const server = Net.createServer()
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const port = (taken.address() as Net.AddressInfo).port
      const result = yield* testdc("--port", String(port))
      assert.strictEqual(result.code, 1, result.stderr)
      assert.match(result.stderr, new RegExp(`^effect-mtproto-testdc: cannot listen on 127\\.0\\.0\\.1:${port} \\(.*EADDRINUSE.*\\)\\n$`))
    }))

  it.scopedLive("npm run -s testdc: the first stdout line is the JSON handle (no npm banner)", () =>
    Effect.gen(function*() {
      const child = yield* start("npm", ["run", "-s", "testdc", "--", "--dc", "3"])
      assertHandle(yield* firstLine(child), 3)
    }))

  it.scopedLive("the bin: package.json points at dist/testing/cli.js, built with a shebang; its first stdout line is the JSON handle", () =>
    Effect.gen(function*() {
      const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { bin: Record<string, string> }
      assert.deepStrictEqual(pkg.bin, { "effect-mtproto-testdc": "./dist/testing/cli.js" })
      // The build of `npm run build`, into a folder of its own (dist/ may be stale while developing).
      const out = path.join(repoRoot, "node_modules", ".cache", "effect-mtproto-bin-test")
      fs.rmSync(out, { recursive: true, force: true })
      const build = yield* run(path.join(repoRoot, "node_modules", ".bin", "tsc"), [
        "-p",
        "tsconfig.build.json",
        "--outDir",
        out,
        "--declaration",
        "false",
        "--declarationMap",
        "false",
        "--sourceMap",
        "false"
      ], {}, "120 seconds")
      assert.strictEqual(build.code, 0, build.stdout + build.stderr)
      const bin = path.join(out, path.relative("dist", pkg.bin["effect-mtproto-testdc"]!))
      assert.strictEqual(fs.readFileSync(bin, "utf8").split("\n")[0], "#!/usr/bin/env node")
      const child = yield* start(process.execPath, [bin, "--dc", "4"])
      assertHandle(yield* firstLine(child), 4)
      assert.strictEqual(yield* stop(child), 0)
    }), 150_000)
})
