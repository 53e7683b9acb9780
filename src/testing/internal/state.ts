/**
 * The server-wide state of a TestDc: its auth keys (with their salts and sessions), the
 * handler tables and the fault-injection knobs. Owned by the TestDc; connection fibers
 * change it between their synchronous steps, which JavaScript never interleaves.
 */
import type { KeyObject } from "node:crypto"
import type * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type RandomBytes, randomLong, toHex } from "../../crypto/index.ts"
import type { AuthKey } from "../../mtproto/encryptedMessage.ts"
import { MsgIdWindow } from "../../mtproto/msgIdWindow.ts"
import type { Api, Mt } from "../../tl/index.ts"
import type { Handlers } from "../handlers/index.ts"
import type { World } from "../world/World.ts"
import type { CreatedKey } from "./handshake.ts"
import type { ConnectionLimits, RejectionKind, RejectionLog } from "./limits.ts"

/** The server's record of one client session (session_id) under an auth key (the client keeps its own, `mtproto/sessionState.ts`). */
export interface ServerSession {
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
  /**
   * Recently packed messages by msg_id, so that a client's msg_resend_req can be answered
   * with the original message (same msg_id and seq_no). Bounded: the oldest are forgotten.
   */
  readonly sent: Map<bigint, { readonly seqNo: number; readonly body: Uint8Array }>
  /**
   * The answers of recent queries by the query's msg_id, as Telegram keeps them: a query that
   * comes again with the same msg_id (a client re-sending after a lost connection) gets its
   * answer again instead of running twice. Bounded: the oldest are forgotten.
   */
  readonly answers: Map<bigint, ReadonlyArray<{ readonly body: Uint8Array; readonly content: boolean }>>
  /** Queries whose answers were not kept because running them again is harmless (file reads), by msg_id. Bounded. */
  readonly rerunnable: Set<bigint>
}

/** How many packed messages a session keeps for msg_resend_req. */
export const SENT_MEMORY = 512
/** How many answers a session keeps by query msg_id. */
export const ANSWER_MEMORY = 2048

/**
 * What a test can see of an auth key the DC holds.
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
  /** For a temporary key: the permanent key (hex id) it is bound to with auth.bindTempAuthKey. */
  readonly boundTo: string | undefined
}

/** A stored key: the public view plus what the protocol needs. */
export interface StoredKey extends AuthKeyInfo {
  readonly authKey: AuthKey
  salt: bigint
  boundTo: string | undefined
  futureSalts: Array<Mt.future_salt>
  readonly sessions: Map<bigint, ServerSession>
}

/** Server-wide settings and state shared by all connections. */
export interface ServerState {
  readonly dcId: number
  readonly host: string
  readonly port: number
  /** The port of the DC's media-only listener, if it has one. */
  readonly mediaPort: number | undefined
  readonly fingerprint: bigint
  readonly privateKey: KeyObject
  readonly randomBytes: RandomBytes
  readonly world: World
  readonly keys: Map<string, StoredKey>
  readonly handlers: Array<Handlers>
  readonly maxFrameLength: number | undefined
  /** Refuse the pre-RSA_PAD p_q_inner_data encryption. */
  readonly strict: boolean
  /** MTProxy mode: the 16-byte key obfuscated connections use (see `mtProxy.ts`). */
  readonly mtProxyKey?: Uint8Array | undefined
  dhGenRetries: number
  readonly onClientMessage: ((message: ClientMessage) => Effect.Effect<"process" | "drop">) | undefined
  readonly onServerMessage: ((message: ServerMessage) => Effect.Effect<void>) | undefined
  /** The active fault plan; counted knobs are decremented as they fire. */
  faults: FaultPlan
  readonly connections: Map<number, ConnectionHandle>
  nextConnectionId: number
  /** Counts encrypted messages received, to order connections by their last activity. */
  activity: number
  readonly limits: ConnectionLimits
  /** Connections accepted and not yet closed (counted before they register in `connections`). */
  openConnections: number
  /** Refusals so far, by kind (also in the process-wide `rejections` metric). */
  readonly rejected: Map<RejectionKind, number>
  readonly rejectionLog: RejectionLog
}

/**
 * A decoded client message as the fault-injection hook sees it.
 */
