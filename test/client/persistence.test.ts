/**
 * The Client's session persistence end to end, against a TestDc cluster over TCP (issue 7):
 * a session file and a string session carry a login across client restarts (same auth key,
 * no handshake, no login), a session file is held by one client at a time, and the peer
 * cache filled from results keeps a full access_hash when a `min` user arrives later.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  decodeStringSession,
  layerFile,
  layerString,
  type SessionData,
  SessionStorage,
  StringSession
} from "../../src/storage/index.ts"
import { requireUser } from "../../src/testing/index.ts"
import { makeCluster } from "../support/dc.ts"
import { buildClient, keyCount, never, recordCalls, rightCode } from "./support/harness.ts"

const PHONE = "+15550001"
const noLogin = { phone: never("phone"), code: never("code"), password: never("password"), signUp: never("signUp") }

const sessionPath = () => join(mkdtempSync(join(tmpdir(), "effect-mtproto-persist-")), "session.json")

/** A session file opened in the current scope, with the storage service for the test to read. */
const openFile = (path: string) =>
  Effect.map(Layer.build(layerFile(path)), (context) => ({
    layer: Layer.succeedContext(context),
    storage: Context.get(context, SessionStorage)
  }))

describe("Client persistence", () => {
  it.scopedLive("a session file survives a restart: same key, no handshake, authorized, getMe without login", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      // Lives on DC 2, the client starts on DC 1: the file must remember the migration too.
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 2 })
      const path = sessionPath()

      yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* buildClient(cluster, layerFile(path))
        yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
      }))
      // The first client's scope released the lock.
      assert.isFalse(existsSync(`${path}.lock`))
      const keys = keyCount(cluster)
      const authorizations = cluster.world.authorizations.size

      yield* Effect.scoped(Effect.gen(function*() {
        const { layer, storage } = yield* openFile(path)
        const session = yield* storage.load
        assert.deepStrictEqual([session.homeDc, session.user?.id], [2, ada.id])
        const client = yield* buildClient(cluster, layer)
        const calls = yield* recordCalls(cluster)
        assert.isTrue(yield* client.isAuthorized)
        assert.strictEqual(yield* client.homeDc, 2)
        const me = yield* client.getMe
        assert.strictEqual(me.id, ada.id)
        assert.strictEqual((yield* client.start(noLogin)).id, ada.id)
        // No handshake, no new authorization, and no auth.* call: only the two getMe calls, on DC 2.
        assert.strictEqual(keyCount(cluster), keys)
        assert.strictEqual(cluster.world.authorizations.size, authorizations)
        assert.deepStrictEqual(calls, [{ dc: 2, method: "users.getUsers" }, { dc: 2, method: "users.getUsers" }])
      }))
    }))

  it.scopedLive("a string session exported from one client logs the next one in", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster()
      const ada = cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 2 })

      const exported = yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(layerString())
        const client = yield* buildClient(cluster, Layer.succeedContext(context))
        yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })
        return yield* Context.get(context, StringSession).export
      }))
      assert.match(Redacted.value(exported), /^[A-Za-z0-9_-]+$/)
      const keys = keyCount(cluster)

      const context = yield* Layer.build(layerString(exported))
      const client = yield* buildClient(cluster, Layer.succeedContext(context))
      assert.isTrue(yield* client.isAuthorized)
      assert.strictEqual(yield* client.homeDc, 2)
      assert.strictEqual((yield* client.start(noLogin)).id, ada.id)
      assert.strictEqual((yield* client.getMe).id, ada.id)
      assert.strictEqual(keyCount(cluster), keys)
      // Exporting again gives the same home DC, key and user.
      const [before, after] = [exported, yield* Context.get(context, StringSession).export].map((s) =>
        Either.getOrThrow(decodeStringSession(s))
      )
      const keyOf = (data: SessionData) => Array.from(Redacted.value(data.dcs.get(2)!.authKey!))
      assert.deepStrictEqual([after!.homeDc, after!.user, keyOf(after!)], [before!.homeDc, before!.user, keyOf(before!)])
      assert.deepStrictEqual([before!.homeDc, before!.user?.id], [2, ada.id])
    }))

  it.scopedLive("two clients on one session file at once: the second fails with SessionStorageError Locked", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const path = sessionPath()
      const first = yield* buildClient(cluster, layerFile(path))
      yield* first.invoke({ _tag: "help.getNearestDc" })

      const error = yield* Effect.flip(Effect.scoped(buildClient(cluster, layerFile(path))))
      assert.strictEqual(error._tag, "SessionStorageError")
      if (error._tag !== "SessionStorageError") return
      assert.strictEqual(error.reason, "Locked")
      assert.strictEqual(error.path, path)
      // The refused client did not take the lock away: the first one keeps working and saving.
      assert.isTrue(existsSync(`${path}.lock`))
      assert.strictEqual((yield* first.invoke({ _tag: "help.getNearestDc" })).this_dc, 1)
    }))

  it.scopedLive("the peer cache is filled from results; a later min user keeps the full access_hash (also on disk)", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: PHONE, firstName: "Ada", homeDc: 1 })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob" })
      // contacts.resolveUsername answers with Bob as a `min` user: another access_hash, a new username.
      yield* cluster.dc(1).addHandlers({
        "contacts.resolveUsername": (request, ctx) =>
          Effect.map(requireUser(ctx), () => ({
            _tag: "contacts.resolvedPeer",
            peer: { _tag: "peerUser", user_id: bob.id },
            chats: [],
            users: [{ _tag: "user", min: true, id: bob.id, access_hash: 999n, first_name: "Bob", username: request.username }]
          }))
      })
      const path = sessionPath()

      yield* Effect.scoped(Effect.gen(function*() {
        const { layer, storage } = yield* openFile(path)
        const client = yield* buildClient(cluster, layer)
        yield* client.start({ phone: Effect.succeed(PHONE), code: rightCode(cluster, PHONE) })

        const [found] = yield* client.invoke({
          _tag: "users.getUsers",
          id: [{ _tag: "inputUser", user_id: bob.id, access_hash: bob.accessHash }]
        })
        assert.deepStrictEqual(
          found?._tag === "user" ? [found.id, found.access_hash, found.min, found.username] : found,
          [bob.id, bob.accessHash, false, "bob"]
        )
        const full = yield* storage.getPeer("user", bob.id)
        assert.isTrue(Option.isSome(full))
        if (Option.isSome(full)) assert.deepStrictEqual([full.value.accessHash, full.value.min], [bob.accessHash, false])

        const resolved = yield* client.invoke({ _tag: "contacts.resolveUsername", username: "bobby" })
        assert.strictEqual(resolved.users[0]?._tag === "user" && resolved.users[0].access_hash, 999n)
        const after = yield* storage.getPeer("user", bob.id)
        assert.isTrue(Option.isSome(after))
        if (Option.isSome(after)) {
          assert.deepStrictEqual([after.value.accessHash, after.value.min, after.value.username], [bob.accessHash, false, "bobby"])
        }
        const byName = yield* storage.peerByUsername("@Bobby")
        assert.strictEqual(Option.getOrUndefined(byName)?.accessHash, bob.accessHash)
      }))

      // After a restart the file still has the full hash.
      yield* Effect.scoped(Effect.gen(function*() {
        const { storage } = yield* openFile(path)
        const stored = yield* storage.getPeer("user", bob.id)
        assert.deepStrictEqual(
          Option.map(stored, (p) => [p.accessHash, p.min, p.username]),
          Option.some([bob.accessHash, false, "bobby"])
        )
      }))
    }))
})
