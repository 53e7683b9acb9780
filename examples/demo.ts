/**
 * `npm start`: the offline demo. No Telegram account and no internet needed.
 *
 * 1. Starts an embedded TestDc cluster (DCs 1, 2, 3 on 127.0.0.1: real MTProto servers).
 * 2. Creates an auth key with DC 1 step by step over TCP (printing each step and its time) and
 *    calls help.getConfig over the encrypted session, printing the DC list.
 * 3. With the Client service, logs in as the seeded user +15550001, who has a 2FA password and
 *    lives on DC 2: the login starts on DC 1, is migrated (PHONE_MIGRATE_2), and answers the
 *    password with SRP. The session goes to `.demo/session.json` and the emulated DCs' state to
 *    `.demo/testdc.json`, so a second `npm start` reuses the session without logging in.
 * 4. Messaging: the demo user sends the second seeded user, Alice (+15550002, @alice), a
 *    formatted (markdown) message; Alice's client gets it pushed and answers; both list their
 *    dialogs.
 * 5. Updates: the demo user's client subscribes to `client.updates` and prints what it missed
 *    since its last run (getDifference), then Alice's messages sent from the World side, one of
 *    whose pushes the TestDc drops: the client sees the gap and fetches it with getDifference.
 *
 * Other modes (`npm start -- --help` lists every flag):
 *   npm start -- --dc HOST:PORT --rsa-key server.pem [--dc-id 2] [--transport intermediate] [--obfuscated]
 *     steps 1–2 against any MTProto server (or MTPROTO_DC, MTPROTO_RSA_KEY, MTPROTO_DC_ID);
 *   TELEGRAM_API_ID=... TELEGRAM_API_HASH=... npm start   (or --api-id/--api-hash)
 *     logs in to Telegram itself, asking for the phone, the code and the password.
 *   npm start -- --fresh   forgets `.demo/` first.
 *   npm start -- --qr      then logs a second app in by QR code: the code is drawn in the
 *     terminal, the demo user's phone (the TestDc's World) scans it, the login moves to DC 2
 *     (loginTokenMigrateTo) and answers the 2FA password.
 *   npm start -- --bot     then the seeded bot @demo_menu_bot runs a menu bot while Alice (the
 *     World) presses its buttons and asks an inline query (examples/botScene.ts).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { createInterface } from "node:readline/promises"
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { Client, type ClientConfig, type ClientShape, Dialogs, Messages } from "../src/client/index.ts"
import { generateRsaKeyPair, parseRsaPublicKeyPem, type RsaKeyPair, type RsaPublicKey, toHex } from "../src/crypto/index.ts"
import { createAuthKey, Sender } from "../src/mtproto/index.ts"
import { layerFile, layerMemory, makeFile, type SessionStorage } from "../src/storage/index.ts"
import { renderUnicodeCompact } from "uqr"
import { botScene, DEMO_BOT } from "./botScene.ts"
import * as TestDc from "../src/testing/index.ts"
import { type Api, LAYER } from "../src/tl/index.ts"
import { layerNode, makeNode } from "../src/transport/index.ts"
import { optionsOrExit } from "../src/testing/internal/commandLine.ts"
import { parseDemoArgs, usage } from "./demoOptions.ts"
import { DemoSetupError, prepareDemoDir } from "./demoState.ts"

// `npm start -- --help` lists the flags; a bad one is one line on stderr and exit code 2.
const args = optionsOrExit(parseDemoArgs(process.argv.slice(2), process.env), "npm start", usage, "npm start -- --help")

const DEMO_DIR = ".demo"
const SESSION_FILE = `${DEMO_DIR}/session.json`
const TESTDC_FILE = `${DEMO_DIR}/testdc.json`
const DEMO_PHONE = "+15550001"
const DEMO_PASSWORD = "demo-password"
const ALICE_PHONE = "+15550002"

const say = (line: string) => Effect.sync(() => console.log(line))
const ms = (d: Duration.Duration) => `${Duration.toMillis(d).toFixed(1)} ms`
const transportOptions = { codec: args.transport, obfuscated: args.obfuscated }

interface Target {
  readonly host: string
  readonly port: number
  readonly dcId: number
  readonly publicKey: RsaPublicKey
}

/** Steps 1–2: the DH handshake round trip by round trip, then help.getConfig over the encrypted session. */
const handshakeDemo = (dc: Target) =>
  Effect.gen(function*() {
    const transport = makeNode(transportOptions)
    const open = transport.connect({ host: dc.host, port: dc.port, dcId: dc.dcId })
    yield* say(`\nConnecting to DC ${dc.dcId} at ${dc.host}:${dc.port} over ${args.transport}${args.obfuscated ? " + obfuscated2" : ""}`)
    yield* say("Creating an auth key (DH handshake):")
    const [took, auth] = yield* Effect.timed(Effect.scoped(Effect.flatMap(open, (channel) =>
      createAuthKey(channel, {
        dcId: dc.dcId,
        publicKeys: [dc.publicKey],
        onStep: (step, millis) => console.log(`  ${step.padEnd(22)} ${millis.toFixed(1)} ms`)
      }))))
    yield* say(`  auth key ${toHex(auth.authKey.id)}, time offset ${auth.timeOffset} s  [${ms(took)} in all]`)

    const sender = yield* Sender.make({ authKey: auth.authKey, salt: auth.serverSalt, timeOffset: auth.timeOffset, connect: open })
    const getConfig: Api.help.getConfig = { _tag: "help.getConfig" }
    const [callTook, config] = yield* Effect.timed(sender.invoke({
      _tag: "invokeWithLayer",
      layer: LAYER,
      query: {
        _tag: "initConnection",
        api_id: 0,
        device_model: "effect-mtproto demo",
        system_version: `Node ${process.versions.node}`,
        app_version: "0.1.0",
        system_lang_code: "en",
        lang_pack: "",
        lang_code: "en",
        query: getConfig
      }
    }))
    yield* say(`help.getConfig (layer ${LAYER}) over the encrypted session  [${ms(callTook)}]: this_dc = ${config.this_dc}`)
    for (const option of config.dc_options) yield* say(`  DC ${option.id}  ${option.ip_address}:${option.port}`)
  }).pipe(Effect.scoped)

