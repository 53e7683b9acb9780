// The demo's command line and its `.demo/` folder: the modes and every refusal (pure), the
// repairs of a folder that no longer fits (in process), and the demo as a process: `--help`, a
// bad flag, and a run that finds a stored session whose emulated DCs are gone.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type DemoEnv, type DemoOptions, parseDemoArgs, usage } from "../../examples/demoOptions.ts"
import { prepareDemoDir } from "../../examples/demoState.ts"
import { generateRsaKeyPair } from "../../src/crypto/index.ts"
import { layerFile, SessionStorage } from "../../src/storage/index.ts"
import { HELP } from "../../src/testing/internal/commandLine.ts"
import { repoRoot, run, tsxCli } from "../support/processes.ts"

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "mtproto-demo-"))
const keyPair = generateRsaKeyPair()

const options = (argv: ReadonlyArray<string>, env: DemoEnv = {}): DemoOptions => {
  const parsed = parseDemoArgs(argv, env)
  if (Either.isLeft(parsed)) return assert.fail(parsed.left.message)
  if (parsed.right === HELP) return assert.fail("help")
  return parsed.right
}
const refusal = (argv: ReadonlyArray<string>, env: DemoEnv = {}): string => {
  const parsed = parseDemoArgs(argv, env)
  if (Either.isRight(parsed)) return assert.fail(`accepted: ${JSON.stringify(parsed.right)}`)
  assert.notInclude(parsed.left.message, "\n")
  return parsed.left.message
}

describe("the demo's command line", () => {
  it("no flags: the offline demo over intermediate", () => {
    assert.deepStrictEqual(options([]), { mode: { _tag: "Offline" }, transport: "intermediate", obfuscated: false, fresh: false, qr: false, bot: false })
    assert.deepStrictEqual(options(["--fresh", "--qr", "--bot", "--transport", "padded", "--obfuscated"]), {
      mode: { _tag: "Offline" },
      transport: "padded",
      obfuscated: true,
      fresh: true,
      qr: true,
      bot: true
    })
    assert.deepStrictEqual(parseDemoArgs(["--help"], {}), Either.right(HELP))
  })

  it("--dc with a key file, from flags or from the environment", () => {
    const dir = tempDir()
    const pem = path.join(dir, "server.pem")
    fs.writeFileSync(pem, keyPair.publicKeyPem)
    const external = options(["--dc", "127.0.0.1:4430", "--rsa-key", pem, "--dc-id", "4"]).mode
    assert.deepStrictEqual(external, { _tag: "External", host: "127.0.0.1", port: 4430, dcId: 4, publicKey: keyPair.publicKey })
    const fromEnv = options([], { MTPROTO_DC: "localhost:443", MTPROTO_RSA_KEY: pem }).mode
    assert.deepStrictEqual(fromEnv, { _tag: "External", host: "localhost", port: 443, dcId: 2, publicKey: keyPair.publicKey })
  })

  it("Telegram itself with an api_id and api_hash, from flags or from the environment", () => {
    assert.deepStrictEqual(options(["--api-id", "12345", "--api-hash", "abc"]).mode, { _tag: "Telegram", apiId: 12345, apiHash: "abc" })
    assert.deepStrictEqual(options([], { TELEGRAM_API_ID: "7", TELEGRAM_API_HASH: "h" }).mode, { _tag: "Telegram", apiId: 7, apiHash: "h" })
  })

  it("refuses what it cannot run, in one line that says what to give", () => {
    const dir = tempDir()
    const notPem = path.join(dir, "key.txt")
    fs.writeFileSync(notPem, "hello")
    assert.strictEqual(refusal(["--transport", "foo"]), "--transport must be one of abridged, intermediate, padded, full (got 'foo')")
    assert.strictEqual(refusal(["--transport", "full", "--obfuscated"]), "--obfuscated needs abridged, intermediate or padded (full has no obfuscated form)")
    assert.strictEqual(refusal(["--dc", "127.0.0.1:443"]), "--dc needs --rsa-key FILE (the server's RSA public key, PEM)")
    assert.strictEqual(refusal(["--dc", "127.0.0.1", "--rsa-key", notPem]), "--dc must be HOST:PORT (got '127.0.0.1')")
    assert.strictEqual(refusal(["--dc", "h:99999", "--rsa-key", notPem]), "the port of --dc must be an integer from 1 to 65535 (got '99999')")
    assert.strictEqual(refusal(["--dc", "h:1", "--rsa-key", path.join(dir, "absent.pem")]), `cannot read --rsa-key ${path.join(dir, "absent.pem")} (ENOENT)`)
    assert.match(refusal(["--dc", "h:1", "--rsa-key", notPem]), new RegExp(`^--rsa-key ${notPem} is not an RSA public key in PEM form`))
    assert.strictEqual(refusal(["--rsa-key", notPem]), "--rsa-key and --dc-id go with --dc HOST:PORT")
    assert.strictEqual(refusal(["--api-id", "1"]), "--api-id needs --api-hash HASH (or TELEGRAM_API_HASH)")
    assert.strictEqual(refusal([], { TELEGRAM_API_HASH: "h" }), "--api-hash needs --api-id N (or TELEGRAM_API_ID)")
    assert.strictEqual(refusal(["--api-id", "twelve", "--api-hash", "h"]), "--api-id must be an integer from 1 to 2147483647 (got 'twelve')")
    assert.strictEqual(refusal(["--dc", "h:1", "--api-id", "1", "--api-hash", "h"]), "--dc and --api-id/--api-hash are different demos: give one")
    assert.strictEqual(refusal(["--qr", "--api-id", "1", "--api-hash", "h"]), "--qr applies to the offline demo, not with --api-id/--api-hash")
    assert.strictEqual(refusal(["--bogus"]), "unknown option --bogus")
  })

  it("the usage lists every flag", () => {
    for (const flag of ["--fresh", "--qr", "--transport KIND", "--obfuscated", "--dc HOST:PORT", "--rsa-key FILE", "--dc-id N", "--api-id N", "--api-hash HASH", "--help"]) {
      assert.include(usage, flag)
    }
  })
})

