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
export { defaultHandlers, type Handler, type HandlerContext, type HandlerResult, type Handlers, makeConfig, type MethodTag, RpcFailure } from "./handlers.ts"
export { makeWorld, type World, type WorldUser } from "./World.ts"
