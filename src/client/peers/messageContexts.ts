/**
 * Where a peer was seen (pure): for every message in a TL value, the chat and message id it
 * appeared in, for each user and channel the message mentions (sender, forward source, service
 * action, mention entity). A min peer (core.telegram.org/api/min) can only be used through
 * `inputPeerUserFromMessage` / `inputPeerChannelFromMessage` with such a context.
 */
import type { PeerKind } from "../../storage/index.ts"
import { type Api, walkObjects } from "../../tl/index.ts"

/**
 * A message a peer appeared in.
 */
export interface MessageContext {
  /** The chat of the message. */
  readonly chat: Api.Peer
  readonly msgId: number
}

/**
 * One sighting: peer (kind, id) was mentioned by the message `context`.
 */
export interface Sighting {
  readonly kind: Exclude<PeerKind, "chat">
  readonly id: bigint
  readonly context: MessageContext
}

const MESSAGE_TAGS: ReadonlySet<string> = new Set(["message", "messageService"])

const sightingsOf = (m: Api.message | Api.messageService, out: Array<Sighting>) => {
  const context: MessageContext = { chat: m.peer_id, msgId: m.id }
  const see = (p: Api.Peer | undefined) => {
    if (p?._tag === "peerUser") out.push({ kind: "user", id: p.user_id, context })
    else if (p?._tag === "peerChannel") out.push({ kind: "channel", id: p.channel_id, context })
  }
  see(m.from_id)
  if (m._tag === "messageService") {
    const a = m.action
    if (a._tag === "messageActionChatCreate" || a._tag === "messageActionChatAddUser") {
      for (const id of a.users) out.push({ kind: "user", id, context })
    } else if (a._tag === "messageActionChatDeleteUser") out.push({ kind: "user", id: a.user_id, context })
    return
  }
  see(m.fwd_from?.from_id)
  for (const e of m.entities ?? []) if (e._tag === "messageEntityMentionName") out.push({ kind: "user", id: e.user_id, context })
}

/**
 * Every sighting in a TL value (an answer, an update, or arrays of them).
 */
export const sightings = (root: unknown): ReadonlyArray<Sighting> => {
  const out: Array<Sighting> = []
  walkObjects(root, (value) => {
    const tag = (value as { readonly _tag?: unknown })._tag
    if (typeof tag !== "string" || !MESSAGE_TAGS.has(tag)) return true
    sightingsOf(value as Api.message | Api.messageService, out)
    return false
  })
  return out
}
