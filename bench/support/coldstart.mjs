// Cold start of one client library, in a fresh process: load the library, restore a stored
// session, answer one help.getNearestDc; prints the ms since the process started.
// `node bench/support/coldstart.mjs <ours|mtcute|gramjs>`, with TARGET (JSON) and SESSION in the
// environment, and DIST (our built dist/ folder) for `ours`. With IDLE_MS, the client then stays
// connected: after IDLE_SETTLE_MS (start-up's garbage collected), the process's CPU time over
// IDLE_MS is printed too, as `idleMsPerMin` (a connected idle client, alone in its process).
const lib = process.argv[2]
const target = JSON.parse(process.env.TARGET)
const session = process.env.SESSION
const apiHash = "0123456789abcdef0123456789abcdef"
const idleMs = Number(process.env.IDLE_MS ?? 0)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let firstAnswerMs = 0
/** After the first answer: the time it came, then (with IDLE_MS) the idle CPU, the client still connected. */
const answered = async () => {
  firstAnswerMs = performance.now()
  if (idleMs === 0) return undefined
  await sleep(Number(process.env.IDLE_SETTLE_MS ?? 10_000))
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
  const c0 = cpu()
  await sleep(idleMs)
  return ((cpu() - c0) / idleMs) * 60_000
}
let idle

if (lib === "ours") {
  const dist = process.env.DIST
  // What a user imports: the package's entry (the Client, its TCP transport, the session
  // storages) and the key parser.
  const [Effect, Layer, Context, Redacted, client, crypto] = await Promise.all([
    import("effect/Effect"),
    import("effect/Layer"),
    import("effect/Context"),
    import("effect/Redacted"),
    import(`${dist}/index.js`),
    import(`${dist}/crypto/index.js`)
  ])
  const layer = client.Client.layer({
    apiId: 1,
    apiHash: Redacted.make(apiHash),
    dcs: [{ id: target.dcId, host: target.host, port: target.port }],
    defaultDc: target.dcId,
    publicKeys: [crypto.parseRsaPublicKeyPem(target.pem)]
  }).pipe(Layer.provide(client.SessionStorage.layerString(Redacted.make(session))))
  await Effect.runPromise(Effect.scoped(Effect.flatMap(Layer.build(layer), (ctx) =>
    Effect.flatMap(Context.get(ctx, client.Client).invoke({ _tag: "help.getNearestDc" }), () =>
      Effect.promise(async () => void (idle = await answered()))))))
} else if (lib === "mtcute") {
  const [{ BaseTelegramClient, MemoryStorage }, { addPublicKey }] = await Promise.all([import("@mtcute/node"), import("@mtcute/core/utils.js")])
  const dcOption = { id: target.dcId, ipAddress: target.host, port: target.port }
  const c = new BaseTelegramClient({ apiId: 1, apiHash, storage: new MemoryStorage(), defaultDcs: { main: dcOption, media: dcOption }, logLevel: 0 })
  addPublicKey(c.crypto, target.pem)
  await c.importSession(session, true)
  await c.call({ _: "help.getNearestDc" })
  idle = await answered()
} else {
  const [{ Api, TelegramClient }, { _serverKeys }, { ConnectionTCPFull }, { StringSession }, { Logger, LogLevel }, { default: bigInt }] = await Promise.all([
    import("telegram"),
    import("telegram/crypto/RSA.js"),
    import("telegram/network/index.js"),
    import("telegram/sessions/index.js"),
    import("telegram/extensions/Logger.js"),
    import("big-integer")
  ])
  _serverKeys.set(target.fingerprint, { n: bigInt(target.n), e: Number(target.e) })
  const s = new StringSession(session)
  s.setDC(target.dcId, target.host, 443)
  class ToTestDc extends ConnectionTCPFull {
    constructor(options) {
      super({ ...options, port: target.port })
    }
  }
  const c = new TelegramClient(s, 1, apiHash, { connection: ToTestDc, baseLogger: new Logger(LogLevel.NONE) })
  await c.connect()
  await c.invoke(new Api.help.GetNearestDc())
  idle = await answered()
}
console.log(JSON.stringify({ ms: firstAnswerMs, idleMsPerMin: idle }))
process.exit(0)
