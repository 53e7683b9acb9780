/**
 * Supergroups and broadcast channels: creating one (`messageActionChannelCreate`, message 1),
 * joining and leaving (a service message in supergroups; nothing in broadcasts), inviting,
 * admin rights, the public username. Members are told with `updateChannel`.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { hasRight, type WorldChannel } from "../Channel.ts"
import { peerKey } from "../peers.ts"
import { makePtsLog } from "../PtsLog.ts"
import { boxOf, fail, type MessageStore, type Origin } from "../Store.ts"
import { checkNewUsername } from "../usernames.ts"
import { dialogState } from "../UserBox.ts"
import { addUpdates, announce } from "./announce.ts"
import { post } from "./post.ts"

/** What a new channel or supergroup is made with. */
export interface NewChannel {
  readonly title: string
  readonly about?: string | undefined
  /** A broadcast channel (default); `false`: a supergroup. */
  readonly broadcast?: boolean | undefined
}

/** Telegram's limit of a channel's description. */
export const ABOUT_MAX = 255

const updateChannel = (channel: WorldChannel): Api.updateChannel => ({ _tag: "updateChannel", channel_id: channel.id })

/** New members start with everything so far read, as a fresh subscription does. */
const startReadAtTop = (store: MessageStore, channel: WorldChannel, userId: bigint) => {
  dialogState(boxOf(store, userId), peerKey(channel)).readInboxMaxId = channel.ids[channel.ids.length - 1] ?? 0
}

/**
 * `creator` creates a channel.
 */
export const createChannel = (
  store: MessageStore,
  creator: WorldUser,
  spec: NewChannel,
  date: number,
  origin: Origin
): { readonly answer: Api.Updates; readonly channel: WorldChannel } => {
  if (spec.title.trim() === "") return fail(400, "CHAT_TITLE_EMPTY")
  if ((spec.about ?? "").length > ABOUT_MAX) return fail(400, "CHAT_ABOUT_TOO_LONG")
  const id = store.nextChannelId++
  const channel: WorldChannel = {
    kind: "channel",
    id,
    // Stable and predictable like users' hashes, in another range.
    accessHash: (id * 104729n) ^ 0x3c3c3c3cn,
    title: spec.title,
    about: spec.about ?? "",
    username: undefined,
    broadcast: spec.broadcast !== false,
    creatorId: creator.id,
    date,
    members: new Map([[creator.id, { userId: creator.id, inviterId: creator.id, date, adminRights: undefined, rank: undefined }]]),
    log: makePtsLog(),
    nextId: 1,
    messages: new Map(),
    ids: [],
    readMaxId: 0
  }
  store.channels.set(id, channel)
  const perUser = new Map<bigint, Array<Api.Update>>([[creator.id, [updateChannel(channel)]]])
  const posted = post(store, creator, channel, [{ text: "", entities: [], action: { _tag: "messageActionChannelCreate", title: spec.title } }], date)
  addUpdates(perUser, creator.id, ...posted.perUser.get(creator.id)!)
  startReadAtTop(store, channel, creator.id)
  return { answer: announce(store, creator.id, perUser, date, origin), channel }
}

/** Adds `users` (by `inviter`) and posts the supergroup's service message; every newcomer gets updateChannel. */
const admit = (
  store: MessageStore,
  inviter: WorldUser,
  channel: WorldChannel,
  users: ReadonlyArray<WorldUser>,
  date: number,
  origin: Origin
): Api.Updates => {
  for (const u of users) {
    channel.members.set(u.id, { userId: u.id, inviterId: inviter.id, date, adminRights: undefined, rank: undefined })
    startReadAtTop(store, channel, u.id)
  }
  const perUser = new Map<bigint, Array<Api.Update>>()
  for (const u of users) addUpdates(perUser, u.id, updateChannel(channel))
  if (!channel.broadcast) {
    const posted = post(store, inviter, channel, [{
      text: "",
      entities: [],
      action: { _tag: "messageActionChatAddUser", users: users.map((u) => u.id) }
    }], date)
    for (const [u, list] of posted.perUser) addUpdates(perUser, u, ...list)
  }
  return announce(store, inviter.id, perUser, date, origin)
}

