/**
 * `effect-mtproto`: the Client service, its layers and errors, the TL types (`Api`), the
 * session storage layers, and the module functions over the Client (`Peers`, `Messages`,
 * `Dialogs`, `Files`, `Bot`) with the keyboards they send (`Keyboard`, `Button`).
 *
 * @module
 */
export { type BotLogin, type LoginParams, passwordCheck, type UserLogin } from "./auth/login.ts"
export { type QrLogin, QrLoginError, type QrLoginFailure, type QrToken } from "./auth/qr.ts"
// `Client.layer(config)`, `Client.layerWith`, `Client.layerConfig` and `Client.make` are statics of the tag.
export { Client, type ClientShape, type InvokeOptions } from "./Client.ts"
export { type ClientConfig, clientConfig, type DcAddress, PRODUCTION_DCS, TEST_DCS } from "./config.ts"
export * from "./errors.ts"
/** The client's metrics (calls, durations, FLOOD_WAITs, reconnects, updates): read them with `Metric.value`. */
export * as Metrics from "./metrics.ts"
export { retryPolicy } from "./retry.ts"
export type { UpdatesOptions } from "./updates/UpdatesEngine.ts"
/** Resolving `"@username"`, `"t.me/…"`, `"+phone"`, ids, `Peer`s to `InputPeer`s (needs `Client`). */
export * as Peers from "./peers/Peers.ts"
/** Sending, editing, deleting, forwarding, reading and searching messages (needs `Client`). */
export * as Messages from "./messages/Messages.ts"
/** The dialog list as a Stream (needs `Client`). */
export * as Dialogs from "./Dialogs.ts"
/** A bot framework on the update stream: typed events, the runner, commands, callback and inline answers (needs `Client`). */
export * as Bot from "./bot/Bot.ts"
/** Reply markups as data: inline and reply keyboards, remove, force reply. */
export * as Keyboard from "./Keyboard.ts"
/** The buttons of a keyboard. */
export * as Button from "./Button.ts"
export { CallbackDataTooLong } from "./Keyboard.ts"
/** Uploading and downloading files as Streams, in parallel on file connections (needs `Client`). */
export * as Files from "./files/Files.ts"
export { FileError } from "./files/FileError.ts"
export { PeerNotFound } from "./peers/PeerNotFound.ts"
export { UnexpectedAnswer } from "./messages/UnexpectedAnswer.ts"
