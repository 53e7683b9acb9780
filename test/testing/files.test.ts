/**
 * TestDc's file store, socket-free (the World's files, image headers) and over TCP with a raw
 * client (media-only listeners in the config, re-sending existing media, random_id replays).
 */
import { assert, describe, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import { RpcFailure } from "../../src/testing/handlers/index.ts"
import { makeWorld } from "../../src/testing/world/World.ts"
import { serialize } from "../../src/tl/index.ts"
import { handshake, isResultFor, resultOf, session } from "../support/bareClient.ts"
import { makeCluster, makeDc, openChannel } from "../support/dc.ts"
import { imageSize } from "../../src/testing/world/imageSize.ts"
import type { Api } from "../../src/tl/index.ts"
import { memoryClient } from "../client/support/harness.ts"
import { loginUser } from "../client/support/messaging.ts"

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

/** The RPC error a World call throws, or "ok". */
const refusal = (f: () => unknown): string => {
  try {
    f()
    return "ok"
  } catch (e) {
    if (e instanceof RpcFailure) return `${e.code} ${e.message}`
    throw e
  }
}

describe("imageSize", () => {
  it("reads PNG, JPEG, GIF and WebP headers; anything else is no image", () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 128, 0, 0, 1, 224)
    assert.deepStrictEqual(imageSize(png), { kind: "png", w: 640, h: 480 })
    // SOI, an APP0 segment, then SOF0 with height 300 and width 400.
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xc0, 0, 11, 8, 1, 44, 1, 144, 3, 0, 0, 0)
    assert.deepStrictEqual(imageSize(jpeg), { kind: "jpeg", w: 400, h: 300 })
    assert.deepStrictEqual(imageSize(Uint8Array.of(0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 10, 0, 20, 0)), { kind: "gif", w: 10, h: 20 })
    const webp = new Uint8Array(30)
    webp.set([..."RIFF"].map((c) => c.charCodeAt(0)), 0)
    webp.set([..."WEBPVP8X"].map((c) => c.charCodeAt(0)), 8)
    webp.set([99, 0, 0, 49, 0, 0], 24)
    assert.deepStrictEqual(imageSize(webp), { kind: "webp", w: 100, h: 50 })
    assert.isUndefined(imageSize(bytes(100)))
    assert.isUndefined(imageSize(png.subarray(0, 20)))
    assert.isUndefined(imageSize(Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0, 2)))
  })
})

