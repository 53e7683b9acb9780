/**
 * The peer clients of the interop suites, each pointed at a TestDc and destroyed with the scope:
 * mtcute with the DC's key added, GramJS with the DC's key in its registry. (Here beside the
 * suites, not in ../support: like them it imports the peers, which the root typecheck lacks.)
 */
import { BaseTelegramClient, MemoryStorage } from "@mtcute/node"
import { addPublicKey } from "@mtcute/core/utils.js"
import * as Effect from "effect/Effect"
import bigInt from "big-integer"
import { TelegramClient } from "telegram"
import { _serverKeys } from "telegram/crypto/RSA.js"
import { Logger, LogLevel } from "telegram/extensions/Logger.js"
import { StringSession } from "telegram/sessions/index.js"
import type * as TestDc from "../../../src/testing/index.ts"

const API_HASH = "00000000000000000000000000000000"

type MtcuteOptions = ConstructorParameters<typeof BaseTelegramClient>[0]

/**
 * An mtcute client of `dc`. DC `dc.dcId` "lives" at `dcAddress`: the TestDc's own address
 * unless a proxy stands in between (then mtcute dials the proxy and never uses it).
 */
export const mtcuteClient = (
  dc: TestDc.TestDcShape,
  options: {
    readonly dcAddress?: { readonly ipAddress: string; readonly port: number }
    readonly transport?: MtcuteOptions["transport"]
    readonly network?: MtcuteOptions["network"]
  } = {}
) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dcOption = { id: dc.dcId, ...(options.dcAddress ?? { ipAddress: dc.host, port: dc.port }) }
      const c = new BaseTelegramClient({
        apiId: 1,
        apiHash: API_HASH,
        storage: new MemoryStorage(),
        defaultDcs: { main: dcOption, media: dcOption },
        ...(options.transport === undefined ? {} : { transport: options.transport }),
        ...(options.network === undefined ? {} : { network: options.network }),
        logLevel: 0
      })
      addPublicKey(c.crypto, dc.rsaPublicKeyPem)
      return c
    }),
    (c) => Effect.promise(() => c.destroy())
  )

/**
 * A GramJS client of `dc` (one try, no reconnect, silent). Its session puts DC `dc.dcId` at
 * `sessionHost`; where it really dials comes from `params` (a connection class or a proxy).
 */
export const gramjsClient = (dc: TestDc.TestDcShape, sessionHost: string, params: ConstructorParameters<typeof TelegramClient>[3]) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // GramJS looks server keys up by fingerprint (signed decimal) in this registry.
      _serverKeys.set(dc.fingerprint.toString(), { n: bigInt(dc.publicKey.n.toString()), e: Number(dc.publicKey.e) })
      const session = new StringSession("")
      // StringSession.save writes the port as a signed int16, which fails for ephemeral ports
      // above 32767; GramJS does not dial the session's port anyway.
      session.setDC(dc.dcId, sessionHost, 443)
      return new TelegramClient(session, 1, API_HASH, {
        connectionRetries: 1,
        autoReconnect: false,
        baseLogger: new Logger(LogLevel.NONE),
        ...params
      })
    }),
    (c) => Effect.promise(() => c.destroy())
  )
