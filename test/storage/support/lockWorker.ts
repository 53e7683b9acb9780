// A child process of the lock race (lockRace.ts): on "go" it waits for the shared start
// instant, opens the session file, reports whether it got it, and holds it until "release".
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { makeFile } from "../../../src/storage/SessionFile.ts"

type Command = { readonly type: "go"; readonly path: string; readonly at: number } | { readonly type: "release" } | { readonly type: "exit" }

let held: Scope.CloseableScope | undefined

const send = (message: unknown) => process.send?.(message)

process.on("message", (command: Command) => {
  if (command.type === "exit") process.exit(0)
  if (command.type === "release") {
    const scope = held
    held = undefined
    void Effect.runPromise(scope === undefined ? Effect.void : Scope.close(scope, Exit.void)).then(() => send({ type: "released" }))
    return
  }
  // Spin to the shared instant: the three workers start their takeovers within microseconds.
  while (Date.now() < command.at) {
    // busy wait
  }
  void Effect.runPromise(Effect.gen(function*() {
    const scope = yield* Scope.make()
    const exit = yield* Effect.exit(Scope.extend(makeFile(command.path), scope))
    if (Exit.isSuccess(exit)) {
      held = scope
      return { type: "result", owner: true }
    }
    yield* Scope.close(scope, Exit.void)
    return { type: "result", owner: false, detail: String(exit.cause) }
  })).then(send)
})

send({ type: "ready" })
