// Cold start of one client library, in a fresh process: load the library, restore a stored
// session, answer one help.getNearestDc; prints the ms since the process started.
// `node bench/support/coldstart.mjs <ours|mtcute|gramjs>`, with TARGET (JSON) and SESSION in the
// environment, and DIST (our built dist/ folder) for `ours`.
const lib = process.argv[2]
const target = JSON.parse(process.env.TARGET)
const session = process.env.SESSION
const apiHash = "0123456789abcdef0123456789abcdef"

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
    Context.get(ctx, client.Client).invoke({ _tag: "help.getNearestDc" }))))
} else if (lib === "mtcute") {
  const [{ BaseTelegramClient, MemoryStorage }, { addPublicKey }] = await Promise.all([import("@mtcute/node"), import("@mtcute/core/utils.js")])
  const dcOption = { id: target.dcId, ipAddress: target.host, port: target.port }
  const c = new BaseTelegramClient({ apiId: 1, apiHash, storage: new MemoryStorage(), defaultDcs: { main: dcOption, media: dcOption }, logLevel: 0 })
  addPublicKey(c.crypto, target.pem)
  await c.importSession(session, true)
  await c.call({ _: "help.getNearestDc" })
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
}
console.log(JSON.stringify({ ms: performance.now() }))
process.exit(0)
