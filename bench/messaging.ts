/**
 * Messaging benchmark: messages sent per second by one client (`Messages.send`, a bot logged
 * in to a TestDc in a child process, writing to the seeded user), one at a time and with 100
 * sends in flight; and the same sends as raw `messages.sendMessage` calls, to show what the
 * module adds over `invoke` (peer resolution from the cache, the random_id, rebuilding the
 * sent message).
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import { fileURLToPath } from "node:url"
import { Client, type ClientShape, Messages, Peers } from "../src/client/index.ts"
import { randomLong } from "../src/crypto/index.ts"
import type { Dc } from "../test/support/dc.ts"
import { startExternalDc } from "./support/externalDc.ts"
import { ourClientLayer } from "./support/ourClient.ts"

/** The bot the TestDc CLI seeds, and the user it writes to. */
const BOT_TOKEN = "123456:TESTDC-demo-bot-token"
const TO = "@demo"


const rate = (count: number, millis: number) => `${Math.round(count / (millis / 1000)).toLocaleString("en")} msg/s`

const measure = (dc: Dc) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(ourClientLayer(dc))
    const client: ClientShape = Context.get(context, Client)
    yield* client.start({ botToken: Redacted.make(BOT_TOKEN) })
    // The Client is provided once around each timed loop, as a program provides it once: per
    // call, `provideService` would cost more than the send itself.
    const run = <A, E>(effect: Effect.Effect<A, E, Client>) => Effect.provideService(effect, Client, client)
    const peer = yield* run(Peers.resolve(TO))
    const send = Messages.send(TO, "benchmark *message*", { parseMode: "none" })
    const rawFresh = Effect.suspend(() => client.invoke({ _tag: "messages.sendMessage", peer, message: "benchmark message", random_id: randomLong() }))

    // Warm-up: JIT, the connection, the peer cache.
    yield* run(Effect.forEach(Array.from({ length: 200 }), () => send, { concurrency: 20, discard: true }))
    yield* rawFresh

    const timed = (count: number, concurrency: number, effect: Effect.Effect<unknown, unknown, Client>) =>
      Effect.map(
        Effect.timed(run(Effect.forEach(Array.from({ length: count }), () => effect, { concurrency, discard: true }))),
        ([d]) => Duration.toMillis(d)
      )
    // Rounds alternate between the two ways so that drift (JIT, GC, a busy machine) hits both alike.
    const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const rounds = 5
    const sequential = 300
    const concurrent = 2000
    const seq = { send: [] as Array<number>, raw: [] as Array<number> }
    const con = { send: [] as Array<number>, raw: [] as Array<number> }
    for (let r = 0; r < rounds; r++) {
      seq.send.push(yield* timed(sequential, 1, send))
      seq.raw.push(yield* timed(sequential, 1, rawFresh))
      con.raw.push(yield* timed(concurrent, 100, rawFresh))
      con.send.push(yield* timed(concurrent, 100, send))
    }
    const row = (label: string, count: number, t: { send: Array<number>; raw: Array<number> }) => {
      const send = median(t.send), raw = median(t.raw)
      console.log(`  ${label.padEnd(26)} ${rate(count, send).padStart(12)}   raw invoke ${rate(count, raw).padStart(12)}   (send/raw ${(raw / send).toFixed(2)}x)`)
    }
    console.log(`Messages.send to a TestDc in a child process, TCP loopback, one client (a bot writing to a user), median of ${rounds}`)
    row(`sequential (${sequential})`, sequential, seq)
    row(`100 concurrent (${concurrent})`, concurrent, con)
  }).pipe(Effect.scoped)

export async function run(): Promise<void> {
  const { child, dc } = await startExternalDc(fileURLToPath(new URL("../src/testing/cli.ts", import.meta.url)))
  try {
    await Effect.runPromise(measure(dc).pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
  } finally {
    child.kill("SIGTERM")
  }
}
