/**
 * The updates engine: the Effect shell around the pure {@link UpdateMachine}. It runs while at
 * least one subscriber does (a "run"), and in a run it
 *
 * - feeds the machine what the home DC pushes (only `Updates` objects: service messages never
 *   reach the stream), the `Updates` and `messages.affected*` results of the Client's calls, and
 *   the answers of the fetches the machine asks for (`updates.getState`, `getDifference`,
 *   `getChannelDifference`, made through the Client's `invoke` and its retry policy; a FLOOD_WAIT
 *   longer than the policy sleeps is slept here);
 * - asks for the difference at the start (and for every followed channel's), on every new
 *   connection or MTProto session of the home DC (pushes made meanwhile are gone), when the home
 *   DC changes, and when the bounded inbox overflowed;
 * - wakes the machine at its deadlines (gaps, idle sequences, retries);
 * - puts the users and chats of each step into the peer cache, then hands the updates to the
 *   subscribers through a bounded `PubSub` (back-pressure: a slow subscriber stops the engine,
 *   the inbox fills, and pushes beyond it are dropped for a later `getDifference`);
 * - saves the update state as far as every subscriber has taken the updates
 *   ({@link ConsumedState}), so the next run resumes right after the last update taken.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberHandle from "effect/FiberHandle"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { markedPeerId, type SessionData, type SessionStorageShape, type UpdateState } from "../../storage/index.ts"
import type { AnyObject, Api, TlMethod } from "../../tl/index.ts"
import type { ClientError } from "../errors.ts"
import { updatesDropped, updatesEmitted } from "../metrics.ts"
import type { KnownPeers } from "../peers/KnownPeers.ts"
import { ConsumedState, checkpointsOf } from "./checkpoints.ts"
import { channelsTouched, isUpdates, resultAffected, resultChannelPts, resultUpdates } from "./feed.ts"
import { type FetchAnswer, fetchFailure, runFetch } from "./fetches.ts"
import { Inbox, Signal } from "./inbox.ts"
import { type ChannelFailure, type Fetch, type Step, UpdateMachine } from "./UpdateMachine.ts"

/**
 * Tuning of the update stream (`ClientConfig.updates`).
 */
export interface UpdatesOptions {
  /** How long a gap in a sequence may stay open before the difference is fetched (default 500 ms). */
  readonly gapTimeout?: Duration.DurationInput | undefined
  /** With no update of the common sequences this long, fetch the difference anyway (default 15 minutes). */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * Updates handed out but not yet taken by the slowest subscriber, and pushes waiting for the
   * engine (default 1,000 each). Past it the engine stops taking pushes and fetches what it
   * dropped with getDifference once the subscribers catch up.
   */
  readonly bufferSize?: number | undefined
  /** Most updates held behind gaps at once (default 10,000); past it they are fetched again. */
  readonly maxHeld?: number | undefined
  /** `pts_total_limit` of getDifference (default: the server's). */
  readonly ptsTotalLimit?: number | undefined
  /** `limit` of getChannelDifference (default 100 for users, 100,000 for bots, as the spec advises). */
  readonly channelDifferenceLimit?: number | undefined
}

/**
 * What the engine needs from the Client.
 */
export interface UpdatesEngineDeps {
  /** The Client's `invoke` (home DC, migrations, retry policy, peer cache). */
  readonly invoke: (method: TlMethod) => Effect.Effect<unknown, ClientError>
  readonly storage: SessionStorageShape
  readonly peers: KnownPeers
  /** The home DC now. */
  readonly homeDc: () => number
  readonly options?: UpdatesOptions | undefined
}

/**
 * The engine as the Client uses it. The `on*`/`observe` hooks are synchronous and cheap: the
 * Sender and the Client call them on their hot paths.
 */
export interface UpdatesEngine {
  /** Subscribes now (starting a run if none is going): the stream yields every update from this moment. */
  readonly subscribe: Effect.Effect<Stream.Stream<Api.Update, ClientError>, never, Scope.Scope>
  /** Objects a DC's connection received that are not answers (see `Sender.onUpdates`). */
  readonly onPush: (dcId: number, objects: ReadonlyArray<AnyObject>) => void
  /** A DC's connection is up, or a DC started a new MTProto session. */
  readonly onConnected: (dcId: number) => void
  /** A call's result (its `Updates`, `messages.affected*` move the state). */
  readonly observe: (method: TlMethod, result: unknown) => void
  /** The home DC changed. */
  readonly homeChanged: (dcId: number) => void
  /** After a fresh login: the state starts at `updates.getState`. */
  readonly loggedIn: Effect.Effect<void, ClientError>
  /** After a log-out: the state is gone. */
  readonly loggedOut: Effect.Effect<void>
}