/** What `.demo/testdc.json` keeps so the emulated DCs remember keys and logins across runs. */
interface SavedDcs {
  readonly rsa: { readonly publicKeyPem: string; readonly privateKeyPem: string }
  readonly keys: ReadonlyArray<{ readonly dc: number; readonly key: string; readonly salt: string }>
  readonly authorizations: ReadonlyArray<{ readonly keyId: string; readonly dc: number; readonly userId: string }>
}

const loadSaved = (): SavedDcs | undefined => existsSync(TESTDC_FILE) ? JSON.parse(readFileSync(TESTDC_FILE, "utf8")) as SavedDcs : undefined

const saveDcs = (cluster: TestDc.ClusterShape, rsa: RsaKeyPair) =>
  Effect.sync(() => {
    const keys = [...cluster.dcs.values()].flatMap((dc) =>
      [...dc.authKeys.values()].filter((k) => !k.temp).map((k) => ({
        dc: dc.dcId,
        key: Buffer.from(Redacted.value(k.key)).toString("base64"),
        salt: k.salt.toString()
      }))
    )
    const authorizations = [...cluster.world.authorizations.entries()].map(([keyId, a]) => ({
      keyId,
      dc: a.dcId,
      userId: a.userId.toString()
    }))
    const saved: SavedDcs = { rsa: { publicKeyPem: rsa.publicKeyPem, privateKeyPem: rsa.privateKeyPem }, keys, authorizations }
    writeFileSync(TESTDC_FILE, JSON.stringify(saved, null, 2), { mode: 0o600 })
  })

