/**
 * A TCP proxy on 127.0.0.1 that cuts every connection after a random 2–6 KB (both directions
 * counted), to measure how a client copes with a flaky link. Deterministic cut points (a
 * seeded PRNG), so every client sees the same cuts.
 */
import * as net from "node:net"

export interface CutProxy {
  readonly port: number
  /** Connections cut so far. */
  readonly cuts: () => number
  readonly close: () => Promise<void>
}

export const startCutProxy = (target: { host: string; port: number }, options: { minBytes?: number; maxBytes?: number; seed?: number } = {}): Promise<CutProxy> => {
  const min = options.minBytes ?? 2048
  const max = options.maxBytes ?? 6144
  let seed = options.seed ?? 42
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed / 0x1_0000_0000
  }
  let cuts = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    sockets.add(client), sockets.add(upstream)
    let budget = Math.floor(min + next() * (max - min))
    const cut = () => {
      if (client.destroyed && upstream.destroyed) return
      cuts++
      client.destroy()
      upstream.destroy()
    }
    const pipe = (from: net.Socket, to: net.Socket) =>
      from.on("data", (chunk: Buffer) => {
        if (budget <= 0) return
        if (chunk.length >= budget) {
          to.write(chunk.subarray(0, budget))
          budget = 0
          cut()
          return
        }
        budget -= chunk.length
        to.write(chunk)
      })
    pipe(client, upstream)
    pipe(upstream, client)
    for (const s of [client, upstream]) {
      s.on("error", () => {})
      s.on("close", () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        cuts: () => cuts,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    )
  )
}
