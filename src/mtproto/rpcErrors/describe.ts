/**
 * Human-readable descriptions of RPC errors, from the generated catalogue (`catalogue.ts`),
 * and which errors a method is documented to throw. For messages and logs only: code never
 * branches on descriptions (it matches the tagged errors of `fromRpcError`).
 */
import { BOT_ONLY, ERRORS, THROWS, USER_ONLY } from "./catalogue.ts"

/**
 * What the catalogue knows about one error message.
 */
export interface RpcErrorInfo {
  /** The catalogue entry that matched: the name itself, or a pattern like `FLOOD_WAIT_%d`. */
  readonly name: string
  /** The documented code (the server's may differ; the name is what identifies an error). */
  readonly code: number
  /** Plain text, `%d` filled in with {@link parameter}; empty when Telegram documents none. */
  readonly description: string
  /** The number in a parameterised name (`42` in `FLOOD_WAIT_42`). */
  readonly parameter?: number
}

interface Pattern {
  readonly name: string
  readonly regex: RegExp
}

// About twenty entries have a `%d`; they are tried in order after the exact lookup.
let patterns: ReadonlyArray<Pattern> | undefined
const getPatterns = (): ReadonlyArray<Pattern> =>
  patterns ??= Object.keys(ERRORS)
    .filter((name) => name.includes("%d"))
    .map((name) => {
      const [before, after] = name.split("%d") as [string, string]
      const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      // `X` too: the docs write parameterised names as `FLOOD_WAIT_X`
      return { name, regex: new RegExp(`^${escape(before)}(\\d+|X)${escape(after)}$`) }
    })

const hasOwn = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key)

/**
 * The catalogue entry for an error message: an exact name, or a parameterised one
 * (`FLOOD_WAIT_42` matches `FLOOD_WAIT_%d`). `undefined` for names Telegram does not document.
 */
export const rpcErrorInfo = (message: string): RpcErrorInfo | undefined => {
  if (hasOwn(ERRORS, message)) {
    const [code, description] = ERRORS[message]!
    return { name: message, code, description }
  }
  for (const { name, regex } of getPatterns()) {
    const match = regex.exec(message)
    if (match === null) continue
    const [code, description] = ERRORS[name]!
    const raw = match[1]!
    return {
      name,
      code,
      description: description.replaceAll("%d", raw),
      ...(raw === "X" ? {} : { parameter: Number(raw) })
    }
  }
  return undefined
}

/**
 * What each error code means in general (core.telegram.org/api/errors), for names the
 * catalogue does not know.
 */
export const GENERIC_DESCRIPTIONS: { readonly [code: number]: string } = {
  303: "See other: the request must be repeated on another data centre",
  400: "Bad request: the query contains errors",
  401: "Unauthorized: the session is not authorized for this query",
  403: "Forbidden: privacy or permissions do not allow this",
  404: "Not found: the requested object or method does not exist",
  406: "Not acceptable: the request cannot be handled now; the client may have been told why separately",
  420: "Flood: too many requests, wait before retrying",
  500: "Internal server error",
  [-500]: "Internal server error",
  [-503]: "Timeout: the server did not answer in time"
}

/**
 * A one-line description of an RPC error for messages and logs: the catalogue's text for a
 * known (or parameterised) name, otherwise the generic meaning of `code`, followed by the name.
 */
export const describeRpcError = (code: number, message: string): string => {
  const info = rpcErrorInfo(message)
  if (info !== undefined && info.description !== "") return info.description
  const generic = GENERIC_DESCRIPTIONS[code] ?? `Error code ${code}`
  return `${generic} (${message})`
}

/**
 * The error names a method is documented to throw (patterns keep `%d`); empty when unknown.
 */
export const errorsOfMethod = (method: string): ReadonlyArray<string> => hasOwn(THROWS, method) ? THROWS[method]! : []

let userOnly: ReadonlySet<string> | undefined
let botOnly: ReadonlySet<string> | undefined

/**
 * Whether only user accounts (not bots) may call `method`.
 */
export const isUserOnly = (method: string): boolean => (userOnly ??= new Set(USER_ONLY)).has(method)

/**
 * Whether only bots may call `method`.
 */
export const isBotOnly = (method: string): boolean => (botOnly ??= new Set(BOT_ONLY)).has(method)
