/**
 * The fuzz harness: runs a target's property over many generated inputs and checks the error
 * contract on each (the decoder returns, or throws one of the allowed typed errors; anything
 * else is a failure with the input), that no single input takes longer than a bound, and that
 * memory stays bounded over the run. Counts outcomes so the scripts can print them.
 */
import fc from "fast-check"

/** What one input led to: `"ok"` or the typed error's tag and reason. */
export type Outcome = string

export interface Target<A> {
  readonly name: string
  readonly arbitrary: fc.Arbitrary<A>
  /** Runs one input. Returns its outcome; throws (anything) only for a contract violation. */
  readonly run: (input: A) => Outcome
  /** The same for targets that need the event loop (sockets, Effect fibers); used instead of `run`. */
  readonly runAsync?: ((input: A) => Promise<Outcome>) | undefined
  /** Scale of this target relative to the requested run count (heavy targets run fewer). */
  readonly weight?: number | undefined
}

export interface Report {
  readonly name: string
  readonly runs: number
  readonly ms: number
  readonly perSecond: number
  readonly slowestMs: number
  /** Largest growth of heap + array buffers over the start, sampled every 1,000 inputs. */
  readonly memoryGrowth: number
  readonly outcomes: ReadonlyMap<Outcome, number>
}

/** Bounds every input must meet. */
export interface Bounds {
  /** Longest one input may take (default 2 s: generous for a loaded machine, far below a hang). */
  readonly maxMsPerInput?: number | undefined
  /** Largest heap + array-buffer growth over the run (default 512 MiB; a bomb would be gigabytes). */
  readonly maxMemoryGrowth?: number | undefined
}

/** Live heap + array buffers (collected first when `--expose-gc` makes that possible). */
const memory = () => {
  globalThis.gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * Typed errors a decoder may throw: its tag and a short reason (the first words, so that counts
 * group by kind, not by offset).
 */
export const outcomeOf = (e: unknown, allowed: ReadonlyArray<string>): Outcome => {
  const tag = typeof e === "object" && e !== null ? (e as { _tag?: unknown })._tag : undefined
  if (typeof tag !== "string" || !allowed.includes(tag)) throw e
  // The kind of problem, not its numbers: ids, offsets and lengths vary with every input.
  const reason = String((e as { reason?: unknown }).reason ?? "")
    .replace(/0x[0-9a-f]+/gi, "#")
    .replace(/[0-9]+/g, "N")
    .split(/[:(]| for | at /)[0]!
    .trim()
  return `${tag}: ${reason.slice(0, 60)}`
}

/** Runs `target` for `runs` inputs; throws (with fast-check's counterexample) on a violation. */
export const runTarget = async <A>(target: Target<A>, runs: number, bounds: Bounds = {}, seed?: number): Promise<Report> => {
  const maxMs = bounds.maxMsPerInput ?? 2_000
  const maxGrowth = bounds.maxMemoryGrowth ?? 512 * 1024 * 1024
  const outcomes = new Map<Outcome, number>()
  let slowest = 0
  let n = 0
  const base = memory()
  let growth = 0
  const t0 = performance.now()
  const record = (outcome: Outcome, started: number) => {
    const ms = performance.now() - started
    if (ms > slowest) slowest = ms
    if (ms > maxMs) throw new Error(`${target.name}: one input took ${ms.toFixed(0)} ms (bound ${maxMs} ms)`)
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    if (++n % 1000 === 0) {
      growth = Math.max(growth, memory() - base)
      if (growth > maxGrowth) throw new Error(`${target.name}: memory grew by ${(growth / 2 ** 20).toFixed(0)} MiB`)
    }
  }
  const parameters = { numRuns: runs, ...(seed === undefined ? {} : { seed }), endOnFailure: true }
  const runAsync = target.runAsync
  if (runAsync !== undefined) {
    await fc.assert(fc.asyncProperty(target.arbitrary, async (input) => {
      const started = performance.now()
      record(await runAsync(input), started)
    }), parameters)
  } else {
    fc.assert(fc.property(target.arbitrary, (input) => {
      const started = performance.now()
      record(target.run(input), started)
    }), parameters)
  }
  const ms = performance.now() - t0
  return { name: target.name, runs: n, ms, perSecond: n / (ms / 1000), slowestMs: slowest, memoryGrowth: growth, outcomes }
}

/** A report as text lines: the rate, the slowest input, memory, then outcomes by count. */
export const formatReport = (r: Report): string => {
  const lines = [
    `${r.name}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s, ${Math.round(r.perSecond)} inputs/s, slowest ${r.slowestMs.toFixed(1)} ms, memory +${(r.memoryGrowth / 2 ** 20).toFixed(1)} MiB`
  ]
  for (const [outcome, count] of [...r.outcomes].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(count).padStart(8)}  ${outcome}`)
  return lines.join("\n")
}
