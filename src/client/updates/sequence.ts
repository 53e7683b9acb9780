/**
 * Which event sequence an update belongs to (core.telegram.org/api/updates#message-related-event-sequences):
 * the common message box (pts: private chats and basic groups), the secondary sequence (qts:
 * secret chats and certain bot updates, always one event each), or one channel's message box
 * (pts per channel). Updates with none of these are not ordered and pass straight through.
 */
import type { Api } from "../../tl/index.ts"

/**
 * A sequence of ordered events: `"common"`, `"secondary"` (qts), or a channel id.
 */
export type SequenceKey = "common" | "secondary" | bigint

/**
 * Where an update sits in its sequence: `pts` is the remote state after it, `count` the number
 * of events it holds, so the state before it is `pts - count`.
 */
export interface PtsInfo {
  readonly sequence: SequenceKey
  readonly pts: number
  readonly count: number
}

const info = (sequence: SequenceKey, pts: number, count: number): PtsInfo | undefined =>
  // Telegram sends pts/qts 0 on some updates (e.g. updateChannelParticipant) among ordered ones:
  // 0 means "not ordered", and checking it would only produce false gaps.
  pts === 0 ? undefined : { sequence, pts, count }

/**
 * The channel a message lives in (`undefined` outside channels, or for `messageEmpty` without a peer).
 */
export const messageChannelId = (message: Api.Message): bigint | undefined => {
  const peer = message.peer_id
  return peer?._tag === "peerChannel" ? peer.channel_id : undefined
}

/**
 * The sequence position of an update, or `undefined` for updates outside every sequence
 * (typing, user status, ...) and for `updateChannelTooLong`, which is a request to fetch, not
 * an event. A channel message without a channel peer (`messageEmpty`) has no position either:
 * there is no way to tell which channel its pts belongs to.
 */
export const ptsInfo = (update: Api.Update): PtsInfo | undefined => {
  switch (update._tag) {
    case "updateNewMessage":
    case "updateDeleteMessages":
    case "updateReadHistoryInbox":
    case "updateReadHistoryOutbox":
    case "updateWebPage":
    case "updateReadMessagesContents":
    case "updateEditMessage":
    case "updateFolderPeers":
    case "updatePinnedMessages":
      return info("common", update.pts, update.pts_count)
    case "updateNewChannelMessage":
    case "updateEditChannelMessage": {
      const channelId = messageChannelId(update.message)
      return channelId === undefined ? undefined : info(channelId, update.pts, update.pts_count)
    }
    case "updateDeleteChannelMessages":
    case "updateChannelWebPage":
    case "updatePinnedChannelMessages":
      return info(update.channel_id, update.pts, update.pts_count)
    case "updateReadChannelInbox":
      // carries the channel's pts but no count: it is not an event of its own
      return info(update.channel_id, update.pts, 0)
    // > events are never grouped, so it's assumed that qts_count is always equal to 1
    case "updateNewEncryptedMessage":
    case "updateMessagePollVote":
    case "updateChatParticipant":
    case "updateChannelParticipant":
    case "updateBotStopped":
    case "updateBotChatInviteRequester":
    case "updateBotChatBoost":
    case "updateBotMessageReaction":
    case "updateBotMessageReactions":
    case "updateBotBusinessConnect":
    case "updateBotNewBusinessMessage":
    case "updateBotEditBusinessMessage":
    case "updateBotDeleteBusinessMessage":
    case "updateBotPurchasedPaidMedia":
      return info("secondary", update.qts, 1)
    default:
      return undefined
  }
}