/** The embedded cluster, restored from `.demo/testdc.json` when a previous run left it. */
const startCluster = Effect.gen(function*() {
  const saved = loadSaved()
  // The DCs' RSA key must survive too: a stored session trusts it.
  const keyPair: RsaKeyPair = saved === undefined ? generateRsaKeyPair() : {
    publicKey: parseRsaPublicKeyPem(saved.rsa.publicKeyPem),
    publicKeyPem: saved.rsa.publicKeyPem,
    privateKeyPem: saved.rsa.privateKeyPem
  }
  const [took, cluster] = yield* Effect.timed(TestDc.makeCluster({ dcIds: [1, 2, 3], rsaKeyPair: keyPair }))
  cluster.world.addUser({
    id: 100_001n,
    accessHash: 7_000_001n,
    phone: DEMO_PHONE,
    firstName: "Demo",
    lastName: "User",
    username: "demo",
    homeDc: 2,
    password: DEMO_PASSWORD
  })
  cluster.world.addUser({ id: 100_002n, accessHash: 7_000_002n, phone: ALICE_PHONE, firstName: "Alice", username: "alice", homeDc: 2 })
  cluster.world.addBot(DEMO_BOT)
  for (const k of saved?.keys ?? []) yield* cluster.dc(k.dc).importAuthKey(Buffer.from(k.key, "base64"), BigInt(k.salt))
  for (const a of saved?.authorizations ?? []) cluster.world.authorize(a.keyId, a.dc, BigInt(a.userId))
  yield* say(`TestDc cluster on 127.0.0.1${saved ? " (restored from .demo/testdc.json)" : ""}  [${ms(took)}]`)
  for (const dc of cluster.dcs.values()) yield* say(`  DC ${dc.dcId}: port ${dc.port}`)
  yield* say(`  RSA key fingerprint ${cluster.fingerprint}; seeded users ${DEMO_PHONE} (2FA, home DC 2), ${ALICE_PHONE} (@alice), bot @${DEMO_BOT.username}`)
  return { cluster, keyPair, restored: saved !== undefined }
})

/** Step 3: the Client logs in (or reuses the stored session) and prints getMe. */
const clientDemo = (config: ClientConfig, login: Parameters<Client["Type"]["start"]>[0]) =>
  Effect.gen(function*() {
    const client = yield* Client
    const stored = yield* client.isAuthorized
    yield* say(stored ? "\nStored session found: no login needed." : `\nLogging in (session file ${SESSION_FILE}):`)
    // A server that forgot the stored session (a TestDc started afresh, a revoked login):
    // the client says so with SessionRevoked, and here the demo simply logs in again.
    const [took, user] = yield* Effect.timed(client.start(login).pipe(
      Effect.catchTag("SessionRevoked", (e) => Effect.zipRight(say(`  ${e.message}: logging in again`), client.start(login)))
    ))
    const me = yield* client.getMe
    const name = me._tag === "user" ? `${me.first_name ?? ""} ${me.last_name ?? ""}`.trim() : me._tag
    yield* say(`getMe: ${name} (id ${me.id}${me._tag === "user" && me.username ? `, @${me.username}` : ""})  [start ${ms(took)}]`)
    yield* say(`home DC: ${yield* client.homeDc}`)
    return user
  }).pipe(Effect.provide(Client.layerWith(config).pipe(Layer.provide(Layer.merge(layerNode(transportOptions), layerFile(SESSION_FILE))))))

/** A Client over TCP and `storage`, built in the current scope. */
const buildClient = (config: ClientConfig, storage: Layer.Layer<SessionStorage, unknown>) =>
  Effect.map(
    Layer.build(Client.layerWith(config).pipe(Layer.provide(Layer.merge(layerNode(transportOptions), storage)))),
    (context): ClientShape => Context.get(context, Client)
  )

/** How a message's entities look, e.g. `bold "Hello"`. */
const showEntities = (m: Api.Message) =>
  m._tag !== "message" || m.entities === undefined
    ? "no entities"
    : m.entities.map((e) => `${e._tag.replace("messageEntity", "").toLowerCase()} "${m.message.slice(e.offset, e.offset + e.length)}"`).join(", ")

