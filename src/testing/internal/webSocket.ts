/**
 * TestDc's WebSocket endpoint: an HTTP server whose `/apiws` (and `/apiws_test`) upgrade to
 * WebSockets; each upgraded socket is a client connection like a TCP one (the same framings,
 * detected the same way), binary messages carrying the byte stream.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as ServeError from "@effect/platform/HttpServerError"
import type * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"

/** The paths Telegram's WebSocket endpoints listen on. */
const PATHS = new Set(["/apiws", "/apiws_test"])

/**
 * Listens on `host:port` (0: any free port) for the life of the scope, handing every upgraded
 * connection to `handle`. Returns the port.
 */
export const serveWebSocket = (
  host: string,
  port: number,
  handle: (socket: Socket.Socket) => Effect.Effect<void>
): Effect.Effect<number, ServeError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => createServer(), { host, port })
    const app = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0] ?? ""
      if (!PATHS.has(path)) return HttpServerResponse.empty({ status: 404 })
      if (request.headers["upgrade"]?.toLowerCase() !== "websocket") return HttpServerResponse.empty({ status: 426 })
      const socket = yield* request.upgrade
      yield* handle(socket)
      return HttpServerResponse.empty()
    }).pipe(Effect.catchAll(() => Effect.succeed(HttpServerResponse.empty({ status: 400 }))))
    yield* server.serve(app)
    return server.address._tag === "TcpAddress" ? server.address.port : 0
  })
