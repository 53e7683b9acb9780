/**
 * `layerFile(path)`: a session kept in one JSON document on disk.
 *
 * - Loading validates the document with `effect/Schema` (`sessionDocument.ts`, loaded when a
 *   file is first opened: programs without a session file never load `effect/Schema`); a
 *   missing file is an empty session.
 *   Anything else that does not load fails with a `SessionStorageError` and the file is left
 *   exactly as it was (a session file holds auth keys: silently replacing it logs the user out).
 * - Every change is written atomically: a temp file in the same directory (so `rename` stays on
 *   one file system), fsynced, renamed over the target, then the directory is fsynced. A crash
 *   leaves either the old or the new document, never half of one. Mode 0600: it holds secrets.
 * - `<path>.lock` (holding `{ pid, host, nonce }`, created whole with a hard link) keeps a second
 *   client, in this process or another, from writing the same file; it is released when the
 *   layer's scope closes. A lock left by a dead process on this host is taken over atomically:
 *   of several processes starting together after a crash, exactly one gets it.
 * - A session path that is a symbolic link is refused (`Symlink`): the atomic rename of the
 *   first save would silently replace the link by a regular file. Pass the link's target.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { link, lstat, open, readdir, readFile, rename, unlink } from "node:fs/promises"
import { hostname } from "node:os"
import { basename, dirname, join } from "node:path"
import { toHex } from "../crypto/bytes.ts"
import { sha256 } from "../crypto/hash.ts"
import { randomBytes } from "../crypto/random.ts"
import { emptySession } from "./SessionData.ts"
import { make, SessionStorage, type SessionStorageShape } from "./SessionStorage.ts"
import { SessionStorageError } from "./SessionStorageError.ts"

/**
 * The `kind` marker of a session document.
 */
export const DOCUMENT_KIND = "effect-mtproto-session"

/**
 * The document format this build reads and writes.
 */
export const DOCUMENT_VERSION = 1

// ---- file system, wrapped once ----

const errnoCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

const io = <A>(path: string, detail: string, run: () => Promise<A>): Effect.Effect<A, SessionStorageError> =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => new SessionStorageError({ reason: "Io", path, detail: `${detail}: ${String(cause)}`, cause })
  })

const readIfExists = (path: string): Effect.Effect<string | undefined, SessionStorageError> =>
  io(path, "read", async () => {
    try {
      return await readFile(path, "utf8")
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return undefined
      throw e
    }
  })

const tempPrefix = (path: string) => `${basename(path)}.tmp-`

// Durability of the rename itself needs the directory synced; not every platform can open a
// directory (Windows), and the write is already atomic without it, so failures are ignored.
const syncDir = async (dir: string) => {
  try {
    const handle = await open(dir, "r")
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // best effort
  }
}

const writeAtomic = (path: string, text: string): Effect.Effect<void, SessionStorageError> =>
  io(path, "write", async () => {
    const hex = toHex(randomBytes(6))
    const temp = join(dirname(path), `${tempPrefix(path)}${process.pid}-${hex}`)
    try {
      const handle = await open(temp, "wx", 0o600)
      try {
        await handle.writeFile(text, "utf8")
        await handle.chmod(0o600) // the umask may have cleared bits, never added; be explicit anyway
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, path)
    } catch (e) {
      await unlink(temp).catch(() => undefined)
      throw e
    }
    await syncDir(dirname(path))
  }).pipe(Effect.uninterruptible) // an interrupted write would leave disk ahead of memory

/** A lock temp file's pid (`<path>.lock[...].<pid>-<hex>.tmp`). */
const LOCK_TEMP = /\.(\d+)-[0-9a-f]{12}\.tmp$/

/**
 * Temp files of writers that crashed before their rename, and lock temp files of dead
 * processes; harmless, removed once we hold the lock.
 */
const removeLeftoverTemps = (path: string): Effect.Effect<void> =>
  Effect.promise(async () => {
    const prefix = tempPrefix(path)
    const lockPrefix = `${basename(path)}.lock.`
    const names = await readdir(dirname(path)).catch(() => [] as Array<string>)
    for (const name of names) {
      const lockTemp = name.startsWith(lockPrefix) ? LOCK_TEMP.exec(name) : null
      if (name.startsWith(prefix) || (lockTemp !== null && !isAlive(Number(lockTemp[1])))) {
        await unlink(join(dirname(path), name)).catch(() => undefined)
      }
    }
  })

