/**
 * Turning what the user wrote into the text and entities a message is sent with: a parse mode
 * (markdown, HTML, or none), or explicit entities.
 *
 * @since 0.1.0
 */
import type { Api } from "../../tl/index.ts"

/**
 * How `Messages.send` reads its text.
 *
 * @since 0.1.0
 * @category models
 */
export type ParseMode = "markdown" | "html" | "none"

/**
 * The text and entities to send. Explicit `entities` win over the parse mode (the text is then
 * sent as is).
 */
export const formatText = (
  text: string,
  parseMode: ParseMode,
  entities: ReadonlyArray<Api.MessageEntity> | undefined
): { readonly text: string; readonly entities: ReadonlyArray<Api.MessageEntity> } => {
  if (entities !== undefined || parseMode === "none") return { text, entities: entities ?? [] }
  // Markdown and HTML come from the Text module.
  return { text, entities: [] }
}
