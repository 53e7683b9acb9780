/**
 * Files benchmark: upload and download MB/s of a 64 MB file against one TestDc (in a child
 * process, so this process measures the clients only), ours with 1 and 8 workers and mtcute
 * (@mtcute/node) with 1 and 8 connections, in the same run, rounds interleaved; and the most
 * memory live (V8 heap + array buffers after a GC, above the idle level) during a download.
 *
 * Both move 512 KB parts and chunks (mtcute's own default for 64 MB is 128 KB, our default
 * is 512 KB). Ours: `workers` requests in flight, one per file connection. mtcute: uploads
 * with one request per connection (`requestsPerConnection: 1`), downloads with its fixed 3
 * requests per connection. The downloaded bytes are hashed as they arrive and checked.
 */
import { addPublicKey } from "@mtcute/core/utils.js"
import { Long } from "@mtcute/core"
import { MemoryStorage, TelegramClient } from "@mtcute/node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Client, type ClientShape, Files, Messages } from "../src/client/index.ts"
import type { Api } from "../src/tl/index.ts"
import { startExternalDc } from "./support/externalDc.ts"
import { ourClientLayer } from "./support/ourClient.ts"
import { MTCUTE_BOT, OURS_BOT, SINK } from "./support/filesDc.ts"

const SIZE = 64 * 1024 * 1024
const PART = 512 * 1024
const ROUNDS = 5
const WORKERS = [1, 8] as const

const mbps = (ms: number) => (SIZE / 1024 / 1024) / (ms / 1000)
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const gc = () => (globalThis as { gc?: () => void }).gc?.()

/**
 * The most memory live at once while `f` runs: every 20 ms a full GC, then heap + array
 * buffers, above the level just before it. Garbage not yet collected does not count, so this
 * is what the transfer holds, not how fast it allocates.
 */
