/**
 * Every tagged error explains itself: `message` names the reason, the step and the server's
 * code with its meaning, so `Cause.pretty` (and a crashed program) never says only
 * "An error has occurred".
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import { DcError, LoginError, SenderError, SessionRevoked } from "../../src/client/index.ts"
import { HandshakeError, SecurityError } from "../../src/mtproto/index.ts"
import { TransportError } from "../../src/transport/index.ts"

const pretty = (e: unknown) => Cause.pretty(Cause.fail(e))

describe("error messages", () => {
  it("each error's message says what happened, and Cause.pretty shows it", () => {
    const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
      [new HandshakeError({ reason: "Transport", step: "req_DH_params", detail: "ServerError", cause: new TransportError({ reason: "ServerError", code: -404 }) }), /req_DH_params.*connection failed.*-404/],
      [new HandshakeError({ reason: "BadDhPrime", step: "req_DH_params" }), /dh_prime is not a safe 2048-bit prime/],
      [new TransportError({ reason: "ServerError", code: -404 }), /server error code -404 \(the auth key is unknown/],
      [new TransportError({ reason: "Open", cause: new Error("connect ECONNREFUSED 127.0.0.1:1") }), /could not be opened: connect ECONNREFUSED/],
      [new SenderError({ reason: "BadMsgNotification", method: "help.getConfig", code: 20 }), /help.getConfig: .*code 20: message too old/],
      [new SenderError({ reason: "Timeout", method: "users.getUsers" }), /users.getUsers: no answer within the request timeout/],
      [new SecurityError({ reason: "MsgKeyMismatch" }), /msg_key does not match/],
      [new LoginError({ reason: "TooManyAttempts", detail: "login code" }), /too many wrong attempts \(login code\)/],
      [new DcError({ reason: "UnknownDc", dc: 7 }), /no address is known for DC 7/],
      [new SessionRevoked({ dc: 2, reason: "AuthKeyUnknown" }), /session on DC 2 was revoked.*log in again/]
    ]
    for (const [error, expected] of cases) {
      assert.match((error as Error).message, expected)
      const text = pretty(error)
      assert.notInclude(text, "An error has occurred")
      assert.match(text, expected)
    }
  })
})
