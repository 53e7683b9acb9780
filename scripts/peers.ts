/**
 * `tsx scripts/peers.ts <folder>...`: installs the peer libraries a folder with its own
 * `package.json` needs (`bench`: the libraries the benchmarks compare against; `test/interop`:
 * the clients the interop suites run), when they are missing or older than that folder's
 * lockfile. They are not the library's dependencies, so the root `npm install` stays light.
 * npm's output goes to stderr: stdout stays the caller's.
 */
import { spawnSync } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Whether `dir/node_modules` holds a tree installed from the current lockfile. */
const upToDate = (dir: string): boolean => {
  // npm writes node_modules/.package-lock.json at the end of a completed install.
  const marker = join(dir, "node_modules", ".package-lock.json")
  const lock = join(dir, "package-lock.json")
  return existsSync(marker) && (!existsSync(lock) || statSync(lock).mtimeMs <= statSync(marker).mtimeMs)
}

const folders = process.argv.slice(2)
if (folders.length === 0) {
  process.stderr.write("usage: tsx scripts/peers.ts <folder>... (e.g. bench, test/interop)\n")
  process.exit(2)
}
for (const folder of folders) {
  const dir = resolve(root, folder)
  if (!existsSync(join(dir, "package.json"))) {
    process.stderr.write(`scripts/peers.ts: ${folder} has no package.json\n`)
    process.exit(2)
  }
  if (upToDate(dir)) continue
  process.stderr.write(`Installing the peer libraries of ${folder} (npm install in ${folder}, first run only)\n`)
  // cwd, not --prefix: the folder's .npmrc (ignore-scripts) applies.
  const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund"], {
    cwd: dir,
    stdio: ["ignore", process.stderr, process.stderr],
    shell: process.platform === "win32"
  })
  if (npm.status !== 0) {
    process.stderr.write(`npm install in ${folder} failed (exit ${npm.status ?? npm.signal})\n`)
    process.exit(1)
  }
}
