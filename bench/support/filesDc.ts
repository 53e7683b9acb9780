/**
 * The TestDc of the files benchmark, run in a child process by `startExternalDc`: one DC
 * with a bot for each client (so that neither is pushed the other's messages: mtcute speaks
 * a newer layer and cannot read this one's `message`) and a user the files are sent to.
 * The first stdout line is the JSON `startExternalDc` reads.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { make } from "../../src/testing/TestDc.ts"
import { makeWorld } from "../../src/testing/world/World.ts"

export const OURS_BOT = "111111:bench-effect-mtproto"
export const MTCUTE_BOT = "222222:bench-mtcute"
export const SINK = "+15550009"

const program = Effect.gen(function*() {
  const world = makeWorld()
  world.addBot({ token: OURS_BOT, username: "bench_ours_bot", homeDc: 2 })
  world.addBot({ token: MTCUTE_BOT, username: "bench_mtcute_bot", homeDc: 2 })
  world.addUser({ phone: SINK, firstName: "Sink", homeDc: 2 })
  const dc = yield* make({ dcId: 2, world })
  const line = JSON.stringify({ host: dc.host, port: dc.port, dcId: dc.dcId, rsaPublicKeyPem: dc.rsaPublicKeyPem, fingerprint: dc.fingerprint.toString() })
  yield* Effect.sync(() => void process.stdout.write(`${line}\n`))
  return yield* Effect.never
})

if (process.argv[1]?.endsWith("filesDc.ts")) NodeRuntime.runMain(Effect.scoped(program), { disablePrettyLogger: true })
