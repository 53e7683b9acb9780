/**
 * `Peers.resolve` over TCP: every reference form, the cache answering before the server, min
 * users resolved through the message they were seen in, and PeerNotFound.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Messages, Peers } from "../../src/client/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster } from "../support/dc.ts"
import { recordCalls } from "./support/harness.ts"
import { as, loginUser } from "./support/messaging.ts"

const notFound = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, {
    onSuccess: () => "resolved",
    onFailure: (e) => (e._tag === "PeerNotFound" ? (e as unknown as Peers.PeerNotFound).reason : e._tag)
  })

describe("Peers.resolve over TCP", () => {
  it.scopedLive("every form resolves; the cache answers before the server", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada", username: "ada_l" })
      const bob = world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      const group = yield* world.createChat(ada.id, "Basic", [bob.id])
      const open = yield* world.createChannel(bob.id, "Open chat", { broadcast: false, username: "open_chat" })
      const secret = yield* world.createChannel(bob.id, "Secret", {})
      const client = yield* loginUser(cluster, "+15550001")
      const calls = yield* recordCalls(cluster)
      const resolve = (ref: Peers.PeerRef) => as(client)(Peers.resolve(ref))
      const bobPeer: Api.InputPeer = { _tag: "inputPeerUser", user_id: bob.id, access_hash: bob.accessHash }

      for (const self of ["me", "self", ada.id, { _tag: "inputPeerSelf" } as const]) {
        assert.deepStrictEqual(yield* resolve(self), { _tag: "inputPeerSelf" })
      }
      assert.deepStrictEqual(yield* resolve("@bob_b"), bobPeer)
      assert.strictEqual(calls.filter((c) => c.method === "contacts.resolveUsername").length, 1)
      for (const ref of ["bob_b", "BOB_B", "t.me/bob_b", "https://t.me/bob_b", "tg://resolve?domain=bob_b", bob.id, Number(bob.id), String(bob.id)]) {
        assert.deepStrictEqual(yield* resolve(ref), bobPeer)
      }
      assert.deepStrictEqual(yield* resolve({ _tag: "peerUser", user_id: bob.id }), bobPeer)
      assert.strictEqual(calls.length, 1, "everything after the first came from the cache")
      assert.deepStrictEqual(yield* resolve("+1 555 0002"), bobPeer)
      assert.strictEqual(calls.at(-1)?.method, "contacts.resolvePhone")
      assert.deepStrictEqual(yield* resolve(bobPeer), bobPeer)

      // Basic groups: -id; channels: -100… (Bot API ids), after the server told their hash.
      assert.deepStrictEqual(yield* resolve(-group.id), { _tag: "inputPeerChat", chat_id: group.id })
      assert.deepStrictEqual(yield* resolve(String(-group.id)), { _tag: "inputPeerChat", chat_id: group.id })
      const openPeer: Api.InputPeer = { _tag: "inputPeerChannel", channel_id: open.id, access_hash: open.accessHash }
      assert.deepStrictEqual(yield* resolve("@open_chat"), openPeer)
      assert.deepStrictEqual(yield* resolve(-(1_000_000_000_000n + open.id)), openPeer)
      assert.deepStrictEqual(yield* resolve(`-100${open.id}`), openPeer)
      assert.deepStrictEqual(yield* resolve({ _tag: "peerChannel", channel_id: open.id }), openPeer)

      // Nobody: a typed PeerNotFound with the reason.
      assert.strictEqual(yield* notFound(resolve("@nobody_here_x")), "UsernameNotOccupied")
      assert.strictEqual(yield* notFound(resolve("t.me/x")), "Malformed")
      assert.strictEqual(yield* notFound(resolve("+1999000111")), "PhoneNotOccupied")
      assert.strictEqual(yield* notFound(resolve(31337)), "Unknown")
      assert.strictEqual(yield* notFound(resolve(-(1_000_000_000_000n + secret.id))), "Unknown")
      assert.strictEqual(yield* notFound(resolve(-987654)), "Unknown")
      assert.strictEqual(yield* notFound(resolve("not a ref!")), "Malformed")
      assert.strictEqual(yield* notFound(resolve(0)), "Malformed")
      assert.strictEqual(yield* notFound(resolve(1.5)), "Malformed")
      assert.strictEqual(yield* notFound(resolve({ _tag: "inputPeerEmpty" })), "Malformed")
    }))

  it.scopedLive("a user known only as min resolves through the message it was seen in", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const cy = world.addUser({ phone: "+15550003", firstName: "Cy" })
      const open = yield* world.createChannel(ada.id, "Open chat", { broadcast: false, username: "open_chat" })
      yield* world.joinChannel(cy.id, open)
      const said = yield* world.sendMessage(cy.id, open, "hello from Cy")
      const client = yield* loginUser(cluster, "+15550001")

      const history = yield* as(client)(Effect.map(Stream.runCollect(Messages.history("@open_chat")), Chunk.toReadonlyArray))
      assert.strictEqual(history[0]?.id, said.id)
      const cached = yield* client.peers.get("user", cy.id)
      assert.isTrue(cached._tag === "Some" && cached.value.min)

      const peer = yield* as(client)(Peers.resolve(cy.id))
      assert.deepStrictEqual(peer, {
        _tag: "inputPeerUserFromMessage",
        peer: { _tag: "inputPeerChannel", channel_id: open.id, access_hash: open.accessHash },
        msg_id: said.id,
        user_id: cy.id
      })
      // The server takes it: Ada writes to Cy, whom she never saw in full.
      const dm = yield* as(client)(Messages.send(cy.id, "hi Cy", { parseMode: "none" }))
      assert.strictEqual(dm._tag === "message" && dm.message, "hi Cy")
      assert.strictEqual(world.historyOf(cy.id, ada.id).length, 1)
    }))
})
