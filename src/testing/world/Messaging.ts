/**
 * Acting as any user from the World side: what a test author uses to play the other end of a
 * chat (`world.sendMessage(from, to, text)`), set up groups and channels, or read the state.
 * Every function runs the same code as the corresponding API method, so the changes are
 * numbered and pushed to connected clients exactly as if a client had called it; the date is
 * Effect's `Clock`.
 *
 * ```ts
 * const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
 * const bot = world.addBot({ token: "123456:ABC", username: "echo_bot" })
 * const news = yield* world.createChannel(ada.id, "News", { username: "ada_news" })
 * yield* world.sendMessage(bot.id, ada.id, "hello")          // Ada's clients get the push
 * yield* world.sendMessage(ada.id, news, "first post")
 * world.stateOf(ada.id)                                      // { pts, qts, seq, date }
 * ```
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type RandomBytes, randomLong } from "../../crypto/index.ts"
import type { Api } from "../../tl/index.ts"
import type { RpcFailure } from "../handlers/core.ts"
import type { WorldUser } from "./World.ts"
import { editAdmin, createChannel, inviteToChannel, joinChannel, leaveChannel, setChannelUsername } from "./actions/channels.ts"
import { deleteChannelMessages, deleteMessages } from "./actions/delete.ts"
import { editMessage } from "./actions/edit.ts"
import { addChatUser, createChat, deleteChatUser } from "./actions/groups.ts"
import { pinMessage, type PinOptions } from "./actions/pin.ts"
import { readChannelHistory, readHistory } from "./actions/read.ts"
import { forwardMessages, sendMessage, type SendOptions } from "./actions/send.ts"
import { setUsername } from "./actions/account.ts"
import type { WorldChat } from "./BasicGroup.ts"
import { ALL_RIGHTS, type WorldChannel } from "./Channel.ts"
import { messagesOf } from "./history.ts"
import { type PeerRef, toWorldPeer, type WorldPeer } from "./peers.ts"
import { renderMessage } from "./render.ts"
import { attempt, boxOf, type Delivery, fail, fromWorld, type MessageStore, userOrFail } from "./Store.ts"
import type { StoredMessage } from "./StoredMessage.ts"

/**
 * A user's update state, as `updates.getState` reports it.
 */
export interface UpdateState {
  readonly pts: number
  readonly qts: number
  readonly seq: number
}

/**
 * The World's messaging half.
 */