export interface ClientMessage {
  readonly authKeyId: string
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  /** The decoded body (a container's messages are passed one by one). */
  readonly body: { readonly _tag: string }
  /** The message arrived as `gzip_packed` (the body above is already inflated). */
  readonly gzipped: boolean
  /** Size of the message body on the wire, in bytes (packed size when gzipped). */
  readonly bytes: number
}

/**
 * A message the server packed for a client, as the observation hook sees it. Messages of a
 * container are reported one by one, then the container itself.
 */
export interface ServerMessage {
  readonly authKeyId: string
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  /** Content-related (odd seq_no): the client must acknowledge it. */
  readonly contentRelated: boolean
  /** The schema name of the body (`rpc_result`, `msgs_ack`, `msg_container`, an update ...). */
  readonly tag: string
  /** Packed but not sent (the `withholdAnswers` fault). */
  readonly withheld: boolean
}

/**
 * Fault-injection knobs of a TestDc. Counted knobs (a number of times) are used up as they
 * fire; the others stay until changed. With nothing set the TestDc behaves normally.
 *
 * "Content message" below means a client message that is a query: content-related and not
 * one of the purely service ones (msgs_ack, http_wait, msgs_state_info, msgs_all_info,
 * msg_resend_req, msg_resend_ans_req). `ping` and `ping_delay_disconnect` are queries.
 */
export interface FaultKnobs {
  /** Close the connection when a frame arrives after this many more client frames (that frame is not processed). */
  readonly dropAfterMessages?: number | undefined
  /** Close the connection when the client frames from now on would exceed this many bytes (that frame is not processed). */
  readonly dropAfterBytes?: number | undefined
  /**
   * Answer the next content messages with `bad_msg_notification` of these codes, one code per
   * message, in order, instead of processing them (e.g. `[16]`, `[32, 33]`, `[64]`, `[20]`).
   */
  readonly badMsg?: ReadonlyArray<number> | undefined
  /** Don't process the next n content messages; ask the client for them again with `msg_resend_req`. */
  readonly resendReq?: number | undefined
  /**
   * Keep back the next n RPC answers (they get msg_ids and are remembered, but are not sent)
   * and send `msg_detailed_info{msg_id, answer_msg_id}` in their place: the client has to ask
   * for the answer with `msg_resend_req`.
   */
  readonly withholdAnswers?: number | undefined
  /** Follow the next n RPC answers with `msg_new_detailed_info` about them (in the same container). */
  readonly newDetailedInfo?: number | undefined
  /** Write the next n encrypted frames twice (the same bytes). */
  readonly duplicate?: number | undefined
  /** After each of the next n encrypted frames, write the connection's previous encrypted frame again (a replay). */
  readonly replay?: number | undefined
  /** Before each of the next n encrypted frames, write a copy with a corrupted msg_key. */
  readonly tamper?: number | undefined
  /** Hold each of the next n encrypted frames back until the connection's following frame is written, then write it. */
  readonly reorder?: number | undefined
  /** Write every encrypted frame this many milliseconds late (until changed). */
  readonly delayMs?: number | undefined
  /** Send `rpc_result` results of at least this many bytes as `gzip_packed` (0: all of them). */
  readonly gzipResults?: number | undefined
  /** Wrap every server message body (single message or whole container) in `gzip_packed`. */
  readonly gzipMessages?: boolean | undefined
  /**
   * Lifetime in seconds of the salts `get_future_salts` hands out (default 3600). When the
   * current salt's `valid_until` passes, the DC moves on to the next future salt, and a
   * message with the expired salt gets `bad_server_salt`.
   */
  readonly saltLifetime?: number | undefined
  /**
   * Answer `destroy_session` inside an `rpc_result`. By default the answer is a bare
   * `destroy_session_ok/none` service message, as Telegram sends it.
   */
  readonly destroySessionInRpcResult?: boolean | undefined
  /**
   * The push knobs below (`…Pushes`) act only on the World's update pushes to this auth key
   * (16 hex digits); to every key when unset. Each push counts once per connection it goes to.
   */
  readonly pushTo?: string | undefined
  /** Drop the next n update pushes: a gap the client has to notice and fill with getDifference. */
  readonly dropPushes?: number | undefined
  /** Send each of the next n update pushes twice (two messages, the same updates). */
  readonly duplicatePushes?: number | undefined
  /** Hold each of the next n update pushes back until the next one to that connection went out (at most 1 s): out of order. */
  readonly reorderPushes?: number | undefined
  /** Send each of the next n update pushes `delayPushMs` late (default 1000 ms, past a client's 0.5 s gap timeout). */
  readonly delayPushes?: number | undefined
  readonly delayPushMs?: number | undefined
  /** Replace the next n update pushes with `updatesTooLong`. */
  readonly tooLongPushes?: number | undefined
  /** Replace the next n update pushes that carry a channel's updates with `updateChannelTooLong` (and the channel's pts before them). */
  readonly channelTooLongPushes?: number | undefined
  /**
   * Run the next n frames that carry queries, then close the connection instead of sending
   * their answers (the answers are kept, as Telegram keeps them: a client that sends the same
   * msg_id again gets them without a second run).
   */
  readonly dropAnswers?: number | undefined
}

