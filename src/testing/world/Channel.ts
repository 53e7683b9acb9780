/**
 * A channel: a supergroup (`megagroup`) or a broadcast channel, with its members and their
 * admin rights, an optional public username, and its own message ids and pts.
 */
import type { Api } from "../../tl/index.ts"
import type { PtsLog } from "./PtsLog.ts"
import type { StoredMessage } from "./StoredMessage.ts"

/** A member of a channel or supergroup, with their admin rights. */
export interface ChannelMember {
  readonly userId: bigint
  readonly inviterId: bigint
  /** Unix seconds. */
  readonly date: number
  /** Set for admins (the creator has every right). */
  adminRights: Api.chatAdminRights | undefined
  rank: string | undefined
}

/** A channel or supergroup of the World, with its own message ids and pts. */
export interface WorldChannel {
  readonly kind: "channel"
  readonly id: bigint
  readonly accessHash: bigint
  title: string
  about: string
  /** The public username (without `@`); `undefined` for a private channel. */
  username: string | undefined
  /** A broadcast channel; otherwise a supergroup. */
  readonly broadcast: boolean
  readonly creatorId: bigint
  /** Unix seconds. */
  readonly date: number
  readonly members: Map<bigint, ChannelMember>
  /** The channel's pts and its events. */
  readonly log: PtsLog
  /** The id the next message gets. */
  nextId: number
  readonly messages: Map<number, StoredMessage>
  /** Message ids, ascending. */
  readonly ids: Array<number>
  /** The highest message id some member has read (everyone's read_outbox_max_id). */
  readMaxId: number
}

/** Every admin right: what a channel's creator has. */
export const ALL_RIGHTS: Api.chatAdminRights = {
  _tag: "chatAdminRights",
  change_info: true,
  post_messages: true,
  edit_messages: true,
  delete_messages: true,
  ban_users: true,
  invite_users: true,
  pin_messages: true,
  add_admins: true,
  manage_call: true,
  other: true
}

/** Whether `userId` may use admin right `right` in `channel` (the creator may use them all). */
export const hasRight = (channel: WorldChannel, userId: bigint, right: keyof Omit<Api.chatAdminRights, "_tag">): boolean => {
  if (channel.creatorId === userId && channel.members.has(userId)) return true
  return channel.members.get(userId)?.adminRights?.[right] === true
}