// ---- the lock ----
//
// `<path>.lock` holds `{ pid, host, nonce }`, and is only ever created whole: the text is written
// to a private temp file that is then hard-linked to the lock path, which fails if a lock exists.
// A lock whose pid is dead on this host is stale. Taking one over must be atomic: "read it, see a
// dead pid, delete it, create ours" lets two processes both delete and both create (one deleting
// the other's fresh lock). Instead, the right to replace one particular stale lock goes to whoever
// creates `<path>.lock.takeover-<hash of its text>` first; the winner checks the lock still holds
// that text and renames a fresh lock over it. The text carries a random nonce, so a replaced lock
// never comes back, and a late process that wins the claim afterwards finds other text and backs
// off. A claimant that died mid-takeover leaves its claim behind; its claim is taken over the same
// way, one level down.

interface LockOwner {
  readonly pid: number
  readonly host: string
}

const parseOwner = (text: string): LockOwner | undefined => {
  try {
    const json: unknown = JSON.parse(text)
    if (typeof json === "object" && json !== null) {
      const { pid, host } = json as { pid?: unknown; host?: unknown }
      if (typeof pid === "number" && Number.isInteger(pid) && pid > 0 && typeof host === "string") return { pid, host }
    }
  } catch {
    // falls through
  }
  return undefined
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0) // signal 0: existence check only
    return true
  } catch (e) {
    return errnoCode(e) === "EPERM" // exists, owned by another user
  }
}

const ownerText = (): string =>
  JSON.stringify({ pid: process.pid, host: hostname(), nonce: toHex(randomBytes(12)) })

const readOrEmpty = (file: string): Promise<string> =>
  readFile(file, "utf8").catch((e) => errnoCode(e) === "ENOENT" ? "" : Promise.reject(e))

/** A private file holding `text`, fsynced, for `link` or `rename` into place. */
const writeTemp = async (near: string, text: string): Promise<string> => {
  const temp = `${near}.${process.pid}-${toHex(randomBytes(6))}.tmp`
  const handle = await open(temp, "wx", 0o600)
  try {
    await handle.writeFile(text, "utf8")
    await handle.sync()
  } finally {
    await handle.close()
  }
  return temp
}

