/**
 * Shared by the TestDc auth and cluster tests: a Sender with a fresh auth key on a DC, the
 * rpc_error text a call ends with, and the login calls.
 */
import * as Effect from "effect/Effect"
import { toHex } from "../../../src/crypto/index.ts"
import { createAuthKey, Sender } from "../../../src/mtproto/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import type { TlMethod } from "../../../src/tl/index.ts"
import { makeNode } from "../../../src/transport/index.ts"

/** Where a DC listens and which key it signs with. */
export interface Dc {
  readonly host: string
  readonly port: number
  readonly dcId: number
  readonly publicKey: TestDc.TestDcShape["publicKey"]
}

/** A fresh auth key on `dc` and a Sender over it, in the test's scope. */
export const clientOn = (dc: Dc) =>
  Effect.gen(function*() {
    const open = makeNode({}).connect({ host: dc.host, port: dc.port, dcId: dc.dcId })
    const auth = yield* Effect.scoped(Effect.flatMap(open, (ch) => createAuthKey(ch, { dcId: dc.dcId, publicKeys: [dc.publicKey] })))
    const sender = yield* Sender.make({
      authKey: auth.authKey,
      salt: auth.serverSalt,
      timeOffset: auth.timeOffset,
      connect: open,
      reconnect: undefined
    })
    return { sender, authKeyId: toHex(auth.authKey.id) }
  })

/** The rpc_error a call fails with as "code MESSAGE" ("" if it succeeds). */
export const errorOf = (call: Effect.Effect<unknown, { readonly _tag: string }>) =>
  Effect.match(call, {
    onSuccess: () => "",
    onFailure: (e) => ("code" in e && "errorMessage" in e ? `${String(e.code)} ${String(e.errorMessage)}` : e._tag)
  })

export const apiCreds = { api_id: 1, api_hash: "0123456789abcdef" }

export const sendCode = (phone: string): TlMethod => ({
  _tag: "auth.sendCode",
  phone_number: phone,
  ...apiCreds,
  settings: { _tag: "codeSettings" }
})
