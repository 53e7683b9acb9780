/**
 * `SessionStorage`: the service that remembers a session between runs (auth keys, salts, the
 * logged-in user, the update state and the peer cache). Backends: {@link layerMemory} here,
 * `layerFile` (`SessionFile.ts`) and `layerString` (`StringSession.ts`).
 *
 * Every backend is {@link make} over a `persist` function: writes are serialized through one
 * lock, and a change becomes visible only once it has been persisted, so a failed write leaves
 * the in-memory state equal to what is on disk. A memory session has nothing to wait for: its
 * changes apply at once.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { PeerEntry, PeerInfo } from "./PeerCache.ts"
import { markedPeerId, type PeerKind } from "./PeerCache.ts"
import * as SessionData from "./SessionData.ts"
import type { SessionStorageError } from "./SessionStorageError.ts"

/**
 * The service model. All methods have `R = never`; reads never fail, writes fail with
 * {@link SessionStorageError} when the backend cannot persist (the change is then not applied).
 */
export interface SessionStorageShape {
  /** The whole current state (an empty one for a new session). */
  readonly load: Effect.Effect<SessionData.SessionData>
  /** Applies `f` to the state and persists the result (skipped when `f` returns the same object). */
  readonly update: (
    f: (data: SessionData.SessionData) => SessionData.SessionData
  ) => Effect.Effect<void, SessionStorageError>
  readonly setHomeDc: (dc: number) => Effect.Effect<void, SessionStorageError>
  /** Stores a DC's permanent auth key (256 bytes); `Option.none()` forgets it (e.g. AUTH_KEY_UNREGISTERED). */
  readonly setAuthKey: (
    dc: number,
    key: Option.Option<Redacted.Redacted<Uint8Array>>
  ) => Effect.Effect<void, SessionStorageError>
  readonly setSalt: (dc: number, salt: bigint) => Effect.Effect<void, SessionStorageError>
  readonly setTimeOffset: (dc: number, seconds: number) => Effect.Effect<void, SessionStorageError>
  /** The logged-in user; `undefined` after log-out. */
  readonly setUser: (user: SessionData.SelfUser | undefined) => Effect.Effect<void, SessionStorageError>
  readonly setUpdateState: (state: SessionData.UpdateState | undefined) => Effect.Effect<void, SessionStorageError>
  /**
   * Merges peers into the cache (min/full rule of `mergePeer`); feed it `peersFromObjects(result)`.
   * Persists only when something changed.
   */
  readonly upsertPeers: (peers: Iterable<PeerInfo>) => Effect.Effect<void, SessionStorageError>
  /** A cached peer by kind and raw id. */
  readonly getPeer: (kind: PeerKind, id: bigint) => Effect.Effect<Option.Option<PeerEntry>>
  /** A cached peer by username (case-insensitive, `@` optional). */
  readonly peerByUsername: (username: string) => Effect.Effect<Option.Option<PeerEntry>>
  /** Forgets everything (log-out, or a key the server revoked). */
  readonly clear: Effect.Effect<void, SessionStorageError>
}

/** Where a client keeps its session: auth keys, salts, the home DC, the login and the update state. */
export class SessionStorage extends Context.Tag("effect-mtproto/SessionStorage")<
  SessionStorage,
  SessionStorageShape
>() {}

/**
 * Options of {@link make}: where a backend starts and how it saves.
 */
export interface MakeOptions {
  readonly initial: SessionData.SessionData
  /** Called with each new state, inside the write lock; its failure cancels the change. */
  readonly persist: (data: SessionData.SessionData) => Effect.Effect<void, SessionStorageError>
}

/**
 * Builds the service over a state and a persist function (the part every backend shares).
 */
export const make = (options: MakeOptions): Effect.Effect<SessionStorageShape> => Effect.sync(() => makeSync(options))

/** No write to wait for: a memory session applies changes at once. */
const noPersist = (): Effect.Effect<void, SessionStorageError> => Effect.void

const makeSync = (options: MakeOptions): SessionStorageShape => {
  // The current state, owned by this service; replaced only once the new one is persisted.
  let state = options.initial
  const persist = options.persist
  // Writes one at a time, each seeing the state the last one left (made on the first write;
  // a memory session never needs it).
  let lock: Effect.Semaphore | undefined
  const update = (f: (data: SessionData.SessionData) => SessionData.SessionData): Effect.Effect<void, SessionStorageError> =>
    persist === noPersist
      ? Effect.sync(() => void (state = f(state)))
      : (lock ??= Effect.unsafeMakeSemaphore(1)).withPermits(1)(Effect.suspend(() => {
        const next = f(state)
        return next === state ? Effect.void : Effect.map(persist(next), () => void (state = next))
      }))
  const read = <A>(f: (data: SessionData.SessionData) => A) => Effect.sync(() => f(state))
  const patchDc = (dc: number, patch: (old: SessionData.DcSession) => SessionData.DcSession) =>
    update((data) => SessionData.updateDc(data, dc, (old) => patch(old ?? { salt: 0n, timeOffset: 0 })))
  return SessionStorage.of({
    load: Effect.sync(() => state),
    update,
    setHomeDc: (dc) => update((data) => data.homeDc === dc ? data : { ...data, homeDc: dc }),
    setAuthKey: (dc, key) =>
      Option.isSome(key) && Redacted.value(key.value).length !== SessionData.AUTH_KEY_LENGTH
        ? Effect.dieMessage(`SessionStorage.setAuthKey: an auth key has ${SessionData.AUTH_KEY_LENGTH} bytes`)
        : patchDc(dc, (old) => Option.match(key, {
          onNone: () => ({ salt: old.salt, timeOffset: old.timeOffset }),
          onSome: (authKey) => ({ ...old, authKey })
        })),
    setSalt: (dc, salt) => patchDc(dc, (old) => ({ ...old, salt })),
    setTimeOffset: (dc, timeOffset) => patchDc(dc, (old) => ({ ...old, timeOffset })),
    setUser: (user) => update((data) => ({ ...data, user })),
    setUpdateState: (updateState) => update((data) => ({ ...data, updateState })),
    upsertPeers: (peers) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => update((data) => SessionData.mergePeersInto(data, peers, now))),
    getPeer: (kind, id) => read((data) => Option.fromNullable(data.peers.get(markedPeerId(kind, id)))),
    peerByUsername: (username) => read((data) => Option.fromNullable(SessionData.findPeerByUsername(data, username))),
    clear: Effect.suspend(() => update(() => SessionData.emptySession))
  })
}

/**
 * An in-memory session, optionally seeded; lost when the program ends.
 */
export const makeMemory = (initial: SessionData.SessionData = SessionData.emptySession): Effect.Effect<SessionStorageShape> =>
  make({ initial, persist: noPersist })

/**
 * An empty in-memory session.
 */
export const layerMemory: Layer.Layer<SessionStorage> = Layer.effect(SessionStorage, makeMemory())

/**
 * An in-memory session starting from `initial`.
 */
export const layerMemoryFrom = (initial: SessionData.SessionData): Layer.Layer<SessionStorage> =>
  Layer.effect(SessionStorage, makeMemory(initial))
