/**
 * Child processes for the tests of the command-line programs: run one to its end and keep what
 * it printed, or start a long-running one and read its first stdout line. Each child is killed
 * (its whole process group: `npm run` starts a shell and node below it) when the scope closes.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcessWithoutNullStreams, spawn, type SpawnOptions } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/** The repository's root folder. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

/** tsx's own CLI run by node (not npx, which sits in between and does not pass signals on). */
export const tsxCli = createRequire(import.meta.url).resolve("tsx/cli")

/** What a finished process printed and how it ended. */
export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A process started in its own group, killed with the scope. */
export const start = (
  command: string,
  args: ReadonlyArray<string>,
  options: Omit<SpawnOptions, "stdio" | "detached"> = {}
): Effect.Effect<ChildProcessWithoutNullStreams, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => spawn(command, args, { cwd: repoRoot, ...options, stdio: "pipe", detached: true }) as ChildProcessWithoutNullStreams),
    (child) =>
      Effect.sync(() => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
        try {
          process.kill(-child.pid, "SIGKILL")
        } catch {
          // already gone
        }
      })
  )

/** Runs `command` to its end (at most `timeout`) and gives its exit code and output. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: Omit<SpawnOptions, "stdio" | "detached"> = {},
  timeout: Duration.DurationInput = "60 seconds"
): Effect.Effect<Finished> =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* start(command, args, options)
    child.stdin.end()
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => void (stdout += d.toString("utf8")))
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString("utf8")))
    const code = yield* Effect.async<number | null>((resume) => void child.once("close", (c) => resume(Effect.succeed(c)))).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`${command} ${args.join(" ")} did not end within ${Duration.format(timeout)}`) }),
      Effect.orDie
    )
    return { code, stdout, stderr }
  }))

/** The first line `child` writes on stdout (fails if it exits first). */
export const firstLine = (child: ChildProcessWithoutNullStreams, timeout: Duration.DurationInput = "30 seconds"): Effect.Effect<string, Error> =>
  Effect.gen(function*() {
    const line = yield* Deferred.make<string, Error>()
    let buffer = ""
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString("utf8")))
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString("utf8")
      const nl = buffer.indexOf("\n")
      if (nl >= 0) Deferred.unsafeDone(line, Effect.succeed(buffer.slice(0, nl)))
    })
    child.once("exit", (code) => Deferred.unsafeDone(line, Effect.fail(new Error(`exited with ${code} before a line; stderr: ${stderr}`))))
    return yield* Deferred.await(line).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`no stdout line within ${Duration.format(timeout)}; stderr: ${stderr}`) })
    )
  })

/** Sends `signal` to `child` and waits for its exit code. */
export const stop = (child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = "SIGTERM"): Effect.Effect<number | null, Error> =>
  Effect.async<number | null>((resume) => {
    child.once("exit", (code) => resume(Effect.succeed(code)))
    child.kill(signal)
  }).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error(`no exit within 10 s of ${signal}`) }))
