/**
 * The server-wide state of a TestDc: its auth keys (with their salts and sessions), the
 * handler tables and the fault-injection knobs. Owned by the TestDc; connection fibers
 * change it between their synchronous steps, which JavaScript never interleaves.
 */
import type { KeyObject } from "node:crypto"
import * as Redacted from "effect/Redacted"
import type { RandomBytes } from "../../crypto/index.ts"
import type { AuthKey } from "../../mtproto/encryptedMessage.ts"
import { MsgIdWindow } from "../../mtproto/msgIdWindow.ts"
import type { Api, Mt } from "../../tl/index.ts"
import type { Handlers } from "../handlers.ts"
import type { World } from "../World.ts"
import type { CreatedKey } from "./handshake.ts"

/** A client session (session_id) under one auth key. */
export interface SessionState {
  readonly sessionId: bigint
  readonly uniqueId: bigint
  readonly window: MsgIdWindow
  /** new_session_created has been sent. */
  announced: boolean
  lastServerMsgId: bigint
  /** Content-related messages sent so far: the next one gets seq_no 2n+1. */
  contentSent: number
  layer: number | undefined
  initConnection: Omit<Api.initConnection, "query"> | undefined
}

/**
 * What a test can see of an auth key the DC holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthKeyInfo {
  /** auth_key_id as 16 hex digits (wire order). */
  readonly id: string
  readonly key: Redacted.Redacted<Uint8Array>
  /** The current server salt. */
  readonly salt: bigint
  readonly temp: boolean
  /** Unix seconds; `undefined` for permanent keys. */
  readonly expiresAt: number | undefined
  readonly createdAt: number
  readonly sessionIds: ReadonlyArray<bigint>
}

/** A stored key: the public view plus what the protocol needs. */
export interface StoredKey extends AuthKeyInfo {
  readonly authKey: AuthKey
  salt: bigint
  futureSalts: Array<Mt.future_salt>
  readonly sessions: Map<bigint, SessionState>
}

/** Server-wide settings and state shared by all connections. */
export interface ServerState {
  readonly dcId: number
  readonly host: string
  readonly port: number
  readonly fingerprint: bigint
  readonly privateKey: KeyObject
  readonly randomBytes: RandomBytes
  readonly world: World
  readonly keys: Map<string, StoredKey>
  readonly handlers: Array<Handlers>
  readonly maxFrameLength: number | undefined
  dhGenRetries: number
  readonly onClientMessage: ((message: ClientMessage) => import("effect/Effect").Effect<"process" | "drop">) | undefined
  readonly connections: Map<number, ConnectionHandle>
  nextConnectionId: number
}

/**
 * A decoded client message as the fault-injection hook sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientMessage {
  readonly authKeyId: string
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  /** The decoded body (a container's messages are passed one by one). */
  readonly body: { readonly _tag: string }
}

/** What the server can do to a live connection from outside it. */
export interface ConnectionHandle {
  readonly id: number
  readonly close: () => void
}

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

export const randomLong = (randomBytes: RandomBytes): bigint => {
  const b = randomBytes(8)
  return new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true)
}

/** Stores a key made by a handshake (replacing one with the same id). */
export const storeKey = (state: ServerState, created: CreatedKey, nowSeconds: number): StoredKey => {
  const id = hex(created.id)
  const sessions = new Map<bigint, SessionState>()
  const stored: StoredKey = {
    id,
    key: Redacted.make(created.key),
    authKey: { key: created.key, id: created.id },
    salt: created.salt,
    futureSalts: [],
    temp: created.expiresIn !== undefined,
    expiresAt: created.expiresIn === undefined ? undefined : nowSeconds + created.expiresIn,
    createdAt: nowSeconds,
    sessions,
    get sessionIds() {
      return [...sessions.keys()]
    }
  }
  state.keys.set(id, stored)
  return stored
}

export const newSession = (state: ServerState, sessionId: bigint): SessionState => ({
  sessionId,
  uniqueId: randomLong(state.randomBytes),
  window: new MsgIdWindow(),
  announced: false,
  lastServerMsgId: 0n,
  contentSent: 0,
  layer: undefined,
  initConnection: undefined
})
