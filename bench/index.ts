/**
 * `npm run bench`: runs every benchmark section that exists, in one process, so ratios
 * against the named peers are measured side by side in the same run.
 */
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const sections = ["tl", "crypto", "handshake", "session", "client", "engine", "proxy", "messaging", "markdown", "updates", "files"] as const
const only = process.argv.slice(2)

for (const name of sections) {
  if (only.length > 0 && !only.includes(name)) continue
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
  if (!existsSync(file)) continue
  const mod = (await import(file)) as { run: () => Promise<void> }
  console.log(`\n=== ${name} ===`)
  await mod.run()
}
