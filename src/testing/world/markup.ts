/**
 * The checks Telegram makes on a message's keyboard (`reply_markup`): only bots send them (a
 * user's is dropped), callback data is 1–64 bytes (BUTTON_DATA_INVALID), button texts are not
 * empty (BUTTON_TEXT_INVALID), URL buttons carry a URL (BUTTON_URL_INVALID), and a keyboard
 * has at most 100 buttons (REPLY_MARKUP_TOO_LONG).
 */
import { type Api, serialize } from "../../tl/index.ts"
import type { WorldUser } from "./World.ts"
import { fail } from "./Store.ts"

/** Telegram's limits. */
const MAX_DATA = 64
const MAX_BUTTONS = 100

const URL = /^(?:https?|tg):\/\/\S+$/i

/** The markup to store for a message `sender` sends, or the RPC error (thrown). */
export const acceptedMarkup = (sender: WorldUser, markup: Api.ReplyMarkup | undefined): Api.ReplyMarkup | undefined => {
  if (markup === undefined || sender.bot !== true) return undefined
  if (markup._tag !== "replyInlineMarkup" && markup._tag !== "replyKeyboardMarkup") return markup
  let count = 0
  for (const row of markup.rows) {
    for (const b of row.buttons) {
      count++
      if (b.text.trim() === "") fail(400, "BUTTON_TEXT_INVALID")
      if (b._tag === "keyboardButtonCallback" && (b.data.length === 0 || b.data.length > MAX_DATA)) fail(400, "BUTTON_DATA_INVALID")
      if (b._tag === "keyboardButtonUrl" && !URL.test(b.url)) fail(400, "BUTTON_URL_INVALID")
    }
  }
  if (count > MAX_BUTTONS) fail(400, "REPLY_MARKUP_TOO_LONG")
  return markup
}

/**
 * The callback button of `markup` that carries `data`, if any.
 */
export const callbackButton = (markup: Api.ReplyMarkup | undefined, data: Uint8Array): Api.keyboardButtonCallback | undefined => {
  if (markup?._tag !== "replyInlineMarkup") return undefined
  for (const row of markup.rows) {
    for (const b of row.buttons) {
      if (b._tag === "keyboardButtonCallback" && sameBytes(b.data, data)) return b
    }
  }
  return undefined
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Whether two keyboards are the same (compared as serialized). */
export const sameMarkup = (a: Api.ReplyMarkup | undefined, b: Api.ReplyMarkup | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && sameBytes(serialize(a), serialize(b)))
