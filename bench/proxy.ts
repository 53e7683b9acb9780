/**
 * Proxy benchmark (`npm run bench -- proxy`): the engine bench's rows (one Sender, `ping`
 * round trips from one caller in sequence and from 1,000 concurrent callers) plus a bytes row
 * (`upload.saveFilePart` with 128 KiB parts, 8 in flight), over each way of reaching a DC:
 * direct TCP, direct obfuscated (what MTProxy carries), SOCKS5, HTTP CONNECT, MTProxy `dd`
 * and `ee` (fake TLS), and WebSocket. Ratios are against direct TCP measured in the same run:
 * a proxy should cost one extra hop, nothing more.
 *
 * The TestDcs run in one child process and the SOCKS5/HTTP relays (plain `node:net` pipes) in
 * another, so this process measures the client alone.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { parseRsaPublicKeyPem, randomBytes, type RsaPublicKey } from "../src/crypto/index.ts"
import * as Sender from "../src/mtproto/Sender.ts"
import { type ConnectOptions, makeNode, makeProxied, makeWebSocketWith, type TransportShape } from "../src/transport/index.ts"
import { senderOn } from "../test/support/dc.ts"

/** Starts `script` with `args` under tsx and reads the JSON object on its first stdout line. */
const spawnJson = async <A>(script: string, args: ReadonlyArray<string>): Promise<{ value: A; child: ChildProcess }> => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "ignore"] })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)))
  })
  lines.close()
  return { value: JSON.parse(first) as A, child }
}

interface Targets {
  readonly host: string
  readonly port: number
  readonly webSocketUrl: string
  readonly fakeTlsPort: number
  readonly ddSecret: string
  readonly eeSecret: string
  readonly rsaPublicKeyPem: string
}

interface Relays {
  readonly socks5Port: number
  readonly httpPort: number
}

interface Way {
  readonly name: string
  readonly transport: TransportShape
  readonly target: ConnectOptions
}

type WebSocketConstructor = (url: string, protocols?: string | Array<string>) => globalThis.WebSocket

const ways = (t: Targets, r: Relays, webSocketConstructor: WebSocketConstructor): ReadonlyArray<Way> => {
  const dc: ConnectOptions = { host: t.host, port: t.port, dcId: 2 }
  return [
    { name: "direct TCP (intermediate)", transport: makeNode({}), target: dc },
    { name: "direct, obfuscated padded", transport: makeNode({ codec: "padded", obfuscated: true }), target: dc },
    { name: "SOCKS5", transport: makeProxied({ _tag: "Socks5", host: "127.0.0.1", port: r.socks5Port }), target: dc },
    { name: "HTTP CONNECT", transport: makeProxied({ _tag: "HttpConnect", host: "127.0.0.1", port: r.httpPort }), target: dc },
    { name: "MTProxy dd", transport: makeProxied({ _tag: "MtProxy", host: t.host, port: t.port, secret: Redacted.make(t.ddSecret) }), target: dc },
    {
      name: "MTProxy ee (fake TLS)",
      transport: makeProxied({ _tag: "MtProxy", host: t.host, port: t.fakeTlsPort, secret: Redacted.make(t.eeSecret) }),
      target: dc
    },
    { name: "WebSocket (obfuscated)", transport: makeWebSocketWith(webSocketConstructor, { url: () => t.webSocketUrl }), target: dc }
  ]
}

const senderOver = (way: Way, publicKey: RsaPublicKey): Effect.Effect<Sender.Sender, unknown, Scope.Scope> =>
  Effect.map(senderOn({ ...way.target, dcId: 2, publicKey }, { via: way.transport, sender: { rotateSalts: false } }), (on) => on.sender)

interface Row {
  readonly name: string
  readonly sequentialPerSecond: number
  readonly sequentialP50: number
  readonly concurrentPerSecond: number
  readonly concurrentP99: number
  readonly megabytesPerSecond: number
}

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** `callers` fibers each making `each` pings; calls per second and the sorted latencies. */
const pings = (sender: Sender.Sender, callers: number, each: number) =>
  Effect.gen(function*() {
    const latencies: Array<number> = []
    const t0 = performance.now()
    yield* Effect.forEach(
      Array.from({ length: callers }, (_, c) => c),
      (c) =>
        Effect.gen(function*() {
          for (let i = 0; i < each; i++) {
            const start = performance.now()
            yield* sender.invoke({ _tag: "ping", ping_id: BigInt(c * each + i) })
            latencies.push(performance.now() - start)
          }
        }),
      { concurrency: "unbounded", discard: true }
    )
    const wall = performance.now() - t0
    latencies.sort((a, b) => a - b)
    return { perSecond: latencies.length / (wall / 1000), latencies }
  })

