/**
 * Runs the README's offline programs (the files given as arguments) one after the other in this
 * one process, each as `npx tsx examples/readme/X.ts` runs it: importing a program runs it, and
 * its top-level `await` ends when the program does. Between programs it prints marker lines
 * (`@@ ok FILE MS`, `@@ failed FILE: WHY`) that `readme.test.ts` reads; a program that does not
 * end in time cannot be stopped from here, so that one ends the process.
 *
 * Usage (from the repository root, whose tsconfig.json maps `effect-mtproto` to src/):
 * `tsx test/examples/readmeRunner.ts examples/readme/quickstart.ts ...`
 */
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const LIMIT_MS = 30_000

console.log(`@@ effect-mtproto is ${import.meta.resolve("effect-mtproto")}`)
for (const file of process.argv.slice(2)) {
  console.log(`@@ start ${file}`)
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), LIMIT_MS)
  })
  try {
    const outcome = await Promise.race([import(pathToFileURL(path.resolve(file)).href), deadline])
    if (outcome === "timeout") {
      console.log(`@@ failed ${file}: did not end within ${LIMIT_MS / 1000} s`)
      process.exit(1)
    }
    console.log(`@@ ok ${file} ${Date.now() - started}`)
  } catch (error) {
    console.log(`@@ failed ${file}: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  } finally {
    clearTimeout(timer)
  }
}
