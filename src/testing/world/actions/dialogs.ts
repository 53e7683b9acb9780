/**
 * Arranging a user's dialog list: pinning a dialog (at most 5, as Telegram allows without
 * Premium) and moving dialogs between the main list and the archive (folder 1), which advances
 * the user's pts by the number moved (`updateFolderPeers`).
 */
import type { Api } from "../../../tl/index.ts"
import { apiPeer, peerKey, type WorldPeer } from "../peers.ts"
import { updatesFor } from "../render.ts"
import { boxOf, deliver, fail, type MessageStore, type Origin } from "../Store.ts"
import { dialogState } from "../UserBox.ts"

/** How many dialogs a user may pin. */
export const PINNED_MAX = 5

/**
 * `userId` pins or unpins the dialog with `peer`; the user's other sessions get `updateDialogPinned`.
 */
export const toggleDialogPin = (
  store: MessageStore,
  userId: bigint,
  peer: WorldPeer,
  pinned: boolean,
  date: number,
  origin: Origin
): void => {
  const box = boxOf(store, userId)
  const key = peerKey(peer)
  const at = box.pinned.indexOf(key)
  if (pinned === at >= 0) return
  if (pinned) {
    if (box.pinned.length >= PINNED_MAX) fail(400, "PINNED_DIALOGS_TOO_MUCH")
    box.pinned.unshift(key)
  } else box.pinned.splice(at, 1)
  deliver(store, userId, {
    _tag: "updateShort",
    update: { _tag: "updateDialogPinned", ...(pinned ? { pinned: true } : {}), peer: { _tag: "dialogPeer", peer: apiPeer(peer) } },
    date
  }, origin)
}

/**
 * `userId` moves dialogs to folders (0: main list, 1: archive).
 */
export const editPeerFolders = (
  store: MessageStore,
  userId: bigint,
  moves: ReadonlyArray<{ readonly peer: WorldPeer; readonly folderId: number }>,
  date: number,
  origin: Origin
): Api.Updates => {
  for (const m of moves) if (m.folderId !== 0 && m.folderId !== 1) fail(400, "FOLDER_ID_INVALID")
  const box = boxOf(store, userId)
  const changed = moves.filter((m) => (box.dialogs.get(peerKey(m.peer))?.folderId ?? 0) !== m.folderId)
  if (changed.length === 0) return updatesFor(store, userId, [], date)
  for (const m of changed) dialogState(box, peerKey(m.peer)).folderId = m.folderId
  const update = box.log.advance(date, changed.length, (pts) => ({
    _tag: "updateFolderPeers",
    folder_peers: changed.map((m): Api.FolderPeer => ({ _tag: "folderPeer", peer: apiPeer(m.peer), folder_id: m.folderId })),
    pts,
    pts_count: changed.length
  }))
  const answer = updatesFor(store, userId, [update], date)
  deliver(store, userId, answer, origin)
  return answer
}
