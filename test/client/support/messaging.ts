/**
 * Shared pieces of the messaging end-to-end tests: logged-in clients of a TestDc cluster
 * (users by phone, bots by token), running the module functions (`Messages`, `Peers`,
 * `Dialogs`) as one of them, and waiting for a pushed update.
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Client, type ClientShape } from "../../../src/client/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import { memoryClient, rightCode } from "./harness.ts"

/** A client logged in as the user with `phone` (added to the World first if unknown). */
export const loginUser = (cluster: TestDc.ClusterShape, phone: string): Effect.Effect<ClientShape, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const { client } = yield* memoryClient(cluster)
    yield* client.start({ phone: Effect.succeed(phone), code: rightCode(cluster, phone) })
    return client
  })

/** A client logged in as a bot. */
export const loginBot = (cluster: TestDc.ClusterShape, token: string): Effect.Effect<ClientShape, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const { client } = yield* memoryClient(cluster)
    yield* client.start({ botToken: Redacted.make(token) })
    return client
  })

/** Runs `effect` with `client` as the `Client` of its context. */
export const as = (client: ClientShape) => <A, E>(effect: Effect.Effect<A, E, Client>): Effect.Effect<A, E> =>
  Effect.provideService(effect, Client, client)

/**
 * Subscribes to `client`'s updates now and returns an effect that waits (5 s at most, real
 * time) for the first one `pick` accepts.
 */
export const watch = (client: ClientShape) =>
  Effect.gen(function*() {
    const updates = yield* client.subscribeUpdates
    return <A>(pick: (u: Api.Update) => A | undefined): Effect.Effect<A, unknown> =>
      updates.pipe(
        Stream.filterMap((u) => Option.fromNullable(pick(u))),
        Stream.runHead,
        Effect.flatMap(Option.match({ onNone: () => Effect.dieMessage("updates ended"), onSome: Effect.succeed })),
        Effect.timeoutFail({ duration: Duration.seconds(5), onTimeout: () => "no such update within 5 s" })
      )
  })

/** The text and pts of a new message (private, group or channel). */
export const newMessageIn = (u: Api.Update): { readonly text: string; readonly id: number; readonly pts: number; readonly out: boolean; readonly from?: bigint } | undefined => {
  if ((u._tag === "updateNewMessage" || u._tag === "updateNewChannelMessage") && u.message._tag === "message") {
    const m = u.message
    const from = m.from_id?._tag === "peerUser" ? m.from_id.user_id : m.peer_id._tag === "peerUser" ? m.peer_id.user_id : undefined
    return { text: m.message, id: m.id, pts: u.pts, out: m.out === true, ...(from !== undefined ? { from } : {}) }
  }
  return undefined
}

/** The message text, or the tag of a service/empty message. */
export const textOf = (m: Api.Message): string => (m._tag === "message" ? m.message : m._tag)

/** Everything `stream` yields, as an array. */
export const collect = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<ReadonlyArray<A>, E, R> =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)
