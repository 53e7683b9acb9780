/**
 * Shared pieces of the Client end-to-end tests: a Client built over TCP with a given storage
 * layer for a cluster (`makeCluster` in test/support/dc.ts), login inputs that count how often
 * they are asked, and session helpers.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Client, type ClientConfig, type ClientShape } from "../../../src/client/index.ts"
import { authKeyId, toHex } from "../../../src/crypto/index.ts"
import { makeMemory, SessionStorage, type SessionStorageShape } from "../../../src/storage/index.ts"
import type * as TestDc from "../../../src/testing/index.ts"
import { layerNode } from "../../../src/transport/index.ts"

export const API_HASH = "0123456789abcdef"

/** What a test Client connects to: every DC of a cluster, or one TestDc. */
export type Servers = TestDc.ClusterShape | TestDc.TestDcShape

/** A config reaching every DC of `servers`, starting on DC 1 of a cluster (unless told otherwise) or on the TestDc. */
export const configFor = (servers: Servers, extra: Partial<ClientConfig> = {}): ClientConfig => ({
  apiId: 1,
  apiHash: Redacted.make(API_HASH),
  ...("dcOptions" in servers
    ? { dcs: servers.dcOptions, defaultDc: 1 }
    : { dcs: [{ id: servers.dcId, host: servers.host, port: servers.port }], defaultDc: servers.dcId }),
  publicKeys: [servers.publicKey],
  ...extra
})

/**
 * A Client over TCP and `storage`, built in the current scope (its connections and the
 * storage's resources, such as a file lock, close with it). Fails as the layer does.
 */
export const buildClient = <E>(
  servers: Servers,
  storage: Layer.Layer<SessionStorage, E>,
  extra: Partial<ClientConfig> = {}
) =>
  Effect.map(
    Layer.build(Client.layerWith(configFor(servers, extra)).pipe(Layer.provide(Layer.merge(layerNode(), storage)))),
    (context) => Context.get(context, Client)
  )

/** A Client over a memory session the test can read. */
export const memoryClient = (
  servers: Servers,
  extra: Partial<ClientConfig> = {}
): Effect.Effect<{ readonly client: ClientShape; readonly storage: SessionStorageShape }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const storage = yield* makeMemory()
    // The config's secrets are Redacted: the layer cannot fail.
    const client = yield* Effect.orDie(buildClient(servers, Layer.succeed(SessionStorage, storage), extra))
    return { client, storage }
  })

/**
 * A login input that answers from `answers` in order (the last one again when they run out)
 * and counts how often it was asked.
 */
export const asker = <A>(answers: ReadonlyArray<Effect.Effect<A>>) => {
  let asked = 0
  return {
    ask: Effect.suspend(() => answers[Math.min(asked++, answers.length - 1)]!),
    get asked() {
      return asked
    }
  }
}

/** The login code the cluster sent last to `phone`, read when asked (after auth.sendCode). */
export const rightCode = (cluster: TestDc.ClusterShape, phone: string) => Effect.map(cluster.codeFor(phone), Redacted.make)

/** A code that is never right (codes are 5 digits). */
export const wrongCode = Effect.succeed(Redacted.make("000000"))

export const secret = (s: string) => Effect.succeed(Redacted.make(s))

/** An input that must not be asked: the test dies if it is. */
export const never = (what: string) => Effect.dieMessage(`${what} was asked`)

/** The auth_key_id (hex, as the TestDc's World keys authorizations) of the stored key of `dcId`. */
export const storedKeyId = (storage: SessionStorageShape, dcId: number) =>
  Effect.map(storage.load, (session) => {
    const key = session.dcs.get(dcId)?.authKey
    return key === undefined ? undefined : toHex(authKeyId(Redacted.value(key)))
  })

/** One call that reached a DC's handlers (injected errors answer before this is seen). */
export interface Call {
  readonly dc: number
  readonly method: string
}

/** Records every call that reaches the handlers of every DC of the cluster, in order. */
export const recordCalls = (cluster: TestDc.ClusterShape) =>
  Effect.gen(function*() {
    const calls: Array<Call> = []
    for (const dc of cluster.dcs.values()) {
      yield* dc.addHandlers({
        "*": (request, ctx, next) => {
          calls.push({ dc: ctx.dcId, method: request._tag })
          return next
        }
      })
    }
    return calls
  })

/** Auth keys held by all DCs of the cluster (a handshake adds one). */
export const keyCount = (cluster: TestDc.ClusterShape): number =>
  [...cluster.dcs.values()].reduce((n, dc) => n + dc.authKeys.size, 0)
