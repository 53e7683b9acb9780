/**
 * Messaging end to end over TCP against a TestDc: logged-in clients talking to each other, a
 * bot answering, a channel and its subscriber, edits and deletes, random_id de-duplication and
 * the errors of bad input.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Messages, Peers } from "../../src/client/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster } from "../support/dc.ts"
import { as, loginBot, loginUser, newMessageIn, textOf, watch } from "./support/messaging.ts"

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** The error tag and message a failed effect ends with ("" on success). */
const failure = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, {
    onSuccess: () => "",
    onFailure: (e) => ("message" in e && typeof e.message === "string" && e._tag === "RpcError" ? e.message : e._tag)
  })

describe("Messaging over TCP", () => {
  it.scopedLive("two clients talk; the sender's other session sees its own message; pts agree with the World", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", username: "ada_lovelace" })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob" })
      const ada1 = yield* loginUser(cluster, "+15550001")
      const ada2 = yield* loginUser(cluster, "+15550001")
      const bobClient = yield* loginUser(cluster, "+15550002")
      const bobSees = yield* watch(bobClient)
      const ada2Sees = yield* watch(ada2)

      const toBob = yield* as(ada1)(Messages.send("+15550002", "hello Bob", { parseMode: "none" }))
      assert.strictEqual(textOf(toBob), "hello Bob")
      assert.isTrue(toBob._tag === "message" && toBob.out === true)
      const atBob = yield* bobSees(newMessageIn)
      assert.deepStrictEqual({ text: atBob.text, from: atBob.from, out: atBob.out }, { text: "hello Bob", from: ada.id, out: false })
      const atAda2 = yield* ada2Sees(newMessageIn)
      assert.deepStrictEqual({ text: atAda2.text, id: atAda2.id, out: atAda2.out }, { text: "hello Bob", id: toBob.id, out: true })
      assert.strictEqual(atBob.pts, cluster.world.stateOf(bob.id).pts)

      // Bob answers by Ada's id: the push taught his client her access hash.
      const reply = yield* as(bobClient)(Messages.send(ada.id, "hi Ada", { parseMode: "none", replyTo: atBob.id }))
      assert.isTrue(reply._tag === "message" && reply.reply_to?._tag === "messageReplyHeader" && reply.reply_to.reply_to_msg_id === atBob.id)
      const history = yield* as(ada1)(collect(Messages.history(bob.id)))
      assert.deepStrictEqual(history.map(textOf), ["hi Ada", "hello Bob"])
      const state = yield* ada1.invoke({ _tag: "updates.getState" })
      assert.strictEqual(state.pts, cluster.world.stateOf(ada.id).pts)
    }))

  it.scopedLive("a user writes to a bot and the bot answers", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const botUser = cluster.world.addBot({ token: "777000:echo-token", username: "echo_bot" })
      const user = yield* loginUser(cluster, "+15550001")
      const bot = yield* loginBot(cluster, "777000:echo-token")
      const botSees = yield* watch(bot)
      const userSees = yield* watch(user)
      yield* as(user)(Messages.send("@echo_bot", "/start", { parseMode: "none" }))
      const incoming = yield* botSees(newMessageIn)
      assert.strictEqual(incoming.text, "/start")
      yield* as(bot)(Messages.send(incoming.from!, `you said ${incoming.text}`, { parseMode: "none" }))
      const answer = yield* userSees((u) => {
        const m = newMessageIn(u)
        return m?.from === botUser.id ? m : undefined
      })
      assert.strictEqual(answer.text, "you said /start")
    }))

  it.scopedLive("a World-side user talks to a bot under test, no second client", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const botUser = cluster.world.addBot({ token: "777001:bot-token", username: "upper_bot" })
      const bot = yield* loginBot(cluster, "777001:bot-token")
      const botSees = yield* watch(bot)
      // The bot under test: answers every message in upper case.
      yield* Effect.forkScoped(as(bot)(Effect.forever(Effect.gen(function*() {
        const m = yield* botSees(newMessageIn)
        if (!m.out) yield* Messages.send(m.from!, m.text.toUpperCase(), { parseMode: "none" })
      }))))
      yield* cluster.world.sendMessage(ada.id, botUser.id, "shout this")
      for (let i = 0; i < 100; i++) {
        const texts = cluster.world.historyOf(ada.id, botUser.id).map(textOf)
        if (texts.includes("SHOUT THIS")) return
        yield* Effect.sleep("20 millis")
      }
      assert.fail("the bot did not answer")
    }))

  it.scopedLive("a channel with a subscriber: posts are pushed, readable, and only admins post", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Owner" })
      cluster.world.addUser({ phone: "+15550002", firstName: "Reader" })
      const owner = yield* loginUser(cluster, "+15550001")
      const reader = yield* loginUser(cluster, "+15550002")
      const created = yield* owner.invoke({ _tag: "channels.createChannel", broadcast: true, title: "Daily news", about: "" })
      const channel = (created as Api.updates).chats[0] as Api.channel
      const input: Api.InputChannel = { _tag: "inputChannel", channel_id: channel.id, access_hash: channel.access_hash! }
      assert.isTrue(yield* owner.invoke({ _tag: "channels.updateUsername", channel: input, username: "daily_news" }))

      const joined = yield* as(reader)(Peers.resolve("https://t.me/daily_news"))
      assert.strictEqual(joined._tag, "inputPeerChannel")
      if (joined._tag !== "inputPeerChannel") return
      yield* reader.invoke({ _tag: "channels.joinChannel", channel: { _tag: "inputChannel", channel_id: joined.channel_id, access_hash: joined.access_hash } })
      const readerSees = yield* watch(reader)
      const post = yield* as(owner)(Messages.send("@daily_news", "issue #1", { parseMode: "none" }))
      assert.strictEqual(post.id, 2) // 1 is the creation message
      const pushed = yield* readerSees((u) => u._tag === "updateNewChannelMessage" ? u : undefined)
      assert.strictEqual(pushed.message._tag === "message" && pushed.message.message, "issue #1")
      assert.strictEqual(pushed.pts, cluster.world.store.channels.get(channel.id)!.log.pts)

      const seen = yield* as(reader)(collect(Messages.history("daily_news")))
      assert.deepStrictEqual(seen.map((m) => m._tag), ["message", "messageService"])
      const [got] = yield* as(reader)(Messages.get("@daily_news", [2]))
      assert.strictEqual(got && textOf(got), "issue #1")
      assert.strictEqual(yield* failure(as(reader)(Messages.send("@daily_news", "me too", { parseMode: "none" }))), "CHAT_ADMIN_REQUIRED")
    }))

  it.scopedLive("edits and deletes are visible in history; a deleted id reads as empty and cannot be edited", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      const ada = yield* loginUser(cluster, "+15550001")
      const bob = yield* loginUser(cluster, "+15550002")
      const sent: Array<Api.Message> = []
      for (const text of ["one", "two", "three"]) sent.push(yield* as(ada)(Messages.send("@bob_b", text, { parseMode: "none" })))
      const edited = yield* as(ada)(Messages.edit("bob_b", sent[1]!.id, "two (edited)", { parseMode: "none" }))
      assert.isTrue(edited._tag === "message" && edited.message === "two (edited)" && edited.edit_date !== undefined)
      assert.strictEqual(yield* as(ada)(Messages.delete("@bob_b", [sent[0]!.id], { revoke: true })), 1)

      const bobHistory = yield* as(bob)(collect(Messages.history("+15550001")))
      assert.deepStrictEqual(bobHistory.map(textOf), ["three", "two (edited)"])
      const [gone, kept] = yield* as(ada)(Messages.get("@bob_b", [sent[0]!.id, sent[2]!.id]))
      assert.strictEqual(gone?._tag, "messageEmpty")
      assert.strictEqual(kept && textOf(kept), "three")
      assert.strictEqual(yield* failure(as(ada)(Messages.edit("@bob_b", sent[0]!.id, "zombie", { parseMode: "none" }))), "MESSAGE_ID_INVALID")
      // Forwarding: new messages with the original author in their header.
      const [fwd] = yield* as(bob)(Messages.forward("+15550001", [bobHistory[0]!.id], "me"))
      assert.isTrue(fwd?._tag === "message" && fwd.fwd_from?.from_id?._tag === "peerUser" && fwd.message === "three")
    }))

  it.scopedLive("the same random_id twice yields one message", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      const ada = yield* loginUser(cluster, "+15550001")
      const peer = yield* as(ada)(Peers.resolve("@bob_b"))
      const send = ada.invoke({ _tag: "messages.sendMessage", peer, message: "only once", random_id: 987654321n })
      const first = yield* send
      const second = yield* send
      assert.strictEqual(first._tag, "updateShortSentMessage")
      assert.deepStrictEqual(second, first)
      assert.strictEqual(cluster.world.historyOf(bob.id, cluster.world.userByPhone("+15550001")!.id).length, 1)
    }))

  it.scopedLive("bad input: too long, empty, unknown peers are typed errors", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      const ada = yield* loginUser(cluster, "+15550001")
      const run = as(ada)
      assert.strictEqual(yield* failure(run(Messages.send("@bob_b", "x".repeat(4097), { parseMode: "none" }))), "MESSAGE_TOO_LONG")
      assert.strictEqual(yield* failure(run(Messages.send("@bob_b", "😀".repeat(2048), { parseMode: "none" }))), "")
      assert.strictEqual(yield* failure(run(Messages.send("@bob_b", "   ", { parseMode: "none" }))), "MESSAGE_EMPTY")
      assert.strictEqual(yield* failure(run(Messages.send("@nobody_here", "hi", { parseMode: "none" }))), "PeerNotFound")
      assert.strictEqual(yield* failure(run(Messages.send(424242, "hi", { parseMode: "none" }))), "PeerNotFound")
      assert.strictEqual(yield* failure(run(collect(Messages.history("+19999999999")))), "PeerNotFound")
    }))

  it.scopedLive("across a cluster: pushes reach each user on their home DC; the calling session gets its change only in the answer", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1, 2, 3])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada", homeDc: 2 })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", homeDc: 3, username: "bob_b" })
      const adaClient = yield* loginUser(cluster, "+15550001")
      const bobClient = yield* loginUser(cluster, "+15550002")
      assert.deepStrictEqual([yield* adaClient.homeDc, yield* bobClient.homeDc], [2, 3])
      const adaSees = yield* watch(adaClient)
      const bobSees = yield* watch(bobClient)
      yield* as(adaClient)(Messages.send("@bob_b", "from DC 2", { parseMode: "none" }))
      assert.strictEqual((yield* bobSees(newMessageIn)).text, "from DC 2")
      yield* cluster.world.sendMessage(bob.id, ada.id, "from the World")
      // Ada's own message came in the call's answer (not pushed to her session), and her
      // update stream has it too, as an outgoing updateNewMessage; then Bob's.
      const own = yield* adaSees(newMessageIn)
      assert.deepStrictEqual([own.text, own.out], ["from DC 2", true])
      assert.strictEqual((yield* adaSees(newMessageIn)).text, "from the World")
      assert.strictEqual(cluster.world.stateOf(ada.id).pts, (yield* adaClient.invoke({ _tag: "updates.getState" })).pts)
    }))

  it.scopedLive("a basic group: created, written to, read; members are pushed the short chat form", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const ada = cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      cluster.world.addUser({ phone: "+15550003", firstName: "Cy", username: "cy_c" })
      const adaClient = yield* loginUser(cluster, "+15550001")
      const cyClient = yield* loginUser(cluster, "+15550003")
      const run = as(adaClient)
      const users = [yield* run(Peers.resolve("@bob_b")), yield* run(Peers.resolve("@cy_c"))].map((p) => Peers.inputUserOf(p)!)
      const invited = yield* adaClient.invoke({ _tag: "messages.createChat", users, title: "Trio" })
      const chat = (invited.updates as Api.updates).chats[0]!
      const cySees = yield* watch(cyClient)
      yield* cluster.world.sendMessage(bob.id, { kind: "chat", id: chat.id }, "Bob here")
      // Pushed as updateShortChatMessage, yielded as the updateNewMessage it stands for.
      const pushed = yield* cySees((u) => (u._tag === "updateNewMessage" && u.message._tag === "message" ? u.message : undefined))
      assert.deepStrictEqual(
        [pushed.from_id, pushed.peer_id, pushed.message],
        [{ _tag: "peerUser", user_id: bob.id }, { _tag: "peerChat", chat_id: chat.id }, "Bob here"]
      )
      const mine = yield* run(Messages.send(-chat.id, "Ada here", { parseMode: "none" }))
      assert.isTrue(mine._tag === "message" && mine.from_id?._tag === "peerUser" && mine.from_id.user_id === ada.id)
      const seen = yield* as(cyClient)(collect(Messages.history(-chat.id)))
      assert.deepStrictEqual(seen.map(textOf), ["Ada here", "Bob here", "messageService"])
      // Cy reads everything: Ada's and Bob's outboxes move.
      const before = cluster.world.stateOf(ada.id).pts
      yield* cyClient.invoke({ _tag: "messages.readHistory", peer: { _tag: "inputPeerChat", chat_id: chat.id }, max_id: 0 })
      assert.strictEqual(cluster.world.stateOf(ada.id).pts, before + 1)
    }))

  it.scopedLive("formatted text: markdown and HTML become entities; a mention by id reaches the server as the user's InputUser", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bob = cluster.world.addUser({ phone: "+15550002", firstName: "Bob", username: "bob_b" })
      const ada = yield* loginUser(cluster, "+15550001")
      const run = as(ada)
      yield* run(Peers.resolve("@bob_b")) // Bob's access hash, for the mention below
      const md = yield* run(Messages.send("@bob_b", `**Hi** [Bob](tg://user?id=${bob.id}), see \`x\``))
      assert.strictEqual(textOf(md), "Hi Bob, see x")
      const stored = cluster.world.historyOf(bob.id, cluster.world.userByPhone("+15550001")!.id).at(-1)
      assert.deepStrictEqual(stored?._tag === "message" ? stored.entities : undefined, [
        { _tag: "messageEntityBold", offset: 0, length: 2 },
        { _tag: "messageEntityMentionName", offset: 3, length: 3, user_id: bob.id },
        { _tag: "messageEntityCode", offset: 12, length: 1 }
      ])
      const html = yield* run(Messages.send("@bob_b", "<b>bold</b> and <i>italic</i> 👍", { parseMode: "html" }))
      assert.isTrue(html._tag === "message" && html.message === "bold and italic 👍" && html.entities?.length === 2)
      // Malformed markup is sent as best-effort text, never a failure.
      const broken = yield* run(Messages.send("@bob_b", "**unclosed [link( `tick"))
      assert.strictEqual(textOf(broken), "**unclosed [link( `tick")
      // A mention of someone the client cannot address fails before anything is sent.
      assert.strictEqual(yield* failure(run(Messages.send("@bob_b", "[who](tg://user?id=555)"))), "PeerNotFound")
    }))
})
