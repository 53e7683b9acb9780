/**
 * `Button`: the buttons of a keyboard, as plain `Api.KeyboardButton` data. Inline keyboards
 * (under a message) take {@link callback}, {@link url}, {@link switchInline} and {@link copy}
 * buttons; reply keyboards (in place of the user's keyboard) take {@link text},
 * {@link requestPhone} and {@link requestLocation}. Put them in rows with `Keyboard.inline` /
 * `Keyboard.reply`.
 *
 * ```ts
 * const menu = Keyboard.inline([
 *   [Button.callback("+1", "inc"), Button.callback("-1", "dec")],
 *   [Button.url("Docs", "https://core.telegram.org/bots")]
 * ])
 * yield* Messages.send(chat, "Count: 0", { replyMarkup: menu })
 * ```
 *
 * Callback data is at most 64 bytes: longer data fails the send with `CallbackDataTooLong`.
 */
import type { Api } from "../tl/index.ts"

const utf8 = new TextEncoder()

/**
 * A button that sends `data` back to the bot (`updateBotCallbackQuery`) when pressed. `data` is
 * a string (sent as UTF-8) or bytes; at most 64 bytes.
 */
export const callback = (text: string, data: string | Uint8Array): Api.keyboardButtonCallback => ({
  _tag: "keyboardButtonCallback",
  text,
  data: typeof data === "string" ? utf8.encode(data) : data
})

/**
 * A button that opens `url` (`https://…`, `tg://…`).
 */
export const url = (text: string, url: string): Api.keyboardButtonUrl => ({ _tag: "keyboardButtonUrl", text, url })

/**
 * A button that starts an inline query to this bot with `query`: in a chat the user picks, or
 * in the same chat with `samePeer`.
 */
export const switchInline = (
  text: string,
  query: string,
  options: { readonly samePeer?: boolean | undefined } = {}
): Api.keyboardButtonSwitchInline => ({
  _tag: "keyboardButtonSwitchInline",
  ...(options.samePeer === true ? { same_peer: true } : {}),
  text,
  query
})

/**
 * A button that copies `copyText` to the user's clipboard.
 */
export const copy = (text: string, copyText: string): Api.keyboardButtonCopy => ({
  _tag: "keyboardButtonCopy",
  text,
  copy_text: copyText
})

/**
 * A reply-keyboard button: pressing it sends `text` as a message.
 */
export const text = (text: string): Api.keyboardButton => ({ _tag: "keyboardButton", text })

/**
 * A reply-keyboard button that sends the user's phone number as a contact.
 */
export const requestPhone = (text: string): Api.keyboardButtonRequestPhone => ({ _tag: "keyboardButtonRequestPhone", text })

/**
 * A reply-keyboard button that sends the user's location.
 */
export const requestLocation = (text: string): Api.keyboardButtonRequestGeoLocation => ({
  _tag: "keyboardButtonRequestGeoLocation",
  text
})
