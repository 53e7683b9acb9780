// The session-file lock race at scale: a stale lock and three processes starting together, in
// many trials; exactly one owner every time. 10 trials in `npm test`, 60 in `npm run test:scale`
// (LOCK_RACE_TRIALS overrides both); `npm run soak` runs 1,000 (the old unlink-then-create took
// 2 of 40).
import { assert, describe, it } from "@effect/vitest"
import { count, scaled } from "../support/scale.ts"
import { runLockRace } from "./support/lockRace.ts"

const trials = Number(process.env.LOCK_RACE_TRIALS ?? scaled(10, 60))

describe("session file lock, at scale", () => {
  it(`a stale lock and three processes starting together: exactly one owner, in each of ${count(trials)} trials`, async () => {
    const result = await runLockRace(trials, 3)
    assert.strictEqual(result.doubleOwners, 0, JSON.stringify(result))
    assert.strictEqual(result.noOwner, 0, JSON.stringify(result))
  }, 120_000)
})
