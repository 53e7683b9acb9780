/**
 * Entities as the server takes them: a mention by id (`messageEntityMentionName`) goes out as
 * `inputMessageEntityMentionName` with the user's InputUser. Shared by `Messages` and the
 * inline answers of `Bot`.
 */
import * as Effect from "effect/Effect"
import type { Api } from "../../tl/index.ts"
import { inputUserOf } from "../peers/inputPeers.ts"
import { resolveRef } from "../peers/resolve.ts"

/** The entities to send; mentions of peers that are not users are dropped (the server would refuse them). */
export const inputEntities = Effect.fnUntraced(function*(entities: ReadonlyArray<Api.MessageEntity>) {
  const out: Array<Api.MessageEntity> = []
  for (const e of entities) {
    if (e._tag !== "messageEntityMentionName") {
      out.push(e)
      continue
    }
    const user = inputUserOf(yield* resolveRef(e.user_id))
    if (user === undefined) continue
    out.push({ _tag: "inputMessageEntityMentionName", offset: e.offset, length: e.length, user_id: user })
  }
  return out
})
