/**
 * The error of an answer that lacks what the method promises (e.g. a sent message that is in
 * neither the answer nor the chat).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedAnswer extends Data.TaggedError("UnexpectedAnswer")<{
  readonly method: string
  readonly detail: string
}> {
  override get message(): string {
    return `${this.method}: ${this.detail}`
  }
}