/**
 * `user` joins a public channel (CHANNEL_PRIVATE for a private one: those need an invite).
 */
export const joinChannel = (store: MessageStore, user: WorldUser, channel: WorldChannel, date: number, origin: Origin): Api.Updates => {
  if (channel.members.has(user.id)) return fail(400, "USER_ALREADY_PARTICIPANT")
  if (channel.username === undefined) return fail(400, "CHANNEL_PRIVATE")
  return admit(store, user, channel, [user], date, origin)
}

/**
 * `actor` invites `users` (members may invite to supergroups; broadcasts need the invite right).
 */
export const inviteToChannel = (
  store: MessageStore,
  actor: WorldUser,
  channel: WorldChannel,
  users: ReadonlyArray<WorldUser>,
  date: number,
  origin: Origin
): Api.Updates => {
  if (!channel.members.has(actor.id)) return fail(403, "CHAT_WRITE_FORBIDDEN")
  if (channel.broadcast && !hasRight(channel, actor.id, "invite_users")) return fail(400, "CHAT_ADMIN_REQUIRED")
  const fresh = [...new Map(users.filter((u) => !channel.members.has(u.id)).map((u) => [u.id, u])).values()]
  if (fresh.length === 0) return fail(400, "USER_ALREADY_PARTICIPANT")
  return admit(store, actor, channel, fresh, date, origin)
}

/**
 * `user` leaves `channel`.
 */
export const leaveChannel = (store: MessageStore, user: WorldUser, channel: WorldChannel, date: number, origin: Origin): Api.Updates => {
  if (!channel.members.has(user.id)) return fail(400, "USER_NOT_PARTICIPANT")
  const perUser = new Map<bigint, Array<Api.Update>>()
  if (!channel.broadcast) {
    const posted = post(store, user, channel, [{
      text: "",
      entities: [],
      action: { _tag: "messageActionChatDeleteUser", user_id: user.id }
    }], date)
    for (const [u, list] of posted.perUser) if (u !== user.id) addUpdates(perUser, u, ...list)
  }
  channel.members.delete(user.id)
  addUpdates(perUser, user.id, updateChannel(channel))
  return announce(store, user.id, perUser, date, origin)
}

/**
 * `actor` gives `user` admin `rights` (none set: no longer an admin) with an optional `rank`.
 */
export const editAdmin = (
  store: MessageStore,
  actor: WorldUser,
  channel: WorldChannel,
  user: WorldUser,
  rights: Api.chatAdminRights,
  rank: string | undefined,
  date: number,
  origin: Origin
): Api.Updates => {
  if (!hasRight(channel, actor.id, "add_admins")) return fail(400, "CHAT_ADMIN_REQUIRED")
  const member = channel.members.get(user.id) ?? fail(400, "USER_NOT_PARTICIPANT")
  if (user.id === channel.creatorId) return fail(400, "USER_CREATOR")
  const any = Object.entries(rights).some(([k, v]) => k !== "_tag" && v === true)
  member.adminRights = any ? rights : undefined
  member.rank = any ? rank : undefined
  const perUser = new Map<bigint, Array<Api.Update>>()
  addUpdates(perUser, actor.id, updateChannel(channel))
  addUpdates(perUser, user.id, updateChannel(channel))
  return announce(store, actor.id, perUser, date, origin)
}

/**
 * `actor` (the creator) sets or clears (`""`) the channel's public username.
 */
export const setChannelUsername = (store: MessageStore, actor: WorldUser, channel: WorldChannel, username: string): void => {
  if (!(channel.creatorId === actor.id && channel.members.has(actor.id))) fail(400, "CHAT_ADMIN_REQUIRED")
  checkNewUsername(store, channel, username)
  channel.username = username === "" ? undefined : username
}
