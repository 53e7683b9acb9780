/**
 * `effect-mtproto/testing`: {@link make | TestDc}, an emulated Telegram data centre speaking
 * real MTProto over TCP, its handler table and its emulated {@link World}.
 *
 * `import * as TestDc from "effect-mtproto/testing"` then `TestDc.make(options)`,
 * `TestDc.layer(options)` and the tag `TestDc.TestDc`.
 */
export * from "./TestDc.ts"
export * from "./Cluster.ts"
export { apiUser, defaultHandlers, type Handler, type HandlerContext, type HandlerResult, type Handlers, type InjectedError, type Interceptor, makeConfig, type MethodTag, requireUser, RpcFailure } from "./handlers/index.ts"
export { type Authorization, makeWorld, type NewBot, type NewUser, type PendingCode, type World, type WorldDc, type WorldOptions, type WorldPassword, type WorldUser } from "./world/World.ts"
export type { UpdateState, WorldMessaging } from "./world/Messaging.ts"
export type { Delivery, MessageStore } from "./world/Store.ts"
export type { PeerRef, WorldPeer, WorldPeerKind } from "./world/peers.ts"
export type { ChatParticipant, WorldChat } from "./world/BasicGroup.ts"
export type { ChannelMember, WorldChannel } from "./world/Channel.ts"
export type { PtsEvent, PtsLog } from "./world/PtsLog.ts"
export type { SendOptions } from "./world/actions/send.ts"
export type { InlineQueryOptions, PressOptions, WorldBots } from "./world/Bots.ts"
export type { BotStore, CallbackQueryRecord, InlineQueryRecord, QueryRecord } from "./world/BotStore.ts"
export type { PinOptions } from "./world/actions/pin.ts"
export type { StoredMessage } from "./world/StoredMessage.ts"
export type { DialogState, UserBox } from "./world/UserBox.ts"
export type { LoginToken, LoginTokenAcceptance, LoginTokenDevice, LoginTokenRejection, LoginTokenRequest, MigrationToken, WorldLoginTokens } from "./world/LoginTokens.ts"
export type { NewFile, WorldFile, WorldFiles } from "./world/Files.ts"
export type { ImageSize } from "./world/imageSize.ts"
