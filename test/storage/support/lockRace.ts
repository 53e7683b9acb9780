/**
 * The session-file lock race: a stale lock (its pid is dead) and several processes opening the
 * file at the same instant. Exactly one may get it; two owners at once is the bug. Workers are
 * long-lived child processes (tsx), so a trial costs milliseconds, not a process start.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const workerPath = fileURLToPath(new URL("./lockWorker.ts", import.meta.url))

interface Worker {
  readonly child: ChildProcess
  next: () => Promise<any>
}

const startWorker = (): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const child = fork(workerPath, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    const queue: Array<unknown> = []
    const waiting: Array<(m: unknown) => void> = []
    child.on("message", (m) => {
      const w = waiting.shift()
      if (w !== undefined) w(m)
      else queue.push(m)
    })
    child.once("error", reject)
    const next = () => new Promise<any>((r) => (queue.length > 0 ? r(queue.shift()) : waiting.push(r)))
    void next().then(() => resolve({ child, next }))
  })

export interface RaceResult {
  readonly trials: number
  /** Trials in which more than one process held the file at once. */
  readonly doubleOwners: number
  /** Trials in which nobody got the file. */
  readonly noOwner: number
  readonly ms: number
}

/** Runs `trials` races of `processes` workers over a fresh stale lock each. */
export const runLockRace = async (trials: number, processes = 3): Promise<RaceResult> => {
  const t0 = performance.now()
  const workers = await Promise.all(Array.from({ length: processes }, startWorker))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtproto-lock-race-"))
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!
  let doubleOwners = 0
  let noOwner = 0
  try {
    for (let t = 0; t < trials; t++) {
      const file = path.join(dir, `s${t}.json`)
      fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, host: os.hostname() }))
      const at = Date.now() + 15
      for (const w of workers) w.child.send({ type: "go", path: file, at })
      const results = await Promise.all(workers.map((w) => w.next()))
      const owners = workers.filter((_, i) => results[i].owner === true)
      if (owners.length > 1) doubleOwners++
      if (owners.length === 0) noOwner++
      for (const w of owners) w.child.send({ type: "release" })
      await Promise.all(owners.map((w) => w.next()))
    }
  } finally {
    for (const w of workers) w.child.send({ type: "exit" })
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return { trials, doubleOwners, noOwner, ms: performance.now() - t0 }
}
