/**
 * Editing a message's text: every copy changes (each owner's pts +1 with `updateEditMessage`),
 * or the channel's one message (channel pts +1 with `updateEditChannelMessage`).
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { hasRight } from "../Channel.ts"
import { readable, visibleMessage } from "../inputs.ts"
import type { WorldPeer } from "../peers.ts"
import { renderMessage } from "../render.ts"
import { boxOf, fail, type MessageStore, type Origin } from "../Store.ts"
import type { StoredMessage } from "../StoredMessage.ts"
import { acceptedMarkup, sameMarkup } from "../markup.ts"
import { checkText, sameEntities } from "../text.ts"
import { addUpdates, announce } from "./announce.ts"

/**
 * What an edit changes: a new text (its entities with it), or only the entities.
 */
export interface EditParams {
  readonly text?: string | undefined
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
  /**
   * The inline keyboard after the edit, as `messages.editMessage` sets it: `value` undefined
   * removes an inline keyboard (as Telegram does when an edit carries none). Absent: unchanged.
   */
  readonly replyMarkup?: { readonly value: Api.ReplyMarkup | undefined } | undefined
}

/** The keyboard after an edit: only inline keyboards are set or removed; others stay. */
const editedMarkup = (editor: WorldUser, current: Api.ReplyMarkup | undefined, next: Api.ReplyMarkup | undefined) => {
  if (next !== undefined && next._tag !== "replyInlineMarkup") return fail(400, "REPLY_MARKUP_INVALID")
  if (next === undefined) return current?._tag === "replyInlineMarkup" ? undefined : current
  return acceptedMarkup(editor, next) ?? current
}

/**
 * `editor` edits message `id` of `peer`. Returns the answer and the edited message as the editor sees it.
 */
export const editMessage = (
  store: MessageStore,
  editor: WorldUser,
  peer: WorldPeer,
  id: number,
  params: EditParams,
  date: number,
  origin: Origin
): { readonly answer: Api.Updates; readonly message: Api.Message } => {
  const channel = peer.kind === "channel" ? store.channels.get(peer.id) : undefined
  if (channel !== undefined) readable(channel, editor.id)
  const msg = visibleMessage(store, editor.id, peer, id)
  if (msg === undefined || msg.action !== undefined) return fail(400, "MESSAGE_ID_INVALID")
  const mayEdit = channel !== undefined
    ? msg.authorId === editor.id || (channel.broadcast && hasRight(channel, editor.id, "edit_messages"))
    : msg.out
  if (!mayEdit) return fail(403, "MESSAGE_AUTHOR_REQUIRED")
  const text = params.text ?? msg.text
  const entities = params.text === undefined && params.entities === undefined
    ? msg.entities
    : checkText(store, editor, text, params.entities, msg.media !== undefined)
  const replyMarkup = params.replyMarkup === undefined ? msg.replyMarkup : editedMarkup(editor, msg.replyMarkup, params.replyMarkup.value)
  if (text === msg.text && sameEntities(entities, msg.entities) && sameMarkup(replyMarkup, msg.replyMarkup)) {
    return fail(400, "MESSAGE_NOT_MODIFIED")
  }

  const apply = (m: StoredMessage) => {
    m.text = text
    m.entities = entities
    m.replyMarkup = replyMarkup
    m.editDate = date
  }
  const perUser = new Map<bigint, Array<Api.Update>>()
  if (channel !== undefined) {
    apply(msg)
    const logged = channel.log.advance(date, 1, (pts) => ({
      _tag: "updateEditChannelMessage",
      message: renderMessage(msg, undefined),
      pts,
      pts_count: 1
    }))
    for (const member of channel.members.keys()) addUpdates(perUser, member, { ...logged, message: renderMessage(msg, member) })
  } else {
    for (const [owner, copyId] of store.copies.get(msg.globalId) ?? new Map<bigint, number>()) {
      const box = boxOf(store, owner)
      const copy = box.messages.get(copyId)
      if (copy === undefined) continue
      apply(copy)
      addUpdates(perUser, owner, box.log.advance(date, 1, (pts) => ({
        _tag: "updateEditMessage",
        message: renderMessage(copy, owner),
        pts,
        pts_count: 1
      })))
    }
  }
  const answer = announce(store, editor.id, perUser, date, origin)
  return { answer, message: renderMessage(msg, editor.id) }
}
