/**
 * `npm run testdc -- [--port N] [--dc N] [--host H]`: runs a TestDc until SIGINT/SIGTERM.
 *
 * The first stdout line is one JSON object `{"host","port","dcId","rsaPublicKeyPem","fingerprint"}`
 * (PEM in PKCS#1 form, fingerprint as a signed decimal string) so that other processes
 * (tests in other languages, other clients) can connect; connection logs follow on stderr.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { parseArgs } from "node:util"
import { make } from "./TestDc.ts"

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    dc: { type: "string", default: "2" },
    host: { type: "string", default: "127.0.0.1" }
  }
})

const program = Effect.gen(function*() {
  const dc = yield* make({ dcId: Number(args.dc), port: Number(args.port), host: args.host })
  const line = JSON.stringify({
    host: dc.host,
    port: dc.port,
    dcId: dc.dcId,
    rsaPublicKeyPem: dc.rsaPublicKeyPem,
    fingerprint: dc.fingerprint.toString()
  })
  yield* Effect.sync(() => process.stdout.write(`${line}\n`))
  // Runs until runMain interrupts it on SIGINT/SIGTERM; the scope then closes the server.
  return yield* Effect.never
})

program.pipe(
  Effect.scoped,
  // Connection lifecycle is logged at debug level; stdout stays reserved for the JSON line.
  Effect.provide(Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)),
    Logger.minimumLogLevel(LogLevel.Debug)
  )),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
