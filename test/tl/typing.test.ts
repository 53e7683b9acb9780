import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Match from "effect/Match"
import type { Api, Mt, ResultOf, TlMethod } from "../../src/tl/index.ts"
import { LAYER, serialize } from "../../src/tl/index.ts"

// Compile-time checks: these lines fail `tsc` if the typing regresses.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const check = <T extends true>(): void => {}

// A typed invoke as the Client will have it: no casts at the call site.
const invoke = <M extends TlMethod>(req: M): Effect.Effect<ResultOf<M>> =>
  Effect.sync(() => {
    void serialize(req)
    return undefined as unknown as ResultOf<M>
  })

describe("method → result typing", () => {
  it("types plain and wrapped queries", () => {
    const cfg = invoke({ _tag: "help.getConfig" })
    check<Equals<typeof cfg, Effect.Effect<Api.Config>>>()
    const wrapped = invoke({
      _tag: "invokeWithLayer",
      layer: LAYER,
      query: {
        _tag: "initConnection", api_id: 1, device_model: "d", system_version: "s", app_version: "a",
        system_lang_code: "en", lang_pack: "", lang_code: "en", query: { _tag: "help.getConfig" }
      }
    })
    check<Equals<typeof wrapped, Effect.Effect<Api.Config>>>()
    check<Equals<ResultOf<Api.messages.getAttachedStickers>, ReadonlyArray<Api.StickerSetCovered>>>()
    check<Equals<ResultOf<Api.account.getWallPapers>, Api.account.WallPapers>>()
    check<Equals<ResultOf<Api.photos.deletePhotos>, ReadonlyArray<bigint>>>()
    const pong = invoke({ _tag: "ping", ping_id: 1n })
    check<Equals<typeof pong, Effect.Effect<Mt.Pong>>>()
    const sent = invoke({ _tag: "messages.sendMessage", peer: { _tag: "inputPeerSelf" }, message: "hi", random_id: 1n })
    check<Equals<typeof sent, Effect.Effect<Api.Updates>>>()
    const describeMessage = Match.type<Api.Message>().pipe(
      Match.tag("message", (m) => m.message),
      Match.tag("messageService", () => "service"),
      Match.tag("messageEmpty", () => "empty"),
      Match.exhaustive
    )
    assert.strictEqual(describeMessage({ _tag: "messageEmpty", id: 1 }), "empty")
  })
})
