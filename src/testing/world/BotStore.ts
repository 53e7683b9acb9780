/**
 * What the World keeps for bots: their command lists (per scope and language), and the
 * callback and inline queries users made, each with the bot's answer once it came. A query
 * waits for its answer in a `Deferred` the asking side awaits (with a timeout).
 *
 * Plain mutable data with one owner, like the rest of the World.
 */
import * as Deferred from "effect/Deferred"
import * as FiberId from "effect/FiberId"
import type { Api } from "../../tl/index.ts"
import type { WorldPeer } from "./peers.ts"

/**
 * A callback button press sent to a bot as `updateBotCallbackQuery`.
 */
export interface CallbackQueryRecord {
  readonly _tag: "CallbackQuery"
  readonly queryId: bigint
  readonly botId: bigint
  /** Who pressed. */
  readonly userId: bigint
  /** The chat and message id as the bot sees them. */
  readonly peer: WorldPeer
  readonly msgId: number
  readonly data: Uint8Array
  /** The bot's answer (`messages.setBotCallbackAnswer`), once given. */
  answer: Api.messages.botCallbackAnswer | undefined
  readonly answered: Deferred.Deferred<Api.messages.botCallbackAnswer>
}

/**
 * An inline query sent to a bot as `updateBotInlineQuery`.
 */
export interface InlineQueryRecord {
  readonly _tag: "InlineQuery"
  readonly queryId: bigint
  readonly botId: bigint
  readonly userId: bigint
  readonly query: string
  readonly offset: string
  /** The bot's results (`messages.setInlineBotResults`) as the user gets them, once given. */
  answer: Api.messages.botResults | undefined
  readonly answered: Deferred.Deferred<Api.messages.botResults>
}

/** A bot query the World keeps until the bot answers it. */
export type QueryRecord = CallbackQueryRecord | InlineQueryRecord

/** The World's bots: their command lists and the queries waiting for their answers. */
export interface BotStore {
  /** Command lists by bot id, then by {@link commandsKey}. */
  readonly commands: Map<bigint, Map<string, ReadonlyArray<Api.BotCommand>>>
  /** Queries by id, oldest first (the oldest are forgotten past {@link QUERY_MEMORY}). */
  readonly queries: Map<bigint, QueryRecord>
}

/** How many queries the store remembers. */
export const QUERY_MEMORY = 10_000

/**
 * An empty store.
 */
export const makeBotStore = (): BotStore => ({ commands: new Map(), queries: new Map() })

/** Remembers a query, forgetting the oldest past {@link QUERY_MEMORY}. */
export const rememberQuery = (bots: BotStore, record: QueryRecord): void => {
  bots.queries.set(record.queryId, record)
  if (bots.queries.size > QUERY_MEMORY) bots.queries.delete(bots.queries.keys().next().value!)
}

/** A Deferred made outside any fiber (the World's actions are synchronous). */
export const unsafeDeferred = <A>(): Deferred.Deferred<A> => Deferred.unsafeMake<A>(FiberId.none)

/** The key of a command list: its scope (peers as World keys) and language. */
export const commandsKey = (scope: string, langCode: string): string => `${scope}|${langCode}`
