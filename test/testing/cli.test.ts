// `npm run testdc`: the first stdout line is the JSON handle; SIGTERM closes it cleanly.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as Net from "node:net"
import { parseRsaPublicKeyPem } from "../../src/crypto/index.ts"
import { connect, handshake } from "./client.ts"

// tsx's own CLI run by node, which is what `npx tsx` ends up running. Spawning through npx
// itself would put npm in between, and npm does not pass SIGTERM on to its child (checked:
// the server keeps running and npm exits 143).
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli")

describe("TestDc CLI", () => {
  it.live("prints the handle as JSON, serves clients, exits 0 on SIGTERM", () =>
    Effect.gen(function*() {
      const child = yield* Effect.acquireRelease(
        Effect.sync(() => spawn(process.execPath, [tsxCli, "src/testing/cli.ts", "--port", "0", "--dc", "4"], { stdio: ["ignore", "pipe", "pipe"] })),
        (c) => Effect.sync(() => c.exitCode === null && c.kill("SIGKILL"))
      )
      const firstLine = yield* Effect.async<string, Error>((resume) => {
        let buffer = ""
        child.stdout.on("data", (d: Buffer) => {
          buffer += d.toString("utf8")
          const nl = buffer.indexOf("\n")
          if (nl >= 0) resume(Effect.succeed(buffer.slice(0, nl)))
        })
        child.once("exit", (code) => resume(Effect.fail(new Error(`exited early with ${code}`))))
      }).pipe(Effect.timeout("20 seconds"))
      const info = JSON.parse(firstLine) as { host: string; port: number; dcId: number; rsaPublicKeyPem: string; fingerprint: string }
      assert.deepStrictEqual(Object.keys(info).sort(), ["dcId", "fingerprint", "host", "port", "rsaPublicKeyPem"])
      assert.strictEqual(info.host, "127.0.0.1")
      assert.strictEqual(info.dcId, 4)
      assert.isAbove(info.port, 0)
      assert.match(info.rsaPublicKeyPem, /^-----BEGIN RSA PUBLIC KEY-----\n/)
      const publicKey = parseRsaPublicKeyPem(info.rsaPublicKeyPem)
      assert.strictEqual(publicKey.fingerprint.toString(), info.fingerprint)

      // A real handshake against the child process.
      yield* Effect.scoped(Effect.flatMap(connect({ ...info, publicKey }), (ch) => handshake(ch, { ...info, publicKey })))

      const code = yield* Effect.async<number | null>((resume) => {
        child.once("exit", (c) => resume(Effect.succeed(c)))
        child.kill("SIGTERM")
      }).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(code, 0)
      // Nothing listens there any more.
      const refused = yield* Effect.async<boolean>((resume) => {
        const s = Net.connect(info.port, "127.0.0.1")
        s.once("connect", () => (s.destroy(), resume(Effect.succeed(false))))
        s.once("error", () => resume(Effect.succeed(true)))
      })
      assert.isTrue(refused)
    }).pipe(Effect.scoped))
})
