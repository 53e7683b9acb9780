/**
 * The pure parts of the bot framework, without sockets: command parsing (examples and
 * properties), the per-chat lanes behind `Bot.run`, keyboards as data with the 64-byte
 * callback limit, and the update-source shim's unpacking of raw pushes.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import fc from "fast-check"
import { parseCommand } from "../../../src/client/bot/command.ts"
import { chatKeyOf, editedMessageOf, newMessageOf, senderIdOf } from "../../../src/client/bot/events.ts"
import { Lanes } from "../../../src/client/bot/lanes.ts"
import { Bot, Button, CallbackDataTooLong, type Client, type ClientError, Keyboard, Messages } from "../../../src/client/index.ts"
import type { Api } from "../../../src/tl/index.ts"

const RUNS = 500

describe("parseCommand", () => {
  it("reads /name, /name@bot and the arguments", () => {
    assert.deepStrictEqual(parseCommand("/start", "echo_bot"), { name: "start", mention: undefined, args: "", argv: [] })
    assert.deepStrictEqual(parseCommand("/start@Echo_Bot  deep  link ", "echo_bot"), {
      name: "start",
      mention: "Echo_Bot",
      args: "deep  link",
      argv: ["deep", "link"]
    })
    assert.deepStrictEqual(parseCommand("/help\nline two", undefined)?.args, "line two")
  })

  it("leaves out commands for another bot, texts that are not commands, and mentions without a username of our own", () => {
    assert.isUndefined(parseCommand("/start@other_bot", "echo_bot"))
    assert.isUndefined(parseCommand("/start@echo_bot", undefined))
    for (const text of ["start", " /start", "/", "/start,now", "/sta-rt", "//start", "/start@", "/start@ab", `/${"x".repeat(33)}`, ""]) {
      assert.isUndefined(parseCommand(text, "echo_bot"), JSON.stringify(text))
    }
  })

  const name = fc.stringMatching(/^[A-Za-z0-9_]{1,32}$/)
  const username = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{2,31}$/)
  const args = fc.array(fc.stringMatching(/^\S{1,10}$/), { maxLength: 5 })

  it("property: /name[@us] args round-trips, whatever the case of the mention", () =>
    fc.assert(
      fc.property(name, username, fc.boolean(), fc.boolean(), args, (n, us, mention, upper, argv) => {
        const at = mention ? `@${upper ? us.toUpperCase() : us}` : ""
        const text = `/${n}${at}${argv.length > 0 ? ` ${argv.join(" ")}` : ""}`
        const parsed = parseCommand(text, us)
        assert.deepStrictEqual(parsed && { name: parsed.name, argv: parsed.argv, args: parsed.args }, {
          name: n,
          argv,
          args: argv.join(" ")
        })
      }),
      { numRuns: RUNS }
    ))

  it("property: a command naming another bot is never ours", () =>
    fc.assert(
      fc.property(name, username, username, args, (n, ours, other, argv) => {
        fc.pre(ours.toLowerCase() !== other.toLowerCase())
        assert.isUndefined(parseCommand(`/${n}@${other} ${argv.join(" ")}`, ours))
      }),
      { numRuns: RUNS }
    ))

  it("property: never throws on any text", () =>
    fc.assert(fc.property(fc.string(), fc.option(username, { nil: undefined }), (text, us) => void parseCommand(text, us)), { numRuns: RUNS }))
})

describe("Bot.run's type", () => {
  it("requires the handler's context and the stream's error, never the handler's errors", () => {
    // A compile-time check: a union of handler results (a failure, a send needing Client) types.
    const program: Effect.Effect<void, ClientError, Client> = Bot.run(
      Bot.messages,
      (m) => (m.text === "" ? Effect.fail("empty" as const) : Messages.send(m.chat, "echo"))
    )
    assert.isTrue(Effect.isEffect(program))
  })
})

describe("Lanes", () => {
  it("hands out one key's items in order, starting a worker only for an idle lane, and closes empty lanes", () => {
    const lanes = new Lanes<number>()
    assert.isTrue(lanes.push("a", 1))
    assert.isFalse(lanes.push("a", 2))
    assert.isTrue(lanes.push("b", 10))
    assert.strictEqual(lanes.next("a")?.item, 1)
    assert.isFalse(lanes.push("a", 3)) // the worker of "a" is still busy: queue behind
    assert.strictEqual(lanes.next("a")?.item, 2)
    assert.strictEqual(lanes.next("a")?.item, 3)
    assert.isUndefined(lanes.next("a"))
    assert.strictEqual(lanes.size, 1)
    assert.isTrue(lanes.push("a", 4)) // closed: a new worker
    const holes = new Lanes<undefined>()
    holes.push("x", undefined)
    holes.push("x", undefined)
    assert.deepStrictEqual([holes.next("x"), holes.next("x"), holes.next("x")], [{ item: undefined }, { item: undefined }, undefined])
  })

  it("property: any interleaving of pushes and worker steps delivers every item exactly once, in per-key order", () =>
    fc.assert(
      fc.property(
        fc.array(fc.oneof(
          fc.record({ op: fc.constant("push" as const), key: fc.integer({ min: 0, max: 3 }) }),
          fc.record({ op: fc.constant("step" as const), key: fc.integer({ min: 0, max: 3 }) })
        ), { maxLength: 200 }),
        (ops) => {
          const lanes = new Lanes<number>()
          const workers = new Set<string>()
          const pushed = new Map<string, Array<number>>()
          const got = new Map<string, Array<number>>()
          let n = 0
          const step = (key: string) => {
            const next = lanes.next(key)
            if (next === undefined) workers.delete(key)
            else got.set(key, [...(got.get(key) ?? []), next.item])
          }
          for (const o of ops) {
            const key = `k${o.key}`
            if (o.op === "push") {
              const item = n++
              pushed.set(key, [...(pushed.get(key) ?? []), item])
              if (lanes.push(key, item)) {
                assert.isFalse(workers.has(key), "two workers on one lane")
                workers.add(key)
              }
            } else if (workers.has(key)) step(key)
          }
          for (const key of [...workers]) while (workers.has(key)) step(key)
          assert.deepStrictEqual(got, pushed)
          assert.strictEqual(lanes.size, 0)
        }
      ),
      { numRuns: RUNS }
    ))
})

describe("Keyboard and Button", () => {
  it("builds the TL objects", () => {
    const inline = Keyboard.inline([[Button.callback("+1", "inc"), Button.url("Docs", "https://core.telegram.org")], [Button.switchInline("Share", "q", { samePeer: true })]])
    assert.strictEqual(inline._tag, "replyInlineMarkup")
    assert.deepStrictEqual(Keyboard.buttons(inline).map((r) => r.map((b) => b._tag)), [["keyboardButtonCallback", "keyboardButtonUrl"], ["keyboardButtonSwitchInline"]])
    assert.deepStrictEqual([...(Keyboard.buttons(inline)[0]![0] as Api.keyboardButtonCallback).data], [...new TextEncoder().encode("inc")])
    assert.deepStrictEqual(Keyboard.reply([["Coffee", Button.requestPhone("Phone")]], { resize: true, oneTime: true, selective: true, placeholder: "Pick" }), {
      _tag: "replyKeyboardMarkup",
      resize: true,
      single_use: true,
      selective: true,
      rows: [{ _tag: "keyboardButtonRow", buttons: [{ _tag: "keyboardButton", text: "Coffee" }, { _tag: "keyboardButtonRequestPhone", text: "Phone" }] }],
      placeholder: "Pick"
    })
    assert.deepStrictEqual(Keyboard.remove({ selective: true }), { _tag: "replyKeyboardHide", selective: true })
    assert.deepStrictEqual(Keyboard.forceReply({ placeholder: "Name", singleUse: true }), { _tag: "replyKeyboardForceReply", single_use: true, placeholder: "Name" })
    assert.deepStrictEqual(Keyboard.buttons(Keyboard.remove()), [])
  })

  it.effect("callback data: 64 bytes pass, 65 fail with CallbackDataTooLong (UTF-8 bytes, not characters)", () =>
    Effect.gen(function*() {
      yield* Keyboard.check(Keyboard.inline([[Button.callback("ok", "x".repeat(64))]]))
      yield* Keyboard.check(undefined)
      const exit = yield* Effect.exit(Keyboard.check(Keyboard.inline([[Button.callback("ok", "x")], [Button.callback("long", "é".repeat(33))]])))
      assert.isTrue(Exit.isFailure(exit))
      const error = Keyboard.tooLong(Keyboard.inline([[Button.callback("long", "é".repeat(33))]]))
      assert.instanceOf(error, CallbackDataTooLong)
      assert.deepStrictEqual({ text: error?.text, bytes: error?.bytes, limit: error?.limit }, { text: "long", bytes: 66, limit: 64 })
      assert.include(error?.message ?? "", "66 bytes")
    }))
})

describe("update selection and the update-source shim", () => {
  const message = (fields: Partial<Api.message>): Api.message => ({
    _tag: "message",
    id: 5,
    peer_id: { _tag: "peerUser", user_id: 7n },
    date: 1,
    message: "hi",
    ...fields
  })

  it("picks new and edited messages from others, with their chat and sender", () => {
    const m = message({})
    assert.strictEqual(newMessageOf({ _tag: "updateNewMessage", message: m, pts: 1, pts_count: 1 }), m)
    assert.isUndefined(newMessageOf({ _tag: "updateNewMessage", message: message({ out: true }), pts: 1, pts_count: 1 }))
    assert.isUndefined(newMessageOf({ _tag: "updateNewMessage", message: { _tag: "messageEmpty", id: 1 }, pts: 1, pts_count: 1 }))
    assert.strictEqual(editedMessageOf({ _tag: "updateEditChannelMessage", message: m, pts: 1, pts_count: 1 }), m)
    assert.isUndefined(editedMessageOf({ _tag: "updateNewMessage", message: m, pts: 1, pts_count: 1 }))
    assert.strictEqual(senderIdOf(m), 7n)
    assert.strictEqual(senderIdOf(message({ peer_id: { _tag: "peerChat", chat_id: 3n }, from_id: { _tag: "peerUser", user_id: 9n } })), 9n)
    assert.isUndefined(senderIdOf(message({ peer_id: { _tag: "peerChannel", channel_id: 3n } })))
    assert.deepStrictEqual(
      [chatKeyOf({ _tag: "peerUser", user_id: 1n }), chatKeyOf({ _tag: "peerChat", chat_id: 1n }), chatKeyOf({ _tag: "peerChannel", channel_id: 1n })],
      ["u1", "c1", "h1"]
    )
  })

})
