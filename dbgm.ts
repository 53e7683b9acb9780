import { BaseTelegramClient, MemoryStorage, MtProxyTcpTransport } from "@mtcute/node"
import { addPublicKey } from "@mtcute/core/utils.js"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestDc from "./src/testing/index.ts"
const KEY = "0123456789abcdef0123456789abcdef"
const SECRET = `ee${KEY}${Buffer.from("www.example.org").toString("hex")}`
const prog = Effect.gen(function*() {
  const dc = yield* TestDc.make({ dcId: 2, mtProxy: { secret: process.argv[2] === "dd" ? `dd${KEY}` : SECRET } })
  const dcOption = { id: 2, ipAddress: "203.0.113.1", port: 443 }
  const c = new BaseTelegramClient({ apiId: 1, apiHash: "00000000000000000000000000000000", storage: new MemoryStorage(), defaultDcs: { main: dcOption, media: dcOption },
    transport: new MtProxyTcpTransport({ host: dc.host, port: dc.port, secret: process.argv[2] === "dd" ? `dd${KEY}` : SECRET }), logLevel: 5 })
  addPublicKey(c.crypto, dc.rsaPublicKeyPem)
  yield* Effect.promise(() => c.connect()).pipe(Effect.timeout("5 seconds"))
  console.log("connected")
  const r = yield* Effect.promise(() => c.call({ _: "help.getNearestDc" })).pipe(Effect.timeout("5 seconds"))
  console.log(r)
  yield* Effect.promise(() => c.destroy())
})
Effect.runPromise(Effect.scoped(prog).pipe(Logger.withMinimumLogLevel(LogLevel.Debug))).then(() => console.log("done"), (e) => console.error("FAIL", String(e)))
