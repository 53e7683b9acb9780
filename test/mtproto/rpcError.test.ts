import { assert, describe, it } from "@effect/vitest"
import { fromRpcError, isRpcError } from "../../src/mtproto/rpcError.ts"

describe("fromRpcError", () => {
  it("parses FLOOD_WAIT / SLOWMODE_WAIT / FLOOD_PREMIUM_WAIT into FloodWait with seconds", () => {
    for (const [message, seconds] of [["FLOOD_WAIT_42", 42], ["SLOWMODE_WAIT_7", 7], ["FLOOD_PREMIUM_WAIT_3", 3]] as const) {
      const e = fromRpcError(420, message, "messages.sendMessage")
      assert.strictEqual(e._tag, "FloodWait")
      if (e._tag === "FloodWait") {
        assert.strictEqual(e.seconds, seconds)
        assert.strictEqual(e.method, "messages.sendMessage")
      }
    }
  })

  it("parses every *_MIGRATE_X into Migrate with kind and dc", () => {
    for (const kind of ["PHONE", "NETWORK", "USER", "FILE", "STATS"] as const) {
      const e = fromRpcError(303, `${kind}_MIGRATE_4`, "m")
      assert.strictEqual(e._tag, "Migrate")
      if (e._tag === "Migrate") {
        assert.strictEqual(e.kind, kind)
        assert.strictEqual(e.dc, 4)
      }
    }
  })

  it("names the login errors users match with catchTag", () => {
    const cases = {
      SESSION_PASSWORD_NEEDED: "SessionPasswordNeeded",
      AUTH_KEY_UNREGISTERED: "AuthKeyUnregistered",
      PHONE_CODE_INVALID: "PhoneCodeInvalid",
      PHONE_CODE_EXPIRED: "PhoneCodeExpired",
      PASSWORD_HASH_INVALID: "PasswordHashInvalid",
      USER_DEACTIVATED_BAN: "UserDeactivated",
      AUTH_RESTART: "AuthRestart"
    } as const
    for (const [message, tag] of Object.entries(cases)) assert.strictEqual(fromRpcError(400, message, "m")._tag, tag)
    assert.strictEqual(fromRpcError(400, "PEER_ID_INVALID", "m")._tag, "RpcError")
  })

  it("every error describes itself from the catalogue", () => {
    assert.match(fromRpcError(420, "FLOOD_WAIT_42", "m").describe(), /42/)
    assert.match(fromRpcError(400, "PHONE_CODE_INVALID", "m").describe(), /code/i)
    // Unknown names fall back to the code's generic text.
    assert.isAbove(fromRpcError(400, "SOMETHING_NEW_AND_ODD", "m").describe().length, 0)
    assert.isTrue(isRpcError(fromRpcError(500, "INTERNAL", "m")))
    assert.isFalse(isRpcError(new Error("x")))
  })
})
