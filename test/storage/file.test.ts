import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { layerFile, SessionStorage } from "../../src/storage/index.ts"
import { decodeJson } from "../../src/storage/sessionDocument.ts"

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "mtproto-session-"))
const keyBytes = Uint8Array.from({ length: 256 }, (_, i) => (255 - i) & 255)

/** Runs `f` with the file session open, then closes it (releases the lock). */
const withFile = <A, E>(file: string, f: (s: SessionStorage["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(SessionStorage, f).pipe(Effect.provide(layerFile(file)))

const openError = (file: string) => Effect.flip(withFile(file, () => Effect.void))

describe("layerFile", () => {
  it.effect("a missing file is an empty session and nothing is written until a change", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "s.json")
      const data = yield* withFile(file, (s) => s.load)
      assert.strictEqual(data.homeDc, undefined)
      assert.deepStrictEqual(fs.readdirSync(dir), [])
    }))

  it.effect("survives a restart, including the auth key bytes and the peer cache", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      yield* withFile(file, (s) =>
        Effect.gen(function*() {
          yield* s.setHomeDc(2)
          yield* s.setAuthKey(2, Option.some(Redacted.make(keyBytes)))
          yield* s.setSalt(2, 0x7fffffffffffffffn)
          yield* s.setTimeOffset(2, -17)
          yield* s.setUser({ id: 123n, bot: false, username: "me" })
          yield* s.setUpdateState({ pts: 10, qts: 0, date: 1_700_000_000, seq: 3 })
          yield* s.upsertPeers([
            { id: 5n, kind: "user", accessHash: -9n, min: false, phone: "1555", usernames: ["a", "b"] },
            { id: 6n, kind: "channel", accessHash: 8n, min: true },
            { id: 6n, kind: "chat", accessHash: undefined, min: false }
          ])
        }))
      const data = yield* withFile(file, (s) => s.load)
      assert.strictEqual(data.homeDc, 2)
      const dc = data.dcs.get(2)!
      assert.deepStrictEqual(Redacted.value(dc.authKey!), keyBytes)
      assert.strictEqual(dc.salt, 0x7fffffffffffffffn)
      assert.strictEqual(dc.timeOffset, -17)
      assert.deepStrictEqual(data.user, { id: 123n, bot: false, username: "me" })
      assert.deepStrictEqual(data.updateState, { pts: 10, qts: 0, date: 1_700_000_000, seq: 3 })
      assert.strictEqual(data.peers.size, 3)
      const peer = yield* withFile(file, (s) => s.getPeer("user", 5n))
      assert.deepStrictEqual(Option.getOrThrow(peer), {
        id: 5n, kind: "user", accessHash: -9n, min: false, phone: "1555", usernames: ["a", "b"], updatedAt: 0
      })
      const chat = yield* withFile(file, (s) => s.getPeer("chat", 6n))
      assert.strictEqual(Option.getOrThrow(chat).accessHash, undefined)
    }))

  it.effect("persists after each change, mode 0600, no temp file left, auth key not in plain text", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "s.json")
      yield* withFile(file, (s) =>
        Effect.gen(function*() {
          yield* s.setAuthKey(1, Option.some(Redacted.make(keyBytes)))
          const onDisk = Either.getOrThrow(decodeJson(fs.readFileSync(file, "utf8")))
          assert.deepStrictEqual(Redacted.value(onDisk.dcs.get(1)!.authKey!), keyBytes)
          assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600)
          assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["s.json", "s.json.lock"])
          const text = fs.readFileSync(file, "utf8")
          const json = JSON.parse(text)
          assert.strictEqual(json.kind, "effect-mtproto-session")
          assert.strictEqual(json.version, 1)
          assert.strictEqual(json.dcs[0].authKey, Buffer.from(keyBytes).toString("base64"))
          // the in-memory state never shows the key
          assert.notInclude(JSON.stringify({ key: (yield* s.load).dcs.get(1)!.authKey }), json.dcs[0].authKey)
          assert.strictEqual(String((yield* s.load).dcs.get(1)!.authKey), "<redacted>")
        }))
      assert.deepStrictEqual(fs.readdirSync(dir), ["s.json"]) // lock released
    }))

  it.effect("a file another tool made world-readable becomes 0600 on the next write", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      yield* withFile(file, (s) => s.setHomeDc(1))
      fs.chmodSync(file, 0o644)
      yield* withFile(file, (s) => s.setHomeDc(3))
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600)
    }))

  it.effect("a leftover temp file from a crashed writer does not break loading and is removed", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "s.json")
      yield* withFile(file, (s) => s.setHomeDc(5))
      fs.writeFileSync(path.join(dir, "s.json.tmp-999-abcdef"), "{\"kind\":\"effect-mtp") // half a write
      const data = yield* withFile(file, (s) => s.load)
      assert.strictEqual(data.homeDc, 5)
      assert.deepStrictEqual(fs.readdirSync(dir), ["s.json"])
    }))

  it.effect("corrupt JSON fails with Corrupt and the file is untouched", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "s.json")
      const bytes = Buffer.from("{\"kind\":\"effect-mtproto-session\",\"version\":1, oops")
      fs.writeFileSync(file, bytes, { mode: 0o644 })
      const before = fs.statSync(file)
      const error = yield* openError(file)
      assert.strictEqual(error._tag, "SessionStorageError")
      assert.strictEqual(error.reason, "Corrupt")
      assert.strictEqual(error.path, file)
      assert.deepStrictEqual(fs.readFileSync(file), bytes)
      const after = fs.statSync(file)
      assert.strictEqual(after.mode, before.mode)
      assert.strictEqual(after.mtimeMs, before.mtimeMs)
      assert.deepStrictEqual(fs.readdirSync(dir), ["s.json"]) // the lock was released
    }))

  it.effect("channel pts survive a restart; a document without them (older build) still loads", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      const channels = new Map([[1234567890123n, 77], [5n, 1]])
      yield* withFile(file, (s) => s.setUpdateState({ pts: 10, qts: 2, date: 1_700_000_000, seq: 3, channels }))
      const data = yield* withFile(file, (s) => s.load)
      assert.deepStrictEqual(data.updateState, { pts: 10, qts: 2, date: 1_700_000_000, seq: 3, channels })
      const json = JSON.parse(fs.readFileSync(file, "utf8"))
      assert.deepStrictEqual(json.updateState.channels, [{ id: "1234567890123", pts: 77 }, { id: "5", pts: 1 }])
      delete json.updateState.channels
      fs.writeFileSync(file, JSON.stringify(json))
      const old = yield* withFile(file, (s) => s.load)
      assert.deepStrictEqual(old.updateState, { pts: 10, qts: 2, date: 1_700_000_000, seq: 3 })
    }))

  it.effect("a schema failure with our marker is Corrupt, a newer version UnsupportedVersion", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      const doc = {
        kind: "effect-mtproto-session",
        version: 1,
        homeDc: 2,
        dcs: [{ id: 2, authKey: Buffer.alloc(10).toString("base64"), salt: "1", timeOffset: 0 }],
        user: null,
        updateState: null,
        peers: []
      }
      fs.writeFileSync(file, JSON.stringify(doc))
      const short = yield* openError(file)
      assert.strictEqual(short.reason, "Corrupt")
      assert.include(short.message, "256 bytes")
      fs.writeFileSync(file, JSON.stringify({ ...doc, dcs: [{ id: 2, salt: "x1", timeOffset: 0 }] }))
      assert.strictEqual((yield* openError(file)).reason, "Corrupt")
      fs.writeFileSync(file, JSON.stringify({ ...doc, version: 2 }))
      assert.strictEqual((yield* openError(file)).reason, "UnsupportedVersion")
    }))

  it.effect("foreign JSON fails with Foreign and the file is untouched", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      for (const text of ["{\"session\":\"telethon\"}", "[]", "42", "{\"kind\":\"other\",\"version\":1}"]) {
        fs.writeFileSync(file, text)
        const error = yield* openError(file)
        assert.strictEqual(error.reason, "Foreign")
        assert.strictEqual(fs.readFileSync(file, "utf8"), text)
      }
    }))

  it.effect("a second layer on the same file while the first is open fails with Locked", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* Layer.build(layerFile(file))
        const error = yield* openError(file)
        assert.strictEqual(error.reason, "Locked")
        // the refused client did not remove the lock of the first
        assert.isTrue(fs.existsSync(`${file}.lock`))
        yield* Effect.provide(Effect.flatMap(SessionStorage, (s) => s.setHomeDc(2)), Layer.succeedContext(first))
      }))
      // once the first closes, the file opens again
      assert.strictEqual((yield* withFile(file, (s) => s.load)).homeDc, 2)
    }))

  it.effect("a lock held by another live process fails with Locked", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, host: os.hostname() }))
      assert.strictEqual((yield* openError(file)).reason, "Locked")
      fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: "some-other-host" }))
      assert.strictEqual((yield* openError(file)).reason, "Locked")
      fs.writeFileSync(`${file}.lock`, "garbage")
      assert.strictEqual((yield* openError(file)).reason, "Locked")
      assert.strictEqual(fs.readFileSync(`${file}.lock`, "utf8"), "garbage")
    }))

  it.effect("a stale lock from a dead pid is taken over", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      const dead = spawnSync(process.execPath, ["-e", ""]).pid
      fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, host: os.hostname() }))
      yield* withFile(file, (s) =>
        Effect.sync(() => {
          assert.strictEqual(JSON.parse(fs.readFileSync(`${file}.lock`, "utf8")).pid, process.pid)
        }).pipe(Effect.zipRight(s.setHomeDc(1))))
      assert.isFalse(fs.existsSync(`${file}.lock`))
    }))

  it.effect("concurrent changes all reach the file", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "s.json")
      yield* withFile(file, (s) =>
        Effect.forEach(
          Array.from({ length: 50 }, (_, i) => s.upsertPeers([{ id: BigInt(i), kind: "user", accessHash: 1n, min: false }])),
          (e) => e,
          { concurrency: "unbounded", discard: true }
        ))
      assert.strictEqual(Either.getOrThrow(decodeJson(fs.readFileSync(file, "utf8"))).peers.size, 50)
    }))

  it.effect("an unreadable location is Io", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const notADir = path.join(dir, "f")
      fs.writeFileSync(notADir, "")
      const error = yield* openError(path.join(notADir, "s.json"))
      assert.strictEqual(error.reason, "Io")
    }))
})
