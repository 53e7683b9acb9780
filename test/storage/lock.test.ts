// The session-file lock under contention: abandoned takeovers, a lock that appears whole, and
// symbolic links. (Several processes racing for a stale lock: lock.scale.test.ts.)
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { layerFile, SessionStorage } from "../../src/storage/index.ts"

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "mtproto-lock-"))
const dead = () => spawnSync(process.execPath, ["-e", ""]).pid!
const withFile = <A, E>(file: string, f: (s: SessionStorage["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(SessionStorage, f).pipe(Effect.provide(layerFile(file)))
const openError = (file: string) => Effect.flip(withFile(file, () => Effect.void))
/** The claim file name for replacing a lock (or claim) whose text is `text`. */
const claimFor = (lockPath: string, text: string) => `${lockPath}.takeover-${createHash("sha256").update(text).digest("hex").slice(0, 32)}`

describe("session file lock", () => {
  it.effect("a takeover abandoned by a dead process is taken over in turn", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      const lockPath = `${file}.lock`
      const stale = JSON.stringify({ pid: dead(), host: os.hostname() })
      fs.writeFileSync(lockPath, stale)
      // A claimant that died between its claim and its rename.
      fs.writeFileSync(claimFor(lockPath, stale), JSON.stringify({ pid: dead(), host: os.hostname(), nonce: "x" }))
      yield* withFile(file, (s) =>
        Effect.sync(() => {
          assert.strictEqual(JSON.parse(fs.readFileSync(lockPath, "utf8")).pid, process.pid)
        }).pipe(Effect.zipRight(s.setHomeDc(2))))
      // Released, and no claim or temp file left behind.
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["s.json"])
    }))

  it.effect("a takeover in progress by a live process is Locked (never two takeovers at once)", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      const lockPath = `${file}.lock`
      const stale = JSON.stringify({ pid: dead(), host: os.hostname() })
      fs.writeFileSync(lockPath, stale)
      fs.writeFileSync(claimFor(lockPath, stale), JSON.stringify({ pid: process.ppid, host: os.hostname(), nonce: "y" }))
      const error = yield* openError(file)
      assert.strictEqual(error.reason, "Locked")
      assert.match(error.message, /being taken over by pid/)
      assert.strictEqual(fs.readFileSync(lockPath, "utf8"), stale, "the stale lock is left to its claimant")
    }))

  it.effect("the lock appears whole: never an empty lock file, even for a moment", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      const seen: Array<string> = []
      const watcher = setInterval(() => {
        try {
          seen.push(fs.readFileSync(`${file}.lock`, "utf8"))
        } catch {
          // not there
        }
      }, 0)
      for (let i = 0; i < 20; i++) yield* withFile(file, (s) => s.setHomeDc(i))
      clearInterval(watcher)
      for (const text of seen) assert.strictEqual(JSON.parse(text).pid, process.pid)
    }))
})

describe("session path that is a symbolic link", () => {
  it.effect("is refused with Symlink, and the link and its target are left as they were", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const target = path.join(dir, "real.json")
      const link = path.join(dir, "s.json")
      fs.symlinkSync(target, link)
      const error = yield* openError(link)
      assert.strictEqual(error.reason, "Symlink")
      assert.match(error.message, /symbolic link/)
      assert.isTrue(fs.lstatSync(link).isSymbolicLink())
      assert.isFalse(fs.existsSync(target))
      assert.isFalse(fs.existsSync(`${link}.lock`))
      // The target itself works.
      yield* withFile(target, (s) => s.setHomeDc(4))
      const data = yield* withFile(target, (s) => s.load)
      assert.strictEqual(data.homeDc, 4)
    }))
})
