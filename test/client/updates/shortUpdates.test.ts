/**
 * The short `Updates` constructors expanded into `updateNewMessage`, and the sequence each
 * `Update` constructor of the schema belongs to.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { ptsInfo } from "../../../src/client/updates/sequence.ts"
import {
  expandShortChatMessage,
  expandShortMessage,
  expandShortSentMessage
} from "../../../src/client/updates/shortUpdates.ts"
import { UpdateMachine } from "../../../src/client/updates/UpdateMachine.ts"
import { type Api, deserialize, serialize } from "../../../src/tl/index.ts"
import { message, peerChannel, peerUser, SELF, USER } from "./fixtures.ts"

/** Serialized and decoded again: equal only if the object has every key a decoded one has. */
const roundTrip = <A>(value: A): A => deserialize(serialize(value as never)) as A

const bold: Api.MessageEntity = { _tag: "messageEntityBold", offset: 0, length: 2 }

describe("short updates", () => {
  it("updateShortMessage: a private message, from the other user or (outgoing) from us", () => {
    const short: Api.updateShortMessage = {
      _tag: "updateShortMessage", out: false, mentioned: true, media_unread: false, silent: true, id: 5, user_id: USER,
      message: "hi", pts: 10, pts_count: 1, date: 1700, fwd_from: undefined, via_bot_id: 3n, reply_to: undefined,
      entities: [bold], ttl_period: 60
    }
    const update = expandShortMessage(short, SELF)
    assert.deepStrictEqual(roundTrip(update), update)
    const m = update.message as Api.message
    assert.deepStrictEqual(
      [m.id, m.peer_id, m.from_id, m.message, m.date, m.mentioned, m.silent, m.via_bot_id, m.entities, m.ttl_period, update.pts, update.pts_count],
      [5, peerUser(USER), peerUser(USER), "hi", 1700, true, true, 3n, [bold], 60, 10, 1]
    )
    const out = expandShortMessage({ ...short, out: true }, SELF).message as Api.message
    assert.deepStrictEqual([out.out, out.peer_id, out.from_id], [true, peerUser(USER), peerUser(SELF)])
    assert.strictEqual((expandShortMessage({ ...short, out: true }).message as Api.message).from_id, undefined)
  })

  it("updateShortChatMessage: a basic-group message from a member", () => {
    const short: Api.updateShortChatMessage = {
      _tag: "updateShortChatMessage", id: 6, from_id: USER, chat_id: 44n, message: "yo", pts: 11, pts_count: 1, date: 1800,
      reply_to: { _tag: "messageReplyHeader", reply_to_msg_id: 5 } as Api.messageReplyHeader
    }
    const m = expandShortChatMessage(short).message as Api.message
    assert.deepStrictEqual([m.peer_id, m.from_id, m.reply_to?._tag, m.message], [{ _tag: "peerChat", chat_id: 44n }, peerUser(USER), "messageReplyHeader", "yo"])
  })

  it("updateShortSentMessage: completed from the sendMessage request that produced it", () => {
    const short: Api.updateShortSentMessage = { _tag: "updateShortSentMessage", out: true, id: 77, pts: 101, pts_count: 1, date: 1900, ttl_period: 5 }
    const request: Api.messages.sendMessage = {
      _tag: "messages.sendMessage", silent: true, noforwards: true, peer: { _tag: "inputPeerUser", user_id: USER, access_hash: 1n },
      message: "hello", random_id: 9n, entities: [bold],
      reply_to: { _tag: "inputReplyToMessage", reply_to_msg_id: 70, quote_text: "q", top_msg_id: 2 }
    }
    const expanded = expandShortSentMessage(short, request, SELF)!
    assert.deepStrictEqual(roundTrip(expanded), expanded)
    assert.strictEqual(expanded._tag, "updateShort")
    const update = expanded.update as Api.updateNewMessage
    const m = update.message as Api.message
    assert.deepStrictEqual(
      [m.id, m.out, m.silent, m.noforwards, m.peer_id, m.from_id, m.message, m.date, m.entities, m.ttl_period, update.pts],
      [77, true, true, true, peerUser(USER), peerUser(SELF), "hello", 1900, [bold], 5, 101]
    )
    const reply = m.reply_to as Api.messageReplyHeader
    assert.deepStrictEqual([reply.reply_to_msg_id, reply.reply_to_top_id, reply.quote, reply.quote_text], [70, 2, true, "q"])

    // fed to the machine it is an ordinary message of the common sequence
    const machine = new UpdateMachine({ pts: 100, qts: 0, date: 1, seq: 0 }, 0)
    const step = machine.processUpdates(expanded, 0)
    assert.deepStrictEqual(step.updates, [update])

    // the server's entities win; send_as is the sender; inputPeerSelf is us; no peer, no message
    const media: Api.MessageMedia = { _tag: "messageMediaDice", value: 3, emoticon: "🎲" } as Api.messageMediaDice
    const sendMedia: Api.messages.sendMedia = {
      _tag: "messages.sendMedia", peer: { _tag: "inputPeerSelf" }, media: { _tag: "inputMediaDice", emoticon: "🎲" },
      message: "", random_id: 1n, send_as: { _tag: "inputPeerChannel", channel_id: 3n, access_hash: 1n },
      reply_to: { _tag: "inputReplyToStory", peer: { _tag: "inputPeerChat", chat_id: 4n }, story_id: 8 }
    }
    const fromServer = expandShortSentMessage({ ...short, entities: [], media }, sendMedia, SELF)!
    const sent = (fromServer.update as Api.updateNewMessage).message as Api.message
    assert.deepStrictEqual([sent.peer_id, sent.from_id, sent.media, sent.entities], [peerUser(SELF), peerChannel(3n), media, []])
    assert.deepStrictEqual(sent.reply_to, { _tag: "messageReplyStoryHeader", peer: { _tag: "peerChat", chat_id: 4n }, story_id: 8 })
    assert.strictEqual(expandShortSentMessage(short, { ...request, peer: { _tag: "inputPeerEmpty" } }, SELF), undefined)
  })
})

