/**
 * The demo's `.demo/` folder before a run: a stored session and the emulated DCs' state must
 * belong together. Whatever no longer fits (a file from another version, a half-written or
 * foreign file, a session whose DCs are gone) is removed with one line saying so, and the demo
 * logs in afresh. What the demo cannot fix by itself (another `npm start` holding the session,
 * a file it may not touch) ends the run with one line saying what to do.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { parseRsaPublicKeyPem } from "../src/crypto/index.ts"
import { layerFile } from "../src/storage/index.ts"

/** The demo cannot start; `message` says what to do. */
export class DemoSetupError extends Data.TaggedError("DemoSetupError")<{ readonly message: string }> {}

/** The shape of `.demo/testdc.json` (written by the demo's `saveDcs`). */
const SavedDcs = Schema.Struct({
  rsa: Schema.Struct({ publicKeyPem: Schema.String, privateKeyPem: Schema.String }),
  keys: Schema.Array(Schema.Struct({ dc: Schema.Number, key: Schema.String, salt: Schema.String })),
  authorizations: Schema.Array(Schema.Struct({ keyId: Schema.String, dc: Schema.Number, userId: Schema.String }))
})

/** Why `file` cannot be the emulated DCs' state, or undefined when it can. */
const unusableDcState = (file: string): string | undefined => {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, "utf8"))
  } catch (e) {
    return e instanceof SyntaxError ? "not JSON" : String(e)
  }
  const saved = Schema.decodeUnknownEither(SavedDcs)(json)
  if (Either.isLeft(saved)) return "not the shape this demo writes"
  try {
    parseRsaPublicKeyPem(saved.right.rsa.publicKeyPem)
  } catch {
    return "its RSA key does not parse"
  }
  return undefined
}

/**
 * Makes `dir` ready: forgets it with `fresh`; drops a DC state file that does not read, and the
 * session with it (its keys were made with DCs that are gone); drops a session file of another
 * kind or version, or one whose DC state is gone. Gives one line per file it dropped.
 */
export const prepareDemoDir = (paths: {
  readonly dir: string
  readonly sessionFile: string
  readonly testDcFile: string
  readonly fresh: boolean
}): Effect.Effect<ReadonlyArray<string>, DemoSetupError> =>
  Effect.gen(function*() {
    const { dir, fresh, sessionFile, testDcFile } = paths
    if (fresh) rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    if (existsSync(testDcFile)) {
      const why = unusableDcState(testDcFile)
      if (why !== undefined) {
        rmSync(testDcFile, { force: true })
        rmSync(sessionFile, { force: true })
        return [`${testDcFile} cannot be used (${why}): starting over with new emulated DCs and a new login.`]
      }
    } else if (existsSync(sessionFile)) {
      rmSync(sessionFile, { force: true })
      return [`${sessionFile} belongs to emulated DCs that are gone (no ${testDcFile}): logging in afresh.`]
    }
    if (!existsSync(sessionFile)) return []
    // Open it as the client will (and let go of it): the session store's own checks decide.
    return yield* Layer.build(layerFile(sessionFile)).pipe(
      Effect.scoped,
      Effect.as<ReadonlyArray<string>>([]),
      Effect.catchTag("SessionStorageError", (e) => {
        switch (e.reason) {
          case "Corrupt":
          case "Foreign":
          case "UnsupportedVersion":
            return Effect.sync(() => {
              rmSync(sessionFile, { force: true })
              return [`${sessionFile} is not a session this demo can use (${e.message}): logging in afresh.`]
            })
          case "Locked":
            return new DemoSetupError({ message: `another npm start is using ${sessionFile} (${e.message}): wait for it to end, or stop it` })
          case "Io":
          case "Symlink":
            return new DemoSetupError({ message: `cannot use ${sessionFile} (${e.message}): remove it, or run npm start -- --fresh` })
        }
      })
    )
  })
