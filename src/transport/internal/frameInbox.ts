/**
 * The frames a connection received and its reader has not taken yet, and how the connection
 * ended. One producer (the socket's data handler, synchronous) and one reader; a frame costs
 * an array slot, and a waiting reader is woken by its own resume callback (no queue, no `Take`).
 * Bounded when the link can pause: past {@link INBOX_HIGH} waiting frames it stops reading from
 * the socket until the reader has taken them all, so a server that sends faster than we decode
 * fills the kernel's buffers and its own, not our heap.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { TransportError } from "../TransportError.ts"

/** Waiting frames at which the link is paused. */
export const INBOX_HIGH = 1024

/** A link that can stop and restart reading (TCP can; a platform `Socket` cannot). */
export interface FlowControl {
  readonly pause: () => void
  readonly resume: () => void
}

export class FrameInbox {
  /** Set once the link is open, if it can pause. */
  flow: FlowControl | undefined
  private paused = false
  private frames: Array<Uint8Array> = []
  private head = 0
  private waiter: ((effect: Effect.Effect<Uint8Array, TransportError>) => void) | undefined
  private endedWith: TransportError | undefined
  /** The end that is no error (the client closed the connection itself). */
  private readonly closed: TransportError

  constructor(closed: TransportError) {
    this.closed = closed
  }

  /** How the connection ended, once it has. */
  get ended(): TransportError | undefined {
    return this.endedWith
  }

  /** A whole frame from the server (ignored after the end). */
  push(frame: Uint8Array): void {
    if (this.endedWith !== undefined) return
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter(Effect.succeed(frame))
      return
    }
    this.frames.push(frame)
    if (!this.paused && this.flow !== undefined && this.frames.length - this.head >= INBOX_HIGH) {
      this.paused = true
      this.flow.pause()
    }
  }

  /** The connection is gone (the first reason counts): the reader gets what came before, then `error`. */
  end(error: TransportError): void {
    if (this.endedWith !== undefined) return
    this.endedWith = error
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter(Effect.fail(error))
    }
  }

  /** The next frame; after the end, the reason it ended, every time. */
  readonly receive: Effect.Effect<Uint8Array, TransportError> = Effect.suspend(() => {
    if (this.head < this.frames.length) return Effect.succeed(this.take())
    if (this.endedWith !== undefined) return Effect.fail(this.endedWith)
    return Effect.async<Uint8Array, TransportError>((resume) => {
      this.waiter = resume
      return Effect.sync(() => {
        if (this.waiter === resume) this.waiter = undefined
      })
    })
  })

  /** The frames as a stream: it fails with the reason the connection ended, or ends after `closed`. */
  readonly stream: Stream.Stream<Uint8Array, TransportError> = Stream.repeatEffectOption(
    Effect.mapError(this.receive, (e) => (e === this.closed ? Option.none() : Option.some(e)))
  )

  private take(): Uint8Array {
    const frame = this.frames[this.head]!
    this.frames[this.head++] = undefined as unknown as Uint8Array
    if (this.head === this.frames.length) {
      this.frames = []
      this.head = 0
      if (this.paused) {
        this.paused = false
        this.flow?.resume()
      }
    } else if (this.head >= 1024 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head)
      this.head = 0
    }
    return frame
  }
}
