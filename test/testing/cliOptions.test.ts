// The command lines of the TestDc CLI (and the parser the demo shares), without a process:
// argv in, options or the one line a person reads out.
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { parseTestDcArgs, usage } from "../../src/testing/internal/cliOptions.ts"
import { describeOptions, HELP, integerIn, oneOf, parseCommandLine } from "../../src/testing/internal/commandLine.ts"

const specs = {
  port: { type: "string", value: "N", description: "a port" },
  cluster: { type: "boolean", description: "a switch" }
} as const

/** The one-line message of a command line that must be refused. */
const refusal = <A, E extends { readonly message: string }>(result: Either.Either<A, E>): string => {
  if (Either.isRight(result)) assert.fail(`accepted: ${JSON.stringify(result.right)}`)
  assert.notInclude(result.left.message, "\n")
  return result.left.message
}

describe("parseCommandLine", () => {
  it("reads switches and values, in both value forms, with defaults for what is absent", () => {
    assert.deepStrictEqual(parseCommandLine([], specs), Either.right({ port: undefined, cluster: false }))
    assert.deepStrictEqual(parseCommandLine(["--port", "5", "--cluster"], specs), Either.right({ port: "5", cluster: true }))
    assert.deepStrictEqual(parseCommandLine(["--port=6"], specs), Either.right({ port: "6", cluster: false }))
    // the last one wins, and `--` ends the options
    assert.deepStrictEqual(parseCommandLine(["--port", "1", "--port", "2", "--"], specs), Either.right({ port: "2", cluster: false }))
  })

  it("--help or -h wins over anything else on the line, even a bad flag", () => {
    assert.deepStrictEqual(parseCommandLine(["--help"], specs), Either.right(HELP))
    assert.deepStrictEqual(parseCommandLine(["--bogus", "-h"], specs), Either.right(HELP))
  })

  it("refuses unknown flags, missing values, values on switches and stray words, naming them", () => {
    assert.strictEqual(refusal(parseCommandLine(["--transport", "foo"], specs)), "unknown option --transport")
    assert.strictEqual(refusal(parseCommandLine(["-x"], specs)), "unknown option -x")
    assert.strictEqual(refusal(parseCommandLine(["--port"], specs)), "--port needs a value (--port N)")
    // parseArgs would take the next flag as the value
    assert.strictEqual(refusal(parseCommandLine(["--port", "--cluster"], specs)), "--port needs a value (--port N)")
    assert.strictEqual(refusal(parseCommandLine(["--cluster=yes"], specs)), "--cluster takes no value (got 'yes')")
    assert.strictEqual(refusal(parseCommandLine(["4430"], specs)), "unexpected argument '4430'")
    assert.strictEqual(refusal(parseCommandLine(["--", "x"], specs)), "unexpected argument 'x'")
    // inherited object keys are not flags
    assert.strictEqual(refusal(parseCommandLine(["--constructor"], specs)), "unknown option --constructor")
  })

  it("integerIn and oneOf say what was expected and what came", () => {
    assert.deepStrictEqual(integerIn("--port", "443", 0, 65535), Either.right(443))
    assert.deepStrictEqual(integerIn("--port", "0", 0, 65535), Either.right(0))
    for (const bad of ["abc", "-1", "1.5", "65536", "", "1e3", " 1", "0x10"]) {
      assert.strictEqual(refusal(integerIn("--port", bad, 0, 65535)), `--port must be an integer from 0 to 65535 (got '${bad}')`)
    }
    assert.deepStrictEqual(oneOf("--transport", "full", ["abridged", "full"] as const), Either.right("full" as const))
    assert.strictEqual(refusal(oneOf("--transport", "foo", ["abridged", "full"])), "--transport must be one of abridged, full (got 'foo')")
  })

  it("describes every flag on its own line, with its value's name, and --help", () => {
    const lines = describeOptions(specs).split("\n")
    assert.deepStrictEqual(lines.map((l) => l.trim().split(/\s{2,}/)), [["--port N", "a port"], ["--cluster", "a switch"], ["-h, --help", "print this help and exit"]])
  })
})

describe("the TestDc CLI's options", () => {
  it("defaults: any free port on 127.0.0.1, DC 2, one DC, no proxy, no WebSocket", () => {
    assert.deepStrictEqual(
      parseTestDcArgs([]),
      Either.right({ port: 0, dcId: 2, host: "127.0.0.1", cluster: false, mtProxySecret: undefined, webSocket: false })
    )
    assert.deepStrictEqual(
      parseTestDcArgs(["--port", "4430", "--dc", "3", "--cluster", "--host", "0.0.0.0"]),
      Either.right({ port: 4430, dcId: 3, host: "0.0.0.0", cluster: true, mtProxySecret: undefined, webSocket: false })
    )
    const secret = `dd${"ab".repeat(16)}`
    assert.deepStrictEqual(
      parseTestDcArgs(["--mtproxy", secret, "--websocket"]),
      Either.right({ port: 0, dcId: 2, host: "127.0.0.1", cluster: false, mtProxySecret: secret, webSocket: true })
    )
  })

  it("refuses bad values with one line each", () => {
    assert.strictEqual(refusal(parseTestDcArgs(["--port", "http"])), "--port must be an integer from 0 to 65535 (got 'http')")
    assert.strictEqual(refusal(parseTestDcArgs(["--dc", "0"])), "--dc must be an integer from 1 to 32767 (got '0')")
    assert.strictEqual(refusal(parseTestDcArgs(["--dc", "7", "--cluster"])), "--dc must be one of 1, 2, 3 with --cluster (got 7)")
    // DC i listens on N + i - 1: all three ports must exist
    assert.strictEqual(refusal(parseTestDcArgs(["--port", "65534", "--cluster"])), "--port must be an integer from 0 to 65533 (got '65534')")
    assert.strictEqual(refusal(parseTestDcArgs(["--host", ""])), "--host needs an address")
    assert.strictEqual(refusal(parseTestDcArgs(["--cluster", "--websocket"])), "--mtproxy and --websocket apply to a single DC, not --cluster")
    assert.match(refusal(parseTestDcArgs(["--mtproxy", "abcd"])), /^--mtproxy: a secret is 16 bytes/)
    assert.strictEqual(refusal(parseTestDcArgs(["--transport", "foo"])), "unknown option --transport")
  })

  it("the usage names every flag and the JSON line", () => {
    for (const flag of ["--port N", "--dc N", "--host HOST", "--cluster", "--mtproxy SECRET", "--websocket", "--help"]) assert.include(usage, flag)
    assert.include(usage, `{"host","port","dcId","rsaPublicKeyPem","fingerprint"}`)
    assert.include(usage, "npm run -s testdc")
  })
})
