/**
 * A frame channel: what the handshake and the session need from a transport connection.
 * Whole frames in, whole frames out; one reader. A transport `Connection` is one as it is
 * (`transport.connect(...)` is the whole seam); `fromConnection` adapts anything else that
 * offers a frame stream.
 */
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { TransportError } from "../transport/TransportError.ts"

/** Sends and receives whole MTProto frames (transport framing already removed). */
export interface FrameChannel {
  readonly send: (frame: Uint8Array) => Effect.Effect<void, TransportError>
  /** The next frame; fails with `TransportError("Closed")` when the stream has ended. */
  readonly receive: Effect.Effect<Uint8Array, TransportError>
}

/**
 * Builds a channel from a `send` and a single-consumer frame stream (for connections that are
 * not the transport's own). The stream is pulled chunk by chunk.
 */
export const fromConnection = (connection: {
  readonly send: (frame: Uint8Array) => Effect.Effect<void, TransportError>
  readonly frames: Stream.Stream<Uint8Array, TransportError>
}): Effect.Effect<FrameChannel, never, Scope.Scope> =>
  Effect.map(Stream.toPull(connection.frames), (pull) => {
    // Owned by the single reader of this channel.
    let buffered: Array<Uint8Array> = []
    const refill: Effect.Effect<void, TransportError> = Effect.matchEffect(pull, {
      onFailure: (e) =>
        Option.match(e, {
          onNone: () => Effect.fail(new TransportError({ reason: "Closed" })),
          onSome: (error) => Effect.fail(error)
        }),
      onSuccess: (chunk: Chunk.Chunk<Uint8Array>) =>
        Effect.sync(() => {
          buffered = Array.from(chunk)
        })
    })
    const receive: Effect.Effect<Uint8Array, TransportError> = Effect.suspend(() =>
      buffered.length > 0 ? Effect.succeed(buffered.shift()!) : Effect.zipRight(refill, receive)
    )
    return { send: connection.send, receive }
  })
