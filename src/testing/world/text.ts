/**
 * The checks Telegram applies to a message's text and entities: at most 4096 UTF-16 code
 * units, not blank (unless media carries the message), entities inside the text, and mentions
 * by `InputUser` turned into `messageEntityMentionName`.
 */
import type { Api } from "../../tl/index.ts"
import type { WorldUser } from "./World.ts"
import { resolveInputUser } from "./inputs.ts"
import { fail, type MessageStore } from "./Store.ts"

/** Telegram's `message_length_max`, in UTF-16 code units (JavaScript string length). */
export const MESSAGE_LENGTH_MAX = 4096

/**
 * Checks `text` and returns the entities as stored (mentions resolved). `allowEmpty`: a media
 * message may have an empty caption.
 */
export const checkText = (
  store: MessageStore,
  viewer: WorldUser,
  text: string,
  entities: ReadonlyArray<Api.MessageEntity> | undefined,
  allowEmpty = false
): ReadonlyArray<Api.MessageEntity> => {
  if (text.length > MESSAGE_LENGTH_MAX) fail(400, "MESSAGE_TOO_LONG")
  if (!allowEmpty && text.trim() === "") fail(400, "MESSAGE_EMPTY")
  const out: Array<Api.MessageEntity> = []
  for (const e of entities ?? []) {
    if (e.offset < 0 || e.length <= 0 || e.offset + e.length > text.length) fail(400, "ENTITY_BOUNDS_INVALID")
    if (e._tag === "inputMessageEntityMentionName") {
      let user: WorldUser
      try {
        user = resolveInputUser(store, viewer, e.user_id)
      } catch {
        return fail(400, "ENTITY_MENTION_USER_INVALID")
      }
      out.push({ _tag: "messageEntityMentionName", offset: e.offset, length: e.length, user_id: user.id })
    } else out.push(e)
  }
  return out
}

/** Whether two entity lists are the same (for MESSAGE_NOT_MODIFIED). */
export const sameEntities = (a: ReadonlyArray<Api.MessageEntity>, b: ReadonlyArray<Api.MessageEntity>): boolean =>
  a.length === b.length && a.every((e, i) => JSON.stringify(e, bigints) === JSON.stringify(b[i], bigints))

const bigints = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value)
