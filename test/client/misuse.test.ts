/**
 * Misuse that TypeScript catches, made at run time anyway (casts, plain JavaScript, data from
 * outside), over TCP against a TestDc: a method the codec cannot write fails typed
 * (`TlEncodeError` in `ClientError`) with a message that names the field, sends nothing and
 * leaves the client working; a secret given as a plain value (`SecretNotRedacted`) is refused
 * when the layer is built or at the call, without the value in the message.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client, type ClientConfig, type ClientError } from "../../src/client/index.ts"
import { layerMemory, layerString } from "../../src/storage/index.ts"
import type { TlMethod } from "../../src/tl/index.ts"
import { makeCluster } from "../support/dc.ts"
import { API_HASH, configFor, memoryClient, recordCalls } from "./support/harness.ts"

/** What a cast lets through: anything at all where a method goes. */
const cast = (value: unknown) => value as TlMethod

const encodeFailure = (error: ClientError) => {
  assert.strictEqual(error._tag, "TlEncodeError")
  return error.message
}

describe("invoke: a method the codec cannot write fails typed", () => {
  it.scopedLive("unknown _tag, a constructor, not an object, a field of the wrong kind: TlEncodeError, nothing sent, the client still works", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const { client } = yield* memoryClient(cluster)
      yield* client.invoke({ _tag: "help.getNearestDc" })
      const calls = yield* recordCalls(cluster)
      const invokeAny = client.invoke as (method: TlMethod) => Effect.Effect<unknown, ClientError>
      const fail = (method: TlMethod) => Effect.map(Effect.flip(invokeAny(method)), encodeFailure)

      assert.strictEqual(
        yield* fail(cast({ _tag: "help.getNearestDcc" })),
        "cannot serialize help.getNearestDcc: unknown _tag: no method of this layer has this name"
      )
      assert.match(yield* fail(cast({ _tag: "inputPeerSelf" })), /inputPeerSelf: a constructor, not a method/)
      assert.match(yield* fail(cast(null)), /expected a method object with a _tag/)
      assert.match(yield* fail(cast("help.getConfig")), /expected a method object with a _tag/)
      assert.strictEqual(
        yield* fail(cast({
          _tag: "messages.sendMessage",
          peer: { _tag: "inputPeerUser", user_id: "12", access_hash: 1n },
          message: "hi",
          random_id: 1n
        })),
        "cannot serialize messages.sendMessage: in peer (inputPeerUser): user_id: expected a long (a bigint), got the string \"12\""
      )
      assert.strictEqual(
        yield* fail(cast({ _tag: "messages.sendMessage", peer: { _tag: "inputPeerSelf" }, message: 5, random_id: 1n })),
        "cannot serialize messages.sendMessage: message: expected a string, got the number 5"
      )
      assert.match(
        yield* fail(cast({ _tag: "messages.getHistory", peer: { _tag: "inputPeerSelf" }, offset_id: 1.5, offset_date: 0, add_offset: 0, limit: 10, max_id: 0, min_id: 0, hash: 0n })),
        /offset_id: expected an int \(a 32-bit integer\), got the number 1\.5/
      )
      assert.match(
        yield* fail(cast({ _tag: "messages.sendMessage", peer: { _tag: "inputPeerUzer" }, message: "x", random_id: 1n })),
        /in peer \(inputPeerUzer\): unknown _tag/
      )
      assert.match(yield* fail(cast({ _tag: "users.getUsers", id: "x" })), /id: expected a Vector \(an array\), got the string "x"/)
      // Inside the first call of a session too (wrapped in invokeWithLayer/initConnection).
      const fresh = yield* memoryClient(cluster)
      assert.match(
        yield* Effect.map(Effect.flip((fresh.client.invoke as typeof invokeAny)(cast({ _tag: "users.getUsers", id: [1] }))), encodeFailure),
        /^cannot serialize invokeWithLayer: .*in query \(users\.getUsers\): id\[0\]: expected a TL object \(with a _tag\), got the number 1$/
      )
      // Nothing reached the server, and the clients work on.
      assert.deepStrictEqual(calls.filter((c) => c.method !== "help.getNearestDc" && c.method !== "invokeWithLayer"), [])
      assert.strictEqual((yield* client.invoke({ _tag: "help.getNearestDc" }))._tag, "nearestDc")
      assert.strictEqual((yield* fresh.client.invoke({ _tag: "help.getNearestDc" }))._tag, "nearestDc")
    }))
})

describe("secrets given as plain values are refused", () => {
  const build = (config: ClientConfig, storage = layerMemory) =>
    Effect.scoped(Layer.build(Client.layer(config).pipe(Layer.provide(storage))))

  it.scopedLive("apiHash as a string: the layer fails to build with SecretNotRedacted, the value not in the message", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      const config = { ...configFor(cluster), apiHash: API_HASH as unknown as Redacted.Redacted<string> }
      const error = yield* Effect.flip(build(config))
      assert.strictEqual(error._tag, "SecretNotRedacted")
      assert.strictEqual(error.message, "apiHash must be a Redacted value (Redacted.make(…)), so that it never shows in logs or errors; got a string")
      assert.notInclude(error.message, API_HASH)
      // A proxy password in plain text, too.
      const proxied: ClientConfig = {
        ...configFor(cluster),
        proxy: { _tag: "Socks5", host: "127.0.0.1", port: 1, username: "u", password: "p" as unknown as Redacted.Redacted<string> }
      }
      const proxyError = yield* Effect.flip(build(proxied))
      assert.strictEqual(proxyError._tag, "SecretNotRedacted")
      if (proxyError._tag === "SecretNotRedacted") assert.strictEqual(proxyError.field, "proxy.password")
    }))

  it.scopedLive("a string session as a plain string: layerString fails to build", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(layerString("AQAAAA" as unknown as Redacted.Redacted<string>))))
      assert.strictEqual(error._tag, "SecretNotRedacted")
      assert.match(error.message, /^the string session \(layerString\) must be a Redacted value/)
    }))

  it.scopedLive("a bot token, a login code or a password as plain strings: refused at the call, before anything is sent", () =>
    Effect.gen(function*() {
      const cluster = yield* makeCluster([1])
      cluster.world.addBot({ token: "42:plain-token", username: "plain_bot" })
      cluster.world.addUser({ phone: "+15550001", firstName: "A", password: "pw" })
      const calls = yield* recordCalls(cluster)
      const { client } = yield* memoryClient(cluster)
      const bot = yield* Effect.flip(client.start({ botToken: "42:plain-token" as unknown as Redacted.Redacted<string> }))
      assert.strictEqual(bot._tag, "SecretNotRedacted")
      assert.notInclude(bot.message, "plain-token")
      assert.isFalse(calls.some((c) => c.method === "auth.importBotAuthorization"))
      const code = yield* Effect.flip(client.start({
        phone: Effect.succeed("+15550001"),
        code: Effect.succeed("12345" as unknown as Redacted.Redacted<string>)
      }))
      assert.strictEqual(code._tag, "SecretNotRedacted")
      if (code._tag === "SecretNotRedacted") assert.strictEqual(code.field, "code")
      assert.isFalse(calls.some((c) => c.method === "auth.signIn"))
      assert.isFalse(yield* client.isAuthorized)
    }))
})
