/**
 * The handler table of a {@link TestDc}: one function per API method, answering a decoded
 * request with a result or an {@link RpcFailure}. The MTProto layers unwrap
 * `invokeWithLayer`, `initConnection`, `invokeWithoutUpdates`, `invokeAfterMsg` ... before
 * dispatching, so a handler sees the bare method (`help.getConfig`). Later issues add
 * tables for auth, messages and updates; users add their own through `TestDc.make({ handlers })`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Api, Methods, TlMethod } from "../tl/index.ts"
import type { World } from "./World.ts"

/**
 * An RPC error the emulated server answers with (`rpc_error{error_code, error_message}`),
 * e.g. `new RpcFailure({ code: 420, message: "FLOOD_WAIT_3" })`.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcFailure extends Data.TaggedError("RpcFailure")<{
  readonly code: number
  readonly message: string
}> {}

/**
 * What a handler knows about the call besides the request.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandlerContext {
  readonly dcId: number
  readonly host: string
  readonly port: number
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
 *
 * @since 0.1.0
 * @category models
 */
export type HandlerResult<K extends MethodTag> = Methods[K]["result"] | Uint8Array

/**
 * A handler for method `K`.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<K extends MethodTag> = (
  request: Methods[K]["params"],
  ctx: HandlerContext
) => Effect.Effect<HandlerResult<K>, RpcFailure>

/**
 * A handler table: method tag → handler. Missing methods are answered with
 * `rpc_error 400 METHOD_INVALID`.
 *
 * @since 0.1.0
 * @category models
 */
export type Handlers = { readonly [K in MethodTag]?: Handler<K> }

/** A handler with its method type erased, as the dispatcher calls it. */
export type AnyHandler = (request: TlMethod, ctx: HandlerContext) => Effect.Effect<unknown, RpcFailure>

/** Looks up `tag` in the tables, later tables first. */
export const findHandler = (tables: ReadonlyArray<Handlers>, tag: string): AnyHandler | undefined => {
  for (let i = tables.length - 1; i >= 0; i--) {
    const h = (tables[i] as Record<string, AnyHandler | undefined>)[tag]
    if (h !== undefined) return h
  }
  return undefined
}

/**
 * A `config` for this DC: `dc_options` lists only this DC (its host and port, IPv4), and the
 * limits are the usual values of production Telegram. Valid for an hour.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeConfig = (ctx: Pick<HandlerContext, "dcId" | "host" | "port" | "now">): Api.config => ({
  _tag: "config",
  date: ctx.now,
  expires: ctx.now + 3600,
  test_mode: false,
  this_dc: ctx.dcId,
  dc_options: [{ _tag: "dcOption", id: ctx.dcId, ip_address: ctx.host, port: ctx.port }],
  dc_txt_domain_name: "testdc.invalid",
  chat_size_max: 200,
  megagroup_size_max: 200000,
  forwarded_count_max: 100,
  online_update_period_ms: 210000,
  offline_blur_timeout_ms: 5000,
  offline_idle_timeout_ms: 30000,
  online_cloud_timeout_ms: 300000,
  notify_cloud_delay_ms: 30000,
  notify_default_delay_ms: 1500,
  push_chat_period_ms: 60000,
  push_chat_limit: 2,
  edit_time_limit: 172800,
  revoke_time_limit: 2147483647,
  revoke_pm_time_limit: 2147483647,
  rating_e_decay: 2419200,
  stickers_recent_limit: 200,
  channels_read_media_period: 604800,
  call_receive_timeout_ms: 20000,
  call_ring_timeout_ms: 90000,
  call_connect_timeout_ms: 30000,
  call_packet_timeout_ms: 10000,
  me_url_prefix: "https://t.me/",
  caption_length_max: 1024,
  message_length_max: 4096,
  webfile_dc_id: ctx.dcId
})

/**
 * The handlers every TestDc has: `help.getConfig` and `help.getNearestDc`.
 *
 * @since 0.1.0
 * @category handlers
 */
export const defaultHandlers: Handlers = {
  "help.getConfig": (_request, ctx) => Effect.succeed(makeConfig(ctx)),
  "help.getNearestDc": (_request, ctx) =>
    Effect.succeed({ _tag: "nearestDc", country: "XX", this_dc: ctx.dcId, nearest_dc: ctx.dcId })
}