export interface WorldMessaging {
  /** Boxes, basic groups, channels and the push listeners. */
  readonly store: MessageStore
  /** `from` sends `text` to a user, basic group or channel; the message as `from` sees it. */
  readonly sendMessage: (from: PeerRef, to: PeerRef, text: string, options?: SendOptions) => Effect.Effect<Api.Message, RpcFailure>
  /** `by` changes the text of message `id` (an id as `by` sees it) of chat `peer`. */
  readonly editMessage: (
    by: PeerRef,
    peer: PeerRef,
    id: number,
    text: string,
    options?: {
      readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
      /** A bot's new inline keyboard (absent: unchanged). */
      readonly replyMarkup?: Api.ReplyMarkup | undefined
    }
  ) => Effect.Effect<Api.Message, RpcFailure>
  /** `by` deletes messages of chat `peer` (for everyone with `revoke`; channels always); how many of `by`'s went. */
  readonly deleteMessages: (
    by: PeerRef,
    peer: PeerRef,
    ids: ReadonlyArray<number>,
    options?: { readonly revoke?: boolean | undefined }
  ) => Effect.Effect<number, RpcFailure>
  /** `by` forwards messages `ids` of `from` to `to`; the new messages as `by` sees them. */
  readonly forwardMessages: (by: PeerRef, from: PeerRef, ids: ReadonlyArray<number>, to: PeerRef) => Effect.Effect<ReadonlyArray<Api.Message>, RpcFailure>
  /** `by` reads chat `peer` up to `maxId` (default: everything). */
  readonly readHistory: (by: PeerRef, peer: PeerRef, maxId?: number) => Effect.Effect<void, RpcFailure>
  /** `by` pins (or unpins) message `id` of chat `peer`. */
  readonly pinMessage: (by: PeerRef, peer: PeerRef, id: number, options?: PinOptions) => Effect.Effect<void, RpcFailure>
  /** `creator` creates a basic group with `members`. */
  readonly createChat: (creator: PeerRef, title: string, members: ReadonlyArray<PeerRef>) => Effect.Effect<WorldChat, RpcFailure>
  readonly addChatUser: (by: PeerRef, chat: PeerRef, user: PeerRef) => Effect.Effect<void, RpcFailure>
  /** Removes `user` from `chat` (`by === user`: leaves). */
  readonly removeChatUser: (by: PeerRef, chat: PeerRef, user: PeerRef) => Effect.Effect<void, RpcFailure>
  /** `creator` creates a broadcast channel (or a supergroup with `broadcast: false`), public with `username`. */
  readonly createChannel: (
    creator: PeerRef,
    title: string,
    options?: { readonly broadcast?: boolean | undefined; readonly about?: string | undefined; readonly username?: string | undefined }
  ) => Effect.Effect<WorldChannel, RpcFailure>
  readonly joinChannel: (user: PeerRef, channel: PeerRef) => Effect.Effect<void, RpcFailure>
  readonly leaveChannel: (user: PeerRef, channel: PeerRef) => Effect.Effect<void, RpcFailure>
  readonly inviteToChannel: (by: PeerRef, channel: PeerRef, users: ReadonlyArray<PeerRef>) => Effect.Effect<void, RpcFailure>
  /** `by` makes `user` an admin of `channel` (every right unless `rights` says otherwise). */
  readonly setAdmin: (by: PeerRef, channel: PeerRef, user: PeerRef, rights?: Api.chatAdminRights) => Effect.Effect<void, RpcFailure>
  /** Sets (or with `""` clears) the username of a user or channel (a channel's is set by its creator). */
  readonly setUsername: (peer: PeerRef, username: string) => Effect.Effect<void, RpcFailure>
  /** Puts `contact` in `owner`'s address book. */
  readonly addContact: (owner: PeerRef, contact: PeerRef) => Effect.Effect<void, RpcFailure>
  /** A user's pts, qts and seq. */
  readonly stateOf: (userId: bigint) => UpdateState
  /** The messages of chat `peer` as `viewer` holds them, oldest first (throws CHANNEL_PRIVATE for a channel `viewer` may not read). */
  readonly historyOf: (viewer: PeerRef, peer: PeerRef) => ReadonlyArray<Api.Message>
  /** Calls `listener` with every push the World makes; returns a function that removes it (TestDcs use it). */
  readonly onDelivery: (listener: (delivery: Delivery) => void) => () => void
}

/** Runs a World action (which throws RpcFailure on refusal) at the Clock's time. */
export const act = <A>(f: (date: number) => A): Effect.Effect<A, RpcFailure> =>
  Effect.flatMap(Clock.currentTimeMillis, (ms) => attempt(() => f(Math.floor(ms / 1000))))


/**
 * The messaging functions over `store`.
 */
