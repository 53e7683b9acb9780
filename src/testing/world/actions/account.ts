/**
 * A user's own account: the public username, and the address book (contacts).
 */
import type { Api } from "../../../tl/index.ts"
import { normalizePhone, type WorldUser } from "../World.ts"
import { renderUser } from "../render.ts"
import { boxOf, deliver, type MessageStore, type Origin } from "../Store.ts"
import { checkNewUsername } from "../usernames.ts"

/**
 * `user` sets or clears (`""`) their username; returns the changed user (its object is replaced
 * in the World's map). The user's other sessions get `updateUserName`.
 */
export const setUsername = (store: MessageStore, user: WorldUser, username: string, date: number, origin: Origin): WorldUser => {
  checkNewUsername(store, user, username)
  const { username: _old, ...rest } = user
  const changed: WorldUser = username === "" ? rest : { ...rest, username }
  store.users.set(user.id, changed)
  deliver(store, user.id, {
    _tag: "updateShort",
    update: {
      _tag: "updateUserName",
      user_id: user.id,
      first_name: user.firstName,
      last_name: user.lastName ?? "",
      usernames: username === "" ? [] : [{ _tag: "username", editable: true, active: true, username }]
    },
    date
  }, origin)
  return changed
}

/**
 * One contact to import.
 */
export interface ContactInput {
  readonly phone: string
  readonly firstName: string
  readonly lastName?: string | undefined
  readonly clientId?: bigint | undefined
}

/**
 * `owner` imports contacts by phone; numbers with no account are left out, as Telegram does.
 */
export const importContacts = (
  store: MessageStore,
  owner: WorldUser,
  contacts: ReadonlyArray<ContactInput>
): Api.contacts.importedContacts => {
  const box = boxOf(store, owner.id)
  const imported: Array<Api.ImportedContact> = []
  const users: Array<Api.User> = []
  for (const c of contacts) {
    const digits = normalizePhone(c.phone)
    const user = [...store.users.values()].find((u) => u.phone === digits)
    if (user === undefined || user.id === owner.id) continue
    box.contacts.set(user.id, { firstName: c.firstName, lastName: c.lastName ?? "" })
    imported.push({ _tag: "importedContact", user_id: user.id, client_id: c.clientId ?? 0n })
    users.push(renderUser(store, owner.id, user))
  }
  return { _tag: "contacts.importedContacts", imported, popular_invites: [], retry_contacts: [], users }
}

/**
 * `owner`'s address book.
 */
export const getContacts = (store: MessageStore, owner: WorldUser): Api.contacts.contacts => {
  const box = boxOf(store, owner.id)
  const contacts: Array<Api.Contact> = []
  const users: Array<Api.User> = []
  for (const id of box.contacts.keys()) {
    const user = store.users.get(id)
    if (user === undefined) continue
    contacts.push({ _tag: "contact", user_id: id, mutual: store.boxes.get(id)?.contacts.has(owner.id) === true })
    users.push(renderUser(store, owner.id, user))
  }
  return { _tag: "contacts.contacts", contacts, saved_count: 0, users }
}
