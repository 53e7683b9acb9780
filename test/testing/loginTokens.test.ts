// The World's QR login tokens as plain state, without sockets: issuing, renewing, accepting in
// every input form, the refusals, listeners, and forgetting old tokens.
import { assert, describe, it } from "@effect/vitest"
import { type LoginTokenAcceptance, type LoginTokenRejection, makeWorld } from "../../src/testing/index.ts"
import { loginTokenBytes } from "../../src/testing/world/LoginTokens.ts"

const request = (authKeyId: string, dcId = 2, exceptIds: ReadonlyArray<bigint> = []) => ({
  authKeyId,
  dcId,
  apiId: 1,
  exceptIds,
  device: { deviceModel: "Test", systemVersion: "1", appVersion: "1" }
})

const setup = () => {
  const world = makeWorld()
  const ada = world.addUser({ firstName: "Ada" })
  const accepted: Array<string> = []
  world.onLoginTokenAccepted((t) => accepted.push(`${t.dcId}:${t.authKeyId}:${t.acceptedBy}`))
  return { world, ada, accepted }
}

describe("World login tokens", () => {
  it("a key keeps its token while it is valid; a new one after expiry (lifetime settable) or acceptance", () => {
    const { world, ada } = setup()
    assert.strictEqual(world.loginTokenLifetimeSeconds, 30)
    const first = world.exportLoginToken(request("k1"), 1000)
    assert.strictEqual(first.expiresAt, 1030)
    assert.strictEqual(world.exportLoginToken(request("k1"), 1029), first)
    // Another key, or the same key id on another DC, has its own.
    assert.notStrictEqual(world.exportLoginToken(request("k2"), 1000), first)
    assert.notStrictEqual(world.exportLoginToken(request("k1", 3), 1000), first)
    world.loginTokenLifetimeSeconds = 5
    const second = world.exportLoginToken(request("k1"), 1030)
    assert.notDeepEqual(second.token, first.token)
    assert.strictEqual(second.expiresAt, 1035)
    assert.strictEqual(world.loginTokenOf("k1", 2), second)
    world.acceptLoginToken(ada.id, second.token, 1031)
    assert.notStrictEqual(world.exportLoginToken(request("k1"), 1031), second)
  })

  it("accepts the bytes, the tg://login URL or its base64url text, once; tells the listeners", () => {
    const { world, ada, accepted } = setup()
    const forms = [
      (t: Uint8Array) => t,
      (t: Uint8Array) => `tg://login?token=${Buffer.from(t).toString("base64url")}`,
      (t: Uint8Array) => Buffer.from(t).toString("base64url")
    ]
    forms.forEach((form, i) => {
      const token = world.exportLoginToken(request(`key${i}`), 1000)
      const result = world.acceptLoginToken(ada.id, form(token.token), 1001)
      assert.deepStrictEqual(result, { _tag: "Accepted", token })
      assert.strictEqual(token.acceptedBy, ada.id)
      assert.deepStrictEqual(world.acceptLoginToken(ada.id, form(token.token), 1002), { _tag: "Rejected", error: "AUTH_TOKEN_ALREADY_ACCEPTED" })
    })
    assert.deepStrictEqual(accepted, [`2:key0:${ada.id}`, `2:key1:${ada.id}`, `2:key2:${ada.id}`])
  })

  it("refuses unknown, malformed, expired and excepted tokens; throws for an unknown user", () => {
    const { world, ada, accepted } = setup()
    const token = world.exportLoginToken(request("k1"), 1000)
    const rejected = (error: LoginTokenRejection): LoginTokenAcceptance => ({ _tag: "Rejected", error })
    assert.deepStrictEqual(world.acceptLoginToken(ada.id, new Uint8Array(32), 1001), rejected("AUTH_TOKEN_INVALID"))
    assert.deepStrictEqual(world.acceptLoginToken(ada.id, "tg://login?token=not base64!", 1001), rejected("AUTH_TOKEN_INVALID"))
    assert.deepStrictEqual(world.acceptLoginToken(ada.id, "", 1001), rejected("AUTH_TOKEN_INVALID"))
    assert.deepStrictEqual(world.acceptLoginToken(ada.id, token.token, 1030), rejected("AUTH_TOKEN_EXPIRED"))
    const excepting = world.exportLoginToken(request("k2", 2, [ada.id]), 1000)
    assert.deepStrictEqual(world.acceptLoginToken(ada.id, excepting.token, 1001), rejected("AUTH_TOKEN_EXCEPTION"))
    assert.throws(() => world.acceptLoginToken(999n, token.token, 1001), /no user 999/)
    assert.deepStrictEqual(accepted, [])
    assert.isUndefined(token.acceptedBy)
  })

  it("forgets tokens a minute after they expire, and migration tokens when they expire", () => {
    const { world, ada } = setup()
    const old = world.exportLoginToken(request("k1"), 1000)
    const migration = world.issueMigrationToken(ada.id, 3, 1000)
    assert.deepStrictEqual([migration.dcId, migration.userId, migration.expiresAt], [3, ada.id, 1030])
    world.exportLoginToken(request("k2"), 1089)
    assert.strictEqual(world.loginTokens.size, 2)
    world.exportLoginToken(request("k3"), 1090)
    assert.isFalse([...world.loginTokens.values()].includes(old))
    assert.isUndefined(world.loginTokenOf("k1", 2))
    assert.strictEqual(world.migrationTokens.size, 0)
  })

  it("loginTokenBytes: bytes as they are, URL and base64url decoded, anything else empty", () => {
    const raw = new Uint8Array([1, 2, 250])
    assert.strictEqual(loginTokenBytes(raw), raw)
    assert.deepStrictEqual(loginTokenBytes("tg://login?token=AQL6"), raw)
    assert.deepStrictEqual(loginTokenBytes("AQL6"), raw)
    assert.strictEqual(loginTokenBytes("tg://login?token=AQL6&x=1").length, 0)
    assert.strictEqual(loginTokenBytes("AQL6==").length, 0)
  })
})
