/**
 * The World's message store: every user's box, the basic groups and channels, the links
 * between the copies of one message, and the listeners that carry each change to the
 * connected sessions of the users it concerns (each TestDc listens and pushes).
 *
 * Plain mutable data with one owner: the World's actions change it synchronously, so no two
 * changes interleave.
 */
import * as Effect from "effect/Effect"
import type { Api } from "../../tl/index.ts"
import { RpcFailure } from "../handlers/core.ts"
import type { WorldUser } from "./World.ts"
import type { WorldChat } from "./BasicGroup.ts"
import type { WorldChannel } from "./Channel.ts"
import { makeUserBox, type UserBox } from "./UserBox.ts"

/**
 * An `Updates` for one user's sessions. The session whose call caused it gets the change in
 * the call's answer, so every session of that auth key is skipped.
 */
export interface Delivery {
  readonly userId: bigint
  readonly updates: Api.Updates
  /** The auth key (16 hex digits) that made the call, if a call made the change. */
  readonly exceptAuthKey: string | undefined
}

/**
 * Who caused a change: the calling auth key (from a handler), or nobody (the World acting).
 */
export interface Origin {
  readonly authKeyId: string | undefined
}

/** No session caused it: every session gets the push. */
export const fromWorld: Origin = { authKeyId: undefined }

/** The World's messages, by sequence (a user's private/basic-group box, or a channel). */
export interface MessageStore {
  /** The World's users (the same map as `world.users`). */
  readonly users: Map<bigint, WorldUser>
  /** Boxes by user id, created on first use ({@link boxOf}). */
  readonly boxes: Map<bigint, UserBox>
  /** Basic groups by id. */
  readonly chats: Map<bigint, WorldChat>
  /** Supergroups and broadcast channels by id. */
  readonly channels: Map<bigint, WorldChannel>
  /** The copies of each private-chat / basic-group message: globalId → owner → id in the owner's box. */
  readonly copies: Map<number, Map<bigint, number>>
  readonly listeners: Set<(delivery: Delivery) => void>
  /** Most events one `updates.getDifference` answer holds (more: a `differenceSlice`). Tests may lower it. */
  differencePage: number
  /** Most events one `updates.getChannelDifference` answer holds (more: `final` unset). Tests may lower it. */
  channelDifferencePage: number
  nextGlobalId: number
  nextChatId: bigint
  nextChannelId: bigint
}

/**
 * An empty store over the World's users.
 */
export const makeStore = (users: Map<bigint, WorldUser>): MessageStore => ({
  users,
  boxes: new Map(),
  chats: new Map(),
  channels: new Map(),
  copies: new Map(),
  listeners: new Set(),
  differencePage: 1000,
  channelDifferencePage: 100,
  nextGlobalId: 1,
  nextChatId: 500_000n,
  nextChannelId: 1_500_000_000n
})

/** The box of `userId`, created empty on first use. */
export const boxOf = (store: MessageStore, userId: bigint): UserBox => {
  let box = store.boxes.get(userId)
  if (box === undefined) {
    box = makeUserBox(userId)
    store.boxes.set(userId, box)
  }
  return box
}

/** Hands `updates` to every listener, for the sessions of `userId`. */
export const deliver = (store: MessageStore, userId: bigint, updates: Api.Updates, origin: Origin): void => {
  const delivery: Delivery = { userId, updates, exceptAuthKey: origin.authKeyId }
  for (const listener of store.listeners) listener(delivery)
}

/** Throws the RPC error Telegram answers with; the World's Effect wrappers turn it into a failure. */
export const fail = (code: number, message: string): never => {
  throw new RpcFailure({ code, message })
}

/** The user with this id, or `code message`. */
export const userOrFail = (store: MessageStore, id: bigint, code = 400, message = "USER_ID_INVALID"): WorldUser =>
  store.users.get(id) ?? fail(code, message)

/** Runs a World action that throws {@link RpcFailure} on refusal as an Effect that fails with it (other throws are defects). */
export const attempt = <A>(f: () => A): Effect.Effect<A, RpcFailure> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (e) {
      if (e instanceof RpcFailure) return Effect.fail(e)
      throw e
    }
  })
