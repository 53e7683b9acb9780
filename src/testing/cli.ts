#!/usr/bin/env node
/**
 * `effect-mtproto-testdc [--port N] [--dc N] [--host H] [--cluster] [--mtproxy SECRET] [--websocket]`
 * (in this repository `npm run -s testdc -- ...`; `--help` lists the flags): runs a TestDc (or,
 * with `--cluster`, DCs 1, 2 and 3 sharing one World and key) until SIGINT/SIGTERM. `--mtproxy`
 * (hex or base64url; `dd`/`ee` forms too) puts a single DC in MTProxy mode and adds
 * `"mtProxyLink"` (a `tg://proxy` link) to the JSON line; `--websocket` opens its WebSocket
 * endpoint and adds `"webSocketUrl"`. A bad flag is one line on stderr and exit code 2.
 *
 * The first stdout line is one JSON object `{"host","port","dcId","rsaPublicKeyPem","fingerprint"}`
 * (PEM in PKCS#1 form, fingerprint as a signed decimal string) so that other processes
 * (tests in other languages, other clients) can connect; with `--cluster` it also holds
 * `"dcs": [{"id","port"}]` and `port`/`dcId` are those of `--dc` (default 2; with `--port N`
 * DC i listens on N + i − 1). Then stdout carries one line per event a person at a terminal
 * needs: the seeded accounts, and `code for +15550001: 12345` for every login code sent.
 * Connection logs go to stderr. (`npm run` prints its banner on stdout first: `-s` drops it.)
 *
 * Seeded: user +15550001 "Demo User" (@demo, 2FA password `demo-password`, home DC 2, or
 * the only DC without `--cluster` when that is not 2) and bot @demo_bot with token
 * `123456:TESTDC-demo-bot-token`.
 */
import { CLUSTER_DCS, parseTestDcArgs, usage } from "./internal/cliOptions.ts"
import { optionsOrExit } from "./internal/commandLine.ts"

const args = optionsOrExit(parseTestDcArgs(process.argv.slice(2)), "effect-mtproto-testdc", usage)

// Only now the servers' modules (the generated TL codec among them): `--help` and a bad flag
// answer at once.
const [NodeRuntime, Effect, Layer, Logger, LogLevel, { makeCluster }, { make }, { makeWorld }] = await Promise.all([
  import("@effect/platform-node/NodeRuntime"),
  import("effect/Effect"),
  import("effect/Layer"),
  import("effect/Logger"),
  import("effect/LogLevel"),
  import("./Cluster.ts"),
  import("./TestDc.ts"),
  import("./world/World.ts")
])

const SEED_USER = { phone: "+15550001", firstName: "Demo", lastName: "User", username: "demo", password: "demo-password" }
const SEED_BOT = { token: "123456:TESTDC-demo-bot-token", username: "demo_bot" }

const say = (line: string) => Effect.sync(() => void process.stdout.write(`${line}\n`))

const program = Effect.gen(function*() {
  const dcId = args.dcId
  const basePort = args.port
  const world = makeWorld()
  const dcIds = args.cluster ? CLUSTER_DCS : [dcId]
  const homeDc = dcIds.includes(2) ? 2 : dcId
  world.addUser({ ...SEED_USER, homeDc })
  world.addBot({ ...SEED_BOT, homeDc })

  let dcs: ReadonlyArray<{ readonly id: number; readonly port: number }>
  let main: {
    readonly host: string
    readonly port: number
    readonly dcId: number
    readonly rsaPublicKeyPem: string
    readonly fingerprint: bigint
    readonly mtProxyLink?: string | undefined
    readonly webSocketUrl?: string | undefined
  }
  if (args.cluster) {
    const ports = Object.fromEntries(CLUSTER_DCS.map((id) => [id, basePort === 0 ? 0 : basePort + id - 1]))
    const cluster = yield* makeCluster({ dcIds: CLUSTER_DCS, host: args.host, ports, world })
    main = cluster.dc(dcId)
    dcs = cluster.dcOptions.map((o) => ({ id: o.id, port: o.port }))
  } else {
    main = yield* make({
      dcId,
      port: basePort,
      host: args.host,
      world,
      ...(args.mtProxySecret === undefined ? {} : { mtProxy: { secret: args.mtProxySecret } }),
      ...(args.webSocket ? { webSocket: true } : {})
    })
    dcs = []
  }
  const line = JSON.stringify({
    host: main.host,
    port: main.port,
    dcId: main.dcId,
    rsaPublicKeyPem: main.rsaPublicKeyPem,
    fingerprint: main.fingerprint.toString(),
    ...(args.cluster ? { dcs } : {}),
    ...(main.mtProxyLink === undefined ? {} : { mtProxyLink: main.mtProxyLink }),
    ...(main.webSocketUrl === undefined ? {} : { webSocketUrl: main.webSocketUrl })
  })
  yield* say(line)
  yield* say(
    `seed user ${SEED_USER.phone} (${SEED_USER.firstName} ${SEED_USER.lastName}, @${SEED_USER.username}, ` +
      `2FA password "${SEED_USER.password}", home DC ${homeDc})`
  )
  yield* say(`seed bot @${SEED_BOT.username} token ${SEED_BOT.token} (home DC ${homeDc})`)
  // Codes go to stdout as they are made: the person (or script) logging in reads them here.
  world.onCode((phone, code) => void process.stdout.write(`code for +${phone}: ${code}\n`))
  // Runs until runMain interrupts it on SIGINT/SIGTERM; the scope then closes the servers.
  return yield* Effect.never
})

program.pipe(
  Effect.scoped,
  // A server that cannot start (the port is taken, the address is not this machine's): one line, exit 1.
  Effect.catchTag("SocketServerError", (e) =>
    Effect.sync(() => {
      const why = e.cause instanceof Error ? e.cause.message : e.reason
      process.stderr.write(`effect-mtproto-testdc: cannot listen on ${args.host}${args.port === 0 ? "" : `:${args.port}`} (${why})\n`)
      process.exit(1)
    })),
  // Connection lifecycle is logged at debug level on stderr; stdout is for the lines above.
  Effect.provide(Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)),
    Logger.minimumLogLevel(LogLevel.Debug)
  )),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
