/**
 * Command lines of the TestDc CLI and the demo, parsed by `node:util`'s `parseArgs` with
 * messages of our own: an unknown flag, a missing value or a stray argument is one line that
 * names it, never a stack trace. Pure: argv in, values or a `UsageError` out; the CLIs print
 * and exit. (`@effect/cli` was measured: +210–250 ms of import on top of Effect and three more
 * packages for a handful of flags, so it did not earn its place here.)
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { parseArgs } from "node:util"

/** One `--flag`: a boolean switch or a string value (`value` names it in the usage). */
export type OptionSpec =
  | { readonly type: "boolean"; readonly description: string }
  | { readonly type: "string"; readonly value: string; readonly description: string }

/** The flags of one command, by long name (without `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** What the command line said: `true`/`false` for switches, the text (or `undefined`) for values. */
export type OptionValues<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K]["type"] extends "boolean" ? boolean : string | undefined
}

/** A command line that does not fit the command; `message` is the one line to print. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** `--help` or `-h` was given: print the usage, exit 0. */
export const HELP = "help" as const

/**
 * Reads `argv` against `specs`. `--help`/`-h` wins over everything else; otherwise every token
 * must be a known flag, a value flag must have a value (`--port 0` or `--port=0`), a switch
 * none, and there are no positional arguments.
 */
export const parseCommandLine = <S extends OptionSpecs>(
  argv: ReadonlyArray<string>,
  specs: S
): Either.Either<OptionValues<S> | typeof HELP, UsageError> => {
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }])), help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true
  })
  if (tokens.some((t) => t.kind === "option" && t.name === "help")) return Either.right(HELP)
  const values: Record<string, string | boolean | undefined> = {}
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.type === "boolean" ? false : undefined
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue
    if (token.kind === "positional") return Either.left(new UsageError({ message: `unexpected argument '${token.value}'` }))
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined
    if (spec === undefined) return Either.left(new UsageError({ message: `unknown option ${token.rawName}` }))
    if (spec.type === "boolean") {
      if (token.value !== undefined) return Either.left(new UsageError({ message: `${token.rawName} takes no value (got '${token.value}')` }))
      values[token.name] = true
    } else {
      // parseArgs takes the next word as the value even when it is the next flag.
      const value = token.value
      if (value === undefined || (!token.inlineValue && value.startsWith("--"))) {
        return Either.left(new UsageError({ message: `${token.rawName} needs a value (${token.rawName} ${spec.value})` }))
      }
      values[token.name] = value
    }
  }
  return Either.right(values as OptionValues<S>)
}

/** `parseCommandLine`, then `check` on the values (unless `--help` was given). */
export const parseCommand = <S extends OptionSpecs, A>(
  argv: ReadonlyArray<string>,
  specs: S,
  check: (values: OptionValues<S>) => Either.Either<A, UsageError>
): Either.Either<A | typeof HELP, UsageError> =>
  Either.flatMap(parseCommandLine(argv, specs), (values): Either.Either<A | typeof HELP, UsageError> => values === HELP ? Either.right(HELP) : check(values))

/** The options part of a usage text: one aligned line per flag, `--help` last. */
export const describeOptions = (specs: OptionSpecs): string => {
  const rows = [
    ...Object.entries(specs).map(([name, spec]) => [`--${name}${spec.type === "string" ? ` ${spec.value}` : ""}`, spec.description] as const),
    ["-h, --help", "print this help and exit"] as const
  ]
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`).join("\n")
}

/** `text` as an integer in [min, max], or a UsageError naming `flag`. */
export const integerIn = (flag: string, text: string, min: number, max: number): Either.Either<number, UsageError> => {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
  return Number.isSafeInteger(n) && n >= min && n <= max
    ? Either.right(n)
    : Either.left(new UsageError({ message: `${flag} must be an integer from ${min} to ${max} (got '${text}')` }))
}

/** `text` if it is one of `choices`, or a UsageError naming `flag` and the choices. */
export const oneOf = <A extends string>(flag: string, text: string, choices: ReadonlyArray<A>): Either.Either<A, UsageError> =>
  (choices as ReadonlyArray<string>).includes(text)
    ? Either.right(text as A)
    : Either.left(new UsageError({ message: `${flag} must be one of ${choices.join(", ")} (got '${text}')` }))

/** A UsageError with `message`. */
export const usageError = (message: string): Either.Either<never, UsageError> => Either.left(new UsageError({ message }))

/**
 * The shell end: for `--help` prints `usage` on stdout and exits 0; for a UsageError prints one
 * line on stderr (`name: message (see help)`) and exits 2; otherwise returns the options.
 */
export const optionsOrExit = <A>(
  parsed: Either.Either<A | typeof HELP, UsageError>,
  name: string,
  usage: string,
  help = `${name} --help`
): A => {
  if (Either.isLeft(parsed)) {
    process.stderr.write(`${name}: ${parsed.left.message} (see ${help})\n`)
    process.exit(2)
  }
  if (parsed.right === HELP) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  return parsed.right
}
