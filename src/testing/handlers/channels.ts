/**
 * `channels.*`: supergroups and broadcast channels (create, join, leave, invite, admins,
 * usernames), their messages (get, delete, read) and their descriptions.
 */
import type { Api } from "../../tl/index.ts"
import {
  createChannel,
  editAdmin,
  inviteToChannel,
  joinChannel,
  leaveChannel,
  setChannelUsername
} from "../world/actions/channels.ts"
import { deleteChannelMessages } from "../world/actions/delete.ts"
import { readChannelHistory } from "../world/actions/read.ts"
import { hasRight } from "../world/Channel.ts"
import { messagesAnswer } from "../world/history.ts"
import { readable, resolveInputChannel, resolveInputUser } from "../world/inputs.ts"
import { peerKey } from "../world/peers.ts"
import { renderChannel, renderMessage } from "../world/render.ts"
import { boxOf } from "../world/Store.ts"
import { usernameAvailable } from "../world/usernames.ts"
import { asUser } from "./acting.ts"
import type { Handlers } from "./core.ts"

/** TestDc's `channels.*` methods. */
export const channelsHandlers: Handlers = {
  "channels.createChannel": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      createChannel(store, me, { title: request.title, about: request.about, broadcast: request.megagroup !== true }, now, origin).answer),

  "channels.joinChannel": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => joinChannel(store, me, resolveInputChannel(store, me, request.channel), now, origin)),

  "channels.leaveChannel": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => leaveChannel(store, me, resolveInputChannel(store, me, request.channel), now, origin)),

  "channels.inviteToChannel": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => ({
      _tag: "messages.invitedUsers",
      updates: inviteToChannel(
        store,
        me,
        resolveInputChannel(store, me, request.channel),
        request.users.map((u) => resolveInputUser(store, me, u)),
        now,
        origin
      ),
      missing_invitees: []
    } satisfies Api.messages.invitedUsers)),

  "channels.editAdmin": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      editAdmin(
        store,
        me,
        resolveInputChannel(store, me, request.channel),
        resolveInputUser(store, me, request.user_id),
        request.admin_rights,
        request.rank,
        now,
        origin
      )),

  "channels.checkUsername": (request, ctx) =>
    asUser(ctx, ({ me, store }) => usernameAvailable(store, resolveInputChannel(store, me, request.channel), request.username)),

  "channels.updateUsername": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      setChannelUsername(store, me, resolveInputChannel(store, me, request.channel), request.username)
      return true
    }),

  "channels.deleteMessages": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      deleteChannelMessages(store, me, resolveInputChannel(store, me, request.channel), request.id, now, origin)),

  "channels.readHistory": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => {
      readChannelHistory(store, me, resolveInputChannel(store, me, request.channel), request.max_id, now, origin)
      return true
    }),

  "channels.getMessages": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      const channel = readable(resolveInputChannel(store, me, request.channel), me.id)
      const list = request.id.map((input): Api.Message => {
        const id = input._tag === "inputMessageID" || input._tag === "inputMessageReplyTo" ? input.id : 0
        let msg = channel.messages.get(id)
        if (input._tag === "inputMessageReplyTo") msg = msg?.replyToId === undefined ? undefined : channel.messages.get(msg.replyToId)
        if (input._tag === "inputMessagePinned") {
          const pinned = [...channel.ids].reverse().find((i) => channel.messages.get(i)!.pinned)
          msg = pinned === undefined ? undefined : channel.messages.get(pinned)
        }
        return msg === undefined ? { _tag: "messageEmpty", id } : renderMessage(msg, me.id)
      })
      return messagesAnswer(store, me.id, channel, list, list.length, 0)
    }),

  "channels.getChannels": (request, ctx) =>
    asUser(ctx, ({ me, store }) => ({
      _tag: "messages.chats",
      chats: request.id.map((input) => renderChannel(store, me.id, resolveInputChannel(store, me, input)))
    } satisfies Api.messages.chats)),

  "channels.getFullChannel": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      const channel = readable(resolveInputChannel(store, me, request.channel), me.id)
      const state = boxOf(store, me.id).dialogs.get(peerKey(channel))
      const readInbox = state?.readInboxMaxId ?? 0
      let unread = 0
      for (let i = channel.ids.length - 1; i >= 0 && channel.ids[i]! > readInbox; i--) {
        if (channel.messages.get(channel.ids[i]!)!.authorId !== me.id) unread++
      }
      const admins = [...channel.members.values()].filter((m) => m.adminRights !== undefined || m.userId === channel.creatorId)
      const pinned = [...channel.ids].reverse().find((i) => channel.messages.get(i)!.pinned)
      return {
        _tag: "messages.chatFull",
        full_chat: {
          _tag: "channelFull",
          ...(!channel.broadcast || hasRight(channel, me.id, "ban_users") ? { can_view_participants: true } : {}),
          ...(channel.creatorId === me.id ? { can_set_username: true } : {}),
          id: channel.id,
          about: channel.about,
          participants_count: channel.members.size,
          admins_count: admins.length,
          read_inbox_max_id: readInbox,
          read_outbox_max_id: channel.readMaxId,
          unread_count: channel.members.has(me.id) ? unread : 0,
          chat_photo: { _tag: "photoEmpty", id: 0n },
          notify_settings: { _tag: "peerNotifySettings" },
          bot_info: [],
          ...(pinned !== undefined ? { pinned_msg_id: pinned } : {}),
          pts: channel.log.pts
        },
        chats: [renderChannel(store, me.id, channel)],
        users: []
      } satisfies Api.messages.chatFull
    })
}
