/**
 * The `messages.*` methods (and `folders.editPeerFolders`) over the World's message store:
 * sending, editing, deleting, forwarding, reading and pinning messages; history, search and
 * dialogs; basic groups. Answers are shaped as Telegram's, with `users`/`chats` filled.
 */
import type { Api } from "../../tl/index.ts"
import { deleteMessages } from "../world/actions/delete.ts"
import { editPeerFolders, toggleDialogPin } from "../world/actions/dialogs.ts"
import { editMessage } from "../world/actions/edit.ts"
import { addChatUser, createChat, deleteChatUser } from "../world/actions/groups.ts"
import { fileMedia, type MediaContext } from "../world/actions/media.ts"
import { pinMessage } from "../world/actions/pin.ts"
import { readHistory } from "../world/actions/read.ts"
import { forwardMessages, sendMessage } from "../world/actions/send.ts"
import type { WorldChat } from "../world/BasicGroup.ts"
import { dialogEntry, dialogsAnswerParts, getDialogs } from "../world/dialogs.ts"
import { getHistory, messagesAnswer, search } from "../world/history.ts"
import { resolveInputPeer, resolveInputUser } from "../world/inputs.ts"
import { renderChat, renderMessage, renderUser } from "../world/render.ts"
import { boxOf, fail, type MessageStore } from "../world/Store.ts"
import { asUser } from "./acting.ts"
import type { Handlers } from "./core.ts"
import { updatesState } from "./updates.ts"

const chatOf = (store: MessageStore, id: bigint): WorldChat => store.chats.get(id) ?? fail(400, "CHAT_ID_INVALID")

const replyToId = (reply: Api.InputReplyTo | undefined): number | undefined =>
  reply?._tag === "inputReplyToMessage" ? reply.reply_to_msg_id : undefined

/** The media `messages.sendMedia` can send: dice, a location, a contact; uploaded or existing photos and documents. */
const mediaOf = (store: MessageStore, media: Api.InputMedia, random: (n: number) => Uint8Array, files: MediaContext): Api.MessageMedia => {
  switch (media._tag) {
    case "inputMediaDice":
      return { _tag: "messageMediaDice", value: 1 + (random(1)[0]! % 6), emoticon: media.emoticon }
    case "inputMediaGeoPoint":
      if (media.geo_point._tag !== "inputGeoPoint") return fail(400, "MEDIA_INVALID")
      return { _tag: "messageMediaGeo", geo: { _tag: "geoPoint", long: media.geo_point.long, lat: media.geo_point.lat, access_hash: 0n } }
    case "inputMediaContact": {
      const digits = media.phone_number.replace(/\D/g, "")
      const user = [...store.users.values()].find((u) => u.phone === digits)
      return {
        _tag: "messageMediaContact",
        phone_number: media.phone_number,
        first_name: media.first_name,
        last_name: media.last_name,
        vcard: media.vcard,
        user_id: user?.id ?? 0n
      }
    }
    default:
      return fileMedia(files, media) ?? fail(400, "MEDIA_INVALID")
  }
}

/**
 * The `messages.*` handlers every TestDc has.
 */
