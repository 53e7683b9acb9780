import { assert, describe, it } from "@effect/vitest"
import {
  markedPeerId,
  mergePeer,
  parseMarkedPeerId,
  type PeerInfo,
  peerFromObject,
  peersFromObjects
} from "../../src/storage/index.ts"

const user = (id: bigint, extra: Record<string, unknown> = {}) => ({ _tag: "user", id, ...extra })
const full = (accessHash: bigint, extra: Partial<PeerInfo> = {}): PeerInfo => ({
  id: 1n, kind: "user", accessHash, min: false, ...extra
})
const min = (accessHash: bigint | undefined, extra: Partial<PeerInfo> = {}): PeerInfo => ({
  id: 1n, kind: "user", accessHash, min: true, ...extra
})

describe("mergePeer (min/full rule)", () => {
  it("a min entry never overwrites a full access hash", () => {
    const merged = mergePeer(full(100n), min(200n))
    assert.strictEqual(merged.accessHash, 100n)
    assert.isFalse(merged.min)
  })
  it("a full entry replaces a min one", () => {
    const merged = mergePeer(min(200n), full(100n))
    assert.strictEqual(merged.accessHash, 100n)
    assert.isFalse(merged.min)
  })
  it("a newer min hash replaces an older min hash", () => {
    assert.strictEqual(mergePeer(min(1n), min(2n)).accessHash, 2n)
    assert.strictEqual(mergePeer(min(1n), min(undefined)).accessHash, 1n)
  })
  it("username and phone updates apply from min entries, absent ones do not erase", () => {
    const old = full(100n, { username: "old", phone: "123" })
    const renamed = mergePeer(old, min(5n, { username: "new" }))
    assert.strictEqual(renamed.username, "new")
    assert.strictEqual(renamed.phone, "123")
    assert.strictEqual(renamed.accessHash, 100n)
  })
  it("a full entry replaces fields, but keeps a hash it does not carry", () => {
    const merged = mergePeer(full(100n, { username: "old" }), { ...full(7n), accessHash: undefined })
    assert.strictEqual(merged.accessHash, 100n)
    assert.isUndefined(merged.username)
    assert.strictEqual(mergePeer(full(100n, { username: "a" }), full(101n, { username: "b" })).username, "b")
  })
})

describe("peerFromObject", () => {
  it("maps each constructor", () => {
    assert.deepStrictEqual(peerFromObject(user(5n, { access_hash: 9n, username: "bob", phone: "1555" })), {
      id: 5n, kind: "user", accessHash: 9n, min: false, username: "bob", phone: "1555"
    })
    assert.deepStrictEqual(peerFromObject({ _tag: "channel", id: 7n, access_hash: 3n, min: true, title: "t" }), {
      id: 7n, kind: "channel", accessHash: 3n, min: true
    })
    assert.deepStrictEqual(peerFromObject({ _tag: "channelForbidden", id: 8n, access_hash: 4n, title: "t" }), {
      id: 8n, kind: "channel", accessHash: 4n, min: false
    })
    assert.deepStrictEqual(peerFromObject({ _tag: "chat", id: 9n, title: "g" }), {
      id: 9n, kind: "chat", accessHash: undefined, min: false
    })
    assert.strictEqual(peerFromObject({ _tag: "chatForbidden", id: 10n, title: "g" })?.kind, "chat")
    assert.isUndefined(peerFromObject({ _tag: "userEmpty", id: 11n }))
    assert.isUndefined(peerFromObject({ _tag: "chatEmpty", id: 12n }))
    assert.isUndefined(peerFromObject({ _tag: "message", id: 1 }))
  })
  it("takes collectible usernames (active only) and fills the primary from them", () => {
    const p = peerFromObject(user(1n, {
      access_hash: 1n,
      usernames: [
        { _tag: "username", username: "gone", active: false },
        { _tag: "username", username: "nft", active: true },
        { _tag: "username", username: "nft2", active: true }
      ]
    }))
    assert.strictEqual(p?.username, "nft")
    assert.deepStrictEqual(p?.usernames, ["nft", "nft2"])
  })
})

describe("peersFromObjects", () => {
  it("walks nested results and updates, skipping bytes, and merges repeats", () => {
    const result = {
      _tag: "updates",
      updates: [
        {
          _tag: "updateNewChannelMessage",
          message: { _tag: "message", id: 1, message: "hi", media: { _tag: "x", bytes: new Uint8Array(1000) } },
          pts: 1
        }
      ],
      users: [user(1n, { access_hash: 10n }), user(2n, { access_hash: 20n, min: true }), { _tag: "userEmpty", id: 3n }],
      chats: [{ _tag: "channel", id: 1n, access_hash: 30n, title: "c" }, { _tag: "chat", id: 1n, title: "g" }],
      nested: {
        deeper: [[{ _tag: "contacts.resolvedPeer", users: [user(1n, { access_hash: 99n, min: true, username: "one" })], chats: [] }]]
      },
      date: 5,
      big: 7n
    }
    const peers = peersFromObjects(result)
    const byKey = new Map(peers.map((p) => [markedPeerId(p.kind, p.id), p]))
    assert.strictEqual(peers.length, 4) // user 1, user 2, channel 1, chat 1 (same raw id, three kinds)
    assert.deepStrictEqual(byKey.get(1n), { id: 1n, kind: "user", accessHash: 10n, min: false, username: "one" })
    assert.isTrue(byKey.get(2n)?.min)
    assert.strictEqual(byKey.get(markedPeerId("channel", 1n))?.accessHash, 30n)
    assert.strictEqual(byKey.get(markedPeerId("chat", 1n))?.kind, "chat")
  })
  it("survives cycles and shared objects, and non-objects", () => {
    const shared = user(4n, { access_hash: 1n })
    const a: Record<string, unknown> = { users: [shared], again: [shared] }
    a["self"] = a
    assert.strictEqual(peersFromObjects(a).length, 1)
    assert.deepStrictEqual(peersFromObjects(null), [])
    assert.deepStrictEqual(peersFromObjects("user"), [])
    assert.deepStrictEqual(peersFromObjects([shared, shared]).length, 1)
  })
  it("handles a deep graph without recursion limits", () => {
    let node: Record<string, unknown> = { users: [user(1n, { access_hash: 1n })] }
    for (let i = 0; i < 20_000; i++) node = { _tag: "wrap", inner: node }
    assert.strictEqual(peersFromObjects(node).length, 1)
  })
})

describe("markedPeerId", () => {
  it("keeps the three id spaces apart and round-trips", () => {
    for (const kind of ["user", "chat", "channel"] as const) {
      for (const id of [1n, 777000n, 999_999_999_999n]) {
        assert.deepStrictEqual(parseMarkedPeerId(markedPeerId(kind, id)), { kind, id })
      }
    }
    assert.strictEqual(markedPeerId("channel", 1234n), -1000000001234n)
    assert.strictEqual(markedPeerId("chat", 5n), -5n)
  })
})
