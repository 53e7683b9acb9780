/**
 * The handler-table model shared by the built-in tables and the dispatcher: the error type
 * handlers fail with, the call context, tables, interceptors, and the lookup that combines
 * them. Apart from `index.ts` so that the built-in tables can import it without a cycle.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Api, Methods, TlMethod } from "../../tl/index.ts"
import type { World } from "../world/World.ts"

/**
 * An RPC error the emulated server answers with (`rpc_error{error_code, error_message}`),
 * e.g. `new RpcFailure({ code: 420, message: "FLOOD_WAIT_3" })`.
 */
export class RpcFailure extends Data.TaggedError("RpcFailure")<{
  readonly code: number
  readonly message: string
}> {}

/**
 * What a handler knows about the call besides the request.
 */
export interface HandlerContext {
  readonly dcId: number
  readonly host: string
  readonly port: number
  /** The port of this DC's media-only listener, if it has one (`help.getConfig` lists it). */
  readonly mediaPort?: number | undefined
  /** The call came to the media-only listener. */
  readonly mediaOnly?: boolean | undefined
  readonly world: World
  /** The auth key the call came with, as 16 hex digits (wire order). */
  readonly authKeyId: string
  readonly sessionId: bigint
  readonly msgId: bigint
  /** The layer the client declared with `invokeWithLayer` in this session, if any. */
  readonly layer: number | undefined
  /** The client's `initConnection` in this session (without its query), if any. */
  readonly initConnection: Omit<Api.initConnection, "query"> | undefined
  /** Server time, unix seconds. */
  readonly now: number
}

/** Method tags the table can hold: every method of the API and service schemas. */
export type MethodTag = keyof Methods

/**
 * What a handler may answer: the method's result; or raw serialized bytes for results the
 * typed form can't express.
 */
export type HandlerResult<K extends MethodTag> = Methods[K]["result"] | Uint8Array

/**
 * A handler for method `K`.
 */
export type Handler<K extends MethodTag> = (
  request: Methods[K]["params"],
  ctx: HandlerContext
) => Effect.Effect<HandlerResult<K>, RpcFailure>

/**
 * Runs around every call that reaches the handler tables (not around service messages such
 * as pings): it may answer by itself (an injected error) or run `next`, the method's handler.
 */
export type Interceptor = (
  request: TlMethod,
  ctx: HandlerContext,
  next: Effect.Effect<unknown, RpcFailure>
) => Effect.Effect<unknown, RpcFailure>

/**
 * A handler table: method tag → handler, and optionally under `"*"` an {@link Interceptor}.
 * Missing methods are answered with `rpc_error 400 METHOD_INVALID` (401
 * AUTH_KEY_UNREGISTERED first for a key that is not logged in, outside `auth.*`/`help.*`).
 */
export type Handlers = { readonly [K in MethodTag]?: Handler<K> } & { readonly "*"?: Interceptor | undefined }

/** A handler with its method type erased, as the dispatcher calls it. */
export type AnyHandler = (request: TlMethod, ctx: HandlerContext) => Effect.Effect<unknown, RpcFailure>

/** Namespaces Telegram answers for a key that is not logged in. */
const PUBLIC_PREFIXES = ["auth.", "help.", "langpack."]

/** Whether `tag` may be called by a key that is not logged in. */
export const isPublicMethod = (tag: string): boolean => PUBLIC_PREFIXES.some((p) => tag.startsWith(p))

/**
 * The 401 a call from a key that is not (fully) logged in gets, or `undefined` when it is.
 */
export const authorizationProblem = (ctx: HandlerContext): RpcFailure | undefined => {
  const a = ctx.world.authorizations.get(ctx.authKeyId)
  if (a === undefined) return new RpcFailure({ code: 401, message: "AUTH_KEY_UNREGISTERED" })
  if (a.passwordPending) return new RpcFailure({ code: 401, message: "SESSION_PASSWORD_NEEDED" })
  return undefined
}

const methodMissing = (request: TlMethod, ctx: HandlerContext): Effect.Effect<never, RpcFailure> =>
  Effect.fail(
    (isPublicMethod(request._tag) ? undefined : authorizationProblem(ctx)) ??
      new RpcFailure({ code: 400, message: "METHOD_INVALID" })
  )

/**
 * Looks up `tag` in the tables (later tables first) and wraps it in every table's
 * interceptor (the first table's outermost). Never `undefined`: a method no table has is
 * answered as Telegram would (401 for a key not logged in, else 400 METHOD_INVALID).
 */
export const findHandler = (tables: ReadonlyArray<Handlers>, tag: string): AnyHandler => {
  let handler: AnyHandler = methodMissing
  for (let i = tables.length - 1; i >= 0; i--) {
    const h = (tables[i] as Record<string, AnyHandler | undefined>)[tag]
    if (h !== undefined) {
      handler = h
      break
    }
  }
  const interceptors: Array<Interceptor> = []
  for (const t of tables) if (t["*"] !== undefined) interceptors.push(t["*"])
  if (interceptors.length === 0) return handler
  return (request, ctx) =>
    interceptors.reduceRight<Effect.Effect<unknown, RpcFailure>>(
      (next, intercept) => Effect.suspend(() => intercept(request, ctx, next)),
      Effect.suspend(() => handler(request, ctx))
    )
}
