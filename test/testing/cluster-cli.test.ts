// `npm run testdc -- --cluster`: one JSON line with every DC, the seeded accounts, login codes
// printed on stdout as they are sent, and a clean exit on SIGTERM.
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { parseRsaPublicKeyPem } from "../../src/crypto/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { senderOn } from "../support/dc.ts"
import { start, stop, tsxCli } from "../support/processes.ts"
import { sendCode } from "./support/rpc.ts"

describe("TestDc CLI --cluster", () => {
  it.scopedLive("prints every DC and the seed, serves a login, prints its code", () =>
    Effect.gen(function*() {
      const child = yield* start(process.execPath, [tsxCli, "src/testing/cli.ts", "--cluster"])
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
      const { sender } = yield* senderOn({ host: info.host, port: info.port, dcId: 2, publicKey: parseRsaPublicKeyPem(info.rsaPublicKeyPem) })
      const sent = (yield* sender.invoke(sendCode("+15550001"))) as Api.auth.sentCode
      const code = yield* Deferred.await(codeLine).pipe(Effect.timeout("10 seconds"))
      const signIn = yield* Effect.flip(sender.invoke({ _tag: "auth.signIn", phone_number: "+15550001", phone_code_hash: sent.phone_code_hash, phone_code: code }))
      assert.strictEqual("message" in signIn && signIn.message, "SESSION_PASSWORD_NEEDED")
      assert.isTrue(lines.some((l) => l.startsWith("seed user +15550001") && l.includes("home DC 2")))
      assert.isTrue(lines.some((l) => l.startsWith("seed bot @demo_bot token 123456:")))

      assert.strictEqual(yield* stop(child), 0)
    }))
})
