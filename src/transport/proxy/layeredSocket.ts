/**
 * The Effect shell around a {@link StreamLayer}: a `Socket` that, on each run, opens the
 * inner socket, plays the layer's handshake, and only then reports itself open to its user,
 * with every later byte wrapped and unwrapped by the layer. A proxy is a socket like any other
 * to the transport above it.
 */
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import { type ProxyEndpoint, ProxyError, proxyError } from "./ProxyError.ts"
import type { StreamLayer } from "./StreamLayer.ts"

/** A proxy failure travels through the Socket API as the cause of an "Open" socket error. */
const asSocketError = (e: unknown, endpoint: ProxyEndpoint): Socket.SocketError =>
  new Socket.SocketGenericError({
    reason: "Open",
    cause: e instanceof ProxyError ? e : proxyError(endpoint, "BadReply", `the handshake failed: ${String(e)}`, { cause: e })
  })

const isProxyFailure = (e: unknown): boolean => Socket.isSocketError(e) && e.reason === "Open" && e.cause instanceof ProxyError

const describeCause = (cause: unknown): string => {
  const code = (cause as { readonly code?: unknown } | undefined)?.code
  if (typeof code === "string") return code
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * A socket whose runs go through `makeLayer`'s handshake first. `makeLayer` runs once per run
 * (per connection). Failures before the layer is done (the proxy unreachable, closing, or
 * answering wrong) fail the run with a `SocketGenericError("Open")` whose cause is a
 * {@link ProxyError}.
 */
export const layeredSocket = (
  inner: Socket.Socket,
  makeLayer: Effect.Effect<StreamLayer, ProxyError>,
  endpoint: ProxyEndpoint
): Socket.Socket => {
  const latch = Effect.unsafeMakeLatch(false)
  let current: StreamLayer | undefined
  const encoder = new TextEncoder()

  const runRaw = <_, E = never, R = never>(
    handler: (_: string | Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> => {
    // Set once the handshake is done; the layer's `waitingFor` names the step otherwise.
    let open = false
    let layerNow: StreamLayer | undefined
    const closedEarly = (cause?: unknown) =>
      asSocketError(
        proxyError(
          endpoint,
          "Closed",
          `the proxy closed the connection while the client waited for ${layerNow?.waitingFor() ?? "the handshake"}`,
          cause === undefined ? {} : { cause }
        ),
        endpoint
      )
    return Effect.scoped(Effect.gen(function*() {
      const layer = yield* Effect.mapError(makeLayer, (e) => asSocketError(e, endpoint))
      layerNow = layer
      current = layer
      const write = yield* inner.writer
      let failed: Socket.SocketError | undefined

      const onChunk = (chunk: string | Uint8Array): Effect.Effect<unknown, E | Socket.SocketError, R> | void => {
        if (failed !== undefined) return
        if (typeof chunk === "string") return handler(chunk)
        const effects: Array<Effect.Effect<unknown, E | Socket.SocketError, R>> = []
        const deliver = (data: Uint8Array) =>
          layer.unwrap(data, (piece) => {
            const result = handler(piece)
            if (Effect.isEffect(result)) effects.push(result)
          })
        try {
          if (open) {
            deliver(chunk)
          } else {
            const step = layer.receive(chunk)
            if (step.send !== undefined && step.send.length > 0) effects.push(write(step.send))
            if (step.done !== undefined) {
              open = true
              // Stream bytes that came with the end of the handshake go up at once, in order.
              if (step.done.rest.length > 0) deliver(step.done.rest)
              effects.push(latch.open)
              if (options?.onOpen !== undefined) effects.push(options.onOpen)
            }
          }
        } catch (e) {
          // Kept as well as returned: a proxy that answers and hangs up at once would otherwise
          // end the run (peer closed) before the returned failure is seen.
          failed = asSocketError(e, endpoint)
          effects.push(Effect.fail(failed))
        }
        if (effects.length === 0) return
        // One effect per chunk, run in order: the reply goes out before the socket reports itself open.
        return effects.length === 1 ? effects[0]! : Effect.all(effects, { discard: true })
      }

      // A failed write of the hello fails the socket itself, which ends the run with that error.
      yield* inner.runRaw(onChunk, { onOpen: layer.hello.length > 0 ? Effect.ignore(write(layer.hello)) : Effect.void }).pipe(
        Effect.catchAll((e) => Effect.fail(failed ?? e))
      )
      if (failed !== undefined) return yield* Effect.fail(failed)
      // The peer ended the connection: before the handshake finished, that is the proxy's doing.
      if (!open) return yield* Effect.fail(closedEarly())
    })).pipe(
      Effect.mapError((e): Socket.SocketError | E => {
        if (open || !Socket.isSocketError(e) || isProxyFailure(e)) return e
        if (e.reason === "Open") {
          return asSocketError(
            proxyError(endpoint, "Unreachable", `can't connect to the proxy (${describeCause(e.cause)})`, { cause: e.cause }),
            endpoint
          )
        }
        return closedEarly(e)
      }),
      Effect.ensuring(Effect.sync(() => {
        latch.unsafeClose()
        current = undefined
      }))
    )
  }

  const writer = Effect.map(inner.writer, (write) => (chunk: Uint8Array | string | Socket.CloseEvent) =>
    Socket.isCloseEvent(chunk) ? write(chunk) : latch.whenOpen(Effect.suspend(() => {
      const layer = current
      if (layer === undefined) return Effect.fail(new Socket.SocketGenericError({ reason: "Write", cause: new Error("the connection is closed") }))
      return write(layer.wrap(typeof chunk === "string" ? encoder.encode(chunk) : chunk))
    })))

  return Socket.Socket.of({
    [Socket.TypeId]: Socket.TypeId,
    runRaw,
    run: (handler, options) => runRaw((data) => handler(typeof data === "string" ? encoder.encode(data) : data), options),
    writer
  })
}
