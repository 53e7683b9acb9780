import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = fileURLToPath(new URL("./src/", import.meta.url))

export default defineConfig({
  // The README's programs import the package by name, as a user's code does: here it is src/
  // (tsconfig.json's `paths` say the same to tsc and tsx).
  resolve: {
    alias: [
      { find: /^effect-mtproto$/, replacement: `${src}index.ts` },
      { find: /^effect-mtproto\/(.+)$/, replacement: `${src}$1/index.ts` }
    ]
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The library's and TestDc's lines below WARN (a key made, a login) say nothing in a test
    // run: they are dropped. WARN and ERROR lines print, unless the test that provokes them on
    // purpose captures them (test/support/logs.ts).
    onConsoleLog: (log) => !/^timestamp=\S+ level=(INFO|DEBUG|TRACE) /.test(log),
    // vitest's default is one worker per core but one, which leaves a 2-core machine a single
    // worker: many suites wait on sockets and timers, so two overlap well (measured: 165 s → 137 s
    // for the whole suite on 2 loaded cores).
    maxWorkers: Math.max(2, availableParallelism() - 1)
  }
})
