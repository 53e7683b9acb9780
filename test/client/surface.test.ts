/**
 * The rest of TestDc's messaging surface over TCP, through raw `invoke`: usernames, contacts,
 * full user and channel descriptions, peer dialogs, text-only media, pins, invites and admin
 * rights, leaving.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Messages, Peers } from "../../src/client/index.ts"
import type { Api } from "../../src/tl/index.ts"
import { makeCluster } from "../support/dc.ts"
import { as, loginUser, textOf } from "./support/messaging.ts"

const rpcError = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.match(effect, { onSuccess: () => "", onFailure: (e) => (e._tag === "RpcError" ? (e as unknown as { message: string }).message : e._tag) })

describe("TestDc messaging surface", () => {
  it.scopedLive("usernames, contacts, full descriptions, peer dialogs, media, pins, invites, admins", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const world = cluster.world
      const ada = world.addUser({ phone: "+15550001", firstName: "Ada" })
      const bob = world.addUser({ phone: "+15550002", firstName: "Bob", lastName: "B" })
      const client = yield* loginUser(cluster, "+15550001")
      const run = as(client)

      // Usernames: format, availability, taking one, finding it.
      assert.strictEqual(yield* rpcError(client.invoke({ _tag: "account.checkUsername", username: "9lives" })), "USERNAME_INVALID")
      assert.isTrue(yield* client.invoke({ _tag: "account.checkUsername", username: "ada_new" }))
      const me = yield* client.invoke({ _tag: "account.updateUsername", username: "ada_new" })
      assert.isTrue(me._tag === "user" && me.self === true && me.username === "ada_new")
      assert.strictEqual(yield* rpcError(client.invoke({ _tag: "account.updateUsername", username: "ada_new" })), "USERNAME_NOT_MODIFIED")
      yield* world.setUsername(bob.id, "bob_taken")
      assert.isFalse(yield* client.invoke({ _tag: "account.checkUsername", username: "Bob_Taken" }))
      assert.strictEqual(yield* rpcError(client.invoke({ _tag: "account.updateUsername", username: "bob_taken" })), "USERNAME_OCCUPIED")

      // Contacts: import by phone (unknown numbers left out), then listed with the phone visible.
      const imported = yield* client.invoke({
        _tag: "contacts.importContacts",
        contacts: [
          { _tag: "inputPhoneContact", client_id: 1n, phone: "+1 555 0002", first_name: "Bobby", last_name: "" },
          { _tag: "inputPhoneContact", client_id: 2n, phone: "+1 555 0999", first_name: "Nobody", last_name: "" }
        ]
      })
      assert.deepStrictEqual(imported.imported.map((i) => [i.user_id, i.client_id]), [[bob.id, 1n]])
      const contacts = (yield* client.invoke({ _tag: "contacts.getContacts", hash: 0n })) as Api.contacts.contacts
      assert.deepStrictEqual(contacts.contacts.map((c) => c.user_id), [bob.id])
      const bobUser = contacts.users[0]
      assert.isTrue(bobUser?._tag === "user" && bobUser.contact === true && bobUser.phone === "15550002")

      // Full user; peer dialogs with the update state.
      const bobPeer = yield* run(Peers.resolve(bob.id))
      const full = yield* client.invoke({ _tag: "users.getFullUser", id: Peers.inputUserOf(bobPeer)! })
      assert.strictEqual(full.full_user.id, bob.id)
      yield* world.sendMessage(bob.id, ada.id, "ping")
      const peerDialogs = yield* client.invoke({ _tag: "messages.getPeerDialogs", peers: [{ _tag: "inputDialogPeer", peer: bobPeer }] })
      const dialog = peerDialogs.dialogs[0]
      assert.isTrue(dialog?._tag === "dialog" && dialog.unread_count === 1 && dialog.top_message === 1)
      assert.strictEqual(peerDialogs.state.pts, world.stateOf(ada.id).pts)

      // Text-only media: a die and a contact card.
      const dice = yield* client.invoke({ _tag: "messages.sendMedia", peer: bobPeer, media: { _tag: "inputMediaDice", emoticon: "🎲" }, message: "", random_id: 1n })
      assert.isTrue(dice._tag === "updateShortSentMessage" && dice.media?._tag === "messageMediaDice" && dice.media.value >= 1 && dice.media.value <= 6)
      yield* client.invoke({
        _tag: "messages.sendMedia",
        peer: bobPeer,
        media: { _tag: "inputMediaContact", phone_number: "+15550002", first_name: "Bob", last_name: "", vcard: "" },
        message: "",
        random_id: 2n
      })
      const cards = world.historyOf(bob.id, ada.id).filter((m) => m._tag === "message" && m.media?._tag === "messageMediaContact")
      assert.isTrue(cards[0]?._tag === "message" && cards[0].media?._tag === "messageMediaContact" && cards[0].media.user_id === bob.id)

      // Pins: pinned flag, the service message, and the pinned search filter.
      yield* client.invoke({ _tag: "messages.updatePinnedMessage", peer: bobPeer, id: 1 })
      const pinned = yield* run(Effect.map(Stream.runCollect(Messages.search(bob.id, "", { filter: { _tag: "inputMessagesFilterPinned" } })), Chunk.toReadonlyArray))
      assert.deepStrictEqual(pinned.map(textOf), ["ping"])
      assert.strictEqual(world.historyOf(bob.id, ada.id).at(-1)?._tag, "messageService")

      // A supergroup: invite, admin rights, description, leaving.
      const created = (yield* client.invoke({ _tag: "channels.createChannel", megagroup: true, title: "Team", about: "we work" })) as Api.updates
      const team = created.chats[0] as Api.channel
      const channel: Api.InputChannel = { _tag: "inputChannel", channel_id: team.id, access_hash: team.access_hash! }
      yield* client.invoke({ _tag: "channels.inviteToChannel", channel, users: [Peers.inputUserOf(bobPeer)!] })
      assert.strictEqual(yield* rpcError(client.invoke({ _tag: "channels.inviteToChannel", channel, users: [Peers.inputUserOf(bobPeer)!] })), "USER_ALREADY_PARTICIPANT")
      yield* client.invoke({ _tag: "channels.editAdmin", channel, user_id: Peers.inputUserOf(bobPeer)!, admin_rights: { _tag: "chatAdminRights", pin_messages: true }, rank: "pinner" })
      assert.strictEqual(world.store.channels.get(team.id)!.members.get(bob.id)!.rank, "pinner")
      const fullChannel = yield* client.invoke({ _tag: "channels.getFullChannel", channel })
      assert.isTrue(fullChannel.full_chat._tag === "channelFull" && fullChannel.full_chat.participants_count === 2 &&
        fullChannel.full_chat.admins_count === 2 && fullChannel.full_chat.about === "we work")
      const [got] = (yield* client.invoke({ _tag: "channels.getChannels", id: [channel] })).chats
      assert.isTrue(got?._tag === "channel" && got.megagroup === true && got.creator === true)
      assert.strictEqual(yield* rpcError(client.invoke({ _tag: "channels.getChannels", id: [{ ...channel, access_hash: 1n }] })), "CHANNEL_INVALID")
      yield* world.leaveChannel(bob.id, { kind: "channel", id: team.id })
      const history = world.historyOf(ada.id, { kind: "channel", id: team.id }).map((m) => m._tag === "messageService" ? m.action._tag : textOf(m))
      assert.deepStrictEqual(history, ["messageActionChannelCreate", "messageActionChatAddUser", "messageActionChatDeleteUser"])
    }))
})
