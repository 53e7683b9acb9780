/**
 * The far side of the proxy benchmark, run in child processes so the benchmark process
 * measures the client alone:
 *
 * - `--role dc`: two TestDcs sharing a key pair: one plain (with its WebSocket endpoint, and in
 *   MTProxy mode with a `dd` secret), one in MTProxy mode with an `ee` (fake-TLS) secret. Both
 *   answer `upload.saveFilePart` (for the bytes-throughput rows). Prints one JSON line.
 * - `--role relay`: the test SOCKS5 and HTTP CONNECT servers. Prints one JSON line.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { parseArgs } from "node:util"
import { generateRsaKeyPair } from "../../src/crypto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { httpConnectServer, socks5Server } from "../../test/support/proxyServers.ts"

const DD_SECRET = "dd00112233445566778899aabbccddeeff"
const EE_SECRET = `ee00112233445566778899aabbccddeeff${Buffer.from("www.example.org").toString("hex")}`

const { values: args } = parseArgs({ options: { role: { type: "string" } } })

const say = (value: unknown) => Effect.sync(() => void process.stdout.write(`${JSON.stringify(value)}\n`))

const dcs = Effect.gen(function*() {
  const rsaKeyPair = generateRsaKeyPair()
  const world = TestDc.makeWorld()
  const handlers: TestDc.Handlers = { "upload.saveFilePart": () => Effect.succeed(true) }
  const plain = yield* TestDc.make({ dcId: 2, rsaKeyPair, world, handlers, webSocket: true, mtProxy: { secret: DD_SECRET } })
  const fakeTls = yield* TestDc.make({ dcId: 2, rsaKeyPair, world, handlers, mtProxy: { secret: EE_SECRET } })
  yield* say({ host: plain.host, port: plain.port, webSocketUrl: plain.webSocketUrl, fakeTlsPort: fakeTls.port, ddSecret: DD_SECRET, eeSecret: EE_SECRET, rsaPublicKeyPem: plain.rsaPublicKeyPem })
  return yield* Effect.never
})

const relays = Effect.gen(function*() {
  const socks = yield* socks5Server()
  const http = yield* httpConnectServer()
  yield* say({ socks5Port: socks.port, httpPort: http.port })
  return yield* Effect.never
})

const program = args.role === "dc" ? dcs : args.role === "relay" ? relays : Effect.dieMessage("--role dc|relay")

program.pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning), NodeRuntime.runMain({ disablePrettyLogger: true }))
