/**
 * The short `Updates` constructors Telegram uses for plain text messages in private chats and
 * basic groups (`updateShortMessage`, `updateShortChatMessage`), when the receiver already
 * knows everyone the message mentions; otherwise a full `updates` with the users and chats.
 */
import type { Api } from "../../tl/index.ts"
import { Refs, updatesFor } from "./render.ts"
import { boxOf, type MessageStore } from "./Store.ts"

/** The `Updates` that tells `viewer` about one new message (`update` is the viewer's updateNewMessage). */
export const newMessageUpdates = (store: MessageStore, viewer: bigint, update: Api.Update, date: number): Api.Updates => {
  // The short forms carry neither media nor a keyboard.
  if (
    update._tag === "updateNewMessage" && update.message._tag === "message" && update.message.media === undefined &&
    update.message.reply_markup === undefined
  ) {
    const m = update.message
    const refs = new Refs().message(m)
    const box = boxOf(store, viewer)
    const known = refs.channels.size === 0 && [...refs.users.keys()].every((id) => box.knownUsers.has(id))
    if (known) {
      const common = {
        ...(m.out === true ? { out: true } : {}),
        ...(m.silent === true ? { silent: true } : {}),
        id: m.id,
        message: m.message,
        pts: update.pts,
        pts_count: update.pts_count,
        date: m.date,
        ...(m.fwd_from !== undefined ? { fwd_from: m.fwd_from } : {}),
        ...(m.reply_to !== undefined ? { reply_to: m.reply_to } : {}),
        ...(m.entities !== undefined ? { entities: m.entities } : {})
      }
      if (m.peer_id._tag === "peerUser") return { _tag: "updateShortMessage", ...common, user_id: m.peer_id.user_id }
      if (m.peer_id._tag === "peerChat" && m.from_id?._tag === "peerUser") {
        return { _tag: "updateShortChatMessage", ...common, from_id: m.from_id.user_id, chat_id: m.peer_id.chat_id }
      }
    }
  }
  return updatesFor(store, viewer, [update], date)
}
