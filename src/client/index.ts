/**
 * `effect-mtproto`: the Client service, its layers and errors, the TL types (`Api`), and the
 * session storage layers.
 *
 * @module
 */
export { type BotLogin, type LoginParams, passwordCheck, type UserLogin } from "./auth/login.ts"
export { type QrLogin, QrLoginError, type QrLoginFailure, type QrToken } from "./auth/qr.ts"
// `Client.layer(config)`, `Client.layerWith`, `Client.layerConfig` and `Client.make` are statics of the tag.
export { Client, type ClientShape, type InvokeOptions } from "./Client.ts"
export { type ClientConfig, clientConfig, type DcAddress, PRODUCTION_DCS, TEST_DCS } from "./config.ts"
export * from "./errors.ts"
export { retryPolicy } from "./retry.ts"