/** A `.demo/` folder in a temporary directory, with `files` written into it. */
const demoDir = (files: { readonly session?: string; readonly testDc?: string } = {}) => {
  const dir = path.join(tempDir(), ".demo")
  fs.mkdirSync(dir)
  const paths = { dir, sessionFile: path.join(dir, "session.json"), testDcFile: path.join(dir, "testdc.json"), fresh: false }
  if (files.session !== undefined) fs.writeFileSync(paths.sessionFile, files.session)
  if (files.testDc !== undefined) fs.writeFileSync(paths.testDcFile, files.testDc)
  return paths
}
const savedDcs = JSON.stringify({ rsa: { publicKeyPem: keyPair.publicKeyPem, privateKeyPem: keyPair.privateKeyPem }, keys: [], authorizations: [] })
/** A real session file, as the client leaves it. */
const writeSession = (file: string) => Effect.flatMap(SessionStorage, (s) => s.setHomeDc(2)).pipe(Effect.provide(layerFile(file)))

describe("the demo's .demo/ folder", () => {
  it.effect("a session and the DC state that go together are kept", () =>
    Effect.gen(function*() {
      const paths = demoDir({ testDc: savedDcs })
      yield* writeSession(paths.sessionFile)
      assert.deepStrictEqual(yield* prepareDemoDir(paths), [])
      assert.isTrue(fs.existsSync(paths.sessionFile) && fs.existsSync(paths.testDcFile))
    }))

  it.effect("a DC state file that does not read is dropped with its session", () =>
    Effect.gen(function*() {
      for (const [testDc, why] of [["{\"rsa\":", "not JSON"], ["{\"keys\":[]}", "not the shape this demo writes"]] as const) {
        const paths = demoDir({ testDc })
        yield* writeSession(paths.sessionFile)
        const notes = yield* prepareDemoDir(paths)
        assert.deepStrictEqual(notes, [`${paths.testDcFile} cannot be used (${why}): starting over with new emulated DCs and a new login.`])
        assert.deepStrictEqual(fs.readdirSync(paths.dir), [])
      }
    }))

  it.effect("a session whose DC state is gone, or that is no session, is dropped", () =>
    Effect.gen(function*() {
      const orphan = demoDir()
      yield* writeSession(orphan.sessionFile)
      assert.deepStrictEqual(yield* prepareDemoDir(orphan), [
        `${orphan.sessionFile} belongs to emulated DCs that are gone (no ${orphan.testDcFile}): logging in afresh.`
      ])
      assert.isFalse(fs.existsSync(orphan.sessionFile))
      const foreign = demoDir({ session: "{\"x\":1}", testDc: savedDcs })
      const [note] = yield* prepareDemoDir(foreign)
      assert.match(note!, /session\.json is not a session this demo can use \(Foreign .*\): logging in afresh\.$/)
      assert.deepStrictEqual(fs.readdirSync(foreign.dir), ["testdc.json"])
    }))

  it.scoped("a session another demo holds: DemoSetupError saying what to do, nothing removed", () =>
    Effect.gen(function*() {
      const paths = demoDir({ testDc: savedDcs })
      yield* writeSession(paths.sessionFile)
      yield* Layer.build(layerFile(paths.sessionFile)) // held until the test's scope closes
      const error = yield* Effect.flip(prepareDemoDir(paths))
      assert.strictEqual(error._tag, "DemoSetupError")
      assert.match(error.message, /^another npm start is using .*session\.json \(Locked.*\): wait for it to end, or stop it$/)
      assert.isTrue(fs.existsSync(paths.sessionFile))
    }))

  it.effect("--fresh forgets everything", () =>
    Effect.gen(function*() {
      const paths = demoDir({ session: "{}", testDc: savedDcs })
      assert.deepStrictEqual(yield* prepareDemoDir({ ...paths, fresh: true }), [])
      assert.deepStrictEqual(fs.readdirSync(paths.dir), [])
    }))
})

