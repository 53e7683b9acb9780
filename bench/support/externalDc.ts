/**
 * A TestDc in a child process (`src/testing/cli.ts`), so that the benchmark process measures
 * the client's CPU and heap only.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { parseRsaPublicKeyPem, type RsaPublicKey } from "../../src/crypto/index.ts"

export interface Dc {
  readonly host: string
  readonly port: number
  readonly dcId: number
  readonly publicKey: RsaPublicKey
}

/** Starts the TestDc CLI in a child process and reads its JSON line. */
export const startExternalDc = async (cli: string): Promise<{ dc: Dc; child: ChildProcess; pem: string }> => {
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
