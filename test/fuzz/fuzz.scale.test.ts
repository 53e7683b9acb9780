// The CI slice of the fuzz suites (about 10^4 inputs per pure target in `npm run test:scale`,
// which CI runs, 2,000 in `npm test`; fewer for the handshake, whose inputs cost crypto): each
// target keeps its error contract on every input, within a time bound per input and bounded
// memory. `npm run fuzz` runs 10^6 per target.
import { assert, describe, it } from "@effect/vitest"
import { scaled } from "../support/scale.ts"
import { handshakeTarget } from "./handshake.ts"
import { formatReport, runTarget, type Target } from "./runner.ts"
import { pureTargets } from "./targets.ts"

const RUNS = Number(process.env.FUZZ_RUNS ?? scaled(2_000, 10_000))

const check = (target: Target<any>) =>
  it(target.name, async () => {
    const runs = Math.max(1, Math.round(RUNS * (target.weight ?? 1)))
    const report = await runTarget(target, runs)
    if (process.env.FUZZ_VERBOSE !== undefined) console.log(formatReport(report))
    assert.strictEqual(report.runs, runs)
    // The inputs reach the decoders' error paths and their success paths alike.
    assert.isAbove(report.outcomes.size, 1, formatReport(report))
  }, 120_000)

describe("fuzz (CI slice)", () => {
  for (const target of pureTargets()) check(target)
  check({ ...handshakeTarget, weight: 0.015 })
})
