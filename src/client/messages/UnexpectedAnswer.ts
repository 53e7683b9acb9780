/**
 * The error of an answer that lacks what the method promises (e.g. a sent message that is in
 * neither the answer nor the chat).
 */
import * as Data from "effect/Data"

/** The server answered a messaging call with a constructor the call never returns. */
export class UnexpectedAnswer extends Data.TaggedError("UnexpectedAnswer")<{
  readonly method: string
  readonly detail: string
}> {
  override get message(): string {
    return `${this.method}: ${this.detail}`
  }
}
