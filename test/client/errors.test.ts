import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { BOT_ONLY, ERRORS, THROWS, USER_ONLY } from "../../src/mtproto/rpcErrors/catalogue.ts"
import {
  describeRpcError,
  errorsOfMethod,
  isBotOnly,
  isUserOnly,
  rpcErrorInfo
} from "../../src/mtproto/rpcErrors/describe.ts"

const root = path.resolve(import.meta.dirname, "../..")

describe("RPC error catalogue", () => {
  it("holds every documented error of the pinned layer", () => {
    const raw = JSON.parse(fs.readFileSync(path.join(root, "node_modules/@mtcute/tl/raw-errors.json"), "utf8")) as {
      errors: Record<string, unknown>
    }
    const count = Object.keys(ERRORS).length
    assert.strictEqual(count, Object.keys(raw.errors).length) // 552 in @mtcute/tl 223.0.0
    assert.isAbove(count, 500)
    assert.isAbove(Object.keys(THROWS).length, 300)
    assert.isAbove(USER_ONLY.length, 300)
    assert.isAbove(BOT_ONLY.length, 5)
    assert.isBelow(fs.statSync(path.join(root, "src/mtproto/rpcErrors/catalogue.ts")).size, 300_000)
  })

  it("describes known names", () => {
    assert.strictEqual(describeRpcError(400, "ABOUT_TOO_LONG"), "About string too long.")
    assert.strictEqual(describeRpcError(401, "SESSION_PASSWORD_NEEDED"), "2FA is enabled, use a password to login.")
    assert.strictEqual(describeRpcError(-503, "Timeout"), "Timeout while fetching data.")
    assert.deepStrictEqual(rpcErrorInfo("PEER_ID_INVALID")?.code, 400)
    // markdown links become plain text with absolute URLs
    const text = describeRpcError(400, "ENTITY_BOUNDS_INVALID")
    assert.include(text, "https://core.telegram.org/api/entities#entity-length")
    assert.notInclude(text, "&raquo;")
  })

  it("matches parameterised names and fills in the number", () => {
    assert.strictEqual(describeRpcError(420, "FLOOD_WAIT_42"), "A wait of 42 seconds is required")
    assert.deepStrictEqual(rpcErrorInfo("FLOOD_WAIT_42"), {
      name: "FLOOD_WAIT_%d",
      code: 420,
      description: "A wait of 42 seconds is required",
      parameter: 42
    })
    assert.strictEqual(rpcErrorInfo("PHONE_MIGRATE_4")?.parameter, 4)
    assert.strictEqual(rpcErrorInfo("FILE_PART_7_MISSING")?.name, "FILE_PART_%d_MISSING")
    assert.strictEqual(rpcErrorInfo("PREVIOUS_CHAT_IMPORT_ACTIVE_WAIT_5MIN")?.parameter, 5)
    assert.strictEqual(rpcErrorInfo("FLOOD_WAIT_X")?.name, "FLOOD_WAIT_%d")
    assert.isUndefined(rpcErrorInfo("FLOOD_WAIT_"))
    assert.isUndefined(rpcErrorInfo("FLOOD_WAIT_1a"))
    // no prefix confusion: FLOOD_TEST_PHONE_WAIT_ is its own pattern
    assert.strictEqual(rpcErrorInfo("FLOOD_TEST_PHONE_WAIT_3")?.name, "FLOOD_TEST_PHONE_WAIT_%d")
  })

  it("falls back by code for unknown names and names without a description", () => {
    assert.strictEqual(describeRpcError(400, "SOMETHING_NEW"), "Bad request: the query contains errors (SOMETHING_NEW)")
    assert.include(describeRpcError(401, "X"), "Unauthorized")
    assert.include(describeRpcError(403, "X"), "Forbidden")
    assert.include(describeRpcError(406, "X"), "Not acceptable")
    assert.include(describeRpcError(420, "FLOOD_PREMIUM_WAIT_5"), "Flood")
    assert.include(describeRpcError(500, "X"), "Internal")
    assert.include(describeRpcError(-503, "X"), "Timeout")
    assert.strictEqual(describeRpcError(999, "WEIRD"), "Error code 999 (WEIRD)")
    assert.strictEqual(describeRpcError(400, "MEDIA_TTL_INVALID"), "Bad request: the query contains errors (MEDIA_TTL_INVALID)")
    // inherited object keys are not names
    assert.isUndefined(rpcErrorInfo("constructor"))
    assert.isUndefined(rpcErrorInfo("__proto__"))
  })

  it("lists the errors of a method and the user/bot-only methods", () => {
    assert.include(errorsOfMethod("account.updateProfile"), "ABOUT_TOO_LONG")
    assert.deepStrictEqual(errorsOfMethod("no.suchMethod"), [])
    assert.deepStrictEqual(errorsOfMethod("toString"), [])
    assert.isTrue(isUserOnly("account.acceptAuthorization"))
    assert.isTrue(isBotOnly("bots.answerWebhookJSONQuery"))
    assert.isFalse(isBotOnly("account.acceptAuthorization"))
  })

  it("generating twice is byte-identical to the committed catalogue", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "errors-gen-"))
    const tsx = path.join(root, "node_modules/.bin/tsx")
    const generator = path.join(root, "generator/errors-from-mtcute.ts")
    execFileSync(tsx, [generator, path.join(dir, "a.ts")], { cwd: root })
    execFileSync(tsx, [generator, path.join(dir, "b.ts")], { cwd: root })
    const a = fs.readFileSync(path.join(dir, "a.ts"))
    assert.isTrue(a.equals(fs.readFileSync(path.join(dir, "b.ts"))))
    assert.isTrue(a.equals(fs.readFileSync(path.join(root, "src/mtproto/rpcErrors/catalogue.ts"))))
  }, 60_000)
})
