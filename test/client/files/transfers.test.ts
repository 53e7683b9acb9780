/**
 * Files over TCP against a TestDc cluster, beyond plain round trips: downloads through
 * connection drops and resumed at an offset, files on another DC (FILE_MIGRATE, one
 * authorization import), expired file references, media-only addresses, photos, paths,
 * progress, streams of unknown size.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Files, Messages, Metrics } from "../../../src/client/index.ts"
import type { TlMethod } from "../../../src/tl/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import { concat } from "../../support/bytes.ts"
import { makeCluster } from "../../support/dc.ts"
import { memoryClient, rightCode } from "../support/harness.ts"
import { as, loginUser, newMessageIn, watch } from "../support/messaging.ts"
import { bytesOf, collectBytes, digest, documentOf, photoOf, pngOf } from "./support.ts"

/** Two logged-in users of `cluster` (home DC 1), Ada sending to Bob. */
const pair = (cluster: TestDc.ClusterShape) =>
  Effect.gen(function*() {
    cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
    cluster.world.addUser({ phone: "+15550002", firstName: "Bob", homeDc: 1 })
    const ada = yield* loginUser(cluster, "+15550001")
    const bob = yield* loginUser(cluster, "+15550002")
    return { ada, bob }
  })

/** Every call that reaches a handler, with its DC, whether it came to a media-only listener, and the request. */
const record = (cluster: TestDc.ClusterShape) =>
  Effect.gen(function*() {
    const calls: Array<{ readonly dc: number; readonly media: boolean; readonly session: bigint; readonly request: TlMethod }> = []
    for (const dc of cluster.dcs.values()) {
      yield* dc.addHandlers({
        "*": (request, ctx, next) => {
          calls.push({ dc: ctx.dcId, media: ctx.mediaOnly === true, session: ctx.sessionId, request })
          return next
        }
      })
    }
    return calls
  })

