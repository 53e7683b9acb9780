/**
 * A TestDc in a child process (`src/testing/cli.ts`), so that the benchmark process measures
 * the client's CPU and heap only.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { parseRsaPublicKeyPem } from "../../src/crypto/index.ts"
import type { Dc } from "../../test/support/dc.ts"
import { isMtcuteFindable } from "../../test/interop/support/mtcuteKey.ts"

/**
 * Starts the TestDc CLI in a child process and reads its JSON line. The peers measured against
 * it include mtcute, which cannot find one server key in 16: such a DC is replaced by another.
 */
export const startExternalDc = async (cli: string): Promise<{ dc: Dc; child: ChildProcess; pem: string }> => {
  for (;;) {
    const started = await startOnce(cli)
    if (isMtcuteFindable(started.dc.publicKey.fingerprint)) return started
    started.child.kill("SIGKILL")
  }
}

const startOnce = async (cli: string): Promise<{ dc: Dc; child: ChildProcess; pem: string }> => {
  const child = spawn(process.execPath, ["--import", "tsx", cli], { stdio: ["ignore", "pipe", "ignore"] })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`TestDc exited with ${code}`)))
  })
  lines.close()
  const info = JSON.parse(first) as { host: string; port: number; dcId: number; rsaPublicKeyPem: string }
  return { dc: { host: info.host, port: info.port, dcId: info.dcId, publicKey: parseRsaPublicKeyPem(info.rsaPublicKeyPem) }, child, pem: info.rsaPublicKeyPem }
}
