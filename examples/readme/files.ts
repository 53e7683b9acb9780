import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client, Files, Messages, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

// What a bot or app does, given a logged-in Client (and a FileSystem, for paths).
const program = Effect.gen(function*() {
  const bytes = new TextEncoder().encode("hello, file\n".repeat(100_000)) // 1.2 MB
  const sent = yield* Messages.sendFile("@bob_builder", bytes, { name: "hello.txt", caption: "**a file**" })
  // Back as a Stream of chunks in file order (8 requests at a time), or into a file, atomically.
  const read = yield* Stream.runFold(Files.download(sent, { workers: 8 }), 0, (n, chunk) => n + chunk.length)
  const path = join(tmpdir(), "hello-copy.txt")
  const written = yield* Files.downloadTo(sent, path)
  yield* Effect.log(`sent ${bytes.length} bytes, read ${read} back, wrote ${written} to hello-copy.txt`)
  // A path is read with the FileSystem; the progress of an upload can be a Stream.
  yield* Stream.runForEach(
    Files.uploadWithProgress(path, { partSize: 256 * 1024 }),
    (e) => Effect.log(e._tag === "Progress" ? `uploaded ${e.uploaded} of ${e.total}` : `done: ${e.file._tag}`)
  )
})

// Offline: an emulated DC with two users; the client logs in as Ada with the code it sends.
const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  dc.world.addUser({ phone: "+15550001", firstName: "Ada" })
  dc.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_builder" })
  const client = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))
  yield* Effect.gen(function*() {
    const login = yield* Client
    const code = Effect.sync(() => Redacted.make(dc.world.lastCode("+15550001")!))
    yield* login.start({ phone: Effect.succeed("+15550001"), code })
    yield* program
  }).pipe(Effect.provide(Layer.merge(client, NodeFileSystem.layer)))
})

await Effect.runPromise(Effect.scoped(main))
