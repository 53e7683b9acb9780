/**
 * `account.checkUsername` and `account.updateUsername`: one namespace with channels' usernames.
 */
import { setUsername } from "../world/actions/account.ts"
import { renderUser } from "../world/render.ts"
import { usernameAvailable } from "../world/usernames.ts"
import { asUser } from "./acting.ts"
import type { Handlers } from "./core.ts"

/** TestDc's `account.*` methods. */
export const accountHandlers: Handlers = {
  "account.checkUsername": (request, ctx) => asUser(ctx, ({ me, store }) => usernameAvailable(store, me, request.username)),

  "account.updateUsername": (request, ctx) =>
    asUser(ctx, ({ me, store, origin, now }) => renderUser(store, me.id, setUsername(store, me, request.username, now, origin)))
}
