/**
 * Client-side wiring shared by the handshake tests: a framed TCP connection turned into the
 * handshake's frame channel, and the first encrypted call of a session.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type AuthKeyResult, type FrameChannel, Sender } from "../../../src/mtproto/index.ts"
import { type Api, LAYER } from "../../../src/tl/index.ts"
import { makeNode, type TransportError, type TransportOptions } from "../../../src/transport/index.ts"

export interface Target {
  readonly host: string
  readonly port: number
  readonly dcId?: number | undefined
}

/** Opens a new connection on every run (the Sender reconnects by running it again). */
export const openChannel = (
  target: Target,
  options: TransportOptions = { codec: "intermediate" }
): Effect.Effect<FrameChannel, TransportError, Scope.Scope> => {
  const transport = makeNode(options)
  return transport.connect({ host: target.host, port: target.port, dcId: target.dcId ?? 0 })
}

/**
 * The first call of a new client: `invokeWithLayer(LAYER, initConnection(..., help.getConfig))`
 * over an encrypted session with the new key, decoded into the typed config.
 */
export const getConfig = (
  auth: AuthKeyResult,
  connect: Effect.Effect<FrameChannel, TransportError, Scope.Scope>
): Effect.Effect<Api.Config, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const sender = yield* Sender.make({ authKey: auth.authKey, salt: auth.serverSalt, timeOffset: auth.timeOffset, connect })
    return yield* sender.invoke({
      _tag: "invokeWithLayer",
      layer: LAYER,
      query: {
        _tag: "initConnection",
        api_id: 1,
        device_model: "effect-mtproto tests",
        system_version: `Node ${process.versions.node}`,
        app_version: "0.1.0",
        system_lang_code: "en",
        lang_pack: "",
        lang_code: "en",
        query: { _tag: "help.getConfig" }
      }
    })
  })