describe("World files", () => {
  it("parts in any order; the file is checked and assembled when used; the upload then forgotten", () => {
    const { files } = makeWorld()
    const data = bytes(2048 + 100)
    files.savePart(1n, 9n, 2, data.subarray(2048), undefined)
    files.savePart(1n, 9n, 0, data.subarray(0, 1024), undefined)
    files.savePart(1n, 9n, 1, data.subarray(1024, 2048), undefined)
    const md5 = createHash("md5").update(data).digest("hex")
    const got = files.uploaded(1n, { _tag: "inputFile", id: 9n, parts: 3, name: "x", md5_checksum: md5.toUpperCase() })
    assert.deepStrictEqual(got, data)
    // Another user's upload of the same id is another upload.
    assert.strictEqual(refusal(() => files.uploaded(2n, { _tag: "inputFile", id: 9n, parts: 3, name: "x", md5_checksum: "" })), "400 FILE_PART_0_MISSING")
    files.forgetUpload(1n, 9n)
    assert.strictEqual(files.pendingUploads(), 0)
  })

  it("refuses what Telegram refuses", () => {
    const { files } = makeWorld()
    assert.strictEqual(refusal(() => files.savePart(1n, 1n, 4000, bytes(10), undefined)), "400 FILE_PART_INVALID")
    assert.strictEqual(refusal(() => files.savePart(1n, 1n, 1, new Uint8Array(0), undefined)), "400 FILE_PART_EMPTY")
    assert.strictEqual(refusal(() => files.savePart(1n, 1n, 0, bytes(10), 0)), "400 FILE_PARTS_INVALID")
    files.savePart(1n, 2n, 0, bytes(1024), undefined)
    assert.strictEqual(refusal(() => files.savePart(1n, 2n, 1, bytes(1024), 5)), "400 FILE_PARTS_INVALID") // small, then big
    // A part size that divides no 512 KB.
    files.savePart(1n, 3n, 0, bytes(3000), undefined)
    files.savePart(1n, 3n, 1, bytes(10), undefined)
    assert.strictEqual(refusal(() => files.uploaded(1n, { _tag: "inputFile", id: 3n, parts: 2, name: "x", md5_checksum: "" })), "400 FILE_PART_SIZE_INVALID")
    // Too many parts named, or more uploaded than named.
    assert.strictEqual(refusal(() => files.uploaded(1n, { _tag: "inputFile", id: 3n, parts: 0, name: "x", md5_checksum: "" })), "400 FILE_PARTS_INVALID")
    assert.strictEqual(refusal(() => files.uploaded(1n, { _tag: "inputFile", id: 3n, parts: 1, name: "x", md5_checksum: "" })), "400 FILE_PARTS_INVALID")
    // A big upload named as a small file.
    files.savePart(1n, 4n, 0, bytes(1024), -1)
    assert.strictEqual(refusal(() => files.uploaded(1n, { _tag: "inputFile", id: 4n, parts: 1, name: "x", md5_checksum: "" })), "400 FILE_PARTS_INVALID")
    assert.strictEqual(files.uploaded(1n, { _tag: "inputFileBig", id: 4n, parts: 1, name: "x" }).length, 1024)
  })

  it("stored files: read under the rules, on their own DC, with their current reference", () => {
    const world = makeWorld()
    const file = world.files.addDocument(bytes(10_000), { dcId: 2, mimeType: "text/plain" })
    const location = (ref: Uint8Array): Api.inputDocumentFileLocation =>
      ({ _tag: "inputDocumentFileLocation", id: file.id, access_hash: file.accessHash, file_reference: ref, thumb_size: "" })
    const first = file.reference
    assert.deepStrictEqual(world.files.read(location(first), 2, 4096, 4096, false).bytes, bytes(10_000).subarray(4096, 8192))
    assert.strictEqual(world.files.read(location(first), 2, 8192, 4096, false).bytes.length, 10_000 - 8192)
    assert.strictEqual(world.files.read(location(first), 2, 12288, 4096, false).bytes.length, 0)
    assert.strictEqual(refusal(() => world.files.read(location(first), 1, 0, 4096, false)), "303 FILE_MIGRATE_2")
    assert.strictEqual(refusal(() => world.files.read(location(first), 2, 10, 4096, false)), "400 OFFSET_INVALID")
    assert.isTrue(world.expireFileReference(file.id))
    assert.strictEqual(refusal(() => world.files.read(location(first), 2, 0, 4096, false)), "400 FILE_REFERENCE_EXPIRED")
    assert.strictEqual(refusal(() => world.files.read(location(Uint8Array.of(1, 2)), 2, 0, 4096, false)), "400 FILE_REFERENCE_INVALID")
    assert.strictEqual(world.files.read(location(file.reference), 2, 0, 4096, false).bytes.length, 4096)
    assert.strictEqual(refusal(() => world.files.read({ ...location(file.reference), access_hash: 1n }, 2, 0, 4096, false)), "400 FILE_ID_INVALID")
    assert.isFalse(world.expireFileReference(12345n))
  })
})

describe("World files: the budget of pending uploads", () => {
  it("the oldest unused uploads are forgotten past the budget; the one being written is kept", () => {
    const { files } = makeWorld()
    files.pendingBudget = 3100
    files.savePart(1n, 1n, 0, bytes(1024), undefined)
    files.savePart(1n, 2n, 0, bytes(1024), undefined)
    files.savePart(1n, 1n, 1, bytes(1000), undefined) // upload 1 is now the most recent
    files.savePart(1n, 3n, 0, bytes(1024), undefined) // 4072 bytes: upload 2 goes
    assert.strictEqual(files.pendingUploads(), 2)
    assert.strictEqual(refusal(() => files.uploaded(1n, { _tag: "inputFile", id: 2n, parts: 1, name: "x", md5_checksum: "" })), "400 FILE_PART_0_MISSING")
    assert.strictEqual(files.uploaded(1n, { _tag: "inputFile", id: 1n, parts: 2, name: "x", md5_checksum: "" }).length, 2024)
    // One upload larger than the budget stays whole while it is written.
    for (let i = 0; i < 5; i++) files.savePart(2n, 9n, i, bytes(1024), undefined)
    assert.strictEqual(files.pendingUploads(), 1)
    assert.strictEqual(files.uploaded(2n, { _tag: "inputFile", id: 9n, parts: 5, name: "x", md5_checksum: "" }).length, 5120)
    files.forgetUpload(2n, 9n)
    assert.strictEqual(files.pendingUploads(), 0)
  })
})

