/**
 * Basic groups: creating one (`messageActionChatCreate`), adding a user
 * (`messageActionChatAddUser`) and removing one or leaving (`messageActionChatDeleteUser`).
 * Each is a service message posted to every participant's box.
 */
import type { Api } from "../../../tl/index.ts"
import type { WorldUser } from "../World.ts"
import { CHAT_SIZE_MAX, type WorldChat } from "../BasicGroup.ts"
import { fail, type MessageStore, type Origin } from "../Store.ts"
import { announce } from "./announce.ts"
import { post } from "./post.ts"

const serviceMessage = (store: MessageStore, actor: WorldUser, chat: WorldChat, action: Api.MessageAction, date: number) =>
  post(store, actor, chat, [{ text: "", entities: [], action }], date).perUser

/**
 * `creator` creates a basic group `title` with `members`.
 */
export const createChat = (
  store: MessageStore,
  creator: WorldUser,
  members: ReadonlyArray<WorldUser>,
  title: string,
  date: number,
  origin: Origin
): { readonly answer: Api.Updates; readonly chat: WorldChat } => {
  if (title.trim() === "") return fail(400, "CHAT_TITLE_EMPTY")
  const others = [...new Map(members.filter((u) => u.id !== creator.id).map((u) => [u.id, u])).values()]
  if (others.length === 0) return fail(400, "USERS_TOO_FEW")
  if (others.length + 1 > CHAT_SIZE_MAX) return fail(400, "USERS_TOO_MUCH")
  const chat: WorldChat = {
    kind: "chat",
    id: store.nextChatId++,
    title,
    creatorId: creator.id,
    date,
    version: 1,
    participants: new Map()
  }
  for (const u of [creator, ...others]) {
    chat.participants.set(u.id, { userId: u.id, inviterId: creator.id, date, admin: false })
  }
  store.chats.set(chat.id, chat)
  const perUser = serviceMessage(store, creator, chat, {
    _tag: "messageActionChatCreate",
    title,
    users: [creator.id, ...others.map((u) => u.id)]
  }, date)
  return { answer: announce(store, creator.id, perUser, date, origin), chat }
}

/**
 * `actor` adds `user` to `chat`.
 */
export const addChatUser = (
  store: MessageStore,
  actor: WorldUser,
  chat: WorldChat,
  user: WorldUser,
  date: number,
  origin: Origin
): Api.Updates => {
  if (!chat.participants.has(actor.id)) return fail(403, "CHAT_WRITE_FORBIDDEN")
  if (chat.participants.has(user.id)) return fail(400, "USER_ALREADY_PARTICIPANT")
  if (chat.participants.size >= CHAT_SIZE_MAX) return fail(400, "USERS_TOO_MUCH")
  chat.participants.set(user.id, { userId: user.id, inviterId: actor.id, date, admin: false })
  chat.version++
  const perUser = serviceMessage(store, actor, chat, { _tag: "messageActionChatAddUser", users: [user.id] }, date)
  return announce(store, actor.id, perUser, date, origin)
}

/**
 * `actor` removes `user` from `chat` (the creator or an admin may remove anyone; anyone may leave).
 */
export const deleteChatUser = (
  store: MessageStore,
  actor: WorldUser,
  chat: WorldChat,
  user: WorldUser,
  date: number,
  origin: Origin
): Api.Updates => {
  if (!chat.participants.has(user.id)) return fail(400, "USER_NOT_PARTICIPANT")
  const mayKick = chat.creatorId === actor.id || chat.participants.get(actor.id)?.admin === true
  if (actor.id !== user.id && !mayKick) return fail(400, "CHAT_ADMIN_REQUIRED")
  // Posted first: the removed user gets the service message too.
  const perUser = serviceMessage(store, actor, chat, { _tag: "messageActionChatDeleteUser", user_id: user.id }, date)
  chat.participants.delete(user.id)
  chat.version++
  return announce(store, actor.id, perUser, date, origin)
}