/** Step 4: the two seeded users exchange a formatted message and list their dialogs. */
const messagingDemo = (config: ClientConfig, cluster: TestDc.ClusterShape) =>
  Effect.gen(function*() {
    yield* say("\nMessaging: the demo user writes to @alice in markdown; Alice's client gets it pushed and answers in HTML:")
    const demo = yield* buildClient(config, layerFile(SESSION_FILE))
    const alice = yield* buildClient(config, layerMemory)
    yield* alice.start({ phone: Effect.succeed(ALICE_PHONE), code: Effect.map(cluster.codeFor(ALICE_PHONE), Redacted.make) })
    const aliceInbox = yield* alice.subscribeUpdates
    const as = (client: ClientShape) => <A, E>(effect: Effect.Effect<A, E, Client>) => Effect.provideService(effect, Client, client)

    const sent = yield* as(demo)(Messages.send("@alice", "**Hello** Alice! This is __effect-mtproto__ talking to `TestDc`, with [a link](https://core.telegram.org/mtproto)."))
    yield* say(`  demo → @alice  #${sent.id}: ${sent._tag === "message" ? sent.message : ""}  [${showEntities(sent)}]`)
    const pushed = yield* aliceInbox.pipe(
      Stream.filter((u) => u._tag === "updateNewMessage"),
      Stream.runHead,
      Effect.timeout("5 seconds")
    )
    yield* say(`  Alice's update stream yielded ${Option.match(pushed, { onNone: () => "nothing", onSome: (u) => u._tag })}`)
    const [received] = yield* as(alice)(Effect.map(Stream.runCollect(Messages.history("+15550001", { limit: 1 })), (c) => [...c]))
    if (received !== undefined) {
      yield* say(`  Alice reads  #${received.id}: ${received._tag === "message" ? received.message : ""}  [${showEntities(received)}]`)
      const reply = yield* as(alice)(Messages.send("+15550001", "Hi! <b>Got it</b>, <i>thanks</i>.", { replyTo: received.id, parseMode: "html" }))
      yield* say(`  Alice → demo #${reply.id} (a reply to #${received.id}): ${reply._tag === "message" ? reply.message : ""}  [${showEntities(reply)}]`)
    }
    for (const [who, client] of [["demo user", demo], ["Alice", alice]] as const) {
      const dialogs = yield* as(client)(Effect.map(Stream.runCollect(Dialogs.list({ limit: 10 })), (c) => [...c]))
      yield* say(`  ${who}'s dialogs:`)
      for (const d of dialogs) {
        const name = d.entity._tag === "user" ? `${d.entity.first_name ?? ""}${d.entity.username ? ` (@${d.entity.username})` : ""}` : "title" in d.entity ? d.entity.title : ""
        const last = d.topMessage?._tag === "message" ? d.topMessage.message : d.topMessage?._tag ?? "-"
        yield* say(`    ${name.padEnd(18)} unread ${d.dialog.unread_count}  last: ${last}`)
      }
    }
  }).pipe(Effect.scoped)

/** One update as the demo prints it. */
const showUpdate = (u: Api.Update, alice: bigint): string => {
  if ((u._tag === "updateNewMessage" || u._tag === "updateNewChannelMessage") && u.message._tag === "message") {
    const m = u.message
    const who = m.out === true ? "me" : m.from_id?._tag === "peerUser" && m.from_id.user_id === alice || m.peer_id._tag === "peerUser" && m.peer_id.user_id === alice ? "Alice" : "someone"
    const how = u.pts_count === 0 ? "  ← from getDifference" : ""
    return `${u._tag} #${m.id} ${who}: "${m.message}" (pts ${u.pts})${how}`
  }
  return u._tag
}

/**
 * Step 5: the demo user's client subscribes to `client.updates` and prints what it yields: first
 * what it missed since it last consumed updates (caught up with getDifference), then Alice's
 * messages as the World sends them, one of whose pushes the TestDc drops: the client notices
 * the gap in pts and fetches it with getDifference.
 */