/** What the engine fiber reacts to. `gen` ties fetch answers to the machine that asked. */
type Input =
  | { readonly _tag: "Start" }
  | { readonly _tag: "Updates"; readonly updates: Api.Updates }
  | { readonly _tag: "Affected"; readonly pts: number; readonly pts_count: number; readonly channelId: bigint | undefined }
  | { readonly _tag: "ChannelPts"; readonly channels: ReadonlyArray<readonly [bigint, number]> }
  | { readonly _tag: "Overflow" }
  | { readonly _tag: "Resync" }
  | { readonly _tag: "Tick" }
  | { readonly _tag: "Answer"; readonly gen: number; readonly answer: FetchAnswer }
  | { readonly _tag: "FetchFailed"; readonly gen: number; readonly channelId: bigint | undefined; readonly reason: ChannelFailure }
  | { readonly _tag: "Fatal"; readonly cause: Cause.Cause<ClientError> }
  | { readonly _tag: "LoggedIn"; readonly state: Api.updates.State; readonly user: SessionData["user"] }
  | { readonly _tag: "LoggedOut" }

/** One item handed to the subscribers: an update, a state move without one, or the end. */
type Item =
  | { readonly n: number; readonly update: Api.Update | undefined }
  | { readonly n: -1; readonly end: Cause.Cause<ClientError> }

/** A subscriber: the number of the last item it took. */
interface Slot {
  acked: number
}


const millis = (d: Duration.DurationInput | undefined): number | undefined =>
  d === undefined ? undefined : Duration.toMillis(Duration.decode(d))

/** getChannelDifference calls in flight at once. */
const CHANNEL_FETCHES = 8

const toUpdateState = (s: Api.updates.State, channels?: ReadonlyMap<bigint, number>): UpdateState => ({
  pts: s.pts,
  qts: s.qts,
  date: s.date,
  seq: s.seq,
  channels: new Map(channels ?? [])
})

/**
 * Builds the engine in the Client's scope. Nothing runs until the first subscription.
 */
