/**
 * `npm start`: the offline demo. It starts an embedded TestDc (a real MTProto server on
 * 127.0.0.1), connects over TCP, creates an auth key with the DH handshake (printing each
 * step and its time), then calls `help.getConfig` inside `invokeWithLayer(initConnection(...))`
 * over the encrypted session and prints the DC list.
 *
 * Against any other MTProto server:
 *   npm start -- --dc HOST:PORT --rsa-key server.pem [--dc-id 2] [--transport intermediate] [--obfuscated]
 * or the environment variables MTPROTO_DC, MTPROTO_RSA_KEY, MTPROTO_DC_ID.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { parseRsaPublicKeyPem, type RsaPublicKey } from "../src/crypto/index.ts"
import { createAuthKey, fromConnection, Sender } from "../src/mtproto/index.ts"
import * as TestDc from "../src/testing/index.ts"
import { type Api, LAYER } from "../src/tl/index.ts"
import { type CodecKind, Transport, layerNode } from "../src/transport/index.ts"

const { values: args } = parseArgs({
  options: {
    dc: { type: "string" },
    "rsa-key": { type: "string" },
    "dc-id": { type: "string" },
    transport: { type: "string", default: "intermediate" },
    obfuscated: { type: "boolean", default: false }
  }
})

const say = (line: string) => Effect.sync(() => console.log(line))

interface Target {
  readonly host: string
  readonly port: number
  readonly dcId: number
  readonly publicKey: RsaPublicKey
}

/** The server to talk to: the one named on the command line, or an embedded TestDc. */
const target = Effect.gen(function*() {
  const dc = args.dc ?? process.env.MTPROTO_DC
  const dcId = Number(args["dc-id"] ?? process.env.MTPROTO_DC_ID ?? 2)
  if (dc !== undefined) {
    const keyFile = args["rsa-key"] ?? process.env.MTPROTO_RSA_KEY
    if (keyFile === undefined) return yield* Effect.dieMessage("--dc needs --rsa-key FILE (the server's RSA public key, PEM)")
    const [host, port] = dc.split(":")
    return { host: host!, port: Number(port), dcId, publicKey: parseRsaPublicKeyPem(readFileSync(keyFile, "utf8")) } satisfies Target
  }
  const started = yield* Effect.timed(TestDc.make({ dcId }))
  const dcHandle = started[1]
  yield* say(`TestDc (DC ${dcHandle.dcId}) listening on ${dcHandle.host}:${dcHandle.port}  [${ms(started[0])}]`)
  yield* say(`  RSA key fingerprint ${dcHandle.fingerprint}`)
  return { host: dcHandle.host, port: dcHandle.port, dcId: dcHandle.dcId, publicKey: dcHandle.publicKey } satisfies Target
})

const ms = (d: Duration.Duration) => `${Duration.toMillis(d).toFixed(1)} ms`

const program = Effect.gen(function*() {
  const dc = yield* target
  const transport = yield* Transport
  const open = Effect.flatMap(transport.connect({ host: dc.host, port: dc.port, dcId: dc.dcId }), fromConnection)

  yield* say(`\nConnecting to ${dc.host}:${dc.port} over ${args.transport}${args.obfuscated ? " + obfuscated2" : ""}`)
  yield* say("Creating an auth key (DH handshake):")
  const created = yield* Effect.timed(Effect.scoped(Effect.flatMap(open, (channel) =>
    createAuthKey(channel, {
      dcId: dc.dcId,
      publicKeys: [dc.publicKey],
      onStep: (step, millis) => console.log(`  ${step.padEnd(22)} ${millis.toFixed(1)} ms`)
    }))))
  const auth = created[1]
  yield* say(`  auth key created: id ${Buffer.from(auth.authKey.id).toString("hex")}, ` +
    `time offset ${auth.timeOffset} s  [${ms(created[0])} in all]`)

  const sender = yield* Sender.make({ authKey: auth.authKey, salt: auth.serverSalt, timeOffset: auth.timeOffset, connect: open })
  const getConfig: Api.help.getConfig = { _tag: "help.getConfig" }
  const call = yield* Effect.timed(sender.invoke({
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
  const config = call[1]
  yield* say(`\nhelp.getConfig (layer ${LAYER}) answered over the encrypted session  [${ms(call[0])}]`)
  yield* say(`  this_dc = ${config.this_dc}, date = ${new Date(config.date * 1000).toISOString()}`)
  yield* say("  DC options:")
  for (const option of config.dc_options) {
    const flags = [option.ipv6 ? "ipv6" : "", option.media_only ? "media" : "", option.cdn ? "cdn" : ""]
      .filter((f) => f !== "").join(",")
    yield* say(`    DC ${option.id}  ${option.ip_address}:${option.port}${flags ? `  (${flags})` : ""}`)
  }
})

const transportLayer = layerNode({
  codec: args.transport as CodecKind,
  obfuscated: args.obfuscated
})

program.pipe(Effect.scoped, Effect.provide(transportLayer), NodeRuntime.runMain)