const demo = (args: ReadonlyArray<string>, cwd = repoRoot) => run(process.execPath, [tsxCli, path.join(repoRoot, "examples/demo.ts"), ...args], { cwd }, "120 seconds")

describe.concurrent("the demo as a process", () => {
  it.live("--help lists the flags and exits 0; a bad flag is one line and exit 2", () =>
    Effect.gen(function*() {
      const [help, bad] = yield* Effect.all([demo(["--help"]), demo(["--transport", "foo"])], { concurrency: "unbounded" })
      assert.strictEqual(help.code, 0, help.stderr)
      assert.match(help.stdout, /^The offline demo/)
      assert.include(help.stdout, "--transport KIND")
      assert.strictEqual(bad.code, 2)
      assert.strictEqual(bad.stdout, "")
      assert.strictEqual(bad.stderr, "npm start: --transport must be one of abridged, intermediate, padded, full (got 'foo') (see npm start -- --help)\n")
    }))

  it.live("a stored session whose emulated DCs are gone: the demo says so, logs in afresh and ends well", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      fs.mkdirSync(path.join(cwd, ".demo"))
      yield* writeSession(path.join(cwd, ".demo", "session.json"))
      const result = yield* demo([], cwd)
      assert.strictEqual(result.code, 0, result.stdout + result.stderr)
      assert.include(result.stdout, ".demo/session.json belongs to emulated DCs that are gone (no .demo/testdc.json): logging in afresh.")
      assert.include(result.stdout, "Logging in (session file .demo/session.json)")
      assert.match(result.stdout, /getMe: Demo User/)
      assert.isTrue(fs.existsSync(path.join(cwd, ".demo", "testdc.json")))
    }), 150_000)
})
