/**
 * DCs for the tests, and the library's own client side of a connection to one: TestDcs and
 * clusters that share one RSA key pair per file; connect (real TCP by default) → auth key (the
 * real handshake) → Sender, in the test's scope. The client side works against a TestDc, a
 * cluster's DC, a scripted server or a DC in another process alike; its transport is node TCP
 * with given framing/obfuscation, or any `TransportShape` (a proxy, a WebSocket). Faults are the
 * TestDc's own (`harness({ dc: { faults } })`, `dc.faults`).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { generateRsaKeyPair, type RsaKeyPair, type RsaPublicKey, toHex } from "../../src/crypto/index.ts"
import {
  type AuthKeyResult,
  createAuthKey,
  type FrameChannel,
  type HandshakeError,
  type HandshakeOptions,
  Sender
} from "../../src/mtproto/index.ts"
import * as TestDc from "../../src/testing/index.ts"
import { LAYER, type TlMethod } from "../../src/tl/index.ts"
import { makeNode, type TransportError, type TransportOptions, type TransportShape } from "../../src/transport/index.ts"

let keyPair: RsaKeyPair | undefined
/**
 * One 2048-bit RSA key pair per test file for the servers it starts (generating one costs
 * 50 ms to a second on a loaded machine). Tests about the key itself make their own.
 */
export const sharedKeyPair = (): RsaKeyPair => (keyPair ??= generateRsaKeyPair())

/** A TestDc with the file's shared key pair (unless `options` names one), in the current scope. */
export const makeDc = (options: TestDc.TestDcOptions = {}) => TestDc.make({ rsaKeyPair: sharedKeyPair(), ...options })

/** A cluster with a fresh World and the file's shared key pair, in the current scope. */
export const makeCluster = (dcIds: ReadonlyArray<number> = [1, 2, 3], options: Omit<TestDc.ClusterOptions, "dcIds"> = {}) =>
  TestDc.makeCluster({ rsaKeyPair: sharedKeyPair(), ...options, dcIds })

/** Where a server listens. `dcId` goes into the obfuscation header (default 0). */
export interface Address {
  readonly host: string
  readonly port: number
  readonly dcId?: number | undefined
}

/** A DC to make a key with: where it listens, its id and the key it signs with. */
export interface Dc extends Address {
  readonly dcId: number
  readonly publicKey: RsaPublicKey
}

/** Node TCP framed with these options (default: plain intermediate), or a transport of the test's. */
export type Via = TransportOptions | TransportShape

const transportOf = (via: Via = {}): TransportShape => ("connect" in via ? via : makeNode(via))

/** Opens a new connection on every run (a Sender reconnects by running it again). */
export const openChannel = (to: Address, via?: Via): Effect.Effect<FrameChannel, TransportError, Scope.Scope> =>
  transportOf(via).connect({ host: to.host, port: to.port, dcId: to.dcId ?? 0 })

export interface KeyOptions {
  readonly via?: Via | undefined
  /** Options of `createAuthKey` beyond the DC's id and key. */
  readonly handshake?: Partial<HandshakeOptions> | undefined
}

/**
 * An auth key made with the library's handshake over a connection of its own, closed after.
 * A failed connect is a `TransportError`; everything after it a `HandshakeError`.
 */
export const authKeyOn = (dc: Dc, options: KeyOptions = {}): Effect.Effect<AuthKeyResult, HandshakeError | TransportError> =>
  Effect.scoped(Effect.flatMap(openChannel(dc, options.via), (channel) =>
    createAuthKey(channel, { dcId: dc.dcId, publicKeys: [dc.publicKey], ...options.handshake })))

export interface SenderOptions extends KeyOptions {
  /** Options of `Sender.make` beyond the key and the connection. */
  readonly sender?: Partial<Sender.SenderOptions> | undefined
}

export interface SenderOn {
  readonly sender: Sender.Sender
  readonly auth: AuthKeyResult
  /** The auth_key_id in hex, as TestDc's `authKeys` and World key it. */
  readonly authKeyId: string
}

/** A Sender with the key `auth` on `dc`, over new connections of `options.via`. */
export const senderWith = (dc: Dc, auth: AuthKeyResult, options: SenderOptions = {}): Effect.Effect<Sender.Sender, never, Scope.Scope> =>
  Sender.make({
    authKey: auth.authKey,
    salt: auth.serverSalt,
    timeOffset: auth.timeOffset,
    connect: openChannel(dc, options.via),
    ...options.sender
  })

/** A fresh auth key on `dc` and a Sender with it over new connections of the same transport. */
export const senderOn = (dc: Dc, options: SenderOptions = {}): Effect.Effect<SenderOn, HandshakeError | TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const auth = yield* authKeyOn(dc, options)
    const sender = yield* senderWith(dc, auth, options)
    return { sender, auth, authKeyId: toHex(auth.authKey.id) }
  })

export interface Harness extends SenderOn {
  readonly dc: TestDc.TestDcShape
}

/** A TestDc (`makeDc(options.dc)`) and a Sender on it. */
export const harness = (options: SenderOptions & { readonly dc?: TestDc.TestDcOptions | undefined } = {}): Effect.Effect<Harness, unknown, Scope.Scope> =>
  Effect.flatMap(makeDc(options.dc), (dc) => Effect.map(senderOn(dc, options), (on) => ({ dc, ...on })))

/**
 * The first call of a new client: `invokeWithLayer(LAYER, initConnection(..., query))`, with
 * `fields` to replace the connection's description.
 */
export const firstCall = <Q extends TlMethod>(query: Q, fields: { readonly device_model?: string } = {}) => ({
  _tag: "invokeWithLayer" as const,
  layer: LAYER,
  query: {
    _tag: "initConnection" as const,
    api_id: 1,
    device_model: fields.device_model ?? "effect-mtproto tests",
    system_version: `Node ${process.versions.node}`,
    app_version: "0.1.0",
    system_lang_code: "en",
    lang_pack: "",
    lang_code: "en",
    query
  }
})
