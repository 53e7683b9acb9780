// `npm run testdc -- --cluster`: one JSON line with every DC, the seeded accounts, login codes
// printed on stdout as they are sent, and a clean exit on SIGTERM.
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { parseRsaPublicKeyPem } from "../../src/crypto/index.ts"
import { createAuthKey, Sender } from "../../src/mtproto/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeNode } from "../../src/transport/index.ts"

// Node running tsx's CLI, not npx: npm would not pass SIGTERM on (see cli.test.ts).
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli")

describe("TestDc CLI --cluster", () => {
  it.live("prints every DC and the seed, serves a login, prints its code", () =>
    Effect.gen(function*() {
      const child = yield* Effect.acquireRelease(
        Effect.sync(() => spawn(process.execPath, [tsxCli, "src/testing/cli.ts", "--cluster"], { stdio: ["ignore", "pipe", "ignore"] })),
        (c) => Effect.sync(() => c.exitCode === null && c.kill("SIGKILL"))
      )
      // Every stdout line, and a Deferred per line we wait for.
      const lines: Array<string> = []
      const firstLine = yield* Deferred.make<string>()
      const codeLine = yield* Deferred.make<string>()
      let buffer = ""
      child.stdout.on("data", (d: Buffer) => {
        buffer += d.toString("utf8")
        for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
          const line = buffer.slice(0, nl)
          buffer = buffer.slice(nl + 1)
          lines.push(line)
          if (lines.length === 1) Deferred.unsafeDone(firstLine, Effect.succeed(line))
          const code = /^code for \+15550001: (\d{5})$/.exec(line)
          if (code !== null) Deferred.unsafeDone(codeLine, Effect.succeed(code[1]!))
        }
      })
      const info = JSON.parse(yield* Deferred.await(firstLine).pipe(Effect.timeout("20 seconds"))) as {
        host: string
        port: number
        dcId: number
        rsaPublicKeyPem: string
        fingerprint: string
        dcs: Array<{ id: number; port: number }>
      }
      assert.deepStrictEqual(Object.keys(info).sort(), ["dcId", "dcs", "fingerprint", "host", "port", "rsaPublicKeyPem"])
      assert.deepStrictEqual(info.dcs.map((d) => d.id), [1, 2, 3])
      assert.strictEqual(info.dcId, 2)
      assert.strictEqual(info.dcs.find((d) => d.id === 2)?.port, info.port)

      // The demo user lives on DC 2 and has a password: code, then SESSION_PASSWORD_NEEDED.
      const publicKey = parseRsaPublicKeyPem(info.rsaPublicKeyPem)
      const open = makeNode({}).connect({ host: info.host, port: info.port, dcId: 2 })
      const auth = yield* Effect.scoped(Effect.flatMap(open, (ch) => createAuthKey(ch, { dcId: 2, publicKeys: [publicKey] })))
      const sender = yield* Sender.make({ authKey: auth.authKey, salt: auth.serverSalt, timeOffset: auth.timeOffset, connect: open, reconnect: undefined })
      const sent = (yield* sender.invoke({
        _tag: "auth.sendCode", phone_number: "+15550001", api_id: 1, api_hash: "0123456789abcdef", settings: { _tag: "codeSettings" }
      })) as Api.auth.sentCode
      const code = yield* Deferred.await(codeLine).pipe(Effect.timeout("10 seconds"))
      const signIn = yield* Effect.flip(sender.invoke({ _tag: "auth.signIn", phone_number: "+15550001", phone_code_hash: sent.phone_code_hash, phone_code: code }))
      assert.strictEqual("message" in signIn && signIn.message, "SESSION_PASSWORD_NEEDED")
      assert.isTrue(lines.some((l) => l.startsWith("seed user +15550001") && l.includes("home DC 2")))
      assert.isTrue(lines.some((l) => l.startsWith("seed bot @demo_bot token 123456:")))

      const exit = yield* Effect.async<number | null>((resume) => {
        child.once("exit", (c) => resume(Effect.succeed(c)))
        child.kill("SIGTERM")
      }).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(exit, 0)
    }).pipe(Effect.scoped))
})
