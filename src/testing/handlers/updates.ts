/**
 * `updates.*` (core.telegram.org/api/updates): `getState` (the calling user's common pts, qts and
 * seq), `getDifference` and `getChannelDifference` answered from the pts logs
 * (`world/difference.ts`).
 */
import type { Api } from "../../tl/index.ts"
import { totalUnread } from "../world/dialogs.ts"
import { channelDifference, difference } from "../world/difference.ts"
import { resolveInputChannel } from "../world/inputs.ts"
import { boxOf, type MessageStore } from "../world/Store.ts"
import { asUser } from "./acting.ts"
import type { Handlers } from "./core.ts"

/** The `updates.state` of `userId` at `now`. */
export const updatesState = (store: MessageStore, userId: bigint, now: number): Api.updates.state => {
  const box = boxOf(store, userId)
  return { _tag: "updates.state", pts: box.log.pts, qts: box.qts, date: now, seq: box.seq, unread_count: totalUnread(store, userId) }
}

/** TestDc's `updates.*` methods: the state and the differences, from the World's history. */
export const updatesHandlers: Handlers = {
  "updates.getState": (_request, ctx) => asUser(ctx, ({ me, store, now }) => updatesState(store, me.id, now)),
  "updates.getDifference": (request, ctx) => asUser(ctx, ({ me, store, now }) => difference(store, me.id, request, now)),
  "updates.getChannelDifference": (request, ctx) =>
    asUser(ctx, ({ me, store }) => channelDifference(store, me, resolveInputChannel(store, me, request.channel), request))
}
