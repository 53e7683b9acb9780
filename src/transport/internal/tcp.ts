/**
 * A TCP connection on `node:net` as the transport needs it, without `@effect/platform`'s
 * `Socket` (whose module loads `effect/Schema`, and whose writer waits for each write's
 * callback): writes are synchronous, in call order, and only wait when Node's buffer is full.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import { TransportError } from "../TransportError.ts"

/** An open TCP connection. */
export interface TcpLink {
  /** Hands `bytes` to the socket now; completes at once, or when Node's write buffer has drained. */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /** Closes the connection (idempotent). */
  readonly destroy: () => void
  /** Stops reading from the socket (the kernel's buffer and TCP's window hold the rest). */
  readonly pause: () => void
  /** Reads again. */
  readonly resume: () => void
}

/** What the link reports: every chunk, in order, and once how it ended. */
export interface TcpHandlers {
  readonly onChunk: (chunk: Uint8Array) => void
  /** The connection is gone, and why (called once; after `destroy` it comes as "closed"). */
  readonly onEnd: (error: TransportError) => void
}

const closedByPeer = () => new TransportError({ reason: "Closed", cause: new Error("closed by the peer") })

/**
 * Opens a TCP connection to `host:port` (interruptible while it connects) for the life of the
 * scope. Fails with `TransportError("Open")` when it cannot be opened.
 */
export const openTcp = (
  target: { readonly host: string; readonly port: number },
  handlers: TcpHandlers
): Effect.Effect<TcpLink, TransportError, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      restore(Effect.async<Net.Socket, TransportError>((resume) => {
        const socket = Net.createConnection({ host: target.host, port: target.port, noDelay: true })
        const failed = (cause: Error) => {
          socket.destroy()
          resume(Effect.fail(new TransportError({ reason: "Open", cause })))
        }
        socket.once("error", failed)
        socket.once("connect", () => {
          socket.off("error", failed)
          resume(Effect.succeed(socket))
        })
        return Effect.sync(() => socket.destroy())
      })),
      (socket) => Effect.as(Effect.addFinalizer(() => Effect.sync(() => socket.destroy())), link(socket, handlers))
    )
  )

const link = (socket: Net.Socket, handlers: TcpHandlers): TcpLink => {
  let ended: TransportError | undefined
  // Writers waiting for 'drain' (rare: Node buffers what the kernel does not take at once).
  let drainWaiters: Array<(effect: Effect.Effect<void, TransportError>) => void> = []
  const end = (error: TransportError) => {
    if (ended !== undefined) return
    ended = error
    const waiters = drainWaiters
    drainWaiters = []
    for (const w of waiters) w(Effect.fail(error))
    handlers.onEnd(error)
  }
  socket.on("data", handlers.onChunk)
  socket.on("error", (cause) => end(new TransportError({ reason: "Read", cause })))
  // After 'end' (the peer closed) or an error, 'close' follows; the first reason counts.
  socket.on("close", () => end(closedByPeer()))
  socket.on("drain", () => {
    const waiters = drainWaiters
    drainWaiters = []
    for (const w of waiters) w(Effect.void)
  })
  const drained = Effect.async<void, TransportError>((resume) => {
    if (ended !== undefined) return resume(Effect.fail(ended))
    if (!socket.writableNeedDrain) return resume(Effect.void)
    drainWaiters.push(resume)
    return Effect.sync(() => {
      drainWaiters = drainWaiters.filter((w) => w !== resume)
    })
  })
  return {
    write: (bytes) => {
      if (ended !== undefined) return Effect.fail(ended)
      return socket.write(bytes) ? Effect.void : drained
    },
    destroy: () => {
      socket.destroy()
    },
    pause: () => {
      socket.pause()
    },
    resume: () => {
      socket.resume()
    }
  }
}
