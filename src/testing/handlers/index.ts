/**
 * The handler table of a {@link TestDc}: one function per API method, answering a decoded
 * request with a result or an {@link RpcFailure}. The MTProto layers unwrap
 * `invokeWithLayer`, `initConnection`, `invokeWithoutUpdates`, `invokeAfterMsg` ... before
 * dispatching, so a handler sees the bare method (`help.getConfig`). The defaults answer
 * `help.*`, the login flows (`handlers/auth.ts`) and the messaging methods over the World's
 * message store (`handlers/messages.ts`, `channels.ts`, `contacts.ts`, `users.ts`,
 * `account.ts`, `updates.ts`) and the bot methods (`handlers/bots.ts`); users add their own through
 * `TestDc.make({ handlers })` or `dc.addHandlers`.
 */
import * as Effect from "effect/Effect"
import type { Api } from "../../tl/index.ts"
import { accountHandlers } from "./account.ts"
import { authHandlers } from "./auth.ts"
import { botsHandlers } from "./bots.ts"
import { channelsHandlers } from "./channels.ts"
import { contactsHandlers } from "./contacts.ts"
import type { HandlerContext, Handlers } from "./core.ts"
import { messagesHandlers } from "./messages.ts"
import { updatesHandlers } from "./updates.ts"
import { uploadHandlers } from "./upload.ts"
import { usersHandlers } from "./users.ts"
import { qrHandlers } from "./qr.ts"
import type { WorldDc } from "../world/World.ts"

export { authHandlers, requireUser } from "./auth.ts"
export { apiUser } from "../world/render.ts"
export { qrHandlers } from "./qr.ts"
export { uploadHandlers } from "./upload.ts"
export {
  type AnyHandler,
  authorizationProblem,
  findHandler,
  type Handler,
  type HandlerContext,
  type HandlerResult,
  type Handlers,
  type Interceptor,
  isPublicMethod,
  type MethodTag,
  RpcFailure
} from "./core.ts"
export { type InjectedError, type Injector, makeInjector } from "./inject.ts"

/**
 * A `config` for this DC: `dc_options` lists `dcs` (the DCs of a cluster) or, without them,
 * only this DC (its host and port, IPv4), each followed by its `media_only` address if it has one; `this_dc` is the answering DC, and the limits are
 * the usual values of production Telegram. Valid for an hour.
 */
export const makeConfig = (
  ctx: Pick<HandlerContext, "dcId" | "host" | "port" | "now" | "mediaPort">,
  dcs: ReadonlyArray<WorldDc> = []
): Api.config => ({
  _tag: "config",
  date: ctx.now,
  expires: ctx.now + 3600,
  test_mode: false,
  this_dc: ctx.dcId,
  dc_options: (dcs.some((d) => d.id === ctx.dcId) ? dcs : [{ id: ctx.dcId, host: ctx.host, port: ctx.port, mediaPort: ctx.mediaPort }, ...dcs])
    .flatMap((d): Array<Api.DcOption> => [
      { _tag: "dcOption", id: d.id, ip_address: d.host, port: d.port },
      ...(d.mediaPort === undefined ? [] : [{ _tag: "dcOption", media_only: true, id: d.id, ip_address: d.host, port: d.mediaPort } as const])
    ]),
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
 * The handlers every TestDc has: `help.getConfig` (listing every DC of the world),
 * `help.getNearestDc`, the {@link authHandlers}, the {@link qrHandlers}, and the messaging methods.
 */
export const defaultHandlers: Handlers = {
  ...authHandlers,
  ...messagesHandlers,
  ...channelsHandlers,
  ...contactsHandlers,
  ...usersHandlers,
  ...accountHandlers,
  ...updatesHandlers,
  ...botsHandlers,
  ...uploadHandlers,
  "help.getConfig": (_request, ctx) =>
    Effect.sync(() => makeConfig(ctx, [...ctx.world.dcs.values()].sort((a, b) => a.id - b.id))),
  "help.getNearestDc": (_request, ctx) =>
    Effect.succeed({ _tag: "nearestDc", country: "XX", this_dc: ctx.dcId, nearest_dc: ctx.dcId }),
  ...qrHandlers
}
