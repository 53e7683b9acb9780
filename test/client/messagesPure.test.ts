/**
 * The pure pieces behind Peers, Messages and Dialogs, without sockets: parsing references,
 * finding the sent/forwarded/edited message in an answer, where peers were seen, and turning a
 * getDialogs page into Dialogs.
 */
import { assert, describe, it } from "@effect/vitest"
import { Dialogs, Peers } from "../../src/client/index.ts"
import { editedMessage, forwardedMessages, sentMessage } from "../../src/client/messages/answers.ts"
import { sightings } from "../../src/client/peers/messageContexts.ts"
import type { Api } from "../../src/tl/index.ts"

const peerUser = (user_id: bigint): Api.Peer => ({ _tag: "peerUser", user_id })
const peerChannel = (channel_id: bigint): Api.Peer => ({ _tag: "peerChannel", channel_id })
const message = (id: number, peer: Api.Peer, extra: Partial<Api.message> = {}): Api.message => ({
  _tag: "message",
  id,
  peer_id: peer,
  date: 1,
  message: `m${id}`,
  ...extra
})

describe("Peers.parseRef", () => {
  it("reads every written form", () => {
    const cases: ReadonlyArray<readonly [Peers.PeerRef, Peers.ParsedRef]> = [
      ["me", { _tag: "Self" }],
      [" SELF ", { _tag: "Self" }],
      ["@durov", { _tag: "Username", username: "durov" }],
      ["durov", { _tag: "Username", username: "durov" }],
      ["t.me/durov", { _tag: "Username", username: "durov" }],
      ["https://t.me/durov/42", { _tag: "Username", username: "durov" }],
      ["http://telegram.me/durov?start=x", { _tag: "Username", username: "durov" }],
      ["tg://resolve?domain=durov&start=1", { _tag: "Username", username: "durov" }],
      ["+1 (555) 000-1", { _tag: "Phone", phone: "15550001" }],
      ["12345", { _tag: "Id", kind: "user", id: 12345n }],
      ["-12345", { _tag: "Id", kind: "chat", id: 12345n }],
      ["-1001234567890", { _tag: "Id", kind: "channel", id: 1234567890n }],
      [-1001234567890, { _tag: "Id", kind: "channel", id: 1234567890n }],
      [777n, { _tag: "Id", kind: "user", id: 777n }],
      [{ _tag: "peerChat", chat_id: 5n }, { _tag: "Id", kind: "chat", id: 5n }],
      [{ _tag: "inputPeerSelf" }, { _tag: "Self" }],
      [{ _tag: "inputPeerChat", chat_id: 5n }, { _tag: "Input", input: { _tag: "inputPeerChat", chat_id: 5n } }]
    ]
    for (const [ref, parsed] of cases) assert.deepStrictEqual(Peers.parseRef(ref), parsed, String(ref))
  })

  it("refuses what names nobody", () => {
    const bad: ReadonlyArray<unknown> = [
      "", "a b", "@x", "t.me/+AbCdEf", "t.me/joinchat/xyz", "1durov", "+12", 0, 0n, "0", 1.5, Number.NaN,
      2 ** 60, { _tag: "inputPeerEmpty" }, { _tag: "nonsense" }, null, {}
    ]
    for (const ref of bad) assert.strictEqual(Peers.parseRef(ref as Peers.PeerRef)._tag, "Malformed", String(ref))
  })
})