/** Creates `file` holding `text` unless it exists, never visible half-written. */
const createWhole = async (file: string, text: string): Promise<boolean> => {
  const temp = await writeTemp(file, text)
  try {
    await link(temp, file)
    return true
  } catch (e) {
    const code = errnoCode(e)
    if (code === "EEXIST") return false
    // File systems without hard links: exclusive create, then write (a crash between the two
    // leaves an empty lock, which is refused as unreadable rather than taken over).
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw e
    let handle
    try {
      handle = await open(file, "wx", 0o600)
    } catch (e2) {
      if (errnoCode(e2) === "EEXIST") return false
      throw e2
    }
    try {
      await handle.writeFile(text, "utf8")
      await handle.sync()
    } finally {
      await handle.close()
    }
    return true
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

const claimName = (lockPath: string, text: string) => `${lockPath}.takeover-${toHex(sha256(new TextEncoder().encode(text))).slice(0, 32)}`

type Takeover = { readonly _tag: "Taken" } | { readonly _tag: "Changed" } | { readonly _tag: "Refused"; readonly detail: string }

/** Replaces the stale lock whose text is `stale` with `mine`, if this process wins the right to. */
const takeOver = async (lockPath: string, stale: string, mine: string, me: LockOwner): Promise<Takeover> => {
  const claims: Array<string> = []
  try {
    let target = stale
    for (let level = 0; ; level++) {
      if (level === 8) return { _tag: "Refused", detail: `${lockPath}: too many abandoned takeovers; remove ${lockPath}.takeover-* if no client is running` }
      const claim = claimName(lockPath, target)
      claims.push(claim)
      if (await createWhole(claim, mine)) break
      claims.pop()
      const text = await readOrEmpty(claim)
      if (text === "") continue // released between the two calls: try the same level again
      const holder = parseOwner(text)
      if (holder === undefined) return { _tag: "Refused", detail: `${claim} is unreadable; remove it if no client is running` }
      if (holder.host !== me.host || isAlive(holder.pid)) {
        return { _tag: "Refused", detail: `${lockPath} is being taken over by pid ${holder.pid} on ${holder.host}` }
      }
      claims.push(claim) // abandoned by a dead claimant: removed with ours once done
      target = text
    }
    // Only the holder of the claim acts on this stale lock: if it is still there, replace it.
    if ((await readOrEmpty(lockPath)) !== stale) return { _tag: "Changed" }
    const temp = await writeTemp(lockPath, mine)
    try {
      await rename(temp, lockPath)
    } catch (e) {
      await unlink(temp).catch(() => undefined)
      throw e
    }
    return (await readOrEmpty(lockPath)) === mine ? { _tag: "Taken" } : { _tag: "Changed" }
  } finally {
    for (const claim of claims) await unlink(claim).catch(() => undefined)
  }
}

/**
 * Takes `<path>.lock` or fails with `Locked`. A lock whose pid is dead on this host is taken
 * over atomically (see above): of several processes starting together, exactly one wins.
 */
const acquireLock = (path: string): Effect.Effect<void, SessionStorageError, Scope.Scope> => {
  const lockPath = `${path}.lock`
  const me: LockOwner = { pid: process.pid, host: hostname() }
  const mine = ownerText()
  const acquire = io(path, "lock", async (): Promise<string | undefined> => {
    for (let attempt = 0; attempt < 8; attempt++) {
      if (await createWhole(lockPath, mine)) return undefined
      const text = await readOrEmpty(lockPath)
      if (text === "") continue // released between our two calls
      const owner = parseOwner(text)
      if (owner === undefined) return `${lockPath} exists and is unreadable; remove it if no client is running`
      if (owner.host !== me.host) return `${lockPath} is held by pid ${owner.pid} on ${owner.host}`
      if (isAlive(owner.pid)) {
        return owner.pid === me.pid ? `${path} is already open in this process` : `${lockPath} is held by running pid ${owner.pid}`
      }
      const outcome = await takeOver(lockPath, text, mine, me)
      if (outcome._tag === "Taken") return undefined
      if (outcome._tag === "Refused") return outcome.detail
    }
    return `${lockPath} kept changing; another client is starting`
  }).pipe(
    Effect.flatMap((refusal) =>
      refusal === undefined ? Effect.void : Effect.fail(new SessionStorageError({ reason: "Locked", path, detail: refusal }))
    )
  )
  // Only remove the lock if it is still ours (never another client's after a takeover).
  const release = Effect.promise(async () => {
    if ((await readOrEmpty(lockPath).catch(() => "")) === mine) await unlink(lockPath).catch(() => undefined)
  })
  return Effect.acquireRelease(acquire, () => release)
}

/** A session path that is a symbolic link is refused: the first save would replace the link. */
const refuseSymlink = (path: string): Effect.Effect<void, SessionStorageError> =>
  io(path, "lstat", async () => {
    try {
      return (await lstat(path)).isSymbolicLink()
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return false
      throw e
    }
  }).pipe(
    Effect.flatMap((isLink) =>
      isLink
        ? Effect.fail(new SessionStorageError({
          reason: "Symlink",
          path,
          detail: "the session path is a symbolic link; saving would replace the link with a file. Pass the link's target instead"
        }))
        : Effect.void
    )
  )

/**
 * Opens a session file: takes the lock, loads the document (or starts empty when there is
 * none) and returns the service, which writes the whole document after each change. Scoped:
 * the lock is held until the scope closes.
 */
export const makeFile = (path: string): Effect.Effect<SessionStorageShape, SessionStorageError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* refuseSymlink(path)
    yield* acquireLock(path)
    yield* removeLeftoverTemps(path)
    const { decodeJson, encodeJson } = yield* Effect.promise(() => import("./sessionDocument.ts"))
    const text = yield* readIfExists(path)
    const initial = text === undefined ? undefined : yield* Either.match(decodeJson(text, path), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    return yield* make({ initial: initial ?? emptySession, persist: (data) => writeAtomic(path, encodeJson(data)) })
  }).pipe(Effect.withSpan("SessionStorage.openFile"))

/**
 * A session stored in the JSON file at `path` (see the module docs for the guarantees). Fails
 * to build with `Locked` when another client has the file open, `Corrupt`/`Foreign`/
 * `UnsupportedVersion` when it does not hold a session this build reads, `Io` otherwise.
 */
export const layerFile = (path: string): Layer.Layer<SessionStorage, SessionStorageError> =>
  Layer.scoped(SessionStorage, makeFile(path))
