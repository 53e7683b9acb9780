/**
 * Handshake benchmark: wall time and CPU time of `createAuthKey` against a local TestDc over
 * TCP (intermediate framing), median of 20 after a warm-up, split into the client's own
 * compute (PQ factorization, RSA_PAD, the two DH exponentiations) and network/server time.
 * `npx tsx bench/index.ts handshake` runs only this section.
 *
 * How the split is measured, so the numbers can be trusted:
 * - The TestDc runs in a child process (`src/testing/cli.ts`), so `process.cpuUsage` here is
 *   the client's CPU only (with the Effect runtime and socket I/O), not the server's.
 * - Each handshake records its real inputs (the random draws, and the frames through a
 *   wrapper of the channel). Afterwards the client's crypto calls are timed again on those
 *   inputs; the DH replay must reproduce the auth key both sides agreed on, or the run aborts.
 * - network + server = the `onStep` round-trip times minus that compute. The channel wrapper
 *   also times write → answer directly, as a cross-check of the subtraction.
 */
import * as Effect from "effect/Effect"
import { existsSync } from "node:fs"
import { availableParallelism, loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import {
  aesIgeDecrypt,
  bigIntToBytes,
  bytesToBigInt,
  constantTimeEqual,
  factorizePq,
  modPow,
  randomBytes,
  rsaPadEncrypt,
  sha1,
  tmpAesKeyIv
} from "../src/crypto/index.ts"
import { createAuthKey, decodePlainMessage, type FrameChannel } from "../src/mtproto/index.ts"
import * as TestDc from "../src/testing/index.ts"
import { deserialize, type Mt, serialize } from "../src/tl/index.ts"
import { makeNode } from "../src/transport/index.ts"
import type { Dc } from "../test/support/dc.ts"
import { startExternalDc } from "./support/externalDc.ts"

const RUNS = 20
const WARMUP = 3

/** What one handshake saw, to replay its crypto on the same inputs. */
interface Recording {
  readonly draws: Array<Uint8Array>
  readonly received: Array<Mt.AnyObject>
  readonly steps: Array<number>
  readonly waits: Array<number>
}

const recordingChannel = (channel: FrameChannel, rec: Recording): FrameChannel => {
  let sentAt = 0
  return {
    // From the start of the write: the write is network I/O too (it can wait on the socket).
    send: (frame) => Effect.zipRight(Effect.sync(() => void (sentAt = performance.now())), channel.send(frame)),
    receive: Effect.tap(channel.receive, (frame) =>
      Effect.sync(() => {
        rec.waits.push(performance.now() - sentAt)
        // Decoded outside the timed interval above; narrowed to the service schema on purpose.
        rec.received.push(deserialize(decodePlainMessage(frame).body) as Mt.AnyObject)
      }))
  }
}

const timeIt = (f: () => unknown): number => {
  const t = performance.now()
  f()
  return performance.now() - t
}

/** The client's compute of one recorded handshake, timed on its own inputs. */
const replay = (dc: Dc, rec: Recording, authKey: Uint8Array) => {
  const resPq = rec.received.find((m): m is Mt.resPQ => m._tag === "resPQ")!
  const params = rec.received.find((m): m is Mt.server_DH_params_ok => m._tag === "server_DH_params_ok")!
  // Draw order in createAuthKey: nonce (16), new_nonce (32), RSA_PAD padding and temp keys,
  // then b (256) per set_client_DH_params try (the last one made the key).
  const nonce = rec.draws[0]!
  const newNonce = rec.draws[1]!
  const b = bytesToBigInt(rec.draws.filter((d) => d.length === 256).at(-1)!)
  const { key: tmpKey, iv: tmpIv } = tmpAesKeyIv(resPq.server_nonce, newNonce)
  const plain = aesIgeDecrypt(params.encrypted_answer, tmpKey, tmpIv)
  let inner: Mt.server_DH_inner_data | undefined
  for (let pad = 0; pad < 16 && inner === undefined; pad++) {
    const body = plain.subarray(20, plain.length - pad)
    if (constantTimeEqual(sha1(body), plain.subarray(0, 20))) inner = deserialize(body) as Mt.server_DH_inner_data
  }
  if (inner === undefined) throw new Error("replay: could not decrypt server_DH_inner_data")
  const dhPrime = bytesToBigInt(inner.dh_prime)
  const gA = bytesToBigInt(inner.g_a)

  const pq = bytesToBigInt(resPq.pq)
  let p = 0n, q = 0n
  const pqMs = timeIt(() => ([p, q] = factorizePq(pq)))
  const pqInner = serialize({
    _tag: "p_q_inner_data_dc",
    pq: resPq.pq,
    p: bigIntToBytes(p),
    q: bigIntToBytes(q),
    nonce,
    server_nonce: resPq.server_nonce,
    new_nonce: newNonce,
    dc: dc.dcId
  })
  const rsaMs = timeIt(() => rsaPadEncrypt(pqInner, dc.publicKey, randomBytes))
  const gBMs = timeIt(() => modPow(BigInt(inner.g), b, dhPrime))
  let key = 0n
  const keyMs = timeIt(() => (key = modPow(gA, b, dhPrime)))
  if (!constantTimeEqual(bigIntToBytes(key, 256), authKey)) throw new Error("replay: DH inputs do not reproduce the auth key")
  return { pqMs, rsaMs, gBMs, keyMs }
}

interface Run {
  readonly wall: number
  readonly cpu: number
  readonly rec: Recording
  readonly authKey: Uint8Array
}

interface Sample {
  readonly wall: number
  readonly cpu: number
  readonly steps: ReadonlyArray<number>
  readonly waits: number
  readonly pq: number
  readonly rsa: number
  readonly gB: number
  readonly key: number
}

const oneHandshake = (dc: Dc) =>
  Effect.gen(function*() {
    const transport = makeNode({ codec: "intermediate" })
    const rec: Recording = { draws: [], received: [], steps: [], waits: [] }
    const recordingRandom = (n: number) => {
      const bytes = randomBytes(n)
      rec.draws.push(bytes)
      return bytes
    }
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const auth = yield* Effect.scoped(Effect.flatMap(
      transport.connect({ host: dc.host, port: dc.port }),
      (channel) =>
        createAuthKey(recordingChannel(channel, rec), {
          dcId: dc.dcId,
          publicKeys: [dc.publicKey],
          randomBytes: recordingRandom,
          onStep: (_, millis) => void rec.steps.push(millis)
        })
    ))
    const wall = performance.now() - t0
    const cpuUsed = process.cpuUsage(cpu0)
    return { wall, cpu: (cpuUsed.user + cpuUsed.system) / 1000, rec, authKey: auth.authKey.key } satisfies Run
  })

/**
 * Replays run after all handshakes: inside a handshake the client computes while the server
 * sits idle waiting for it, so a quiet machine is the fair condition (replaying right after
 * each handshake overlapped with the server process tearing the connection down).
 */
const toSample = (dc: Dc, run: Run): Sample => {
  const compute = replay(dc, run.rec, run.authKey)
  return {
    wall: run.wall,
    cpu: run.cpu,
    steps: run.rec.steps,
    waits: run.rec.waits.reduce((a, b) => a + b, 0),
    pq: compute.pqMs,
    rsa: compute.rsaMs,
    gB: compute.gBMs,
    key: compute.keyMs
  }
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const printTable = (samples: ReadonlyArray<Sample>, serverWhere: string) => {
  const col = (f: (s: Sample) => number) => median(samples.map(f))
  const compute = (s: Sample) => s.pq + s.rsa + s.gB + s.key
  const stepsSum = (s: Sample) => s.steps.reduce((a, b) => a + b, 0)
  const wall = col((s) => s.wall)
  const network = (s: Sample) => s.waits
  const rows: Array<readonly [string, number]> = [
    ["wall time, connect → auth key", wall],
    ["CPU time of this process (user+sys)", col((s) => s.cpu)],
    ["outside the steps: TCP connect, close", col((s) => s.wall - stepsSum(s))],
    ["round trips, Σ onStep", col(stepsSum)],
    ["  req_pq_multi", col((s) => s.steps[0]!)],
    ["  req_DH_params", col((s) => s.steps[1]!)],
    ["  set_client_DH_params", col((s) => s.steps[2]!)],
    ["client crypto, replayed on the same inputs", col(compute)],
    ["  PQ factorization", col((s) => s.pq)],
    ["  RSA_PAD encryption", col((s) => s.rsa)],
    ["  DH g_b = g^b mod p", col((s) => s.gB)],
    ["  DH auth key = g_a^b mod p", col((s) => s.key)],
    ["network + server = Σ onStep − replayed crypto", col((s) => stepsSum(s) - compute(s))],
    ["  socket write → answer, measured", col(network)],
    ["  client time in the steps not in the replay", col((s) => stepsSum(s) - compute(s) - network(s))]
  ]
  console.log(`createAuthKey against TestDc (${serverWhere}), intermediate over TCP 127.0.0.1, median of ${samples.length} (ms)`)
  const width = Math.max(...rows.map(([name]) => name.length))
  for (const [name, ms] of rows) {
    console.log(`  ${name.padEnd(width)}  ${ms.toFixed(2).padStart(8)}  ${((ms / wall) * 100).toFixed(0).padStart(4)}%`)
  }
  console.log("  (each row is its own median; percentages are of the median wall time)")
  // Everything here shares the machine: say how busy it was.
  console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${availableParallelism()} cores`)
}

export async function run(): Promise<void> {
  const cli = fileURLToPath(new URL("../src/testing/cli.ts", import.meta.url))
  const runAll = (dc: Dc) =>
    Effect.gen(function*() {
      for (let i = 0; i < WARMUP; i++) yield* oneHandshake(dc)
      const runs: Array<Run> = []
      for (let i = 0; i < RUNS; i++) runs.push(yield* oneHandshake(dc))
      return runs.map((r) => toSample(dc, r))
    })
  if (existsSync(cli)) {
    const { child, dc } = await startExternalDc(cli)
    try {
      printTable(await Effect.runPromise(runAll(dc)), "child process: CPU above is the client's")
    } finally {
      child.kill()
    }
  } else {
    // Without the CLI the server shares this process, and its CPU is counted too.
    const samples = await Effect.runPromise(Effect.scoped(Effect.flatMap(TestDc.make({ dcId: 2 }), runAll)))
    printTable(samples, "same process: CPU above includes the server's")
  }
}
