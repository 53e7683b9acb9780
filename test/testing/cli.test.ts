// `npm run testdc`: the first stdout line is the JSON handle; SIGTERM closes it cleanly.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import { parseRsaPublicKeyPem } from "../../src/crypto/index.ts"
import { handshake } from "../support/bareClient.ts"
import { openChannel } from "../support/dc.ts"
import { firstLine, start, stop, tsxCli } from "../support/processes.ts"

describe("TestDc CLI", () => {
  it.scopedLive("prints the handle as JSON, serves clients, exits 0 on SIGTERM", () =>
    Effect.gen(function*() {
      const child = yield* start(process.execPath, [tsxCli, "src/testing/cli.ts", "--port", "0", "--dc", "4"])
      const info = JSON.parse(yield* firstLine(child, "20 seconds")) as { host: string; port: number; dcId: number; rsaPublicKeyPem: string; fingerprint: string }
      assert.deepStrictEqual(Object.keys(info).sort(), ["dcId", "fingerprint", "host", "port", "rsaPublicKeyPem"])
      assert.strictEqual(info.host, "127.0.0.1")
      assert.strictEqual(info.dcId, 4)
      assert.isAbove(info.port, 0)
      assert.match(info.rsaPublicKeyPem, /^-----BEGIN RSA PUBLIC KEY-----\n/)
      const publicKey = parseRsaPublicKeyPem(info.rsaPublicKeyPem)
      assert.strictEqual(publicKey.fingerprint.toString(), info.fingerprint)

      // A real handshake against the child process.
      yield* Effect.scoped(Effect.flatMap(openChannel(info), (ch) => handshake(ch, { ...info, publicKey })))

      assert.strictEqual(yield* stop(child), 0)
      // Nothing listens there any more.
      const refused = yield* Effect.async<boolean>((resume) => {
        const s = Net.connect(info.port, "127.0.0.1")
        s.once("connect", () => (s.destroy(), resume(Effect.succeed(false))))
        s.once("error", () => resume(Effect.succeed(true)))
      })
      assert.isTrue(refused)
    }))
})
