/**
 * Shared by the TestDc auth and cluster tests (whose Senders come from test/support/dc.ts): the
 * rpc_error text a call ends with, and the login calls.
 */
import * as Effect from "effect/Effect"
import type { Api } from "../../../src/tl/index.ts"

/** The rpc_error a call fails with as "code MESSAGE" ("" if it succeeds). */
export const errorOf = (call: Effect.Effect<unknown, { readonly _tag: string }>) =>
  Effect.match(call, {
    onSuccess: () => "",
    onFailure: (e) => ("code" in e && "message" in e ? `${String(e.code)} ${String(e.message)}` : e._tag)
  })

export const apiCreds = { api_id: 1, api_hash: "0123456789abcdef" }

export const sendCode = (phone: string): Api.auth.sendCode => ({
  _tag: "auth.sendCode",
  phone_number: phone,
  ...apiCreds,
  settings: { _tag: "codeSettings" }
})
