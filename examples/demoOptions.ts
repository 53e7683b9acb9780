/**
 * The demo's command line (`npm start -- [options]`) and the environment variables that stand
 * in for its flags: the flags, the `--help` text, and the checks that turn them into one of the
 * demo's three modes or a one-line UsageError.
 */
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { parseRsaPublicKeyPem, type RsaPublicKey } from "../src/crypto/index.ts"
import {
  describeOptions,
  HELP,
  integerIn,
  oneOf,
  type OptionValues,
  parseCommand,
  type UsageError,
  usageError
} from "../src/testing/internal/commandLine.ts"
import type { CodecKind } from "../src/transport/index.ts"

const CODECS: ReadonlyArray<CodecKind> = ["abridged", "intermediate", "padded", "full"]

const specs = {
  fresh: { type: "boolean", description: "forget .demo/ (the stored session and the emulated DCs' state) first" },
  qr: { type: "boolean", description: "then log a second app in by QR code (drawn in the terminal)" },
  bot: { type: "boolean", description: "run the seeded bot as a menu bot while the World side presses its buttons" },
  transport: { type: "string", value: "KIND", description: `MTProto transport: ${CODECS.join(", ")} (default intermediate)` },
  obfuscated: { type: "boolean", description: "wrap the transport in obfuscated2" },
  dc: { type: "string", value: "HOST:PORT", description: "handshake + help.getConfig against another MTProto server (env MTPROTO_DC)" },
  "rsa-key": { type: "string", value: "FILE", description: "that server's RSA public key, PEM (env MTPROTO_RSA_KEY); needed with --dc" },
  "dc-id": { type: "string", value: "N", description: "that server's DC id (default 2; env MTPROTO_DC_ID)" },
  "api-id": { type: "string", value: "N", description: "log in to Telegram itself with this api_id (env TELEGRAM_API_ID)" },
  "api-hash": { type: "string", value: "HASH", description: "and this api_hash (env TELEGRAM_API_HASH)" }
} as const

/** Which demo runs. */
export type DemoMode =
  | { readonly _tag: "Offline" }
  | { readonly _tag: "External"; readonly host: string; readonly port: number; readonly dcId: number; readonly publicKey: RsaPublicKey }
  | { readonly _tag: "Telegram"; readonly apiId: number; readonly apiHash: string }

/** What the demo was asked for. */
export interface DemoOptions {
  readonly mode: DemoMode
  readonly transport: CodecKind
  readonly obfuscated: boolean
  readonly fresh: boolean
  readonly qr: boolean
  readonly bot: boolean
}

/** The `--help` text. */
export const usage = `The offline demo: an emulated Telegram (TestDc) on 127.0.0.1, a login with 2FA and a DC
migration, messages between two users. No account, no network needed.

Usage: npm start -- [options]

State is kept in .demo/ (the session and the emulated DCs), so a second run reuses the login;
a .demo/ that no longer fits is replaced by itself. --fresh starts over.

Options:
${describeOptions(specs)}

Examples:
  npm start -- --qr
  npm start -- --bot
  npm start -- --transport abridged --obfuscated
  npm start -- --dc 127.0.0.1:4430 --rsa-key server.pem --dc-id 2
  TELEGRAM_API_ID=12345 TELEGRAM_API_HASH=0123456789abcdef0123456789abcdef npm start`

/** The environment variables the demo reads (the flags win over them). */
export type DemoEnv = Readonly<Record<string, string | undefined>>

/** argv (after `npm start --`) and the environment → options, `"help"`, or the one-line error. */
export const parseDemoArgs = (argv: ReadonlyArray<string>, env: DemoEnv): Either.Either<DemoOptions | typeof HELP, UsageError> =>
  parseCommand(argv, specs, (values) => check(values, env))

const check = (values: OptionValues<typeof specs>, env: DemoEnv): Either.Either<DemoOptions, UsageError> =>
  Either.gen(function*() {
    const transport = yield* oneOf("--transport", values.transport ?? "intermediate", CODECS)
    if (values.obfuscated && transport === "full") return yield* usageError("--obfuscated needs abridged, intermediate or padded (full has no obfuscated form)")
    const mode = yield* modeOf(values, env)
    if (mode._tag !== "Offline" && (values.fresh || values.qr || values.bot)) {
      const flag = values.fresh ? "--fresh" : values.qr ? "--qr" : "--bot"
      return yield* usageError(`${flag} applies to the offline demo, not with ${mode._tag === "External" ? "--dc" : "--api-id/--api-hash"}`)
    }
    return { mode, transport, obfuscated: values.obfuscated, fresh: values.fresh, qr: values.qr, bot: values.bot }
  })

const modeOf = (values: OptionValues<typeof specs>, env: DemoEnv): Either.Either<DemoMode, UsageError> =>
  Either.gen(function*() {
    const dc = values.dc ?? env.MTPROTO_DC
    const apiId = values["api-id"] ?? env.TELEGRAM_API_ID
    const apiHash = values["api-hash"] ?? env.TELEGRAM_API_HASH
    if (dc !== undefined) {
      if (values["api-id"] !== undefined || values["api-hash"] !== undefined) return yield* usageError("--dc and --api-id/--api-hash are different demos: give one")
      const match = /^(.+):(\d+)$/.exec(dc)
      if (match === null) return yield* usageError(`--dc must be HOST:PORT (got '${dc}')`)
      const port = yield* integerIn("the port of --dc", match[2]!, 1, 65535)
      const dcId = yield* integerIn("--dc-id", values["dc-id"] ?? env.MTPROTO_DC_ID ?? "2", 1, 32767)
      const keyFile = values["rsa-key"] ?? env.MTPROTO_RSA_KEY
      if (keyFile === undefined) return yield* usageError("--dc needs --rsa-key FILE (the server's RSA public key, PEM)")
      const publicKey = yield* readPublicKey(keyFile)
      return { _tag: "External", host: match[1]!, port, dcId, publicKey }
    }
    if (values["rsa-key"] !== undefined || values["dc-id"] !== undefined) return yield* usageError("--rsa-key and --dc-id go with --dc HOST:PORT")
    if (apiId !== undefined || apiHash !== undefined) {
      if (apiId === undefined) return yield* usageError("--api-hash needs --api-id N (or TELEGRAM_API_ID)")
      if (apiHash === undefined || apiHash === "") return yield* usageError("--api-id needs --api-hash HASH (or TELEGRAM_API_HASH)")
      const id = yield* integerIn("--api-id", apiId, 1, 2 ** 31 - 1)
      return { _tag: "Telegram", apiId: id, apiHash }
    }
    return { _tag: "Offline" }
  })

const readPublicKey = (file: string): Either.Either<RsaPublicKey, UsageError> => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    return usageError(`cannot read --rsa-key ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
  try {
    return Either.right(parseRsaPublicKeyPem(text))
  } catch (e) {
    return usageError(`--rsa-key ${file} is not an RSA public key in PEM form (${(e instanceof Error ? e.message : String(e)).split("\n")[0]})`)
  }
}