export const make = (deps: UpdatesEngineDeps): Effect.Effect<UpdatesEngine, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { storage, peers } = deps
    const options = deps.options ?? {}
    const bufferSize = Math.max(1, options.bufferSize ?? 1000)
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const engineScope = yield* Effect.scope
    // Runs start and end one at a time: a new run reads the state the last one saved.
    // (Made on the first subscription: a client that never subscribes does not pay for it.)
    let runLock: Effect.Semaphore | undefined
    const lock = () => runLock ??= Effect.unsafeMakeSemaphore(1)

    /** One run: the machine, its inbox, the subscribers and the fibers. */
    interface Run {
      readonly scope: Scope.CloseableScope
      readonly hub: PubSub.PubSub<Item>
      readonly inbox: Inbox<Input>
      readonly slots: Set<Slot>
      readonly consumed: ConsumedState
      /** Saves the consumed state when it moved (one save at a time, the latest state wins). */
      readonly save: Effect.Effect<void>
      /** Tells the saver that a subscriber took something. */
      readonly taken: () => void
      subscribers: number
      published: number
      started: boolean
      ended: boolean
      selfId: bigint | undefined
      overflowed: boolean
      readonly overflowChannels: Map<bigint, number | undefined>
      home: number
    }
    let run: Run | undefined

    /** Opens a run over the stored state. */
    const openRun = Effect.gen(function*() {
      const scope = yield* Scope.fork(engineScope, ExecutionStrategy.sequential)
      const session = yield* storage.load
      const hub = yield* PubSub.bounded<Item>(bufferSize)
      yield* Scope.addFinalizer(scope, PubSub.shutdown(hub))
      const consumed = new ConsumedState(session.updateState)
      const saveLock = yield* Effect.makeSemaphore(1)
      let owner = session.user?.id
      const save = saveLock.withPermits(1)(Effect.suspend(() => {
        if (!consumed.dirty) return Effect.void
        const state = consumed.take()
        const user = owner
        if (state === undefined || user === undefined) return Effect.void
        // Only into the session it belongs to (not after a log-out or another login).
        return storage.update((data) => data.user?.id === user ? { ...data, updateState: state } : data).pipe(
          Effect.catchAll((e) => Effect.logWarning("could not save the update state", e))
        )
      }))
      const saverSignal = new Signal()
      const r: Run = {
        scope,
        hub,
        inbox: new Inbox<Input>(bufferSize),
        slots: new Set(),
        consumed,
        save,
        taken: () => saverSignal.notify(),
        subscribers: 0,
        published: 0,
        started: false,
        ended: false,
        selfId: session.user?.id,
        overflowed: false,
        overflowChannels: new Map(),
        home: deps.homeDc()
      }
      const minTaken = () => {
        let min = Infinity
        for (const s of r.slots) if (s.acked < min) min = s.acked
        return min
      }
      // The saver: whenever the slowest subscriber moved, save up to where it is.
      const saver = Effect.forever(Effect.zipRight(
        saverSignal.wait,
        Effect.suspend(() => {
          const min = minTaken()
          if (min !== Infinity) consumed.advanceTo(min)
          return save
        })
      ))
      // Opened inside the subscription's acquire step, which is uninterruptible: the run's
      // fibers must not inherit that, or closing the run would wait for them forever.
      yield* Effect.forkIn(Effect.interruptible(saver), scope)
      yield* engineLoop(r, session, (user) => void (owner = user)).pipe(Scope.extend(scope), Effect.interruptible, Effect.forkIn(scope))
      return r
    })

    /** The engine fiber of a run: inputs → machine → peers, fetches, subscribers, timer. */
    const engineLoop = (r: Run, session: SessionData, setOwner: (user: bigint | undefined) => void) =>
      Effect.gen(function*() {
        const fetchers = yield* FiberSet.make<void, never>()
        const forkFetch = yield* FiberSet.runtime(fetchers)<never>()
        // A session that follows many channels asks for all their differences at the start: a
        // few at a time, not a burst the server answers with FLOOD_WAIT.
        const channelPermits = yield* Effect.makeSemaphore(CHANNEL_FETCHES)
        const timer = yield* FiberHandle.make<void, never>()
        const runTimer = yield* FiberHandle.runtime(timer)<never>()
        let timerAt = Infinity
        // A snapshot of the session for the machine's synchronous questions (known users).
        let snapshot = session
        let user = session.user
        let gen = 0
        const machineFor = (state: UpdateState | undefined, who: SessionData["user"]) =>
          new UpdateMachine(state, now(), {
            gapTimeoutMs: millis(options.gapTimeout),
            idleTimeoutMs: millis(options.idleTimeout),
            maxHeld: options.maxHeld,
            ptsTotalLimit: options.ptsTotalLimit,
            channelDifferenceLimit: options.channelDifferenceLimit ?? (who?.bot === true ? 100_000 : 100),
            selfId: who?.id,
            knowsUser: (id) => {
              const entry = snapshot.peers.get(markedPeerId("user", id))
              return entry !== undefined && entry.accessHash !== undefined && !entry.min
            }
          })
        let machine = machineFor(session.updateState, user)

        const arm = (deadline: number | undefined) => {
          if (deadline === undefined || deadline >= timerAt) return
          timerAt = deadline
          runTimer(Effect.sleep(Math.max(0, deadline - now())).pipe(
            Effect.zipRight(Effect.sync(() => {
              timerAt = Infinity
              r.inbox.offer({ _tag: "Tick" })
            }))
          ))
        }

        /** Runs one fetch of the machine in the background; its answer comes back as an input. */
        const startFetch = (fetch: Fetch) => {
          const askedBy = gen
          const loggedIn = user !== undefined
          if (!loggedIn) return // no state before login: the login's getState starts it
          const call = runFetch(fetch, deps.invoke, peers)
          forkFetch((fetch._tag === "GetChannelDifference" ? channelPermits.withPermits(1)(call) : call).pipe(
            Effect.matchCause({
              onSuccess: (answer) => r.inbox.offer({ _tag: "Answer", gen: askedBy, answer }),
              onFailure: (cause) => {
                const failure = fetchFailure(fetch, cause)
                if (failure?._tag === "Failed") r.inbox.offer({ ...failure, _tag: "FetchFailed", gen: askedBy })
                else if (failure?._tag === "Fatal") r.inbox.offer({ _tag: "Fatal", cause })
              }
            })
          ))
        }

        /** Publishes one step: peers first, then fetches, then the updates, then the timer. */
        const handle = (step: Step) =>
          Effect.gen(function*() {
            if (step.users.length > 0 || step.chats.length > 0 || step.updates.length > 0) {
              yield* peers.remember([step.users, step.chats, step.updates])
              if (step.users.length > 0) snapshot = yield* storage.load
            }
            for (const fetch of step.fetches) startFetch(fetch)
            for (const reset of step.resets) {
              yield* Effect.logWarning("updates skipped (difference too long)").pipe(
                Effect.annotateLogs({ sequence: String(reset.sequence), from: reset.from, to: reset.to })
              )
            }
            const state = step.stateChanged ? machine.state() : undefined
            if (step.updates.length === 0) {
              // A move without an update (affected pts, an empty difference): an item of its own,
              // so that it is saved once the subscribers took everything before it.
              if (state !== undefined) {
                const n = ++r.published
                r.consumed.push(n, { _tag: "Full", state })
                yield* PubSub.publish(r.hub, { n, update: undefined })
              }
            } else {
              const checkpoints = checkpointsOf(step.updates, state)
              for (let i = 0; i < step.updates.length; i++) {
                const n = ++r.published
                const checkpoint = checkpoints[i]
                if (checkpoint !== undefined) r.consumed.push(n, checkpoint)
                yield* PubSub.publish(r.hub, { n, update: step.updates[i] })
              }
              updatesEmitted.unsafeUpdate(step.updates.length, [])
            }
            arm(step.deadline)
          })

        /** The machine's answer to one input (several steps for the start). */
        const apply = (input: Input): ReadonlyArray<Step> => {
          const t = now()
          switch (input._tag) {
            case "Start": {
              if (user === undefined) return []
              const steps = [machine.requestDifference(t)]
              for (const id of session.updateState?.channels?.keys() ?? []) steps.push(machine.requestChannelDifference(id, t))
              return steps
            }
            case "Updates":
              return [machine.processUpdates(input.updates, t)]
            case "Affected":
              return [machine.processAffected(input, t, input.channelId)]
            case "ChannelPts":
              return input.channels.map(([id, pts]) => machine.setChannelPts(id, pts))
            case "Overflow": {
              r.overflowed = false
              const steps = [machine.requestDifference(t)]
              for (const [id, pts] of r.overflowChannels) {
                if (pts !== undefined) steps.push(machine.setChannelPts(id, pts))
                steps.push(machine.requestChannelDifference(id, t))
              }
              r.overflowChannels.clear()
              return steps
            }
            case "Resync":
              return [machine.requestDifference(t)]
            case "Tick":
              return [machine.tick(t)]
            case "Answer": {
              if (input.gen !== gen) return [] // for a machine a login or log-out replaced
              const a = input.answer
              return [
                a._tag === "State"
                  ? machine.applyState(a.state, t)
                  : a._tag === "Difference"
                  ? machine.applyDifference(a.difference, t)
                  : machine.applyChannelDifference(a.channelId, a.difference, t)
              ]
            }
            case "FetchFailed":
              if (input.gen !== gen) return []
              return [input.channelId === undefined ? machine.differenceFailed(t) : machine.channelDifferenceFailed(input.channelId, input.reason, t)]
            case "LoggedIn": {
              gen++
              user = input.user
              r.selfId = user?.id
              setOwner(user?.id)
              const state = toUpdateState(input.state)
              machine = machineFor(state, user)
              r.consumed.reset(state)
              r.taken()
              return []
            }
            case "LoggedOut":
              gen++
              user = undefined
              r.selfId = undefined
              setOwner(undefined)
              machine = machineFor(undefined, undefined)
              r.consumed.reset(undefined)
              return []
            case "Fatal":
              return []
          }
        }

        for (;;) {
          const batch = yield* r.inbox.take
          snapshot = yield* storage.load
          for (const input of batch) {
            if (input._tag === "Fatal") {
              r.ended = true
              yield* Effect.logWarning("the update stream ends", input.cause)
              yield* PubSub.publish(r.hub, { n: -1, end: input.cause })
              return
            }
            for (const step of apply(input)) yield* handle(step)
          }
        }
      }).pipe(
        Effect.catchAllCause((cause) => {
          if (Cause.isInterruptedOnly(cause)) return Effect.void
          r.ended = true
          return Effect.zipRight(Effect.logError("the updates engine failed", cause), PubSub.publish(r.hub, { n: -1, end: cause }))
        })
      )

    /** Subscribes in the caller's scope. */
    const subscribe: Effect.Effect<Stream.Stream<Api.Update, ClientError>, never, Scope.Scope> = Effect.gen(function*() {
      const r = yield* Effect.acquireRelease(
        lock().withPermits(1)(Effect.gen(function*() {
          const current = run !== undefined && !run.ended ? run : yield* Effect.tap(openRun, (opened) => Effect.sync(() => void (run = opened)))
          current.subscribers++
          return current
        })),
        (r) => release(r)
      )
      const queue = yield* PubSub.subscribe(r.hub)
      const slot: Slot = { acked: r.published }
      r.slots.add(slot)
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          // Save up to where this subscriber got (with the others), then forget it.
          let min = Infinity
          for (const s of r.slots) if (s.acked < min) min = s.acked
          r.slots.delete(slot)
          if (min !== Infinity) r.consumed.advanceTo(min)
          return r.save
        })
      )
      if (!r.started) {
        r.started = true
        r.inbox.offer({ _tag: "Start" })
      }
      const pull: Effect.Effect<Api.Update, Option.Option<ClientError>> = Effect.flatMap(Queue.take(queue), (item) => {
        if (item.n === -1) return Effect.failCause(Cause.map((item as { readonly end: Cause.Cause<ClientError> }).end, Option.some))
        slot.acked = item.n
        r.taken()
        const update = (item as { readonly update: Api.Update | undefined }).update
        return update === undefined ? pull : Effect.succeed(update)
      })
      return Stream.repeatEffectOption(pull)
    })

    /** A subscriber is gone; the last one closes the run (after a final save). */
    const release = (r: Run) =>
      lock().withPermits(1)(Effect.suspend(() => {
        r.subscribers--
        if (r.subscribers > 0) return Effect.void
        if (run === r) run = undefined
        return Effect.zipRight(Scope.close(r.scope, Exit.void), r.save)
      }))

    const active = (): Run | undefined => {
      const r = run
      return r !== undefined && r.started && !r.ended ? r : undefined
    }

    /** A push or result the inbox has no room for: fetched again once the engine catches up. */
    const overflow = (r: Run, updates: Api.Updates | undefined) => {
      updatesDropped.unsafeUpdate(1, [])
      if (updates !== undefined) channelsTouched(updates, r.overflowChannels)
      if (!r.overflowed) {
        r.overflowed = true
        r.inbox.offer({ _tag: "Overflow" })
      }
    }

    const onPush = (dcId: number, objects: ReadonlyArray<AnyObject>) => {
      const r = active()
      if (r === undefined || dcId !== deps.homeDc()) return
      for (const o of objects) {
        if (!isUpdates(o)) continue
        if (!r.inbox.offerCounted({ _tag: "Updates", updates: o })) overflow(r, o)
      }
    }

    const onConnected = (dcId: number) => {
      const r = active()
      if (r !== undefined && dcId === deps.homeDc()) r.inbox.offer({ _tag: "Resync" })
    }

    const observe = (method: TlMethod, result: unknown) => {
      const r = active()
      if (r === undefined) return
      const updates = resultUpdates(method, result, r.selfId)
      if (updates !== undefined) {
        if (!r.inbox.offerCounted({ _tag: "Updates", updates })) overflow(r, updates)
        return
      }
      const affected = resultAffected(method, result)
      if (affected !== undefined) {
        if (!r.inbox.offerCounted({ _tag: "Affected", ...affected })) overflow(r, undefined)
        return
      }
      const channels = resultChannelPts(result)
      if (channels.length > 0) r.inbox.offer({ _tag: "ChannelPts", channels })
    }

    const homeChanged = (dcId: number) => {
      const r = active()
      if (r === undefined || r.home === dcId) return
      r.home = dcId
      r.inbox.offer({ _tag: "Resync" })
    }

    const loggedIn = Effect.gen(function*() {
      const state = (yield* deps.invoke({ _tag: "updates.getState" })) as Api.updates.State
      const session = yield* storage.load
      const r = active()
      if (r !== undefined) r.inbox.offer({ _tag: "LoggedIn", state, user: session.user })
      else if (session.user !== undefined) yield* storage.setUpdateState(toUpdateState(state))
    })

    const loggedOut = Effect.sync(() => active()?.inbox.offer({ _tag: "LoggedOut" }))

    return { subscribe, onPush, onConnected, observe, homeChanged, loggedIn, loggedOut } satisfies UpdatesEngine
  })
