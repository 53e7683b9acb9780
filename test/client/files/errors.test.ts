/**
 * Bad input to Files over TCP: every case ends in a typed error with a readable message, and
 * nothing half-done is left behind (no message sent for an upload that failed).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type Client, Files, Messages } from "../../../src/client/index.ts"
import { makeCluster } from "../../support/dc.ts"
import { as, loginUser } from "../support/messaging.ts"
import { bytesOf, collectBytes, documentOf } from "./support.ts"

class SourceBroke extends Data.TaggedError("SourceBroke")<{ readonly at: number }> {}

const setup = Effect.gen(function*() {
  const cluster = yield* makeCluster([1])
  const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
  const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob" })
  const client = yield* loginUser(cluster, "+15550001")
  return { cluster, ada, bob, client }
})

/** The error's tag, its reason when it has one, and its message (which must read well). */
const described = (e: { readonly _tag: string; readonly message: string; readonly reason?: unknown }) => {
  assert.isAbove(e.message.length, 10, `${e._tag} has a readable message`)
  return e._tag === "FileError" ? `FileError:${String(e.reason)}` : e._tag === "RpcError" ? `RpcError:${String(e.message)}` : e._tag
}

describe("Files: bad input gets typed errors", () => {
  it.scopedLive("a missing path, a directory: SourceUnreadable, nothing sent", () =>
    Effect.gen(function*() {
      const { client, cluster, ada } = yield* setup
      const missing = yield* as(client)(Effect.flip(Effect.provide(Files.upload("/nonexistent/dir/x.bin"), NodeFileSystem.layer)))
      assert.strictEqual(described(missing), "FileError:SourceUnreadable")
      assert.include(missing.message, "/nonexistent/dir/x.bin")
      const dir = yield* as(client)(Effect.flip(Effect.provide(Messages.sendFile("+15550002", "/tmp"), NodeFileSystem.layer)))
      assert.strictEqual(described(dir), "FileError:SourceUnreadable")
      assert.strictEqual(cluster.world.store.boxes.get(ada.id)?.messages.size ?? 0, 0)
    }))

  it.scopedLive("a stream that fails midway fails the send with its own error, and no message is sent", () =>
    Effect.gen(function*() {
      const { client, cluster, ada, bob } = yield* setup
      const breaking = Stream.make(bytesOf(600_000, 1), bytesOf(700_000, 2)).pipe(Stream.concat(Stream.fail(new SourceBroke({ at: 1_300_000 }))))
      const error = yield* as(client)(Effect.flip(Messages.sendFile("+15550002", breaking, { name: "half.bin" })))
      assert.strictEqual(error._tag, "SourceBroke")
      // Big or small, declared or not: the same.
      const big = Stream.make(bytesOf(11 * 1024 * 1024, 3)).pipe(Stream.concat(Stream.fail(new SourceBroke({ at: 11 * 1024 * 1024 }))))
      const bigError = yield* as(client)(Effect.flip(Messages.sendFile("+15550002", big, { name: "half.bin", size: 12 * 1024 * 1024 })))
      assert.strictEqual(bigError._tag, "SourceBroke")
      assert.strictEqual(cluster.world.store.boxes.get(ada.id)?.messages.size ?? 0, 0)
      assert.strictEqual(cluster.world.store.boxes.get(bob.id)?.messages.size ?? 0, 0)
    }))

  it.scopedLive("a stream holding more or fewer bytes than declared: SizeMismatch before anything is sent", () =>
    Effect.gen(function*() {
      const { client, cluster, ada } = yield* setup
      const short = yield* as(client)(Effect.flip(Messages.sendFile("+15550002", Stream.make(bytesOf(1000)), { name: "s.bin", size: 2000 })))
      assert.strictEqual(described(short), "FileError:SizeMismatch")
      const long = yield* as(client)(Effect.flip(Files.upload(Stream.make(bytesOf(3 * 512 * 1024)), { size: 512 * 1024 })))
      assert.strictEqual(described(long), "FileError:SizeMismatch")
      const bytes = yield* as(client)(Effect.flip(Files.upload(bytesOf(10), { size: 11 })))
      assert.strictEqual(described(bytes), "FileError:SizeMismatch")
      assert.strictEqual(cluster.world.store.boxes.get(ada.id)?.messages.size ?? 0, 0)
    }))

  it.scopedLive("options outside Telegram's rules: InvalidOptions, before any request", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const sent = yield* as(client)(Messages.sendFile("+15550002", bytesOf(5000), { name: "x.bin" }))
      const cases: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string; readonly message: string }, Client>> = [
        Files.upload(bytesOf(10), { partSize: 1000 }),
        Files.upload(bytesOf(10), { partSize: 3 * 1024 }),
        Files.upload(bytesOf(10), { partSize: 1024 * 1024 }),
        Files.upload(bytesOf(10), { workers: 0 }),
        Files.upload(bytesOf(10), { workers: 2.5 }),
        Files.upload(Stream.make(bytesOf(10)), { size: -1 }),
        collectBytes(Files.download(sent, { chunkSize: 3000 })),
        collectBytes(Files.download(sent, { chunkSize: 2 * 1024 * 1024 })),
        collectBytes(Files.download(sent, { chunkSize: 12 * 1024 })),
        collectBytes(Files.download(sent, { offset: -1 })),
        collectBytes(Files.download(sent, { limit: 1.5 })),
        collectBytes(Files.download(sent, { workers: 17 }))
      ]
      for (const effect of cases) {
        const error = yield* as(client)(Effect.flip(effect))
        assert.strictEqual(described(error), "FileError:InvalidOptions")
      }
    }))

  it.scopedLive("more parts than Telegram takes: TooLarge, before any request", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      // 4001 parts of 1 KB, declared: refused at once.
      const error = yield* as(client)(Effect.flip(Files.upload(Stream.never, { partSize: 1024, size: 4001 * 1024 })))
      assert.strictEqual(described(error), "FileError:TooLarge")
    }))

  it.scopedLive("nothing to download: NoMedia", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const text = yield* as(client)(Messages.send("+15550002", "no file here"))
      const error = yield* as(client)(Effect.flip(collectBytes(Files.download(text))))
      assert.strictEqual(described(error), "FileError:NoMedia")
      const diceError = yield* as(client)(Effect.flip(collectBytes(Files.download({ _tag: "messageMediaDice", value: 3, emoticon: "🎲" }))))
      assert.strictEqual(described(diceError), "FileError:NoMedia")
    }))

  it.scopedLive("getFile with a wrong alignment: the server's OFFSET_INVALID / LIMIT_INVALID, typed", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const sent = yield* as(client)(Messages.sendFile("+15550002", bytesOf(3 * 1024 * 1024), { name: "x.bin" }))
      const doc = documentOf(sent)
      const location = { _tag: "inputDocumentFileLocation", id: doc.id, access_hash: doc.access_hash, file_reference: doc.file_reference, thumb_size: "" } as const
      const ask = (offset: number, limit: number, precise = false) =>
        Effect.flip(client.invoke({ _tag: "upload.getFile", ...(precise ? { precise: true } : {}), location, offset: BigInt(offset), limit }, { fileConnection: 0 }))
      const errors = [
        yield* ask(100, 4096),
        yield* ask(4096, 5000),
        yield* ask(0, 3 * 4096),
        yield* ask(1024 * 1024 - 4096, 8192),
        yield* ask(0, 2 * 1024 * 1024),
        yield* ask(1000, 1024, true),
        yield* ask(1024, 2 * 1024 * 1024, true)
      ].map((e) => described(e))
      assert.deepStrictEqual(errors, [
        "RpcError:OFFSET_INVALID",
        "RpcError:LIMIT_INVALID",
        "RpcError:LIMIT_INVALID",
        "RpcError:LIMIT_INVALID",
        "RpcError:LIMIT_INVALID",
        "RpcError:OFFSET_INVALID",
        "RpcError:LIMIT_INVALID"
      ])
      // precise: 1 KB steps are fine, across a 1 MB boundary too.
      const precise = yield* client.invoke({ _tag: "upload.getFile", precise: true, location, offset: BigInt(1024 * 1024 - 1024), limit: 3072 }, { fileConnection: 0 })
      assert.strictEqual(precise._tag === "upload.file" ? precise.bytes.length : -1, 3072)
    }))

  it.scopedLive("parts the server cannot assemble: a missing part, a wrong MD5, a part size that changed", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const peer = { _tag: "inputPeerSelf" } as const
      const send = (file: { readonly _tag: "inputFile"; readonly id: bigint; readonly parts: number; readonly name: string; readonly md5_checksum: string }) =>
        Effect.flip(client.invoke({
          _tag: "messages.sendMedia",
          peer,
          media: { _tag: "inputMediaUploadedDocument", file, mime_type: "application/octet-stream", attributes: [] },
          message: "",
          random_id: file.id
        }))
      const save = (fileId: bigint, part: number, bytes: Uint8Array) =>
        client.invoke({ _tag: "upload.saveFilePart", file_id: fileId, file_part: part, bytes }, { fileConnection: 0 })
      yield* save(1n, 0, bytesOf(1024))
      yield* save(1n, 2, bytesOf(1024))
      assert.strictEqual(described(yield* send({ _tag: "inputFile", id: 1n, parts: 3, name: "a", md5_checksum: "" })), "RpcError:FILE_PART_1_MISSING")
      yield* save(2n, 0, bytesOf(2048))
      assert.strictEqual(
        described(yield* send({ _tag: "inputFile", id: 2n, parts: 1, name: "a", md5_checksum: "0".repeat(32) })),
        "RpcError:MD5_CHECKSUM_INVALID"
      )
      yield* save(3n, 0, bytesOf(2048))
      yield* save(3n, 1, bytesOf(1024))
      yield* save(3n, 2, bytesOf(1024))
      assert.strictEqual(described(yield* send({ _tag: "inputFile", id: 3n, parts: 3, name: "a", md5_checksum: "" })), "RpcError:FILE_PART_SIZE_CHANGED")
      assert.strictEqual(described(yield* send({ _tag: "inputFile", id: 99n, parts: 1, name: "a", md5_checksum: "" })), "RpcError:FILE_PART_0_MISSING")
      const tooBig = yield* Effect.flip(save(4n, 0, new Uint8Array(512 * 1024 + 1)))
      assert.strictEqual(described(tooBig), "RpcError:FILE_PART_TOO_BIG")
      const big = (part: number, total: number) =>
        client.invoke({ _tag: "upload.saveBigFilePart", file_id: 5n, file_part: part, file_total_parts: total, bytes: bytesOf(1024) }, { fileConnection: 0 })
      yield* big(0, 3)
      assert.strictEqual(described(yield* Effect.flip(big(1, 4))), "RpcError:FILE_PARTS_INVALID")
      assert.strictEqual(described(yield* Effect.flip(big(3, 3))), "RpcError:FILE_PART_INVALID")
    }))

  it.scopedLive("the errors print readably through Cause.pretty", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const exit = yield* Effect.exit(as(client)(Files.upload(bytesOf(10), { partSize: 1000 })))
      assert.isTrue(exit._tag === "Failure")
      if (exit._tag === "Failure") assert.include(Cause.pretty(exit.cause), "a part size must be a multiple of 1 KB that divides 512 KB")
    }))
})