const updatesDemo = (config: ClientConfig, cluster: TestDc.ClusterShape) =>
  Effect.gen(function*() {
    yield* say("\nUpdates: the demo user's client subscribes to client.updates; Alice writes from the World side:")
    const demoUser = cluster.world.userByPhone(DEMO_PHONE)!
    const alice = cluster.world.userByPhone(ALICE_PHONE)!
    const home = cluster.dc(2)
    let watching = true
    yield* Effect.addFinalizer(() => Effect.sync(() => void (watching = false)))
    // The server side of the recovery, as the demo's TestDc sees it.
    yield* home.addHandlers({
      "*": (request, _ctx, next) => {
        if (watching && request._tag === "updates.getDifference") console.log(`  [TestDc] updates.getDifference from pts ${request.pts}`)
        return next
      }
    })
    const demo = yield* buildClient(config, layerFile(SESSION_FILE))
    const updates = yield* demo.subscribeUpdates
    const live = yield* Queue.unbounded<Api.Update>()
    yield* updates.pipe(
      Stream.runForEach((u) => Effect.zipRight(say(`  ${showUpdate(u, alice.id)}`), Queue.offer(live, u))),
      Effect.forkScoped
    )
    const fromAlice = (n: number) =>
      Effect.gen(function*() {
        for (let got = 0; got < n;) {
          const u = yield* Queue.take(live)
          if (u._tag === "updateNewMessage" && u.message._tag === "message" && u.message.message.startsWith("(live)")) got++
        }
      }).pipe(Effect.timeout("10 seconds"))
    yield* Effect.sleep("300 millis") // the catch-up first
    yield* cluster.world.sendMessage(alice.id, demoUser.id, "(live) Hi! Are you following?")
    yield* fromAlice(1)
    yield* say("  [TestDc] the push of Alice's next message will be dropped (dc.faults.set({ dropPushes: 1 }))")
    yield* home.faults.set({ dropPushes: 1 })
    yield* cluster.world.sendMessage(alice.id, demoUser.id, "(live) This message's push was lost on the way")
    yield* cluster.world.sendMessage(alice.id, demoUser.id, "(live) And this one reveals the gap")
    yield* fromAlice(2)
    yield* say("  the gap in pts was noticed, waited for 0.5 s, and filled with getDifference: every update once, in order")
  }).pipe(Effect.scoped)

/** Prints the Client's own log lines (migration, key creation) compactly. */
const demoLogger = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, message }) => {
    const text = Array.isArray(message) ? message.join(" ") : String(message)
    const extra = [...annotations].map(([k, v]) => `${k}=${String(v)}`).join(" ")
    console.log(`  · ${text}${extra ? ` (${extra})` : ""}`)
  })
)

const offline = Effect.gen(function*() {
  yield* Effect.flatMap(prepareDemoDir({ dir: DEMO_DIR, sessionFile: SESSION_FILE, testDcFile: TESTDC_FILE, fresh: args.fresh }), Effect.forEach(say))
  const { cluster, keyPair, restored } = yield* startCluster
  if (restored && existsSync(SESSION_FILE)) {
    // The emulated DCs keep keys and logins across runs, not their message history: the update
    // state the session stored refers to a history that is gone, so the client takes a new one.
    yield* Effect.scoped(Effect.flatMap(makeFile(SESSION_FILE), (s) => s.setUpdateState(undefined)))
  }
  const dc1 = cluster.dc(1)
  yield* handshakeDemo({ host: dc1.host, port: dc1.port, dcId: 1, publicKey: cluster.publicKey })
  const config: ClientConfig = {
    apiId: 1,
    apiHash: Redacted.make("demo-api-hash"),
    dcs: cluster.dcOptions,
    defaultDc: 1,
    publicKeys: [cluster.publicKey]
  }
  yield* clientDemo(config, {
    phone: Effect.succeed(DEMO_PHONE).pipe(Effect.tap((p) => say(`  phone: ${p}`))),
    code: Effect.map(cluster.codeFor(DEMO_PHONE), (code) => {
      console.log(`  code (read from the TestDc, as a user reads the app): ${code}`)
      return Redacted.make(code)
    }),
    password: Effect.sync(() => {
      console.log("  2FA password asked: answering with an SRP proof")
      return Redacted.make(DEMO_PASSWORD)
    })
  })
  yield* messagingDemo(config, cluster)
  yield* updatesDemo(config, cluster)
  yield* saveDcs(cluster, keyPair)
  if (args.qr) yield* qrDemo(config, cluster)
  if (args.bot) yield* botScene(cluster.world, buildClient(config, layerMemory), ALICE_PHONE)
  yield* say(`\nRun \`npm start\` again: the session in ${SESSION_FILE} is reused. \`npm start -- --fresh\` starts over.`)
})

