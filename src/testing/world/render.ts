/**
 * How the World's users, chats, channels and messages look on the wire to one viewer, and the
 * `users`/`chats` vectors that go with an answer or an update.
 *
 * Min constructors (core.telegram.org/api/min): in a channel a viewer may meet users, and in
 * forwards channels, it was never sent in full; those go out with `min: true` and an access
 * hash the DC refuses outside `inputPeerUserFromMessage`/`inputPeerChannelFromMessage`.
 * Everything sent in full is remembered in the viewer's box.
 */
import type { Api } from "../../tl/index.ts"
import type { WorldUser } from "./World.ts"
import type { WorldChat } from "./BasicGroup.ts"
import { ALL_RIGHTS, type WorldChannel } from "./Channel.ts"
import { apiPeer } from "./peers.ts"
import { boxOf, type MessageStore } from "./Store.ts"
import type { StoredMessage } from "./StoredMessage.ts"

/**
 * The `user` object for `user`, as Telegram sends it to the account itself (`self`, with the
 * phone) or to others.
 */
export const apiUser = (user: WorldUser, self = false): Api.user => ({
  _tag: "user",
  ...(self ? { self: true } : {}),
  ...(user.bot === true ? { bot: true, bot_info_version: 1 } : {}),
  id: user.id,
  access_hash: user.accessHash,
  first_name: user.firstName,
  ...(user.lastName !== undefined ? { last_name: user.lastName } : {}),
  ...(user.username !== undefined ? { username: user.username } : {}),
  ...(self && user.phone !== undefined ? { phone: user.phone } : {}),
  ...(user.bot === true ? {} : { status: { _tag: "userStatusRecently" } })
})

/** The access hash min constructors carry: not valid for a direct inputPeerUser/inputPeerChannel. */
export const minAccessHash = (accessHash: bigint): bigint => accessHash ^ 0x2d6d696e6d696en

/**
 * `user` as `viewer` sees it: full (and remembered as known) unless `mayBeMin` and the viewer
 * was never sent it in full; contacts see the phone and the contact flags.
 */
export const renderUser = (store: MessageStore, viewer: bigint, user: WorldUser, mayBeMin = false): Api.user => {
  const box = boxOf(store, viewer)
  if (mayBeMin && !box.knownUsers.has(user.id)) {
    return {
      _tag: "user",
      min: true,
      ...(user.bot === true ? { bot: true, bot_info_version: 1 } : {}),
      id: user.id,
      access_hash: minAccessHash(user.accessHash),
      first_name: user.firstName,
      ...(user.lastName !== undefined ? { last_name: user.lastName } : {}),
      ...(user.username !== undefined ? { username: user.username } : {})
    }
  }
  box.knownUsers.add(user.id)
  const base = apiUser(user, user.id === viewer)
  if (!box.contacts.has(user.id)) return base
  const mutual = store.boxes.get(user.id)?.contacts.has(viewer) === true
  return {
    ...base,
    contact: true,
    ...(mutual ? { mutual_contact: true } : {}),
    ...(user.phone !== undefined ? { phone: user.phone } : {})
  }
}

/** A basic group as `viewer` sees it. */
export const renderChat = (chat: WorldChat, viewer: bigint): Api.chat => {
  const member = chat.participants.get(viewer)
  return {
    _tag: "chat",
    ...(member !== undefined && chat.creatorId === viewer ? { creator: true } : {}),
    ...(member === undefined ? { left: true } : {}),
    id: chat.id,
    title: chat.title,
    photo: { _tag: "chatPhotoEmpty" },
    participants_count: chat.participants.size,
    date: chat.date,
    version: chat.version,
    ...(member?.admin === true ? { admin_rights: ALL_RIGHTS } : {})
  }
}

