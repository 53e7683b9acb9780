/**
 * Where the bot framework reads its updates from: the ONE place that knows how the Client
 * delivers them. The contract (the updates engine, issue 16) is a `Stream<Api.Update,
 * ClientError>` of single updates, short forms already turned into `updateNewMessage`, each
 * exactly once, their users and chats in the peer cache before they are emitted.
 *
 * SHIM until that engine lands: today `client.updates` is the raw push stream of the home DC
 * (`Effect<Stream<AnyObject>, ClientError, Scope>`, peers remembered before emission), so
 * {@link updatesOf} unpacks `updates` / `updatesCombined` / `updateShort` and expands the short
 * message forms itself. It recovers no gaps (a push missed while disconnected is lost) and
 * subscribes only when the stream starts. At the merge, replace the body of `updatesOf` with
 * `client.updates` and delete {@link unpackUpdates}.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { AnyObject, Api } from "../../tl/index.ts"
import type { ClientShape } from "../Client.ts"
import type { ClientError } from "../errors.ts"
import { expandShortChatMessage, expandShortMessage } from "../updates/shortUpdates.ts"

/**
 * The single updates one raw push holds (pure; SHIM, see the module docs). Pushes that carry no
 * update the bot can use (`updatesTooLong`, service objects) give none.
 *
 * @since 0.1.0
 * @category conversions
 */
export const unpackUpdates = (raw: AnyObject, selfId: bigint | undefined): ReadonlyArray<Api.Update> => {
  switch (raw._tag) {
    case "updates":
    case "updatesCombined":
      return raw.updates
    case "updateShort":
      return [raw.update]
    case "updateShortMessage":
      return [expandShortMessage(raw, selfId)]
    case "updateShortChatMessage":
      return [expandShortChatMessage(raw)]
    default:
      return []
  }
}

/**
 * The Client's updates, one `Api.Update` at a time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const updatesOf = (client: ClientShape): Stream.Stream<Api.Update, ClientError> =>
  // SHIM (issue 16): becomes `client.updates` at the merge.
  Stream.unwrapScoped(Effect.map(client.updates, (raw) =>
    Stream.mapConcatEffect(raw, (push) => Effect.map(client.peers.selfId, (self) => unpackUpdates(push, self)))))
