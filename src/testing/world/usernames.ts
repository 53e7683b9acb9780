/**
 * Public usernames: one namespace for users and channels, compared without case, in
 * Telegram's format (4–32 characters of `a–z`, `0–9`, `_`, starting with a letter, not ending
 * with `_`; 4 is the length of collectible usernames, 5 of ordinary ones).
 */
import type { WorldUser } from "./World.ts"
import type { WorldChannel } from "./Channel.ts"
import { fail, type MessageStore } from "./Store.ts"

const FORMAT = /^[a-zA-Z][a-zA-Z0-9_]{2,30}[a-zA-Z0-9]$/

/** Whether `name` has the shape of a username. */
export const isValidUsername = (name: string): boolean => FORMAT.test(name) && !name.includes("__")

/** The user or channel holding `name`, if any. */
export const ownerOfUsername = (store: MessageStore, name: string): WorldUser | WorldChannel | undefined => {
  const wanted = name.toLowerCase()
  for (const u of store.users.values()) if (u.username?.toLowerCase() === wanted) return u
  for (const c of store.channels.values()) if (c.username?.toLowerCase() === wanted) return c
  return undefined
}

/**
 * Checks that `self` (a user or channel) may take `name` ("" clears): USERNAME_INVALID,
 * USERNAME_OCCUPIED, USERNAME_NOT_MODIFIED.
 */
export const checkNewUsername = (store: MessageStore, self: WorldUser | WorldChannel, name: string): void => {
  if (name === "") {
    if (self.username === undefined) fail(400, "USERNAME_NOT_MODIFIED")
    return
  }
  if (!isValidUsername(name)) fail(400, "USERNAME_INVALID")
  if (self.username === name) fail(400, "USERNAME_NOT_MODIFIED")
  const owner = ownerOfUsername(store, name)
  if (owner !== undefined && !same(owner, self)) fail(400, "USERNAME_OCCUPIED")
}

/** The same user or channel (user objects are replaced when they change, so ids are compared). */
const same = (a: WorldUser | WorldChannel, b: WorldUser | WorldChannel): boolean =>
  a.id === b.id && ("kind" in a) === ("kind" in b)

/** Whether `name` is free for `self` (account.checkUsername / channels.checkUsername); USERNAME_INVALID if malformed. */
export const usernameAvailable = (store: MessageStore, self: WorldUser | WorldChannel, name: string): boolean => {
  if (!isValidUsername(name)) return fail(400, "USERNAME_INVALID")
  const owner = ownerOfUsername(store, name)
  return owner === undefined || same(owner, self)
}
