/**
 * `contacts.*`: resolving usernames and phone numbers to peers, and the address book.
 */
import type { Api } from "../../tl/index.ts"
import { normalizePhone, type WorldUser } from "../world/World.ts"
import { getContacts, importContacts } from "../world/actions/account.ts"
import { renderChannel, renderUser } from "../world/render.ts"
import { fail, type MessageStore } from "../world/Store.ts"
import { isValidUsername, ownerOfUsername } from "../world/usernames.ts"
import { asUser } from "./acting.ts"
import type { Handlers } from "./core.ts"

/** A user as `contacts.resolvedPeer` (the viewer now knows the user in full). */
const resolvedUser = (store: MessageStore, me: WorldUser, user: WorldUser): Api.contacts.resolvedPeer => ({
  _tag: "contacts.resolvedPeer",
  peer: { _tag: "peerUser", user_id: user.id },
  chats: [],
  users: [renderUser(store, me.id, user)]
})

/** TestDc's `contacts.*` methods. */
export const contactsHandlers: Handlers = {
  "contacts.resolveUsername": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      const name = request.username.startsWith("@") ? request.username.slice(1) : request.username
      if (!isValidUsername(name)) return fail(400, "USERNAME_INVALID")
      const owner = ownerOfUsername(store, name) ?? fail(400, "USERNAME_NOT_OCCUPIED")
      if ("kind" in owner) {
        return {
          _tag: "contacts.resolvedPeer",
          peer: { _tag: "peerChannel", channel_id: owner.id },
          chats: [renderChannel(store, me.id, owner)],
          users: []
        } satisfies Api.contacts.resolvedPeer
      }
      return resolvedUser(store, me, owner)
    }),

  "contacts.resolvePhone": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      const digits = normalizePhone(request.phone)
      if (digits === "") return fail(400, "PHONE_NOT_OCCUPIED")
      const user = [...store.users.values()].find((u) => u.phone === digits) ?? fail(400, "PHONE_NOT_OCCUPIED")
      return resolvedUser(store, me, user)
    }),

  "contacts.getContacts": (_request, ctx) => asUser(ctx, ({ me, store }) => getContacts(store, me)),

  "contacts.importContacts": (request, ctx) =>
    asUser(ctx, ({ me, store }) =>
      importContacts(store, me, request.contacts.map((c) => ({
        phone: c.phone,
        firstName: c.first_name,
        lastName: c.last_name,
        clientId: c.client_id
      }))))
}