/** A channel as `viewer` sees it: min when `mayBeMin` and the viewer is not in it and never was sent it. */
export const renderChannel = (store: MessageStore, viewer: bigint, channel: WorldChannel, mayBeMin = false): Api.channel => {
  const member = channel.members.get(viewer)
  const box = boxOf(store, viewer)
  const min = mayBeMin && member === undefined && !box.knownChannels.has(channel.id)
  if (!min) box.knownChannels.add(channel.id)
  const creator = member !== undefined && channel.creatorId === viewer
  const rights = creator ? ALL_RIGHTS : member?.adminRights
  return {
    _tag: "channel",
    ...(creator ? { creator: true } : {}),
    ...(member === undefined && !min ? { left: true } : {}),
    ...(channel.broadcast ? { broadcast: true } : { megagroup: true }),
    ...(min ? { min: true } : {}),
    id: channel.id,
    access_hash: min ? minAccessHash(channel.accessHash) : channel.accessHash,
    title: channel.title,
    ...(channel.username !== undefined ? { username: channel.username } : {}),
    photo: { _tag: "chatPhotoEmpty" },
    date: channel.date,
    ...(rights !== undefined && !min ? { admin_rights: rights } : {}),
    ...(min ? {} : { participants_count: channel.members.size })
  }
}

/**
 * A stored message as `viewer` sees it. Box copies belong to one viewer already; channel
 * messages are `out` for their author. `viewer` undefined: the neutral view of a channel
 * message (no `out`), as the channel's pts log keeps it.
 */
export const renderMessage = (msg: StoredMessage, viewer: bigint | undefined): Api.Message => {
  const inChannel = msg.peer.kind === "channel"
  const out = inChannel ? viewer !== undefined && msg.authorId === viewer : msg.out
  // Private chats carry no from_id (the peer says who); broadcast posts hide their author.
  const fromId: Api.Peer | undefined = msg.peer.kind === "user" || msg.post
    ? undefined
    : { _tag: "peerUser", user_id: msg.authorId }
  const common = {
    ...(out ? { out: true } : {}),
    ...(msg.silent ? { silent: true } : {}),
    ...(msg.post ? { post: true } : {}),
    id: msg.id,
    ...(fromId !== undefined ? { from_id: fromId } : {}),
    peer_id: apiPeer(msg.peer),
    ...(msg.replyToId !== undefined
      ? { reply_to: { _tag: "messageReplyHeader", reply_to_msg_id: msg.replyToId } satisfies Api.messageReplyHeader }
      : {}),
    date: msg.date
  }
  if (msg.action !== undefined) return { _tag: "messageService", ...common, action: msg.action }
  return {
    _tag: "message",
    ...common,
    ...(msg.pinned ? { pinned: true } : {}),
    ...(msg.fwdFrom !== undefined ? { fwd_from: msg.fwdFrom } : {}),
    message: msg.text,
    ...(msg.media !== undefined ? { media: msg.media } : {}),
    ...(msg.replyMarkup !== undefined ? { reply_markup: msg.replyMarkup } : {}),
    ...(msg.entities.length > 0 ? { entities: msg.entities } : {}),
    ...(msg.editDate !== undefined ? { edit_date: msg.editDate } : {})
  }
}

/**
 * The users and chats an answer or update mentions, each marked whether a min constructor
 * will do (only met in a channel, or as a forward's source).
 */
export class Refs {
  readonly users = new Map<bigint, boolean>()
  readonly chats = new Set<bigint>()
  readonly channels = new Map<bigint, boolean>()

