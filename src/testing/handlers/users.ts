/**
 * `users.getUsers` and `users.getFullUser`. Users whose access hash is wrong (or a min one) are
 * left out of getUsers, as Telegram does.
 */
import type { Api } from "../../tl/index.ts"
import { botCommands, defaultCommandsKey } from "../world/actions/bots.ts"
import { resolveInputUser } from "../world/inputs.ts"
import { renderUser } from "../world/render.ts"
import { asUser } from "./acting.ts"
import { type Handlers, RpcFailure } from "./core.ts"

/** TestDc's `users.*` methods. */
export const usersHandlers: Handlers = {
  "users.getUsers": (request, ctx) =>
    asUser(ctx, ({ me, store }) =>
      request.id.flatMap((input): Array<Api.User> => {
        try {
          return [renderUser(store, me.id, resolveInputUser(store, me, input))]
        } catch (e) {
          if (e instanceof RpcFailure) return []
          throw e
        }
      })),

  "users.getFullUser": (request, ctx) =>
    asUser(ctx, ({ me, store }) => {
      const user = resolveInputUser(store, me, request.id)
      let common = 0
      for (const chat of store.chats.values()) if (chat.participants.has(me.id) && chat.participants.has(user.id)) common++
      for (const channel of store.channels.values()) {
        if (!channel.broadcast && channel.members.has(me.id) && channel.members.has(user.id)) common++
      }
      return {
        _tag: "users.userFull",
        full_user: {
          _tag: "userFull",
          id: user.id,
          settings: { _tag: "peerSettings" },
          notify_settings: { _tag: "peerNotifySettings" },
          ...(user.bot === true
            ? {
              bot_info: {
                _tag: "botInfo",
                user_id: user.id,
                description: "",
                commands: [...botCommands(ctx.world.bots, user.id, defaultCommandsKey())]
              }
            }
            : {}),
          common_chats_count: user.id === me.id ? 0 : common
        },
        chats: [],
        users: [renderUser(store, me.id, user)]
      } satisfies Api.users.userFull
    })
}