/** The mutable form of {@link FaultKnobs} the server consumes. */
export type FaultPlan = { -readonly [K in keyof FaultKnobs]: K extends "badMsg" ? Array<number> | undefined : FaultKnobs[K] }

/** A plan from knobs (copying the code list, which is consumed). */
export const toPlan = (knobs: FaultKnobs): FaultPlan => ({
  ...knobs,
  badMsg: knobs.badMsg === undefined ? undefined : [...knobs.badMsg]
})

/** Takes one use of a counted knob; true when it fires. */
export const takeFault = (
  plan: FaultPlan,
  knob:
    | "resendReq"
    | "withholdAnswers"
    | "newDetailedInfo"
    | "duplicate"
    | "replay"
    | "tamper"
    | "reorder"
    | "dropAnswers"
    | "dropPushes"
    | "duplicatePushes"
    | "reorderPushes"
    | "delayPushes"
    | "tooLongPushes"
    | "channelTooLongPushes"
): boolean => {
  const n = plan[knob]
  if (n === undefined || n <= 0) return false
  plan[knob] = n - 1
  return true
}

/** What the server can do to a live connection from outside it. */
export interface ConnectionHandle {
  readonly id: number
  readonly close: () => void
  /** Stop answering: frames are still read, but nothing is processed or written. */
  readonly stall: () => void
  /**
   * The auth key and session the connection last spoke with, and when (the server's
   * {@link ServerState.activity} count then); `undefined` before its first encrypted message.
   */
  readonly current: () => { readonly authKeyId: string; readonly sessionId: bigint; readonly activeAt: number } | undefined
  /** Whether pushes may go here: not a connection that carried only file queries (or `invokeWithoutUpdates`). */
  readonly receivesUpdates: () => boolean
  /**
   * Sends one server-initiated message in the session the connection last spoke with.
   * Returns its msg_id, or `undefined` when the connection has no session yet.
   */
  readonly push: (body: Uint8Array, contentRelated: boolean) => Effect.Effect<bigint | undefined>
  /** The auth key (16 hex digits) the connection last spoke with, `undefined` before its first encrypted message. */
  readonly authKeyId: () => string | undefined
}

/** Stores a key made by a handshake (replacing one with the same id). */
export const storeKey = (state: ServerState, created: CreatedKey, nowSeconds: number): StoredKey => {
  const id = toHex(created.id)
  const sessions = new Map<bigint, ServerSession>()
  const stored: StoredKey = {
    id,
    key: Redacted.make(created.key),
    authKey: { key: created.key, id: created.id },
    salt: created.salt,
    futureSalts: [],
    temp: created.expiresIn !== undefined,
    expiresAt: created.expiresIn === undefined ? undefined : nowSeconds + created.expiresIn,
    createdAt: nowSeconds,
    boundTo: undefined,
    sessions,
    get sessionIds() {
      return [...sessions.keys()]
    }
  }
  state.keys.set(id, stored)
  return stored
}

export const newSession = (state: ServerState, sessionId: bigint): ServerSession => ({
  sessionId,
  uniqueId: randomLong(state.randomBytes),
  window: new MsgIdWindow(),
  announced: false,
  lastServerMsgId: 0n,
  contentSent: 0,
  layer: undefined,
  initConnection: undefined,
  sent: new Map(),
  answers: new Map(),
  rerunnable: new Set()
})
