/**
 * The error of an answer that lacks what the method promises (e.g. a sent message that is in
 * neither the answer nor the chat).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedAnswer extends Schema.TaggedError<UnexpectedAnswer>()("UnexpectedAnswer", {
  method: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.method}: ${this.detail}`
  }
}
