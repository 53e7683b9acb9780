/**
 * Our Client as the benches and the soak build it: one DC, TCP, a memory session unless told
 * otherwise.
 */
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client } from "../../src/client/index.ts"
import { layerMemory, type SessionStorage } from "../../src/storage/index.ts"
import { layerNode } from "../../src/transport/index.ts"
import type { Dc } from "../../test/support/dc.ts"

/** The Client layer for `dc` over `storage` (a fresh memory session by default). */
export const ourClientLayer = (dc: Dc, storage: Layer.Layer<SessionStorage> = layerMemory) =>
  Client.layerWith({
    apiId: 1,
    apiHash: Redacted.make("0123456789abcdef"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    defaultDc: dc.dcId,
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(Layer.merge(layerNode(), storage)))
