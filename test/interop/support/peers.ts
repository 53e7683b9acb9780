/**
 * The interop suites run independent MTProto clients (mtcute, GramJS, @mtproto/core) against
 * TestDc. Those libraries are this folder's own dependencies (`test/interop/package.json`), not
 * the library's: `npm run test:interop` installs them on demand. Without them `npm test` reports
 * each interop file as one skipped test that says why, instead of failing to load it.
 */
import { describe, it } from "@effect/vitest"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** The lockfile npm writes into `node_modules` once an install there has completed. */
const installMarker = fileURLToPath(new URL("../node_modules/.package-lock.json", import.meta.url))

/** Whether `test/interop/node_modules` holds an installed tree. */
export const peersInstalled = (): boolean => existsSync(installMarker)

/** The reason a skipped interop suite gives. */
export const notInstalledReason = "peer libraries not installed in test/interop: `npm run test:interop` installs and runs them"

/**
 * Registers the suites of `test/interop/suites/<suite>` when the peer libraries are installed;
 * otherwise one skipped test under `name` whose title is the reason. The suite is imported by a
 * computed path, so neither vitest (absent peers) nor the root typecheck (which has no peers to
 * resolve; `test/interop/tsconfig.json` checks the suites) follows it into the peers' imports.
 */
export const describeWithPeers = async (name: string, suite: string): Promise<void> => {
  if (peersInstalled()) {
    await import(new URL(`../suites/${suite}`, import.meta.url).href)
    return
  }
  describe(name, () => {
    it.skip(`skipped: ${notInstalledReason}`, () => {})
  })
}
