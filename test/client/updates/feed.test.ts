/**
 * What feeds the update machine besides differences (`feed.ts`), socket-free: only `Updates`
 * constructors are updates; a call's result gives its `Updates` (`updateShortSentMessage`
 * completed from the request), its `messages.affected*` pts (common or the request's channel),
 * or channel pts from dialogs; a dropped push names its channels.
 */
import { assert, describe, it } from "@effect/vitest"
import { channelsTouched, isUpdates, resultAffected, resultChannelPts, resultUpdates } from "../../../src/client/updates/feed.ts"
import type { Api, TlMethod } from "../../../src/tl/index.ts"
import { channelMessage, deleteChannelMessages, newMessage, short } from "./fixtures.ts"

const SELF = 42n
const sendMessage: Api.messages.sendMessage = {
  _tag: "messages.sendMessage",
  peer: { _tag: "inputPeerUser", user_id: 7n, access_hash: 1n },
  message: "hello",
  random_id: 1n
}
const sent: Api.updateShortSentMessage = { _tag: "updateShortSentMessage", out: true, id: 5, pts: 11, pts_count: 1, date: 100 }

describe("isUpdates", () => {
  it("accepts the seven Updates constructors and nothing else", () => {
    for (const tag of ["updatesTooLong", "updateShortMessage", "updateShortChatMessage", "updateShort", "updatesCombined", "updates", "updateShortSentMessage"]) {
      assert.isTrue(isUpdates({ _tag: tag }), tag)
    }
    for (const tag of ["msgs_state_info", "msg_resend_ans_req", "updateNewMessage", "pong", "rpc_result"]) assert.isFalse(isUpdates({ _tag: tag }), tag)
  })
})

describe("resultUpdates", () => {
  it("completes updateShortSentMessage from messages.sendMessage into the updateNewMessage it stands for", () => {
    const u = resultUpdates(sendMessage, sent, SELF)
    assert.strictEqual(u?._tag, "updateShort")
    if (u?._tag !== "updateShort" || u.update._tag !== "updateNewMessage" || u.update.message._tag !== "message") return assert.fail()
    const m = u.update.message
    assert.deepStrictEqual([m.id, m.message, m.out, u.update.pts, u.update.pts_count], [5, "hello", true, 11, 1])
    assert.deepStrictEqual(m.peer_id, { _tag: "peerUser", user_id: 7n })
    assert.deepStrictEqual(m.from_id, { _tag: "peerUser", user_id: SELF })
  })

  it("keeps the short form when it cannot be completed (no self id, another method)", () => {
    assert.strictEqual(resultUpdates(sendMessage, sent, undefined), sent)
    assert.strictEqual(resultUpdates({ _tag: "messages.forwardMessages" } as TlMethod, sent, SELF), sent)
  })

  it("gives Updates results as they are, the updates of messages.invitedUsers, and nothing for other results", () => {
    const updates: Api.Updates = { _tag: "updates", updates: [], users: [], chats: [], date: 1, seq: 0 }
    assert.strictEqual(resultUpdates(sendMessage, updates, SELF), updates)
    assert.strictEqual(resultUpdates(sendMessage, { _tag: "messages.invitedUsers", updates, missing_invitees: [] }, SELF), updates)
    assert.isUndefined(resultUpdates(sendMessage, { _tag: "messages.affectedMessages", pts: 1, pts_count: 1 }, SELF))
    assert.isUndefined(resultUpdates(sendMessage, true, SELF))
    assert.isUndefined(resultUpdates(sendMessage, [1, 2], SELF))
  })
})

describe("resultAffected", () => {
  it("is common for private chats, the channel's for channel requests", () => {
    const affected = { _tag: "messages.affectedMessages", pts: 20, pts_count: 2 }
    assert.deepStrictEqual(resultAffected({ _tag: "messages.deleteMessages", id: [1, 2] } as TlMethod, affected), { pts: 20, pts_count: 2, channelId: undefined })
    const channel = { _tag: "inputChannel", channel_id: 9n, access_hash: 1n }
    assert.deepStrictEqual(resultAffected({ _tag: "channels.deleteMessages", channel, id: [1] } as TlMethod, affected), { pts: 20, pts_count: 2, channelId: 9n })
    const history = { _tag: "messages.affectedHistory", pts: 30, pts_count: 1, offset: 0 }
    const onChannel = { _tag: "messages.readMentions", peer: { _tag: "inputPeerChannel", channel_id: 8n, access_hash: 1n } } as TlMethod
    assert.deepStrictEqual(resultAffected(onChannel, history), { pts: 30, pts_count: 1, channelId: 8n })
    assert.isUndefined(resultAffected(onChannel, { _tag: "updatesTooLong" }))
  })
})

describe("resultChannelPts", () => {
  it("reads the channel dialogs' pts and a channel's full pts", () => {
    const dialog = (peer: Api.Peer, pts?: number) => ({ _tag: "dialog", peer, ...(pts === undefined ? {} : { pts }) })
    const dialogs = {
      _tag: "messages.dialogsSlice",
      count: 3,
      dialogs: [dialog({ _tag: "peerChannel", channel_id: 3n }, 77), dialog({ _tag: "peerUser", user_id: 1n }), dialog({ _tag: "peerChannel", channel_id: 4n })],
      messages: [],
      chats: [],
      users: []
    }
    assert.deepStrictEqual(resultChannelPts(dialogs), [[3n, 77]])
    assert.deepStrictEqual(resultChannelPts({ _tag: "messages.chatFull", full_chat: { _tag: "channelFull", id: 6n, pts: 12 }, chats: [], users: [] }), [[6n, 12]])
    assert.deepStrictEqual(resultChannelPts({ _tag: "messages.chatFull", full_chat: { _tag: "chatFull", id: 6n }, chats: [], users: [] }), [])
  })
})

describe("channelsTouched", () => {
  it("names each channel of a push with the pts before its first update there", () => {
    const into = new Map<bigint, number | undefined>()
    channelsTouched({ _tag: "updates", updates: [channelMessage(1n, 1, 5), channelMessage(1n, 2, 6), deleteChannelMessages(2n, [1, 2], 9), newMessage(1, 3)], users: [], chats: [], date: 1, seq: 0 }, into)
    channelsTouched(short({ _tag: "updateChannelTooLong", channel_id: 3n }), into)
    channelsTouched(short(channelMessage(1n, 0, 3)), into)
    assert.deepStrictEqual(into, new Map<bigint, number | undefined>([[1n, 2], [2n, 7], [3n, undefined]]))
  })
})
