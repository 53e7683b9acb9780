/**
 * Test wiring: a TestDc, an auth key made with the real handshake over TCP, and a Sender
 * on top, all in the test's scope.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { toHex } from "../../../src/crypto/index.ts"
import { createAuthKey } from "../../../src/mtproto/handshake.ts"
import * as Sender from "../../../src/mtproto/Sender.ts"
import * as TestDc from "../../../src/testing/index.ts"
import { makeNode, type TransportOptions } from "../../../src/transport/index.ts"

export interface Harness {
  readonly dc: TestDc.TestDcShape
  readonly sender: Sender.Sender
  readonly authKeyHex: string
}

export const connectTo = (dc: TestDc.TestDcShape, transport: TransportOptions = {}) => {
  const t = makeNode(transport)
  return t.connect({ host: dc.host, port: dc.port, dcId: dc.dcId })
}

/** TestDc + handshake + Sender. */
export const harness = (
  options: {
    readonly dc?: TestDc.TestDcOptions
    readonly sender?: Partial<Sender.SenderOptions>
    readonly transport?: TransportOptions
  } = {}
): Effect.Effect<Harness, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const dc = yield* TestDc.make(options.dc ?? {})
    const open = connectTo(dc, options.transport)
    const auth = yield* Effect.scoped(Effect.flatMap(open, (channel) =>
      createAuthKey(channel, { dcId: dc.dcId, publicKeys: [dc.publicKey] })))
    const sender = yield* Sender.make({
      authKey: auth.authKey,
      salt: auth.serverSalt,
      timeOffset: auth.timeOffset,
      connect: open,
      reconnect: undefined,
      ...options.sender
    })
    return { dc, sender, authKeyHex: toHex(auth.authKey.id) }
  })
