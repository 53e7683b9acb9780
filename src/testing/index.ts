/**
 * `effect-mtproto/testing`: {@link make | TestDc}, an emulated Telegram data centre speaking
 * real MTProto over TCP, its handler table and its emulated {@link World}.
 *
 * `import * as TestDc from "effect-mtproto/testing"` then `TestDc.make(options)`,
 * `TestDc.layer(options)` and the tag `TestDc.TestDc`.
 *
 * @since 0.1.0
 */
export * from "./TestDc.ts"
export * from "./Cluster.ts"
export { apiUser, defaultHandlers, type Handler, type HandlerContext, type HandlerResult, type Handlers, type InjectedError, type Interceptor, makeConfig, type MethodTag, requireUser, RpcFailure } from "./handlers.ts"
export { type Authorization, makeWorld, type NewBot, type NewUser, type PendingCode, type World, type WorldDc, type WorldOptions, type WorldPassword, type WorldUser } from "./World.ts"
export type { LoginToken, LoginTokenAcceptance, LoginTokenDevice, LoginTokenRejection, LoginTokenRequest, MigrationToken, WorldLoginTokens } from "./world/LoginTokens.ts"
