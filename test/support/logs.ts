/**
 * Log lines a test provokes on purpose (a wrong code, a refused peer, a dropped key) are part of
 * what it checks, not output: `captureLogs` keeps them for assertions instead of printing them.
 * Lines below WARN are dropped from every test's output by vitest.config.ts (`onConsoleLog`);
 * WARN and ERROR lines print unless a test captures them, so an unexpected one still shows.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"

/** One captured line. */
export interface LogLine {
  /** `"INFO"`, `"WARN"`, `"ERROR"`, … */
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
  /** The line as the default logger would have printed it. */
  readonly text: string
}

/** The lines captured so far (the array grows as the test goes on). */
export interface CapturedLogs {
  readonly lines: ReadonlyArray<LogLine>
  /** The messages logged at `level` (e.g. `"WARN"`), in order. */
  readonly messages: (level: string) => ReadonlyArray<string>
}

const textOf = (message: unknown): string =>
  (Array.isArray(message) ? message : [message]).map((m) => (typeof m === "string" ? m : String(m))).join(" ")

/** A logger that keeps lines in `lines`. */
const keeper = (): { readonly logs: CapturedLogs; readonly lines: Array<LogLine>; readonly logger: Logger.Logger<unknown, void> } => {
  const lines: Array<LogLine> = []
  const logger = Logger.make<unknown, void>((options) => {
    lines.push({
      level: options.logLevel.label,
      message: textOf(options.message),
      annotations: Object.fromEntries(HashMap.toEntries(options.annotations)),
      text: Logger.logfmtLogger.log(options)
    })
  })
  return { lines, logger, logs: { lines, messages: (level) => lines.filter((l) => l.level === level).map((l) => l.message) } }
}

/**
 * For the rest of the current scope (the test's, in `it.scopedLive`), the log lines of this fiber
 * and of every fiber it forks from now on (TestDcs, Clients) are kept instead of printed. Call it
 * before starting the servers and clients of the test. When the test fails they are printed
 * after all, to explain the failure.
 */
export const captureLogs: Effect.Effect<CapturedLogs, never, Scope.Scope> = Effect.gen(function*() {
  const { lines, logger, logs } = keeper()
  yield* Effect.locallyScopedWith(FiberRef.currentLoggers, (loggers) => HashSet.add(HashSet.remove(loggers, Logger.defaultLogger), logger))
  yield* Effect.addFinalizer((exit) =>
    Exit.isFailure(exit) && lines.length > 0
      ? Effect.sync(() => process.stderr.write(`captured log lines of the failed test:\n${lines.map((l) => l.text).join("\n")}\n`))
      : Effect.void
  )
  return logs
})

/**
 * The same for the fibers a layer starts (a TestDc shared by a `layer(...)` block):
 * `TestDc.layer(options).pipe(Layer.provide(capture.layer))` keeps their lines in `capture.logs`.
 */
export const logCapture = (): { readonly logs: CapturedLogs; readonly layer: Layer.Layer<never> } => {
  const { logger, logs } = keeper()
  return { logs, layer: Logger.replace(Logger.defaultLogger, logger) }
}