describe("sequences", () => {
  it("every Update constructor of the schema with a pts or qts belongs to a sequence", () => {
    const schema = readFileSync(new URL("../../../schema/api.tl", import.meta.url), "utf8")
    const withPts = [...schema.matchAll(/^(update\w+)#[0-9a-f]+ (.*)= Update;$/gm)]
      .filter(([, , fields]) => / (pts|qts):/.test(` ${fields!}`))
    assert.isAtLeast(withPts.length, 25)
    for (const [, name, fields] of withPts) {
      if (name === "updateChannelTooLong") continue // a request to fetch, not an event
      const hasQts = / qts:/.test(` ${fields!}`)
      const channel = /channel_id:/.test(fields!) || /Channel/.test(name!)
      const update = {
        _tag: name, pts: 7, pts_count: 2, qts: 7, channel_id: 3n, peer: peerUser(USER), message: message(1, peerChannel(3n))
      } as unknown as Api.Update
      const info = ptsInfo(update)
      assert.isDefined(info, `${name} has no sequence`)
      assert.deepStrictEqual(
        info,
        hasQts
          ? { sequence: "secondary", pts: 7, count: 1 }
          : { sequence: channel ? 3n : "common", pts: 7, count: name === "updateReadChannelInbox" ? 0 : 2 },
        name
      )
    }
  })

  it("updates without pts, a channel message without a channel peer, and pts 0 are outside every sequence", () => {
    const status = { _tag: "updateUserStatus", user_id: 1n, status: { _tag: "userStatusEmpty" } } as Api.Update
    assert.strictEqual(ptsInfo(status), undefined)
    assert.strictEqual(ptsInfo({ _tag: "updateNewChannelMessage", message: { _tag: "messageEmpty", id: 1 }, pts: 5, pts_count: 1 }), undefined)
    assert.strictEqual(ptsInfo({ _tag: "updateChannelTooLong", channel_id: 1n, pts: 5 }), undefined)
    assert.strictEqual(ptsInfo({ _tag: "updateDeleteMessages", messages: [], pts: 0, pts_count: 0 }), undefined)
  })
})
