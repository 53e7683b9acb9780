/**
 * Shared pieces of the bot end-to-end tests: a bot program running as a logged-in bot client,
 * the World-side user waiting (in real time) for the bot's answers, and a first message sent
 * until the bot answers it (the bot's update subscription starts when its stream runs).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Client, ClientShape } from "../../../src/client/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import type { Api } from "../../../src/tl/index.ts"
import { as, loginBot } from "./messaging.ts"

/** Logs in as the bot with `token` and runs `program` as it for the life of the scope. */
export const startBot = (
  cluster: TestDc.ClusterShape,
  token: string,
  program: Effect.Effect<unknown, unknown, Client>
): Effect.Effect<ClientShape, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* loginBot(cluster, token)
    yield* Effect.forkScoped(as(client)(program))
    return client
  })

/** Polls `f` every 20 ms until it gives a value; fails after `seconds` (real time). */
export const eventually = <A>(f: () => A | undefined, what: string, seconds = 5): Effect.Effect<A, string> =>
  Effect.gen(function*() {
    for (let waited = 0; waited < seconds * 1000; waited += 20) {
      const value = f()
      if (value !== undefined) return value
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.fail(`timed out waiting for ${what}`)
  })

/** The messages of chat `peer` that `viewer` did not send, with ids above `after`, oldest first. */
export const incoming = (world: TestDc.World, viewer: bigint, peer: TestDc.PeerRef, after = 0): ReadonlyArray<Api.message> =>
  world.historyOf(viewer, peer).filter((m): m is Api.message => m._tag === "message" && m.out !== true && m.id > after)

/** Waits until `viewer` has at least `count` incoming messages in `peer` above id `after`; their texts. */
export const answers = (world: TestDc.World, viewer: bigint, peer: TestDc.PeerRef, after: number, count: number, seconds = 5) =>
  eventually(() => {
    const got = incoming(world, viewer, peer, after)
    return got.length >= count ? got.map((m) => m.message) : undefined
  }, `${count} answers in the chat`, seconds)

/**
 * `user` sends `text` to `chat` (default: the bot's private chat) until a message from the
 * bot comes back, and returns it. A bot that just started may not listen yet (its update
 * subscription starts when its stream runs), so the first message can be lost; the waits grow
 * so that a slow answer on a loaded machine is not mistaken for a lost one.
 */
export const probe = (world: TestDc.World, user: bigint, bot: bigint, text: string, chat: TestDc.PeerRef = bot) =>
  Effect.gen(function*() {
    yield* Effect.sleep("100 millis")
    for (const seconds of [2, 3, 4, 6]) {
      const sent = yield* world.sendMessage(user, chat, text)
      const fromBot = (m: Api.message) => m.from_id === undefined || (m.from_id._tag === "peerUser" && m.from_id.user_id === bot)
      const answer = yield* eventually(() => incoming(world, user, chat, sent.id).find(fromBot), "the bot", seconds).pipe(Effect.option)
      if (answer._tag === "Some") return answer.value
    }
    return yield* Effect.fail("the bot never answered")
  })

/** The error tag, or the RPC error message, a failed effect ends with ("" on success). */
export const failure = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, {
    onSuccess: () => "",
    onFailure: (e) =>
      "message" in e && typeof e.message === "string" && e._tag === "RpcError"
        ? e.message
        : "message" in e && typeof e.message === "string" && e._tag === "RpcFailure"
        ? e.message
        : e._tag
  })
