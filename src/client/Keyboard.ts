/**
 * `Keyboard`: reply markups as plain `Api.ReplyMarkup` data, for the `replyMarkup` option of
 * `Messages.send` / `Messages.edit` and a callback query's `editText` / `editKeyboard`.
 *
 * ```ts
 * Keyboard.inline([[Button.callback("Yes", "vote:yes"), Button.callback("No", "vote:no")]])
 * Keyboard.reply([["Coffee", "Tea"], [Button.requestPhone("Share my phone")]], { resize: true, oneTime: true })
 * Keyboard.remove()
 * Keyboard.forceReply({ placeholder: "Your name" })
 * ```
 */
import * as Effect from "effect/Effect"
import * as Data from "effect/Data"
import type { Api } from "../tl/index.ts"
import { text as textButton } from "./Button.ts"

/**
 * The most bytes of callback data Telegram takes per button.
 */
export const MAX_CALLBACK_DATA = 64

/**
 * A callback button whose data is longer than {@link MAX_CALLBACK_DATA} bytes (Telegram would
 * refuse the message with BUTTON_DATA_INVALID). `text` is the button's label.
 */
export class CallbackDataTooLong extends Data.TaggedError("CallbackDataTooLong")<{
  readonly text: string
  readonly bytes: number
  readonly limit: number
}> {
  override get message(): string {
    return `the callback data of button ${JSON.stringify(this.text)} is ${this.bytes} bytes; Telegram takes at most ${this.limit}`
  }
}

/**
 * Options of {@link reply}.
 */
export interface ReplyKeyboardOptions {
  /** Fit the keyboard's height to its rows (default: as tall as the usual keyboard). */
  readonly resize?: boolean | undefined
  /** Hide the keyboard once a button was pressed. */
  readonly oneTime?: boolean | undefined
  /** Show it only to the users mentioned in the message and the sender of the message replied to. */
  readonly selective?: boolean | undefined
  /** The input field's placeholder (1–64 characters). */
  readonly placeholder?: string | undefined
  /** Keep the keyboard shown when the user hides it. */
  readonly persistent?: boolean | undefined
}

const rowsOf = <B>(rows: ReadonlyArray<ReadonlyArray<B>>, button: (b: B) => Api.KeyboardButton): Array<Api.keyboardButtonRow> =>
  rows.map((row) => ({ _tag: "keyboardButtonRow", buttons: row.map(button) }))

/**
 * An inline keyboard: rows of buttons under the message (`Button.callback`, `Button.url`, ...).
 */
export const inline = (rows: ReadonlyArray<ReadonlyArray<Api.KeyboardButton>>): Api.replyInlineMarkup => ({
  _tag: "replyInlineMarkup",
  rows: rowsOf(rows, (b) => b)
})

/**
 * A reply keyboard, shown in place of the user's keyboard: rows of texts (each sends itself as
 * a message) or buttons (`Button.requestPhone`, ...).
 */
export const reply = (
  rows: ReadonlyArray<ReadonlyArray<string | Api.KeyboardButton>>,
  options: ReplyKeyboardOptions = {}
): Api.replyKeyboardMarkup => ({
  _tag: "replyKeyboardMarkup",
  ...(options.resize === true ? { resize: true } : {}),
  ...(options.oneTime === true ? { single_use: true } : {}),
  ...(options.selective === true ? { selective: true } : {}),
  ...(options.persistent === true ? { persistent: true } : {}),
  rows: rowsOf(rows, (b) => (typeof b === "string" ? textButton(b) : b)),
  ...(options.placeholder !== undefined ? { placeholder: options.placeholder } : {})
})

/**
 * Removes the reply keyboard a bot showed before.
 */
export const remove = (options: { readonly selective?: boolean | undefined } = {}): Api.replyKeyboardHide => ({
  _tag: "replyKeyboardHide",
  ...(options.selective === true ? { selective: true } : {})
})

/**
 * Makes the user's app open a reply to this message, as if the user had chosen "Reply".
 */
export const forceReply = (
  options: {
    readonly selective?: boolean | undefined
    readonly placeholder?: string | undefined
    readonly singleUse?: boolean | undefined
  } = {}
): Api.replyKeyboardForceReply => ({
  _tag: "replyKeyboardForceReply",
  ...(options.singleUse === true ? { single_use: true } : {}),
  ...(options.selective === true ? { selective: true } : {}),
  ...(options.placeholder !== undefined ? { placeholder: options.placeholder } : {})
})

/**
 * The rows of buttons of a markup (none for `remove` / `forceReply`): to read a received
 * message's keyboard (`message.reply_markup`).
 */
export const buttons = (markup: Api.ReplyMarkup | undefined): ReadonlyArray<ReadonlyArray<Api.KeyboardButton>> =>
  markup === undefined || (markup._tag !== "replyInlineMarkup" && markup._tag !== "replyKeyboardMarkup")
    ? []
    : markup.rows.map((r) => r.buttons)

/**
 * The first callback button whose data is too long, as the error; `undefined` when every
 * button fits (pure).
 */
export const tooLong = (markup: Api.ReplyMarkup | undefined): CallbackDataTooLong | undefined => {
  for (const row of buttons(markup)) {
    for (const b of row) {
      if (b._tag === "keyboardButtonCallback" && b.data.length > MAX_CALLBACK_DATA) {
        return new CallbackDataTooLong({ text: b.text, bytes: b.data.length, limit: MAX_CALLBACK_DATA })
      }
    }
  }
  return undefined
}

/**
 * Fails with {@link CallbackDataTooLong} when a callback button carries more than 64 bytes.
 */
export const check = (markup: Api.ReplyMarkup | undefined): Effect.Effect<void, CallbackDataTooLong> =>
  Effect.suspend(() => {
    const error = tooLong(markup)
    return error === undefined ? Effect.void : Effect.fail(error)
  })
