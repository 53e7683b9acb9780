/**
 * Reading a bot command from a message text (pure): `/name`, `/name@botname`, each optionally
 * followed by whitespace and arguments. Telegram's rule for groups, where several bots listen:
 * `/name@botname` is addressed to that bot only, a bare `/name` to every bot.
 */

/**
 * A command addressed to this bot.
 */
export interface Command {
  /** The command's name, without `/` and `@botname` (`"start"`). */
  readonly name: string
  /** The bot username the command named (`/start@my_bot` → `"my_bot"`), as written. */
  readonly mention: string | undefined
  /** Everything after the command and the whitespace that follows it (`""` when none). */
  readonly args: string
  /** `args` split at whitespace. */
  readonly argv: ReadonlyArray<string>
}

// Command names are 1–32 of [A-Za-z0-9_]; bot usernames 3–32 (they end in "bot", not checked).
const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,32}))?(?:\s+|$)/

/**
 * The command `text` starts with, if it is addressed to this bot (`botUsername`, compared
 * without regard to case; `undefined`: this account has none, so only bare commands are its).
 */
export const parseCommand = (text: string, botUsername: string | undefined): Command | undefined => {
  const match = COMMAND.exec(text)
  if (match === null) return undefined
  const mention = match[2]
  if (mention !== undefined && (botUsername === undefined || mention.toLowerCase() !== botUsername.toLowerCase())) return undefined
  const args = text.slice(match[0].length).trimEnd()
  return { name: match[1]!, mention, args, argv: args === "" ? [] : args.split(/\s+/) }
}

/**
 * Whether `text` may be a command at all (a cheap test before anything is looked up).
 */
export const looksLikeCommand = (text: string): boolean => text.charCodeAt(0) === 47 /* "/" */