/** Bob's newest message from Ada. */
const lastFromAda = (bob: Parameters<typeof as>[0]) =>
  Effect.map(as(bob)(Stream.runCollect(Messages.history("+15550001", { limit: 1 }))), (c) => [...c][0]!)

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-mtproto-files-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("Files transfers over TCP", () => {
  it.scopedLive("a download survives connection drops mid-way and stays byte-identical", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const bytes = bytesOf(6 * 1024 * 1024 + 12345, 7)
      yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "drops.bin" }))
      const message = yield* lastFromAda(bob)
      // The Sender's reconnect counter (a global metric) shows the drops were felt.
      const reconnects = Metrics.reconnects.pipe(Metric.tagged("dc", "1"))
      const before = (yield* Metric.value(reconnects)).count
      let chunks = 0
      const got = yield* as(bob)(collectBytes(Files.download(message, { workers: 4, chunkSize: 128 * 1024 }).pipe(
        // Every connection of the DC is cut at the 5th, 20th and 35th chunk.
        Stream.tap(() => ++chunks === 5 || chunks === 20 || chunks === 35 ? cluster.dc(1).dropConnections : Effect.void)
      )))
      assert.isAtLeast(chunks, 35)
      // Bob's file connections (4) and API connection, and Ada's, dropped three times.
      assert.isAtLeast((yield* Metric.value(reconnects)).count - before, 3 * 4)
      assert.strictEqual(digest(got), digest(bytes))
    }), { timeout: 60_000 })

  it.scopedLive("a download stopped part-way resumes at any offset, byte-identical", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const bytes = bytesOf(3 * 1024 * 1024 + 999, 8)
      yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "resume.bin" }))
      const message = yield* lastFromAda(bob)
      // The first attempt ends early (the consumer stops after 1 234 567 bytes) ...
      const head = yield* as(bob)(collectBytes(Files.download(message, { limit: 1_234_567, workers: 3 })))
      assert.strictEqual(head.length, 1_234_567)
      // ... and the rest starts there: not a multiple of 4 KB, so the first requests are aligned down.
      const tail = yield* as(bob)(collectBytes(Files.download(message, { offset: head.length, workers: 3, chunkSize: 256 * 1024 })))
      assert.strictEqual(digest(concat([head, tail])), digest(bytes))
      // A window in the middle.
      const middle = yield* as(bob)(collectBytes(Files.download(message, { offset: 1_000_001, limit: 77_777 })))
      assert.strictEqual(digest(middle), digest(bytes.subarray(1_000_001, 1_000_001 + 77_777)))
      // Past the end: nothing.
      const past = yield* as(bob)(collectBytes(Files.download(message, { offset: bytes.length + 10 })))
      assert.strictEqual(past.length, 0)
    }), { timeout: 60_000 })

  it.scopedLive("a slow consumer holds the download back: never more than about `workers` chunks ahead", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const bytes = bytesOf(40 * 64 * 1024, 17)
      yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "slow.bin" }))
      const message = yield* lastFromAda(bob)
      const calls = yield* record(cluster)
      const issued = () => calls.filter((c) => c.request._tag === "upload.getFile").length
      let consumed = 0
      let ahead = 0
      const got = yield* as(bob)(collectBytes(Files.download(message, { workers: 4, chunkSize: 64 * 1024 }).pipe(
        Stream.tap(() => Effect.sleep("15 millis").pipe(Effect.zipRight(Effect.sync(() => void (ahead = Math.max(ahead, issued() - ++consumed))))))
      )))
      assert.strictEqual(digest(got), digest(bytes))
      assert.strictEqual(consumed, 40)
      assert.isAtMost(ahead, 4 + 1)
      assert.isAtLeast(ahead, 3) // and the workers did run ahead of the consumer
    }), { timeout: 30_000 })

  it.scopedLive("a file on another DC: downloaded there, FILE_MIGRATE followed, the authorization imported once", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2])
      const { ada, bob } = yield* pair(cluster)
      cluster.world.files.placeOn = 2
      const bytes = bytesOf(2 * 1024 * 1024 + 5, 9)
      const sent = yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "far.bin" }))
      const doc = documentOf(sent)
      assert.strictEqual(doc.dc_id, 2)
      const calls = yield* record(cluster)
      // An input location does not say its DC: the home DC answers FILE_MIGRATE_2.
      const location = { _tag: "inputDocumentFileLocation", id: doc.id, access_hash: doc.access_hash, file_reference: doc.file_reference, thumb_size: "" } as const
      const got = yield* as(ada)(collectBytes(Files.download(location, { workers: 8, chunkSize: 64 * 1024 })))
      assert.strictEqual(digest(got), digest(bytes))
      const getFiles = calls.filter((c) => c.request._tag === "upload.getFile")
      assert.isAtLeast(getFiles.filter((c) => c.dc === 1).length, 1)
      // The size is unknown from an input location: up to 7 requests past the end are made, and dropped.
      const chunks = Math.ceil(bytes.length / (64 * 1024))
      const onDc2 = getFiles.filter((c) => c.dc === 2).length
      assert.isTrue(onDc2 >= chunks && onDc2 <= chunks + 7, `${onDc2} getFile calls on DC 2`)
      assert.strictEqual(calls.filter((c) => c.request._tag === "auth.importAuthorization" && c.dc === 2).length, 1)
      // Bob's message says DC 2: he goes there at once, importing his authorization once too.
      calls.length = 0
      const atBob = yield* as(bob)(collectBytes(Files.download(yield* lastFromAda(bob), { workers: 8 })))
      assert.strictEqual(digest(atBob), digest(bytes))
      assert.isTrue(calls.filter((c) => c.request._tag === "upload.getFile").every((c) => c.dc === 2))
      assert.strictEqual(calls.filter((c) => c.request._tag === "auth.importAuthorization").length, 1)
    }), { timeout: 60_000 })

  it.scopedLive("an expired file reference is refreshed from the message, once for all workers, even mid-download", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const bytes = bytesOf(3 * 1024 * 1024, 10)
      yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "ref.bin" }))
      const message = yield* lastFromAda(bob)
      const doc = documentOf(message)
      const calls = yield* record(cluster)
      assert.isTrue(cluster.world.expireFileReference(doc.id))
      const got = yield* as(bob)(collectBytes(Files.download(message, { workers: 8, chunkSize: 64 * 1024 })))
      assert.strictEqual(digest(got), digest(bytes))
      assert.strictEqual(calls.filter((c) => c.request._tag === "messages.getMessages").length, 1)
      // Mid-download: the reference changes after the 10th chunk.
      let chunks = 0
      const again = yield* as(bob)(collectBytes(Files.download(message, { workers: 4, chunkSize: 64 * 1024 }).pipe(
        Stream.tap(() => Effect.sync(() => ++chunks === 10 && cluster.world.expireFileReference(doc.id)))
      )))
      assert.strictEqual(digest(again), digest(bytes))
      // A bare document has no message to refresh from: the server's error comes through.
      const bare = yield* as(bob)(Effect.flip(collectBytes(Files.download(doc))))
      assert.deepStrictEqual([bare._tag, bare._tag === "RpcError" ? bare.message : ""], ["RpcError", "FILE_REFERENCE_EXPIRED"])
    }), { timeout: 60_000 })

  it.scopedLive("media-only addresses carry the file traffic and never an API call", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1], { mediaOnly: true })
      const { ada, bob } = yield* pair(cluster)
      const calls = yield* record(cluster)
      const bytes = bytesOf(1024 * 1024 + 3, 11)
      yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "media.bin", partSize: 128 * 1024, workers: 3 }))
      const got = yield* as(bob)(collectBytes(Files.download(yield* lastFromAda(bob), { workers: 3 })))
      assert.strictEqual(digest(got), digest(bytes))
      const fileCalls = calls.filter((c) => c.request._tag.startsWith("upload."))
      assert.strictEqual(fileCalls.filter((c) => c.request._tag === "upload.saveFilePart").length, 9)
      assert.isTrue(fileCalls.every((c) => c.media), "every upload.* call went to a media-only address")
      // Three workers, three connections (each its own session) for each client.
      const sessions = (tag: string) => new Set(fileCalls.filter((c) => c.request._tag === tag).map((c) => c.session)).size
      assert.strictEqual(sessions("upload.saveFilePart"), 3)
      assert.strictEqual(sessions("upload.getFile"), 3)
      // Each client asked for the config (where the media-only addresses are) once, for all its workers.
      assert.strictEqual(calls.filter((c) => c.request._tag === "help.getConfig").length, 2)
      assert.isTrue(calls.filter((c) => !c.request._tag.startsWith("upload.")).every((c) => !c.media), "no API call did")
    }), { timeout: 60_000 })

  it.scopedLive("photos: sent compressed-style with their size, or as a document on request; downloaded byte-identical", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const png = pngOf(640, 480, 200_000)
      const sent = yield* as(ada)(Messages.sendFile("+15550002", png, { name: "pic.png", caption: "**look**" }))
      const photo = photoOf(sent)
      assert.deepStrictEqual(photo.sizes, [{ _tag: "photoSize", type: "x", w: 640, h: 480, size: png.length }])
      assert.isTrue(sent._tag === "message" && sent.message === "look" && sent.entities?.[0]?._tag === "messageEntityBold")
      const got = yield* as(bob)(collectBytes(Files.download(yield* lastFromAda(bob))))
      assert.strictEqual(digest(got), digest(png))
      const asFile = yield* as(ada)(Messages.sendFile("+15550002", png, { name: "pic.png", asDocument: true }))
      assert.strictEqual(documentOf(asFile).mime_type, "image/png")
      // Not an image: the server refuses the photo.
      const refused = yield* as(ada)(Effect.flip(Messages.sendFile("+15550002", bytesOf(1000), { name: "fake.jpg" })))
      assert.deepStrictEqual([refused._tag, refused._tag === "RpcError" ? refused.message : ""], ["RpcError", "IMAGE_PROCESS_FAILED"])
    }), { timeout: 60_000 })

  it.scopedLive("paths: uploaded from disk (named after the file), downloaded to disk atomically", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const dir = yield* tempDir
      const bytes = bytesOf(1_500_000, 12)
      const source = join(dir, "report.pdf")
      writeFileSync(source, bytes)
      const sent = yield* as(ada)(Effect.provide(Messages.sendFile("+15550002", source, { partSize: 256 * 1024 }), NodeFileSystem.layer))
      const doc = documentOf(sent)
      assert.strictEqual(doc.mime_type, "application/pdf")
      assert.deepInclude(doc.attributes, { _tag: "documentAttributeFilename", file_name: "report.pdf" })
      const target = join(dir, "copy.pdf")
      const written = yield* as(bob)(Effect.provide(Files.downloadTo(yield* lastFromAda(bob), target), NodeFileSystem.layer))
      assert.strictEqual(written, bytes.length)
      assert.strictEqual(digest(readFileSync(target)), digest(bytes))
      // An empty file too.
      writeFileSync(join(dir, "empty.txt"), new Uint8Array(0))
      yield* as(ada)(Effect.provide(Messages.sendFile("+15550002", join(dir, "empty.txt")), NodeFileSystem.layer))
      const emptyTarget = join(dir, "empty-copy.txt")
      assert.strictEqual(yield* as(bob)(Effect.provide(Files.downloadTo(yield* lastFromAda(bob), emptyTarget), NodeFileSystem.layer)), 0)
      assert.strictEqual(readFileSync(emptyTarget).length, 0)
      // A download that fails leaves neither the target nor a temporary file.
      cluster.world.expireFileReference(doc.id)
      const failed = yield* as(bob)(Effect.provide(Effect.flip(Files.downloadTo(doc, join(dir, "never.pdf"))), NodeFileSystem.layer))
      assert.strictEqual(failed._tag, "RpcError")
      assert.deepStrictEqual(readdirSync(dir).sort(), ["copy.pdf", "empty-copy.txt", "empty.txt", "report.pdf"])
    }), { timeout: 60_000 })

  it.scopedLive("progress as a Stream: one event per part, then the InputFile", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada } = yield* pair(cluster)
      const bytes = bytesOf(3 * 512 * 1024 + 10, 13)
      const events = [...yield* as(ada)(Stream.runCollect(Files.uploadWithProgress(bytes, { name: "p.bin", workers: 2 })))]
      const progress = events.filter((e) => e._tag === "Progress")
      assert.strictEqual(progress.length, 4)
      assert.deepStrictEqual(progress.map((p) => p.total), [bytes.length, bytes.length, bytes.length, bytes.length])
      assert.strictEqual(progress[progress.length - 1]!.uploaded, bytes.length)
      assert.isTrue(progress.every((p, i) => i === 0 || p.uploaded > progress[i - 1]!.uploaded))
      const done = events[events.length - 1]!
      assert.isTrue(done._tag === "Done" && done.file._tag === "inputFile" && done.file.parts === 4 && done.file.md5_checksum === md5(bytes))
      // The callback form sees the same.
      const seen: Array<number> = []
      yield* as(ada)(Files.upload(bytes, { onProgress: (p) => Effect.sync(() => void seen.push(p.uploaded)) }))
      assert.strictEqual(seen.length, 4)
    }), { timeout: 60_000 })

  it.scopedLive("Streams of unknown size: small ones with an MD5, big ones with -1 parts until the last", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      const calls = yield* record(cluster)
      const chunked = (b: Uint8Array, n: number) => Stream.fromIterable(Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n)))
      const small = bytesOf(700_000, 14)
      const smallFile = yield* as(ada)(Files.upload(chunked(small, 100_000), { name: "s.bin" }))
      assert.isTrue(smallFile._tag === "inputFile" && smallFile.md5_checksum === md5(small))
      const big = bytesOf(11 * 1024 * 1024 + 7, 15)
      const sent = yield* as(ada)(Messages.sendFile("+15550002", chunked(big, 100_003), { name: "b.bin", workers: 4 }))
      const totals = calls.filter((c) => c.request._tag === "upload.saveBigFilePart").map((c) => (c.request as { file_total_parts: number }).file_total_parts)
      assert.strictEqual(totals.length, 23)
      assert.deepStrictEqual(totals.filter((t) => t !== -1), [23])
      assert.strictEqual(documentOf(sent).size, BigInt(big.length))
      const got = yield* as(bob)(collectBytes(Files.download(yield* lastFromAda(bob))))
      assert.strictEqual(digest(got), digest(big))
    }), { timeout: 60_000 })

  it.scopedLive("under PFS, file calls ride the API connection (one bound temporary key per DC)", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 1 })
      const { client } = yield* memoryClient(cluster, { pfs: true })
      yield* client.start({ phone: Effect.succeed("+15550001"), code: rightCode(cluster, "+15550001") })
      const bytes = bytesOf(1024 * 1024 + 1, 16)
      const sent = yield* as(client)(Messages.sendFile("me", bytes, { name: "pfs.bin", workers: 4 }))
      const got = yield* as(client)(collectBytes(Files.download(sent, { workers: 4 })))
      assert.strictEqual(digest(got), digest(bytes))
      // One permanent key and one temporary key, bound to it: no file connection bound its own.
      const keys = [...cluster.dc(1).authKeys.values()]
      assert.deepStrictEqual(keys.map((k) => k.temp).sort(), [false, true])
    }), { timeout: 30_000 })

  it.scopedLive("file connections are not subscribed to updates: pushes after a download still reach the client", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada, bob } = yield* pair(cluster)
      yield* as(ada)(Messages.sendFile("+15550002", bytesOf(600_000, 18), { name: "a.bin" }))
      const bobSees = yield* watch(bob)
      // Bob's file connections are now his most recently active ones.
      yield* as(bob)(collectBytes(Files.download(yield* lastFromAda(bob), { workers: 2 })))
      const adaId = cluster.world.userByPhone("+15550001")!.id
      const bobId = cluster.world.userByPhone("+15550002")!.id
      yield* cluster.world.sendMessage(adaId, bobId, "after the download")
      const seen = yield* bobSees((u) => {
        const m = newMessageIn(u)
        return m?.text === "after the download" ? m : undefined
      })
      assert.strictEqual(seen.text, "after the download")
    }), { timeout: 30_000 })

  it.scopedLive("interrupting an upload stops its workers", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { ada } = yield* pair(cluster)
      const slow = Stream.fromIterable([bytesOf(512 * 1024, 1), bytesOf(512 * 1024, 2)]).pipe(Stream.concat(Stream.never))
      const fiber = yield* Effect.fork(as(ada)(Files.upload(slow, { name: "never.bin" })))
      yield* Effect.sleep("300 millis")
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(exit._tag === "Failure")
    }), { timeout: 30_000 })
})

const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex")
