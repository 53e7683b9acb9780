import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Option from "effect/Option"

const main = Effect.gen(function*() {
  const hub = yield* PubSub.bounded<number>(10)
  const q = yield* PubSub.subscribe(hub)
  const pull: Effect.Effect<number, Option.Option<never>> = Effect.flatMap(Queue.take(q), (n) => Effect.succeed(n))
  const s = Stream.repeatEffectOption(pull)
  const r = yield* Stream.runCollect(Stream.take(s, 1)).pipe(Effect.timeout("1 second"), Effect.either)
  console.log(r)
}).pipe(Effect.scoped)
Effect.runPromise(main).then(() => console.log("done"))
