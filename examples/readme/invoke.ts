import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Client, SessionStorage } from "effect-mtproto"
import * as TestDc from "effect-mtproto/testing"

const main = Effect.gen(function*() {
  const dc = yield* TestDc.make()
  dc.world.addBot({ token: "123456:ABC-offline", username: "echo_bot" })
  const layer = Client.layer({
    apiId: 1,
    apiHash: Redacted.make("any"),
    dcs: [{ id: dc.dcId, host: dc.host, port: dc.port }],
    publicKeys: [dc.publicKey]
  }).pipe(Layer.provide(SessionStorage.layerMemory))

  yield* Effect.gen(function*() {
    const client = yield* Client
    yield* client.start({ botToken: Redacted.make("123456:ABC-offline") })

    // Any method of the API layer by its _tag; the answer's type follows from it (Api.Config here).
    const config = yield* client.invoke({ _tag: "help.getConfig" })
    console.log(`DC ${config.this_dc}, ${config.dc_options.length} DC addresses`)

    // FLOOD_WAIT up to floodSleepThreshold (60 s) is slept through: this call answers after 1 s.
    yield* dc.injectError("help.getNearestDc", { code: 420, message: "FLOOD_WAIT_1", times: 1 })
    console.log("after the wait:", (yield* client.invoke({ _tag: "help.getNearestDc" })).this_dc)

    // Longer waits fail with FloodWait. Errors are tagged, so catchTag picks them.
    yield* dc.injectError("help.getNearestDc", { code: 420, message: "FLOOD_WAIT_3600", times: 1 })
    const later = yield* client.invoke({ _tag: "help.getNearestDc" }).pipe(
      Effect.catchTag("FloodWait", (e) => Effect.succeed(`try again in ${e.seconds} s`))
    )
    console.log(later)

    // Other RPC errors are RpcError with the server's code and message; describe() explains them.
    const resolve = client.invoke({ _tag: "contacts.resolveUsername", username: "nobody_here" })
    yield* resolve.pipe(Effect.catchTag("RpcError", (e) => Effect.sync(() => console.log(e.code, e.message, "-", e.describe()))))

    // Uncaught, an error ends the program; Cause.pretty (what runMain prints) shows it.
    const exit = yield* Effect.exit(resolve)
    if (Exit.isFailure(exit)) console.log(Cause.pretty(exit.cause).split("\n")[0])
  }).pipe(Effect.provide(layer))
})

await Effect.runPromise(Effect.scoped(main))
