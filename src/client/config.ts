/**
 * Client configuration: plain values, or read from the environment with Effect `Config`.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type { RsaPublicKey } from "../crypto/index.ts"
import type { ProxyConfig } from "../transport/proxy/Proxy.ts"
import { parseProxyLink } from "../transport/proxy/proxyLink.ts"
import type { ClientError } from "./errors.ts"
import type { UpdatesOptions } from "./updates/UpdatesEngine.ts"

/** Where a DC listens. */
export interface DcAddress {
  readonly id: number
  readonly host: string
  readonly port: number
}

/** Telegram's production DCs (the addresses clients start from; help.getConfig refreshes them). */
export const PRODUCTION_DCS: ReadonlyArray<DcAddress> = [
  { id: 1, host: "149.154.175.53", port: 443 },
  { id: 2, host: "149.154.167.51", port: 443 },
  { id: 3, host: "149.154.175.100", port: 443 },
  { id: 4, host: "149.154.167.91", port: 443 },
  { id: 5, host: "91.108.56.130", port: 443 }
]

/** Telegram's test DCs (use with `testMode: true`). */
export const TEST_DCS: ReadonlyArray<DcAddress> = [
  { id: 1, host: "149.154.175.10", port: 443 },
  { id: 2, host: "149.154.167.40", port: 443 },
  { id: 3, host: "149.154.175.117", port: 443 }
]

/** Everything `Client.layer` needs. Only `apiId` and `apiHash` are required. */
export interface ClientConfig {
  readonly apiId: number
  readonly apiHash: Redacted.Redacted<string>
  /** DCs to start from (default: Telegram's production or test DCs). */
  readonly dcs?: ReadonlyArray<DcAddress> | undefined
  /** The DC a new session starts on (default 2). */
  readonly defaultDc?: number | undefined
  /** Talk to Telegram's test servers: test DC list and key, dc ids +10000 in the handshake. */
  readonly testMode?: boolean | undefined
  /** Server RSA keys (default: Telegram's). A TestDc's key goes here. */
  readonly publicKeys?: ReadonlyArray<RsaPublicKey> | undefined
  readonly deviceModel?: string | undefined
  readonly systemVersion?: string | undefined
  readonly appVersion?: string | undefined
  readonly systemLangCode?: string | undefined
  readonly langPack?: string | undefined
  readonly langCode?: string | undefined
  /** FLOOD_WAIT up to this many seconds is slept through and retried; longer ones fail (default 60). */
  readonly floodSleepThreshold?: number | undefined
  /** Replaces the whole retry policy (see `retryPolicy` in `retry.ts`). */
  readonly retry?: Schedule.Schedule<unknown, ClientError> | undefined
  /** ping_delay_disconnect interval of each connection (default 60 s). */
  readonly pingInterval?: Duration.DurationInput | undefined
  /**
   * Every call ends with its answer or a typed error (`SenderError` "Timeout") within this
   * (default 60 s; `Duration.infinity` to wait as long as it takes). Retries by the `retry`
   * policy are separate calls, each with its own timeout.
   */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /**
   * Delays between failed connection attempts to a DC (default: exponential from 100 ms, capped
   * at 5 s, jittered). A connection that carried traffic starts it over and is re-opened at
   * once. When the schedule ends, the DC's calls fail with `SenderError` "ConnectionFailed".
   */
  readonly reconnect?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * Perfect forward secrecy (core.telegram.org/api/pfs): `true`, or `{ lifetime }` (default 24
   * hours). Every connection then runs under a temporary key bound to the stored permanent key
   * with `auth.bindTempAuthKey` and renewed before it expires; temporary keys are never stored.
   */
  readonly pfs?: boolean | { readonly lifetime?: Duration.DurationInput | undefined } | undefined
  /**
   * Reach every DC (API and media) through this proxy: SOCKS5, HTTP CONNECT or MTProxy
   * (`parseProxyLink` reads `tg://proxy`, `tg://socks` and `t.me` links into one). Used by
   * `Client.layer`; with `Client.layerWith` the given Transport decides.
   */
  readonly proxy?: ProxyConfig | undefined
  /** The update stream: gap timeout, buffer size, difference limits (see `UpdatesOptions`). */
  readonly updates?: UpdatesOptions | undefined
}

/** An optional proxy link (`tg://proxy?…`, `socks5://…`), read as a secret: it may hold one. */
const proxyLink = (name: string): Config.Config<ProxyConfig | undefined> =>
  Config.option(Config.redacted(name)).pipe(
    Config.mapOrFail(Option.match({
      onNone: () => Either.right(undefined),
      onSome: (link) => Either.mapLeft(parseProxyLink(Redacted.value(link)), (e) => ConfigError.InvalidData([name], e.message))
    }))
  )

/**
 * Reads `TELEGRAM_API_ID`, `TELEGRAM_API_HASH` (redacted), and optionally `TELEGRAM_DC`
 * (the default DC), `TELEGRAM_TEST_MODE` and `TELEGRAM_PROXY` (a proxy link) from the environment.
 */
export const clientConfig: Config.Config<ClientConfig> = Config.all({
  apiId: Config.integer("TELEGRAM_API_ID"),
  apiHash: Config.redacted("TELEGRAM_API_HASH"),
  defaultDc: Config.integer("TELEGRAM_DC").pipe(Config.withDefault(2)),
  testMode: Config.boolean("TELEGRAM_TEST_MODE").pipe(Config.withDefault(false)),
  proxy: proxyLink("TELEGRAM_PROXY")
})
