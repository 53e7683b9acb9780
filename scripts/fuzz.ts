/**
 * `npm run fuzz`: every fuzz target with 10^6 inputs (FUZZ_RUNS to change it), printing
 * inputs/s, the slowest input, memory growth and the outcome counts of each. The handshake
 * target costs real crypto per input (~20 ms): it runs FUZZ_HANDSHAKE_RUNS inputs (default
 * 10^4). FUZZ_ONLY=<substring> picks targets by name; FUZZ_SEED pins fast-check's seed.
 * A contract violation stops the run with fast-check's counterexample.
 */
import { handshakeTarget } from "../test/fuzz/handshake.ts"
import { formatReport, runTarget, type Target } from "../test/fuzz/runner.ts"
import { pureTargets } from "../test/fuzz/targets.ts"

const runs = Number(process.env.FUZZ_RUNS ?? 1_000_000)
const handshakeRuns = Number(process.env.FUZZ_HANDSHAKE_RUNS ?? 10_000)
const only = process.env.FUZZ_ONLY
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)

const plan: ReadonlyArray<readonly [Target<any>, number]> = [
  ...pureTargets().map((t) => [t, runs] as const),
  [handshakeTarget, handshakeRuns]
]

const main = async () => {
  console.log(`fuzz: ${runs} inputs per target (handshake: ${handshakeRuns})${seed === undefined ? "" : `, seed ${seed}`}`)
  for (const [target, n] of plan) {
    if (only !== undefined && !target.name.includes(only)) continue
    const report = await runTarget(target, n, {}, seed)
    console.log(formatReport(report))
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