export const messagesHandlers: Handlers = {
  "messages.sendMessage": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      sendMessage(store, me, resolveInputPeer(store, me, request.peer), request.message, {
        entities: request.entities,
        replyToId: replyToId(request.reply_to),
        silent: request.silent,
        replyMarkup: request.reply_markup
      }, request.random_id, now, origin).answer),

  "messages.sendMedia": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => {
      const peer = resolveInputPeer(store, me, request.peer)
      // A random_id seen before is answered as the first time: its upload is gone, and not needed.
      const replay = boxOf(store, me.id).sent.has(request.random_id)
      const files = { files: ctx.world.files, sender: me, dcId: ctx.dcId, now }
      return sendMessage(store, me, peer, request.message, {
        entities: request.entities,
        replyToId: replyToId(request.reply_to),
        silent: request.silent,
        media: replay ? undefined : mediaOf(store, request.media, ctx.world.randomBytes, files),
        replyMarkup: request.reply_markup
      }, request.random_id, now, origin).answer
    }),

  "messages.editMessage": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => {
      if (request.media !== undefined) return fail(400, "MEDIA_NEW_INVALID")
      const peer = resolveInputPeer(store, me, request.peer)
      return editMessage(store, me, peer, request.id, {
        text: request.message,
        entities: request.entities,
        replyMarkup: { value: request.reply_markup }
      }, now, origin).answer
    }),

  "messages.deleteMessages": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => deleteMessages(store, me, request.id, request.revoke === true, now, origin)),

  "messages.forwardMessages": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      forwardMessages(
        store,
        me,
        resolveInputPeer(store, me, request.from_peer),
        request.id,
        request.random_id,
        resolveInputPeer(store, me, request.to_peer),
        { silent: request.silent, dropAuthor: request.drop_author },
        now,
        origin
      ).answer),

  "messages.getMessages": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      // Ids of the caller's box: private chats and basic groups (channels use channels.getMessages).
      const box = boxOf(store, me.id)
      const list = request.id.map((input): Api.Message => {
        const id = input._tag === "inputMessageID" || input._tag === "inputMessageReplyTo" ? input.id : 0
        let msg = box.messages.get(id)
        if (input._tag === "inputMessageReplyTo") msg = msg?.replyToId === undefined ? undefined : box.messages.get(msg.replyToId)
        return msg === undefined ? { _tag: "messageEmpty", id } : renderMessage(msg, me.id)
      })
      return messagesAnswer(store, me.id, undefined, list, list.length, 0)
    }),

  "messages.getHistory": (request, ctx) =>
    asUser(ctx, ({ me, store }) =>
      getHistory(store, me.id, resolveInputPeer(store, me, request.peer), {
        offsetId: request.offset_id,
        offsetDate: request.offset_date,
        addOffset: request.add_offset,
        limit: request.limit,
        maxId: request.max_id,
        minId: request.min_id
      })),

  "messages.search": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      // inputPeerEmpty: every private chat and basic group.
      const peer = request.peer._tag === "inputPeerEmpty" ? undefined : resolveInputPeer(store, me, request.peer)
      const fromId = request.from_id === undefined ? undefined : resolveInputPeer(store, me, request.from_id)
      const filter = request.filter._tag
      if (filter !== "inputMessagesFilterEmpty" && filter !== "inputMessagesFilterPinned") {
        // No media in this World: the media filters match nothing.
        return messagesAnswer(store, me.id, peer, [], 0, 0)
      }
      return search(store, me.id, peer, {
        q: request.q,
        fromId: fromId?.kind === "user" ? fromId.id : undefined,
        minDate: request.min_date,
        maxDate: request.max_date,
        pinnedOnly: filter === "inputMessagesFilterPinned"
      }, {
        offsetId: request.offset_id,
        offsetDate: 0,
        addOffset: request.add_offset,
        limit: request.limit,
        maxId: request.max_id,
        minId: request.min_id
      })
    }),

  "messages.getDialogs": (request, ctx) =>
    asUser(ctx, ({ me, store }) =>
      getDialogs(store, me.id, {
        folderId: request.folder_id ?? 0,
        excludePinned: request.exclude_pinned === true,
        offsetDate: request.offset_date,
        offsetId: request.offset_id,
        offsetPeer: request.offset_peer._tag === "inputPeerEmpty" ? undefined : resolveInputPeer(store, me, request.offset_peer),
        limit: request.limit
      })),

  "messages.getPeerDialogs": (request, ctx) =>
    asUser(ctx, ({ me, store, now }) => {
      const box = boxOf(store, me.id)
      const entries = request.peers.flatMap((p) => {
        if (p._tag !== "inputDialogPeer") return []
        const peer = resolveInputPeer(store, me, p.peer)
        return [{ peer, entry: dialogEntry(store, box, peer) }]
      })
      return {
        _tag: "messages.peerDialogs",
        ...dialogsAnswerParts(store, me.id, entries),
        state: updatesState(store, me.id, now)
      } satisfies Api.messages.peerDialogs
    }),

  "messages.readHistory": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => {
      const peer = resolveInputPeer(store, me, request.peer)
      if (peer.kind === "channel") return fail(400, "PEER_ID_INVALID")
      return readHistory(store, me, peer, request.max_id, now, origin)
    }),

  "messages.toggleDialogPin": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => {
      if (request.peer._tag !== "inputDialogPeer") return fail(400, "PEER_ID_INVALID")
      toggleDialogPin(store, me.id, resolveInputPeer(store, me, request.peer.peer), request.pinned === true, now, origin)
      return true
    }),

  "folders.editPeerFolders": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      editPeerFolders(
        store,
        me.id,
        request.folder_peers.map((f) => ({ peer: resolveInputPeer(store, me, f.peer), folderId: f.folder_id })),
        now,
        origin
      )),

  "messages.updatePinnedMessage": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      pinMessage(store, me, resolveInputPeer(store, me, request.peer), request.id, {
        unpin: request.unpin,
        silent: request.silent,
        pmOneside: request.pm_oneside
      }, now, origin)),

  "messages.createChat": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => {
      const users = request.users.map((u) => resolveInputUser(store, me, u))
      return {
        _tag: "messages.invitedUsers",
        updates: createChat(store, me, users, request.title, now, origin).answer,
        missing_invitees: []
      } satisfies Api.messages.invitedUsers
    }),

  "messages.addChatUser": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => ({
      _tag: "messages.invitedUsers",
      updates: addChatUser(store, me, chatOf(store, request.chat_id), resolveInputUser(store, me, request.user_id), now, origin),
      missing_invitees: []
    } satisfies Api.messages.invitedUsers)),

  "messages.deleteChatUser": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) =>
      deleteChatUser(store, me, chatOf(store, request.chat_id), resolveInputUser(store, me, request.user_id), now, origin)),

  "messages.getChats": (request, ctx) =>
    asUser(ctx, ({ me, store }) => ({
      _tag: "messages.chats",
      chats: request.id.flatMap((id) => {
        const chat = store.chats.get(id)
        return chat === undefined ? [] : [renderChat(chat, me.id)]
      })
    } satisfies Api.messages.chats)),

  "messages.getFullChat": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      const chat = chatOf(store, request.chat_id)
      const participants = [...chat.participants.values()].map((p): Api.ChatParticipant =>
        p.userId === chat.creatorId
          ? { _tag: "chatParticipantCreator", user_id: p.userId }
          : { _tag: p.admin ? "chatParticipantAdmin" : "chatParticipant", user_id: p.userId, inviter_id: p.inviterId, date: p.date }
      )
      return {
        _tag: "messages.chatFull",
        full_chat: {
          _tag: "chatFull",
          id: chat.id,
          about: "",
          participants: { _tag: "chatParticipants", chat_id: chat.id, participants, version: chat.version },
          notify_settings: { _tag: "peerNotifySettings" }
        },
        chats: [renderChat(chat, me.id)],
        users: [...chat.participants.keys()].flatMap((id) => {
          const u = store.users.get(id)
          return u === undefined ? [] : [renderUser(store, me.id, u)]
        })
      } satisfies Api.messages.chatFull
    })
}
