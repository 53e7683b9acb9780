/**
 * A user's common message box: the one message-id sequence and the one pts shared by the
 * user's private chats and basic groups (core.telegram.org/api/updates), with qts and seq; the
 * messages the user holds; per-dialog read state and folder; pinned dialogs; the answers of
 * sent messages by random_id (de-duplication); contacts; and which users and channels the user
 * has been shown in full (min constructors go out for the others).
 */
import type { Api } from "../../tl/index.ts"
import type { PeerKey, WorldPeer } from "./peers.ts"
import { makePtsLog, type PtsLog } from "./PtsLog.ts"
import type { StoredMessage } from "./StoredMessage.ts"

/**
 * A user's state of one dialog.
 */
export interface DialogState {
  readInboxMaxId: number
  readOutboxMaxId: number
  /** 0: the main list; 1: the archive. */
  folderId: number
}

/**
 * A contact in a user's address book.
 */
export interface Contact {
  readonly firstName: string
  readonly lastName: string
}

/**
 * What a send with a random_id did, so that the same random_id again gets the same answer
 * (and no second message).
 */
export interface SentRecord {
  readonly answer: Api.Updates
  /** Where the messages went, and their ids there (box ids, or channel ids). */
  readonly peer: WorldPeer
  readonly ids: ReadonlyArray<number>
}

/** One user's message box: their message ids, pts and read state. */
export interface UserBox {
  readonly userId: bigint
  /** The common pts and its events. */
  readonly log: PtsLog
  qts: number
  /** The seq of the last `updates`/`updatesCombined` sent to the user (0: none yet). */
  seq: number
  /** The id the next message in this box gets. */
  nextId: number
  readonly messages: Map<number, StoredMessage>
  /** Message ids per private chat or basic group, ascending. */
  readonly idsByPeer: Map<PeerKey, Array<number>>
  /** Read state and folder per dialog (channels included), created on first use. */
  readonly dialogs: Map<PeerKey, DialogState>
  /** Pinned dialogs, in pin order. */
  readonly pinned: Array<PeerKey>
  /** What a messages.sendMessage / forwardMessages did, by random_id. */
  readonly sent: Map<bigint, SentRecord>
  readonly contacts: Map<bigint, Contact>
  /** Users this user has been sent in full (with a usable access_hash). */
  readonly knownUsers: Set<bigint>
  /** Channels this user has been sent in full. */
  readonly knownChannels: Set<bigint>
}

/** How many random_ids a box remembers (the oldest are forgotten first). */
export const SENT_MEMORY = 100_000

/**
 * An empty box for `userId`.
 */
export const makeUserBox = (userId: bigint): UserBox => ({
  userId,
  log: makePtsLog(),
  qts: 0,
  seq: 0,
  nextId: 1,
  messages: new Map(),
  idsByPeer: new Map(),
  dialogs: new Map(),
  pinned: [],
  sent: new Map(),
  contacts: new Map(),
  knownUsers: new Set([userId]),
  knownChannels: new Set()
})

/** The state of one dialog, created (all read, main list) on first use. */
export const dialogState = (box: UserBox, key: PeerKey): DialogState => {
  let state = box.dialogs.get(key)
  if (state === undefined) {
    state = { readInboxMaxId: 0, readOutboxMaxId: 0, folderId: 0 }
    box.dialogs.set(key, state)
  }
  return state
}

/** Remembers the answer to a random_id, forgetting the oldest past {@link SENT_MEMORY}. */
export const rememberSent = (box: UserBox, randomId: bigint, record: SentRecord): void => {
  box.sent.set(randomId, record)
  if (box.sent.size > SENT_MEMORY) box.sent.delete(box.sent.keys().next().value!)
}

/** Removes `id` from an ascending id list (no-op if absent). */
export const removeId = (ids: Array<number>, id: number): void => {
  let lo = 0, hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ids[mid]! < id) lo = mid + 1
    else hi = mid
  }
  if (ids[lo] === id) ids.splice(lo, 1)
}