describe("answers", () => {
  const sent = { peer: peerUser(2n), selfId: 1n, text: "hi", entities: [], randomId: 9n }

  it("rebuilds the message of an updateShortSentMessage", () => {
    const found = sentMessage({ _tag: "updateShortSentMessage", out: true, id: 7, pts: 3, pts_count: 1, date: 100 }, { ...sent, replyTo: 5 })
    assert.deepStrictEqual(found, {
      _tag: "Message",
      message: {
        _tag: "message",
        out: true,
        id: 7,
        peer_id: peerUser(2n),
        reply_to: { _tag: "messageReplyHeader", reply_to_msg_id: 5 },
        date: 100,
        message: "hi"
      }
    })
  })

  it("pairs the random_id with its message in a full updates, and says when only the id came", () => {
    const m = message(3, peerChannel(4n))
    const updates = (list: ReadonlyArray<Api.Update>): Api.Updates => ({ _tag: "updates", updates: list, users: [], chats: [], date: 1, seq: 0 })
    const withBoth = updates([
      { _tag: "updateMessageID", id: 3, random_id: 9n },
      { _tag: "updateNewChannelMessage", message: m, pts: 5, pts_count: 1 }
    ])
    assert.deepStrictEqual(sentMessage(withBoth, { ...sent, peer: peerChannel(4n) }), { _tag: "Message", message: m })
    // Same id in another chat is not it.
    assert.deepStrictEqual(sentMessage(withBoth, { ...sent, peer: peerChannel(5n) }), { _tag: "Id", id: 3 })
    assert.deepStrictEqual(sentMessage(updates([]), sent), { _tag: "Missing" })
    assert.deepStrictEqual(sentMessage({ _tag: "updatesTooLong" }, sent), { _tag: "Missing" })
  })

  it("finds forwarded messages in random_id order and the edited message", () => {
    const to = peerUser(2n)
    const answer: Api.Updates = {
      _tag: "updates",
      updates: [
        { _tag: "updateMessageID", id: 11, random_id: 1n },
        { _tag: "updateMessageID", id: 12, random_id: 2n },
        { _tag: "updateNewMessage", message: message(12, to), pts: 2, pts_count: 1 },
        { _tag: "updateNewMessage", message: message(11, to), pts: 1, pts_count: 1 },
        { _tag: "updateEditMessage", message: message(11, to, { message: "edited" }), pts: 3, pts_count: 1 }
      ],
      users: [],
      chats: [],
      date: 1,
      seq: 1
    }
    assert.deepStrictEqual(forwardedMessages(answer, to, [2n, 1n, 3n]).map((f) => f._tag === "Message" ? f.message.id : f._tag), [12, 11, "Missing"])
    assert.strictEqual(editedMessage(answer, to, 11)?._tag === "message" && (editedMessage(answer, to, 11) as Api.message).message, "edited")
    assert.isUndefined(editedMessage(answer, to, 12))
  })
})

describe("sightings", () => {
  it("records where senders, forward sources, actions and mentions were seen", () => {
    const chat = peerChannel(50n)
    const found = sightings({
      messages: [
        message(1, chat, {
          from_id: peerUser(7n),
          fwd_from: { _tag: "messageFwdHeader", from_id: peerChannel(60n), date: 1 },
          entities: [{ _tag: "messageEntityMentionName", offset: 0, length: 1, user_id: 8n }]
        }),
        { _tag: "messageService", id: 2, peer_id: chat, date: 1, action: { _tag: "messageActionChatAddUser", users: [9n] } }
      ]
    })
    assert.deepStrictEqual(
      found.map((s) => `${s.kind}:${s.id}@${s.context.msgId}`).sort(),
      ["channel:60@1", "user:7@1", "user:8@1", "user:9@2"]
    )
  })
})

describe("Dialogs.dialogsOfPage", () => {
  it("joins dialogs with their entity and top message, skipping folders and unknown peers", () => {
    const dialog = (peer: Api.Peer, top: number): Api.dialog => ({
      _tag: "dialog",
      peer,
      top_message: top,
      read_inbox_max_id: 0,
      read_outbox_max_id: 0,
      unread_count: 0,
      unread_mentions_count: 0,
      unread_reactions_count: 0,
      notify_settings: { _tag: "peerNotifySettings" }
    })
    const page = Dialogs.dialogsOfPage({
      _tag: "messages.dialogs",
      dialogs: [dialog(peerUser(2n), 5), dialog(peerChannel(4n), 5), dialog(peerUser(99n), 1), dialog(peerUser(1n), 6)],
      messages: [message(5, peerUser(2n)), message(5, peerChannel(4n), { message: "in channel" }), message(6, peerUser(1n))],
      chats: [{ _tag: "channel", id: 4n, access_hash: 44n, title: "C", photo: { _tag: "chatPhotoEmpty" }, date: 1 }],
      users: [
        { _tag: "user", id: 2n, access_hash: 22n, first_name: "B" },
        { _tag: "user", id: 1n, access_hash: 11n, first_name: "Me", self: true }
      ]
    }, 1n)
    assert.deepStrictEqual(page.map((d) => d.peer), [
      { _tag: "inputPeerUser", user_id: 2n, access_hash: 22n },
      { _tag: "inputPeerChannel", channel_id: 4n, access_hash: 44n },
      { _tag: "inputPeerSelf" }
    ])
    assert.strictEqual(page[1]?.topMessage?._tag === "message" && page[1].topMessage.message, "in channel")
  })
})
