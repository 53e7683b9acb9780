/**
 * The TestDc CLI's command line (`effect-mtproto-testdc`, `npm run -s testdc --`): its flags,
 * its usage text, and the checks that turn argv into options or a one-line UsageError.
 */
import * as Either from "effect/Either"
import { parseMtProxySecret } from "../../transport/proxy/MtProxySecret.ts"
import {
  describeOptions,
  HELP,
  integerIn,
  type OptionValues,
  parseCommand,
  type UsageError,
  usageError
} from "./commandLine.ts"

/** The DCs `--cluster` runs. */
export const CLUSTER_DCS: ReadonlyArray<number> = [1, 2, 3]

const specs = {
  port: { type: "string", value: "N", description: "TCP port (default 0: any free one; with --cluster, DC i listens on N + i - 1)" },
  dc: { type: "string", value: "N", description: "DC id (default 2; with --cluster, the DC whose handle is printed: 1, 2 or 3)" },
  host: { type: "string", value: "HOST", description: "address to listen on (default 127.0.0.1)" },
  cluster: { type: "boolean", description: "run DCs 1, 2 and 3 sharing one World and RSA key" },
  mtproxy: { type: "string", value: "SECRET", description: "serve as an MTProxy with this secret (hex or base64url; dd/ee forms too); adds \"mtProxyLink\"" },
  websocket: { type: "boolean", description: "also open the WebSocket endpoint; adds \"webSocketUrl\"" }
} as const

/** What the TestDc CLI runs. */
export interface TestDcCliOptions {
  readonly port: number
  readonly dcId: number
  readonly host: string
  readonly cluster: boolean
  readonly mtProxySecret: string | undefined
  readonly webSocket: boolean
}

/** The `--help` text. */
export const usage = `Runs an emulated Telegram (TestDc: real MTProto servers on your machine) until Ctrl-C.

Usage: effect-mtproto-testdc [options]      (in this repository: npm run -s testdc -- [options])

The first line on stdout is one JSON object a client needs to connect:
  {"host","port","dcId","rsaPublicKeyPem","fingerprint"}  (+ "dcs" with --cluster,
  "mtProxyLink" with --mtproxy, "webSocketUrl" with --websocket)
Then the seeded accounts, and "code for +PHONE: CODE" for every login code sent.
Seeded: user +15550001 (2FA password "demo-password") and bot @demo_bot
(token 123456:TESTDC-demo-bot-token). Connection logs go to stderr.

Options:
${describeOptions(specs)}`

/** argv (without node and the script) → options, `"help"`, or the one-line error. */
export const parseTestDcArgs = (argv: ReadonlyArray<string>): Either.Either<TestDcCliOptions | typeof HELP, UsageError> =>
  parseCommand(argv, specs, check)

const check = (values: OptionValues<typeof specs>): Either.Either<TestDcCliOptions, UsageError> =>
  Either.gen(function*() {
    const cluster = values.cluster
    // With --cluster the three ports N, N + 1, N + 2 must all exist.
    const port = yield* integerIn("--port", values.port ?? "0", 0, cluster ? 65533 : 65535)
    const dcId = yield* integerIn("--dc", values.dc ?? "2", 1, 32767)
    if (cluster && !CLUSTER_DCS.includes(dcId)) return yield* usageError(`--dc must be one of ${CLUSTER_DCS.join(", ")} with --cluster (got ${dcId})`)
    const host = values.host ?? "127.0.0.1"
    if (host === "") return yield* usageError("--host needs an address")
    if (cluster && (values.mtproxy !== undefined || values.websocket)) {
      return yield* usageError("--mtproxy and --websocket apply to a single DC, not --cluster")
    }
    if (values.mtproxy !== undefined) {
      const secret = parseMtProxySecret(values.mtproxy)
      if (Either.isLeft(secret)) return yield* usageError(`--mtproxy: ${secret.left}`)
    }
    return { port, dcId, host, cluster, mtProxySecret: values.mtproxy, webSocket: values.websocket }
  })
