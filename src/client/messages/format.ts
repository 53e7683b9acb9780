/**
 * Turning what the user wrote into the text and entities a message is sent with: a parse mode
 * (markdown or HTML through the `Text` module, or none), or explicit entities.
 */
import type { Api } from "../../tl/index.ts"
import * as Text from "../text/Text.ts"

/**
 * How `Messages.send` reads its text.
 */
export type ParseMode = "markdown" | "html" | "none"

/**
 * The text and entities to send. Explicit `entities` win over the parse mode (the text is then
 * sent as is). Malformed markup never fails: the parsers give best-effort text.
 */
export const formatText = (
  text: string,
  parseMode: ParseMode,
  entities: ReadonlyArray<Api.MessageEntity> | undefined
): { readonly text: string; readonly entities: ReadonlyArray<Api.MessageEntity> } => {
  if (entities !== undefined || parseMode === "none") return { text, entities: entities ?? [] }
  return parseMode === "html" ? Text.parseHtml(text) : Text.parseMarkdown(text)
}
