/**
 * Throughput measurement shared by the benchmark sections: calibrated batches, contenders
 * interleaved run by run, median ops/s.
 */

export const RUNS = 7
export const RUN_MS = 250
export const WARMUP_MS = 400

/** Keeps results observable so the JIT cannot drop the work being measured. */
let sink = 0
const consume = (x: unknown): void => {
  sink = (sink + (x instanceof Uint8Array ? x.length : typeof x === "object" && x !== null ? 1 : 0)) | 0
}
/** Read it once at the end of a section so the sink stays observable. */
export const sinkValue = (): number => sink

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const timeBatch = (fn: () => unknown, iterations: number): number => {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) consume(fn())
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** Runs long enough to reach steady state, and tells how many iterations fill RUN_MS. */
const calibrate = (fn: () => unknown): number => {
  let iterations = 1
  let elapsed = 0
  let total = 0
  let count = 0
  while (total < WARMUP_MS) {
    elapsed = timeBatch(fn, iterations)
    total += elapsed
    count += iterations
    if (elapsed < 20) iterations *= 2
  }
  return Math.max(1, Math.round((RUN_MS * count) / total))
}

/**
 * Median ops/s per contender. The contenders' runs are interleaved (A B A B ...) so a
 * slow drift (thermal, GC pressure, other processes) hits both sides alike.
 */
export const compare = (contenders: Record<string, () => unknown>): Record<string, number> => {
  const names = Object.keys(contenders)
  const iterations = new Map(names.map((n) => [n, calibrate(contenders[n] as () => unknown)]))
  const samples = new Map<string, Array<number>>(names.map((n) => [n, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const n of names) {
      const it = iterations.get(n) as number
      const ms = timeBatch(contenders[n] as () => unknown, it)
      samples.get(n)?.push((it * 1000) / ms)
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples.get(n) as Array<number>)]))
}

export const fmt = (opsPerSec: number): string =>
  opsPerSec.toLocaleString("en-US", { maximumFractionDigits: 0 }).padStart(10)