const PART = 128 * 1024

/** `parts` file parts of 128 KiB, 8 in flight: megabytes per second sent. */
const upload = (sender: Sender.Sender, parts: number) =>
  Effect.gen(function*() {
    const bytes = randomBytes(PART)
    const t0 = performance.now()
    yield* Effect.forEach(
      Array.from({ length: parts }, (_, i) => i),
      (i) => sender.invoke({ _tag: "upload.saveFilePart", file_id: 1n, file_part: i, bytes }),
      { concurrency: 8, discard: true }
    )
    return (parts * PART) / 1048576 / ((performance.now() - t0) / 1000)
  })

/** One round of every row on an open Sender. */
const measureOnce = (sender: Sender.Sender) =>
  Effect.gen(function*() {
    const sequential = yield* pings(sender, 1, 1000)
    const concurrent = yield* pings(sender, 1000, 5)
    const megabytesPerSecond = yield* upload(sender, 100)
    return {
      sequentialPerSecond: sequential.perSecond,
      sequentialP50: percentile(sequential.latencies, 0.5),
      concurrentPerSecond: concurrent.perSecond,
      concurrentP99: percentile(concurrent.latencies, 0.99),
      megabytesPerSecond
    }
  })

const ROUNDS = 5
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Every way gets its Sender and a warm-up first; then the rounds go through all ways in turn
 * (so drift in the machine's load hits them alike), and each figure is the median of its rounds.
 */
const measureAll = (all: ReadonlyArray<Way>, publicKey: RsaPublicKey) =>
  Effect.scoped(Effect.gen(function*() {
    const senders = yield* Effect.forEach(all, (way) => senderOver(way, publicKey))
    for (const sender of senders) {
      yield* pings(sender, 50, 40) // warm-up: JIT, buffers
      yield* upload(sender, 16)
    }
    const rounds = all.map(() => [] as Array<Omit<Row, "name">>)
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < senders.length; i++) rounds[i]!.push(yield* measureOnce(senders[i]!))
    }
    return all.map((way, i): Row => {
      const of = (key: keyof Omit<Row, "name">) => median(rounds[i]!.map((r) => r[key]))
      return {
        name: way.name,
        sequentialPerSecond: of("sequentialPerSecond"),
        sequentialP50: of("sequentialP50"),
        concurrentPerSecond: of("concurrentPerSecond"),
        concurrentP99: of("concurrentP99"),
        megabytesPerSecond: of("megabytesPerSecond")
      }
    })
  }))

const print = (rows: ReadonlyArray<Row>) => {
  const base = rows[0]!
  const ratio = (x: number, b: number) => `${(x / b).toFixed(2)}x`
  console.log(`ping round trips and 128 KiB uploads over loopback, one Sender per way; medians of ${ROUNDS} interleaved rounds, ratios vs direct TCP`)
  console.log(
    "  way                          1 caller: calls/s   p50 ms   ratio │ 1,000 callers: calls/s   p99 ms   ratio │ upload MB/s   ratio"
  )
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(28)} ${r.sequentialPerSecond.toFixed(0).padStart(16)} ${r.sequentialP50.toFixed(3).padStart(8)} ${
        ratio(r.sequentialPerSecond, base.sequentialPerSecond).padStart(7)
      } │ ${r.concurrentPerSecond.toFixed(0).padStart(22)} ${r.concurrentP99.toFixed(2).padStart(8)} ${
        ratio(r.concurrentPerSecond, base.concurrentPerSecond).padStart(7)
      } │ ${r.megabytesPerSecond.toFixed(1).padStart(11)} ${ratio(r.megabytesPerSecond, base.megabytesPerSecond).padStart(7)}`
    )
  }
  console.log("  (ratio < 1: slower than direct; the relays and TestDcs run in two child processes)")
}

export async function run(): Promise<void> {
  const script = fileURLToPath(new URL("./support/proxyTargets.ts", import.meta.url))
  // The WebSocket implementation @effect/platform-node picks (the `ws` package on Node 20).
  const webSocketConstructor = await Effect.runPromise(Effect.provide(Socket.WebSocketConstructor, NodeSocket.layerWebSocketConstructor))
  const dc = await spawnJson<Targets>(script, ["--role", "dc"])
  const relay = await spawnJson<Relays>(script, ["--role", "relay"])
  try {
    const publicKey = parseRsaPublicKeyPem(dc.value.rsaPublicKeyPem)
    const all = ways(dc.value, relay.value, webSocketConstructor)
    print(await Effect.runPromise(measureAll(all, publicKey).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))))
  } finally {
    dc.child.kill("SIGTERM")
    relay.child.kill("SIGTERM")
  }
}