/** `--qr`: a second app (a memory session) logs in as the demo user by QR code; the World scans it. */
const qrDemo = (config: ClientConfig, cluster: TestDc.ClusterShape) =>
  Effect.gen(function*() {
    yield* say("\nQR login: a second app shows a code; the demo user's phone scans it.")
    const demoUser = cluster.world.userByPhone(DEMO_PHONE)!
    const client = yield* Client
    const [took, user] = yield* Effect.timed(client.startQr({
      onToken: (code) =>
        Effect.gen(function*() {
          const lines = renderUnicodeCompact(code.url, { border: 2 }).split("\n").map((l) => `    ${l}`)
          yield* say(`${lines.join("\n")}\n  ${code.url}  (expires ${code.expires.toLocaleTimeString()})`)
          // The phone "scans" a moment later (the offline demo has no phone).
          yield* Effect.sleep("1500 millis").pipe(
            Effect.zipRight(Effect.sync(() => cluster.world.acceptLoginToken(demoUser.id, code.url))),
            Effect.flatMap((scan) => say(`  the phone scanned the code: ${scan._tag}`)),
            Effect.forkDaemon
          )
        }),
      password: Effect.sync(() => {
        console.log("  2FA password asked: answering with an SRP proof")
        return Redacted.make(DEMO_PASSWORD)
      }),
      timeout: "1 minute"
    }))
    yield* say(`QR login done: ${user._tag === "user" ? user.first_name : user._tag} (id ${user.id}) on DC ${yield* client.homeDc}  [${ms(took)}]`)
  }).pipe(Effect.provide(Client.layerWith(config).pipe(Layer.provide(Layer.merge(layerNode(transportOptions), layerMemory)))))

/** Against Telegram: an interactive login with the given api_id/api_hash. */
const telegram = (apiId: number, apiHash: string) =>
  Effect.gen(function*() {
    mkdirSync(DEMO_DIR, { recursive: true })
    const rl = createInterface({ input: process.stdin, output: process.stdout })
    yield* Effect.addFinalizer(() => Effect.sync(() => rl.close()))
    const ask = (q: string) => Effect.promise(() => rl.question(q))
    yield* clientDemo({ apiId, apiHash: Redacted.make(apiHash) }, {
      phone: ask("Phone number (international format): "),
      code: Effect.map(ask("Login code: "), Redacted.make),
      password: Effect.map(ask("2FA password: "), Redacted.make)
    })
  })

// Against any MTProto server (--dc): the handshake and help.getConfig only.
const program: Effect.Effect<unknown, unknown, Scope.Scope> = args.mode._tag === "External"
  ? handshakeDemo(args.mode)
  : args.mode._tag === "Telegram"
  ? telegram(args.mode.apiId, args.mode.apiHash)
  : offline

program.pipe(
  Effect.scoped,
  // `.demo/` in a state the demo cannot repair: one line saying what to do, exit 1.
  Effect.catchIf((e) => e instanceof DemoSetupError, (e) => Effect.sync(() => (process.stderr.write(`npm start: ${e.message}\n`), process.exit(1)))),
  Effect.provide(demoLogger),
  (p) => NodeRuntime.runMain(p, { disablePrettyLogger: true })
)
