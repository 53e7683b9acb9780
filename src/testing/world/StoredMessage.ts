/**
 * A message as the World stores it. Private chats and basic groups keep one copy per
 * participant (each in that user's box, under that user's own message id; `globalId` ties the
 * copies together); a channel keeps one copy for everyone.
 */
import type { Api } from "../../tl/index.ts"
import type { WorldPeer } from "./peers.ts"

/** A message as the World keeps it, before it is rendered for a viewer. */
export interface StoredMessage {
  /** The id in its box (the owner's sequence) or in its channel. */
  readonly id: number
  /** The chat, seen from the box owner: in a private chat the other user (or the owner, for Saved Messages). */
  readonly peer: WorldPeer
  /** Who sent it. */
  readonly authorId: bigint
  /** Box copies: the owner sent it. Channel messages: always false (each reader's view sets it). */
  readonly out: boolean
  /** Unix seconds. */
  readonly date: number
  text: string
  entities: ReadonlyArray<Api.MessageEntity>
  /** Unix seconds of the last edit. */
  editDate: number | undefined
  /** The replied-to message, by id in the same box or channel. */
  readonly replyToId: number | undefined
  readonly fwdFrom: Api.MessageFwdHeader | undefined
  /** Replaced when the file in it gets a new file reference (`world.expireFileReference`). */
  media: Api.MessageMedia | undefined
  /** Set for service messages (chat created, user added, message pinned ...). */
  readonly action: Api.MessageAction | undefined
  readonly silent: boolean
  /** A broadcast channel's post: the author is hidden behind the channel. */
  readonly post: boolean
  pinned: boolean
  /** Shared by every copy of one message; unique in the World. */
  readonly globalId: number
  /** The keyboard a bot sent with it (an inline keyboard changes with edits). */
  replyMarkup: Api.ReplyMarkup | undefined
}
