/**
 * Files end to end over TCP against a TestDc cluster: uploads by one client, sent with
 * Messages.sendFile, downloaded by another, byte-identical, for the sizes at the part
 * boundaries and a big (25 MB) file with 1 and 8 workers.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Files, Messages } from "../../../src/client/index.ts"
import { makeCluster } from "../../support/dc.ts"
import { as, loginUser } from "../support/messaging.ts"
import { bytesOf, collectBytes, digest, documentOf } from "./support.ts"

describe("Files round trip over TCP", () => {
  it.scopedLive("0 B, 1 B, 512 KB and 512 KB + 1 go up, out and down byte-identical", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob" })
      const ada = yield* loginUser(cluster, "+15550001")
      const bob = yield* loginUser(cluster, "+15550002")
      for (const size of [0, 1, 512 * 1024, 512 * 1024 + 1]) {
        const bytes = bytesOf(size, size)
        const sent = yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: `f${size}.bin`, caption: `size ${size}` }))
        const doc = documentOf(sent)
        assert.strictEqual(doc.size, BigInt(size))
        assert.deepInclude(doc.attributes, { _tag: "documentAttributeFilename", file_name: `f${size}.bin` })
        // Bob finds it in his chat with Ada and downloads it.
        const [atBob] = yield* as(bob)(Stream.runCollect(Messages.history("+15550001", { limit: 1 })))
        const got = yield* as(bob)(collectBytes(Files.download(atBob!)))
        assert.strictEqual(got.length, size)
        assert.strictEqual(digest(got), digest(bytes))
      }
    }), { timeout: 60_000 })

  for (const workers of [1, 8]) {
    it.scopedLive(`25 MB with ${workers} worker(s): big parts up, ordered chunks down, byte-identical`, () =>
      Effect.gen(function*() {
        const cluster = yield* makeCluster([1])
        cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
        cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob" })
        const ada = yield* loginUser(cluster, "+15550001")
        const bob = yield* loginUser(cluster, "+15550002")
        const bytes = bytesOf(25 * 1024 * 1024, workers)
        const sent = yield* as(ada)(Messages.sendFile("+15550002", bytes, { name: "big.bin", workers }))
        assert.strictEqual(documentOf(sent).size, BigInt(bytes.length))
        const [atBob] = yield* as(bob)(Stream.runCollect(Messages.history("+15550001", { limit: 1 })))
        const got = yield* as(bob)(collectBytes(Files.download(atBob!, { workers })))
        assert.strictEqual(got.length, bytes.length)
        assert.strictEqual(digest(got), digest(bytes))
      }), { timeout: 120_000 })
  }
})
