/**
 * Carrying the World's deliveries to this DC's connections, as core.telegram.org/api/updates
 * describes: to every logged-in auth key of the user (on the user's home DC), one push per
 * key, into its most recently active session; the key whose call caused the change is skipped
 * (its answer carries the change). Connections that carried only file queries (or queries in
 * `invokeWithoutUpdates`) are not subscribed to updates and get none.
 *
 * The update-push fault knobs (`dropPushes`, `duplicatePushes`, `reorderPushes`,
 * `delayPushes`, `tooLongPushes`, `channelTooLongPushes`, limited to one key by `pushTo`) act
 * here, per connection a push goes to: they make the gaps, repeats and reorderings a client's
 * update handling must survive.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { Api } from "../../tl/index.ts"
import { serialize } from "../../tl/index.ts"
import type { Delivery } from "../world/Store.ts"
import { type ConnectionHandle, type ServerState, takeFault } from "./state.ts"

/** The connections a delivery goes to on this DC: the latest one of each of the user's keys. */
export const recipients = (state: ServerState, delivery: Delivery): ReadonlyArray<ConnectionHandle> => {
  const user = state.world.users.get(delivery.userId)
  if (user === undefined || (user.homeDc !== undefined && user.homeDc !== state.dcId)) return []
  const latest = new Map<string, { readonly handle: ConnectionHandle; readonly activeAt: number }>()
  for (const handle of state.connections.values()) {
    const current = handle.current()
    if (current === undefined || current.authKeyId === delivery.exceptAuthKey || !handle.receivesUpdates()) continue
    const a = state.world.authorizations.get(current.authKeyId)
    if (a === undefined || a.passwordPending || a.userId !== delivery.userId) continue
    const seen = latest.get(current.authKeyId)
    if (seen === undefined || seen.activeAt < current.activeAt) latest.set(current.authKeyId, { handle, activeAt: current.activeAt })
  }
  return [...latest.values()].map((l) => l.handle)
}

/** How long a push held back by `reorderPushes` waits for a following one at most. */
const REORDER_HOLD_MS = 1000

/** The first channel an `Updates` carries an update of, with the channel's pts before it. */
const channelOf = (updates: Api.Updates): { readonly channelId: bigint; readonly pts: number } | undefined => {
  if (updates._tag !== "updates" && updates._tag !== "updatesCombined" && updates._tag !== "updateShort") return undefined
  const list = updates._tag === "updateShort" ? [updates.update] : updates.updates
  for (const u of list) {
    if (u._tag === "updateNewChannelMessage" || u._tag === "updateEditChannelMessage") {
      const peer = u.message.peer_id
      if (peer?._tag === "peerChannel") return { channelId: peer.channel_id, pts: u.pts - u.pts_count }
    }
    if (u._tag === "updateDeleteChannelMessages" || u._tag === "updatePinnedChannelMessages") {
      return { channelId: u.channel_id, pts: u.pts - u.pts_count }
    }
  }
  return undefined
}

/**
 * Pushes deliveries to connections through the fault knobs. `fork` runs the delayed parts in
 * the DC's scope.
 */
export const makePusher = (state: ServerState, fork: (effect: Effect.Effect<void>) => Effect.Effect<void>) => {
  // Pushes held back by `reorderPushes`, by connection id (owned by the pushing fiber and its timers).
  const held = new Map<number, Uint8Array>()
  const send = (c: ConnectionHandle, body: Uint8Array) => Effect.asVoid(c.push(body, true))
  const release = (c: ConnectionHandle) =>
    Effect.suspend(() => {
      const body = held.get(c.id)
      if (body === undefined) return Effect.void
      held.delete(c.id)
      return send(c, body)
    })

  /** One push to one connection, through the knobs. */
  const pushTo = (c: ConnectionHandle, updates: Api.Updates, body: Uint8Array): Effect.Effect<void> =>
    Effect.suspend(() => {
      const plan = state.faults
      if (plan.pushTo !== undefined && c.authKeyId() !== plan.pushTo) return Effect.zipRight(send(c, body), release(c))
      if (takeFault(plan, "dropPushes")) return Effect.void
      if (takeFault(plan, "tooLongPushes")) return Effect.zipRight(send(c, serialize({ _tag: "updatesTooLong" })), release(c))
      const channel = channelOf(updates)
      if (channel !== undefined && takeFault(plan, "channelTooLongPushes")) {
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const tooLong: Api.updateShort = {
            _tag: "updateShort",
            update: { _tag: "updateChannelTooLong", channel_id: channel.channelId, pts: channel.pts },
            date: Math.floor(now / 1000)
          }
          return Effect.zipRight(send(c, serialize(tooLong)), release(c))
        })
      }
      if (takeFault(plan, "delayPushes")) return fork(Effect.delay(send(c, body), plan.delayPushMs ?? 1000))
      if (!held.has(c.id) && takeFault(plan, "reorderPushes")) {
        held.set(c.id, body)
        return fork(Effect.delay(release(c), REORDER_HOLD_MS))
      }
      const twice = takeFault(plan, "duplicatePushes")
      return Effect.all([send(c, body), twice ? send(c, body) : Effect.void, release(c)], { discard: true })
    })

  /** Pushes one delivery (serialized once) to its recipients. */
  const push = (delivery: Delivery): Effect.Effect<void> =>
    Effect.suspend(() => {
      const to = recipients(state, delivery)
      if (to.length === 0) return Effect.void
      const body = serialize(delivery.updates)
      return Effect.forEach(to, (c) => pushTo(c, delivery.updates, body), { discard: true })
    })

  return { push }
}

/**
 * Listens to the World's deliveries for the life of the scope and pushes them in order from
 * one fiber (the World calls listeners synchronously; the queue hands them to that fiber).
 */
export const runPushes = (state: ServerState): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Delivery>()
    const stop = state.world.onDelivery((d) => void queue.unsafeOffer(d))
    yield* Effect.addFinalizer(() => Effect.sync(stop))
    const scope = yield* Effect.scope
    const pusher = makePusher(state, (effect) => Effect.asVoid(Effect.forkIn(effect, scope)))
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(queue), pusher.push)))
  })