  user(id: bigint, mayBeMin = false): this {
    this.users.set(id, (this.users.get(id) ?? true) && mayBeMin)
    return this
  }
  channel(id: bigint, mayBeMin = false): this {
    this.channels.set(id, (this.channels.get(id) ?? true) && mayBeMin)
    return this
  }
  peer(peer: Api.Peer, mayBeMin = false): this {
    if (peer._tag === "peerUser") return this.user(peer.user_id, mayBeMin)
    if (peer._tag === "peerChat") {
      this.chats.add(peer.chat_id)
      return this
    }
    return this.channel(peer.channel_id, mayBeMin)
  }
  message(m: Api.Message): this {
    if (m._tag === "messageEmpty") return this
    const inChannel = m.peer_id._tag === "peerChannel"
    this.peer(m.peer_id)
    if (m.from_id !== undefined) this.peer(m.from_id, inChannel)
    if (m._tag === "messageService") {
      const a = m.action
      if (a._tag === "messageActionChatCreate" || a._tag === "messageActionChatAddUser") {
        for (const u of a.users) this.user(u, inChannel)
      } else if (a._tag === "messageActionChatDeleteUser") this.user(a.user_id, inChannel)
      else if (a._tag === "messageActionChatJoinedByLink") this.user(a.inviter_id, inChannel)
      return this
    }
    if (m.fwd_from?.from_id !== undefined) this.peer(m.fwd_from.from_id, true)
    for (const e of m.entities ?? []) if (e._tag === "messageEntityMentionName") this.user(e.user_id, true)
    return this
  }
  update(u: Api.Update): this {
    switch (u._tag) {
      case "updateNewMessage":
      case "updateEditMessage":
      case "updateNewChannelMessage":
      case "updateEditChannelMessage":
        return this.message(u.message)
      case "updateReadHistoryInbox":
      case "updateReadHistoryOutbox":
      case "updatePinnedMessages":
        return this.peer(u.peer)
      case "updateChannel":
      case "updateDeleteChannelMessages":
      case "updateReadChannelInbox":
      case "updateReadChannelOutbox":
      case "updatePinnedChannelMessages":
        return this.channel(u.channel_id)
      case "updateUserName":
      case "updateBotInlineQuery":
        return this.user(u.user_id)
      case "updateBotCallbackQuery":
        return this.user(u.user_id).peer(u.peer)
      case "updateFolderPeers":
        for (const f of u.folder_peers) this.peer(f.peer)
        return this
      case "updateDialogPinned":
        if (u.peer._tag === "dialogPeer") this.peer(u.peer.peer)
        return this
      default:
        return this
    }
  }
}

/** The `users` and `chats` vectors of `refs` as `viewer` sees them (unknown ids are left out). */
export const vectors = (
  store: MessageStore,
  viewer: bigint,
  refs: Refs
): { readonly users: Array<Api.User>; readonly chats: Array<Api.Chat> } => {
  const users: Array<Api.User> = []
  const chats: Array<Api.Chat> = []
  for (const [id, mayBeMin] of refs.users) {
    const user = store.users.get(id)
    if (user !== undefined) users.push(renderUser(store, viewer, user, mayBeMin))
  }
  for (const id of refs.chats) {
    const chat = store.chats.get(id)
    if (chat !== undefined) chats.push(renderChat(chat, viewer))
  }
  for (const [id, mayBeMin] of refs.channels) {
    const channel = store.channels.get(id)
    if (channel !== undefined) chats.push(renderChannel(store, viewer, channel, mayBeMin))
  }
  return { users, chats }
}

/** Updates of the common box (their pts is the user's): an `updates` holding one gets a seq. */
const COMMON_PTS = new Set([
  "updateNewMessage",
  "updateEditMessage",
  "updateDeleteMessages",
  "updateReadHistoryInbox",
  "updateReadHistoryOutbox",
  "updatePinnedMessages",
  "updateFolderPeers"
])

/**
 * An `updates` for `viewer` with the users and chats its updates mention. It takes the
 * viewer's next seq when it carries a common-box pts update (channel-only ones have seq 0);
 * the caller sends the same object to every session of the viewer so they agree on seq.
 */
export const updatesFor = (store: MessageStore, viewer: bigint, list: ReadonlyArray<Api.Update>, date: number): Api.updates => {
  const refs = new Refs()
  for (const u of list) refs.update(u)
  const { users, chats } = vectors(store, viewer, refs)
  const box = boxOf(store, viewer)
  const seq = list.some((u) => COMMON_PTS.has(u._tag)) ? ++box.seq : 0
  return { _tag: "updates", updates: list, users, chats, date, seq }
}