describe("TestDc files over TCP", () => {
  it.scopedLive("a file read sent again with its msg_id is read again (its answer is not kept); other queries are answered from memory", () =>
    Effect.gen(function*() {
      const dc = yield* makeDc()
      let reads = 0
      let others = 0
      yield* dc.addHandlers({
        "upload.getFile": () => Effect.sync(() => ({ _tag: "upload.file", type: { _tag: "storage.filePartial" }, mtime: ++reads, bytes: bytes(4096) }) as const),
        "help.getNearestDc": () => Effect.sync(() => ({ _tag: "nearestDc", country: "XX", this_dc: 2, nearest_dc: ++others }) as const)
      })
      const ch = yield* openChannel(dc)
      const s = session(ch, yield* handshake(ch, dc))
      const read = serialize({ _tag: "upload.getFile", location: { _tag: "inputDocumentFileLocation", id: 1n, access_hash: 1n, file_reference: new Uint8Array(0), thumb_size: "" }, offset: 0n, limit: 4096 })
      const id = yield* s.send(read)
      const first = resultOf(yield* s.until(isResultFor(id)), id)
      yield* s.send(read, true, id)
      const second = resultOf(yield* s.until(isResultFor(id)), id)
      assert.deepStrictEqual([first._tag === "upload.file" && first.mtime, second._tag === "upload.file" && second.mtime, reads], [1, 2, 2])
      const ask = serialize({ _tag: "help.getNearestDc" })
      const askId = yield* s.send(ask)
      yield* s.until(isResultFor(askId))
      yield* s.send(ask, true, askId)
      const again = resultOf(yield* s.until(isResultFor(askId)), askId)
      assert.deepStrictEqual([again._tag === "nearestDc" && again.nearest_dc, others], [1, 1])
    }))

  it.scopedLive("help.getConfig lists each DC's media-only address after its own", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2], { mediaOnly: [2] })
      const { client } = yield* memoryClient(cluster)
      const config = yield* client.invoke({ _tag: "help.getConfig" })
      const dc2 = cluster.dc(2)
      assert.isNumber(dc2.mediaPort)
      assert.isUndefined(cluster.dc(1).mediaPort)
      assert.deepStrictEqual(config.dc_options.map((o) => [o.id, o.port, o.media_only === true]), [
        [1, cluster.dc(1).port, false],
        [2, dc2.port, false],
        [2, dc2.mediaPort, true]
      ])
    }))

  it.scopedLive("existing media is sent again by its InputDocument; a random_id sent twice posts once", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
      const client = yield* loginUser(cluster, "+15550001")
      yield* client.invoke({ _tag: "upload.saveFilePart", file_id: 77n, file_part: 0, bytes: bytes(100) }, { fileConnection: 0 })
      const send = (media: Api.InputMedia, random_id: bigint) =>
        client.invoke({ _tag: "messages.sendMedia", peer: { _tag: "inputPeerSelf" }, media, message: "", random_id })
      const media: Api.InputMedia = {
        _tag: "inputMediaUploadedDocument",
        file: { _tag: "inputFile", id: 77n, parts: 1, name: "n.txt", md5_checksum: "" },
        mime_type: "text/plain",
        attributes: []
      }
      const first = yield* send(media, 1n)
      const again = yield* send(media, 1n)
      assert.deepStrictEqual(again, first)
      assert.strictEqual(cluster.world.store.boxes.get(ada.id)!.messages.size, 1)
      const [stored] = [...cluster.world.files.stored.values()]
      assert.deepStrictEqual(stored!.attributes, [{ _tag: "documentAttributeFilename", file_name: "n.txt" }])
      const resent = yield* send({ _tag: "inputMediaDocument", id: { _tag: "inputDocument", id: stored!.id, access_hash: stored!.accessHash, file_reference: stored!.reference } }, 2n)
      assert.strictEqual(resent._tag, "updates")
      assert.strictEqual(cluster.world.store.boxes.get(ada.id)!.messages.size, 2)
      assert.strictEqual(cluster.world.files.stored.size, 1)
    }))
})