export const makeMessaging = (store: MessageStore, random: RandomBytes): WorldMessaging => {
  const user = (ref: PeerRef): WorldUser => {
    const peer = toWorldPeer(ref)
    return peer.kind === "user" ? userOrFail(store, peer.id) : fail(400, "USER_ID_INVALID")
  }
  const peerOf = (ref: PeerRef): WorldPeer => {
    const peer = toWorldPeer(ref)
    const known = peer.kind === "user"
      ? store.users.has(peer.id)
      : peer.kind === "chat"
      ? store.chats.has(peer.id)
      : store.channels.has(peer.id)
    return known ? peer : fail(400, "PEER_ID_INVALID")
  }
  const chat = (ref: PeerRef): WorldChat => store.chats.get(toWorldPeer(ref).id) ?? fail(400, "CHAT_ID_INVALID")
  const channel = (ref: PeerRef): WorldChannel => store.channels.get(toWorldPeer(ref).id) ?? fail(400, "CHANNEL_INVALID")

  return {
    store,
    sendMessage: (from, to, text, options = {}) =>
      act((date) =>
        sendMessage(store, user(from), peerOf(to), text, options, options.randomId ?? randomLong(random), date, fromWorld).messages[0]!
      ),
    editMessage: (by, peer, id, text, options = {}) =>
      act((date) =>
        editMessage(store, user(by), peerOf(peer), id, {
          text,
          entities: options.entities,
          ...(options.replyMarkup !== undefined ? { replyMarkup: { value: options.replyMarkup } } : {})
        }, date, fromWorld).message),
    deleteMessages: (by, peer, ids, options = {}) =>
      act((date) => {
        const target = peerOf(peer)
        if (target.kind === "channel") return deleteChannelMessages(store, user(by), channel(target), ids, date, fromWorld).pts_count
        // Ids are the actor's own; only those of this chat are taken.
        const box = boxOf(store, user(by).id)
        const mine = ids.filter((id) => {
          const m = box.messages.get(id)
          return m !== undefined && m.peer.kind === target.kind && m.peer.id === target.id
        })
        return deleteMessages(store, user(by), mine, options.revoke === true, date, fromWorld).pts_count
      }),
    forwardMessages: (by, from, ids, to) =>
      act((date) =>
        forwardMessages(store, user(by), peerOf(from), ids, ids.map(() => randomLong(random)), peerOf(to), {}, date, fromWorld).messages
      ),
    readHistory: (by, peer, maxId = 0) =>
      act((date) => {
        const target = peerOf(peer)
        if (target.kind === "channel") readChannelHistory(store, user(by), channel(target), maxId, date, fromWorld)
        else readHistory(store, user(by), target, maxId, date, fromWorld)
      }),
    pinMessage: (by, peer, id, options = {}) => act((date) => void pinMessage(store, user(by), peerOf(peer), id, options, date, fromWorld)),
    createChat: (creator, title, members) => act((date) => createChat(store, user(creator), members.map(user), title, date, fromWorld).chat),
    addChatUser: (by, c, u) => act((date) => void addChatUser(store, user(by), chat(c), user(u), date, fromWorld)),
    removeChatUser: (by, c, u) => act((date) => void deleteChatUser(store, user(by), chat(c), user(u), date, fromWorld)),
    createChannel: (creator, title, options = {}) =>
      act((date) => {
        const owner = user(creator)
        const created = createChannel(store, owner, { title, about: options.about, broadcast: options.broadcast }, date, fromWorld).channel
        if (options.username !== undefined) setChannelUsername(store, owner, created, options.username)
        return created
      }),
    joinChannel: (u, c) => act((date) => void joinChannel(store, user(u), channel(c), date, fromWorld)),
    leaveChannel: (u, c) => act((date) => void leaveChannel(store, user(u), channel(c), date, fromWorld)),
    inviteToChannel: (by, c, users) => act((date) => void inviteToChannel(store, user(by), channel(c), users.map(user), date, fromWorld)),
    setAdmin: (by, c, u, rights = ALL_RIGHTS) =>
      act((date) => void editAdmin(store, user(by), channel(c), user(u), rights, undefined, date, fromWorld)),
    setUsername: (peer, username) =>
      act((date) => {
        const target = peerOf(peer)
        if (target.kind === "channel") {
          const c = channel(target)
          setChannelUsername(store, userOrFail(store, c.creatorId), c, username)
        } else if (target.kind === "user") setUsername(store, user(target), username, date, fromWorld)
        else fail(400, "PEER_ID_INVALID")
      }),
    addContact: (owner, contact) =>
      act(() => {
        const other = user(contact)
        boxOf(store, user(owner).id).contacts.set(other.id, { firstName: other.firstName, lastName: other.lastName ?? "" })
      }),
    stateOf: (userId) => {
      const box = boxOf(store, userId)
      return { pts: box.log.pts, qts: box.qts, seq: box.seq }
    },
    historyOf: (viewer, peer) => {
      const v = toWorldPeer(viewer).id
      return messagesOf(store, v, toWorldPeer(peer)).map((m: StoredMessage) => renderMessage(m, v))
    },
    onDelivery: (listener) => {
      store.listeners.add(listener)
      return () => void store.listeners.delete(listener)
    }
  }
}