const liveDuring = async <A>(f: () => Promise<A>): Promise<{ readonly result: A; readonly peakMb: number }> => {
  const used = () => {
    gc()
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const base = used()
  let peak = base
  const timer = setInterval(() => void (peak = Math.max(peak, used())), 20)
  try {
    const result = await f()
    return { result, peakMb: (peak - base) / 1024 / 1024 }
  } finally {
    clearInterval(timer)
  }
}

interface Dc {
  readonly host: string
  readonly port: number
  readonly dcId: number
  readonly publicKey: Parameters<typeof Client.layerWith>[0]["publicKeys"] extends ReadonlyArray<infer K> | undefined ? K : never
}

const ours = async (dc: Dc) => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(
    ourClientLayer(dc),
    scope
  ))
  const client: ClientShape = Context.get(context, Client)
  const run = <A, E>(effect: Effect.Effect<A, E, Client>) =>
    Effect.runPromise(effect.pipe(Effect.provideService(Client, client), Logger.withMinimumLogLevel(LogLevel.Warning)))
  await run(client.start({ botToken: Redacted.make(OURS_BOT) }))
  return {
    upload: (bytes: Uint8Array, workers: number) => run(Files.upload(bytes, { name: "bench.bin", workers, partSize: PART })),
    send: (file: Api.InputFile) => run(Messages.sendFile(SINK, file, { name: "bench.bin" })),
    download: (message: Parameters<typeof Files.download>[0], workers: number) => {
      const hash = createHash("sha256")
      return run(Effect.as(
        Stream.runForEach(Files.download(message, { workers, chunkSize: PART }), (chunk) => Effect.sync(() => void hash.update(chunk))),
        undefined
      )).then(() => hash.digest("hex"))
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const mtcute = async (dc: Dc, pem: string, connections: number) => {
  const option = { id: dc.dcId, ipAddress: dc.host, port: dc.port }
  const tg = new TelegramClient({
    apiId: 1,
    apiHash: "0123456789abcdef0123456789abcdef",
    storage: new MemoryStorage(),
    defaultDcs: { main: option, media: option },
    disableUpdates: true,
    logLevel: 0,
    network: { connectionCount: (kind: string) => (kind === "main" ? 0 : connections) }
  })
  addPublicKey((tg as unknown as { _client: { crypto: Parameters<typeof addPublicKey>[0] } })._client.crypto, pem)
  await tg.start({ botToken: MTCUTE_BOT })
  return {
    upload: (bytes: Uint8Array) => tg.uploadFile({ file: bytes, fileName: "bench.bin", fileSize: bytes.length, partSize: PART / 1024, requestsPerConnection: 1 }),
    download: async (doc: { readonly id: bigint; readonly access_hash: bigint; readonly file_reference: Uint8Array; readonly dc_id: number }) => {
      const hash = createHash("sha256")
      const location = {
        _: "inputDocumentFileLocation" as const,
        id: Long.fromString(doc.id.toString()),
        accessHash: Long.fromString(doc.access_hash.toString()),
        fileReference: doc.file_reference,
        thumbSize: ""
      }
      for await (const chunk of tg.downloadAsIterable(location, { dcId: doc.dc_id, fileSize: SIZE, partSize: PART / 1024 })) hash.update(chunk)
      return hash.digest("hex")
    },
    close: () => tg.destroy()
  }
}

const timed = async <A>(f: () => Promise<A>): Promise<{ readonly ms: number; readonly result: A }> => {
  const t = performance.now()
  const result = await f()
  return { ms: performance.now() - t, result }
}

export async function run(): Promise<void> {
  const { child, dc, pem } = await startExternalDc(fileURLToPath(new URL("./support/filesDc.ts", import.meta.url)))
  try {
    const bytes = new Uint8Array(randomBytes(SIZE))
    const expected = createHash("sha256").update(bytes).digest("hex")
    const us = await ours(dc)
    const them = { 1: await mtcute(dc, pem, 1), 8: await mtcute(dc, pem, 8) }
    // The file to download, sent once; and a warm-up of both (JIT, connections).
    const file = await us.upload(bytes, 8)
    const message = await us.send(file)
    if (message._tag !== "message" || message.media?._tag !== "messageMediaDocument" || message.media.document?._tag !== "document") {
      throw new Error("the benchmark file was not sent as a document")
    }
    const doc = message.media.document
    for (const w of WORKERS) {
      await us.download(message, w)
      await them[w].download(doc)
      await them[w].upload(bytes.subarray(0, 8 * PART))
    }

    const up = { ours: new Map<number, Array<number>>(), mtcute: new Map<number, Array<number>>() }
    const down = { ours: new Map<number, Array<number>>(), mtcute: new Map<number, Array<number>>() }
    const push = (m: Map<number, Array<number>>, k: number, v: number) => m.set(k, [...(m.get(k) ?? []), v])
    const check = (digest: string) => {
      if (digest !== expected) throw new Error("a download was not byte-identical")
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Who goes first alternates, so that drift (GC, JIT, a busy machine) hits both alike.
      const oursFirst = round % 2 === 0
      for (const w of WORKERS) {
        const ourUp = () => timed(() => us.upload(bytes, w)).then((t) => void push(up.ours, w, t.ms))
        const theirUp = () => timed(() => them[w].upload(bytes)).then((t) => void push(up.mtcute, w, t.ms))
        const ourDown = () => timed(() => us.download(message, w)).then((t) => (check(t.result), void push(down.ours, w, t.ms)))
        const theirDown = () => timed(() => them[w].download(doc)).then((t) => (check(t.result), void push(down.mtcute, w, t.ms)))
        for (const step of oursFirst ? [ourUp, theirUp, ourDown, theirDown] : [theirUp, ourUp, theirDown, ourDown]) await step()
      }
    }
    // Memory: one more download each, measured apart (the GCs it forces would slow the timed ones).
    const live = { ours: new Map<number, number>(), mtcute: new Map<number, number>() }
    for (const w of WORKERS) {
      const a = await liveDuring(() => us.download(message, w))
      const b = await liveDuring(() => them[w].download(doc))
      check(a.result)
      check(b.result)
      live.ours.set(w, a.peakMb)
      live.mtcute.set(w, b.peakMb)
    }
    await Promise.all([them[1].close(), them[8].close(), us.close()])

    console.log(`64 MB file, 512 KB parts/chunks, TestDc in a child process over TCP loopback, median of ${ROUNDS} (MB/s; higher is better)`)
    console.log("  ours: `workers` requests in flight, one per file connection; mtcute: as many connections, one upload")
    console.log("  request per connection, and its fixed 3 download requests per connection (3 and 24 in flight)")
    const row = (label: string, ours: Array<number>, theirs: Array<number>) => {
      const a = mbps(median(ours)), b = mbps(median(theirs))
      console.log(`  ${label.padEnd(22)} effect-mtproto ${a.toFixed(0).padStart(5)} MB/s   mtcute ${b.toFixed(0).padStart(5)} MB/s   (${(a / b).toFixed(2)}x)`)
    }
    for (const w of WORKERS) row(`upload, ${w} worker${w > 1 ? "s" : ""}`, up.ours.get(w)!, up.mtcute.get(w)!)
    for (const w of WORKERS) row(`download, ${w} worker${w > 1 ? "s" : ""}`, down.ours.get(w)!, down.mtcute.get(w)!)
    console.log("Most memory live during the 64 MB download (heap + array buffers after a full GC every 20 ms, above the idle level)")
    for (const w of WORKERS) {
      const bound = (w * PART) / 1024 / 1024
      console.log(
        `  ${`${w} worker${w > 1 ? "s" : ""}`.padEnd(22)} effect-mtproto ${live.ours.get(w)!.toFixed(1).padStart(5)} MB   mtcute ${
          live.mtcute.get(w)!.toFixed(1).padStart(5)
        } MB   (workers × chunk = ${bound} MB; the file is ${SIZE / 1024 / 1024} MB)`
      )
    }
  } finally {
    child.kill("SIGTERM")
  }
}
