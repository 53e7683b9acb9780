/**
 * TestDc's WebSocket endpoint: an HTTP server whose `/apiws` (and `/apiws_test`) upgrade to
 * WebSockets; each upgraded socket is a client connection like a TCP one (the same framings,
 * detected the same way), binary messages carrying the byte stream.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as ServeError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Scope from "effect/Scope"
import { createServer } from "node:http"

/** The paths Telegram's WebSocket endpoints listen on. */
const PATHS = new Set(["/apiws", "/apiws_test"])

/**
 * Listens on `host:port` (0: any free port) for the life of the scope, handing every upgraded
 * connection to `handle`. Returns the port.
 *
 * The HTTP server lives in a scope of its own, closed after every connection has been ended:
 * its WebSocket server (made lazily, at the first upgrade) only finishes closing once all its
 * clients are gone, and must not end up waiting in a scope that closes before theirs.
 */
export const serveWebSocket = (
  host: string,
  port: number,
  handle: (socket: Socket.Socket) => Effect.Effect<void>
): Effect.Effect<number, ServeError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const serverScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const server = yield* NodeHttpServer.make(() => createServer(), { host, port }).pipe(Scope.extend(serverScope))
    // Closed first (made last): ending the connections lets the WebSocket server close.
    const connections = yield* FiberSet.make<void>()
    const app = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0] ?? ""
      if (!PATHS.has(path)) return HttpServerResponse.empty({ status: 404 })
      if (request.headers["upgrade"]?.toLowerCase() !== "websocket") return HttpServerResponse.empty({ status: 426 })
      const socket = yield* request.upgrade
      // Requests run uninterruptibly; a connection's own races need interruption back.
      yield* Fiber.await(yield* FiberSet.run(connections, Effect.interruptible(handle(socket))))
      return HttpServerResponse.empty()
    }).pipe(Effect.catchAll(() => Effect.succeed(HttpServerResponse.empty({ status: 400 }))))
    yield* server.serve(app).pipe(Scope.extend(serverScope))
    return server.address._tag === "TcpAddress" ? server.address.port : 0
  })
