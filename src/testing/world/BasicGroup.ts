/**
 * A basic group (`chat`): a title, a creator and up to 200 participants. Its messages live in
 * the participants' boxes, one copy each.
 */

/** A member of a basic group, with who added them and when. */
export interface ChatParticipant {
  readonly userId: bigint
  readonly inviterId: bigint
  /** Unix seconds. */
  readonly date: number
  admin: boolean
}

/** A basic group of the World. */
export interface WorldChat {
  readonly kind: "chat"
  readonly id: bigint
  title: string
  readonly creatorId: bigint
  readonly date: number
  /** Bumped on every change of the participant list. */
  version: number
  readonly participants: Map<bigint, ChatParticipant>
}

/** Telegram's size limit of a basic group. */
export const CHAT_SIZE_MAX = 200
