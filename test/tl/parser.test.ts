import { assert, describe, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { crc32Text, ID_RULE_EXCEPTIONS, parseSchema, verifyIds } from "../../generator/tl-parser.ts"

const shared = (f: string) => `../shared/schema/${f}`

const checkFile = (path: string, expectedExceptions: ReadonlyArray<string>) => {
  const schema = parseSchema(readFileSync(path, "utf8"), path)
  assert.deepStrictEqual(schema.errors, [])
  assert.deepStrictEqual(verifyIds(schema), [])
  // Exactly the documented exceptions differ from the rule, nothing else.
  const raw = verifyIds(schema, new Map()).map((d) => /for (\S+):/.exec(d.message)![1])
  assert.deepStrictEqual(raw, [...expectedExceptions])
  return schema
}

describe.skipIf(!existsSync(shared("api.tl")))("shared api.tl (layer 224)", () => {
  it("parses with every explicit id equal to its CRC32", () => {
    const s = checkFile(shared("api.tl"), [])
    assert.strictEqual(s.layer, 224)
    assert.strictEqual(s.combinators.length, 2329)
    assert.strictEqual(s.combinators.filter((c) => c.section === "functions").length, 769)
    const msg = s.combinators.find((c) => c.name === "message")!
    assert.isTrue(msg.params.some((p) => p.name === "flags2" && p.type.kind === "nat"))
    const views = msg.params.find((p) => p.name === "views")!
    assert.deepStrictEqual(views.cond, { field: "flags", bit: 10 })
    const iwl = s.combinators.find((c) => c.name === "invokeWithLayer")!
    assert.deepStrictEqual(iwl.typeParams, ["X"])
    assert.deepStrictEqual(iwl.params[1]!.type, { kind: "bang", name: "X" })
  })
})

describe.skipIf(!existsSync(shared("api-layer228.tl")))("shared api-layer228.tl", () => {
  it("parses ids with leading zeros stripped", () => {
    checkFile(shared("api-layer228.tl"), [])
  })
})

describe.skipIf(!existsSync(shared("mtproto.tl")))("shared mtproto.tl", () => {
  it("parses; only msg_container deviates from the id rule", () => {
    const s = checkFile(shared("mtproto.tl"), ["msg_container"])
    assert.strictEqual(s.combinators.length, 54)
    assert.strictEqual(s.combinators.filter((c) => c.builtin).length, 7)
    const message = s.combinators.find((c) => c.name === "message")!
    assert.isUndefined(message.explicitId)
    assert.strictEqual(message.id, crc32Text("message msg_id:long seqno:int bytes:int body:Object = Message"))
    assert.strictEqual(ID_RULE_EXCEPTIONS.get("msg_container"), crc32Text("msg_container messages:vector message = MessageContainer"))
  })
})

describe.skipIf(!existsSync(shared("mtproto-tdesktop-variant.tl")))("tdesktop mtproto variant", () => {
  it("has exactly the three documented exceptions", () => {
    checkFile(shared("mtproto-tdesktop-variant.tl"), ["ipPortSecret", "accessPointRule", "help.configSimple"])
  })
})

describe.skipIf(!existsSync("schema/api.tl"))("repo schema/api.tl", () => {
  it("parses with every explicit id verified", () => {
    const s = checkFile("schema/api.tl", [])
    assert.isNumber(s.layer)
  })
})

describe.skipIf(!existsSync("schema/mtproto.tl"))("repo schema/mtproto.tl", () => {
  it("parses with every explicit id verified", () => {
    const s = parseSchema(readFileSync("schema/mtproto.tl", "utf8"), "schema/mtproto.tl")
    assert.deepStrictEqual(s.errors, [])
    assert.deepStrictEqual(verifyIds(s), [])
  })
})

describe("parser details", () => {
  it("computes ids from the rule cases", () => {
    const cases: Array<[string, number]> = [
      ["vector {t:Type} # [ t ] = Vector t;", 0x1cb5c415],
      ["rpc_answer_dropped msg_id:long seq_no:int bytes:int = RpcDropAnswer;", 0xa43ad8b7],
      ["msgs_ack msg_ids:Vector<long> = MsgsAck;", 0x62d6b459],
      ["invokeAfterMsg {X:Type} msg_id:long query:!X = X;", 0xcb9f372d],
      ["inputMessagesFilterPhoneCalls flags:# missed:flags.0?true = MessagesFilter;", 0x80c99768],
      ["resPQ nonce:int128 server_nonce:int128 pq:bytes server_public_key_fingerprints:Vector<long> = ResPQ;", 0x05162463]
    ]
    for (const [text, id] of cases) {
      const s = parseSchema(text)
      assert.deepStrictEqual(s.errors, [])
      assert.strictEqual(s.combinators[0]!.computedId, id, text)
    }
  })

  it("accepts short ids, block comments, sections and doc comments", () => {
    const s = parseSchema(
      [
        "/* header",
        "   spanning lines */",
        "// @description A file type",
        "// @param x the x",
        "storage.fileJpeg#7efe0e = storage.FileType;",
        "// plain doc line",
        "foo#1 x:int = Foo;",
        "---functions---",
        "bar {X:Type} q:!X = X;"
      ].join("\n"),
      "t.tl"
    )
    assert.deepStrictEqual(s.errors, [])
    const [a, b, c] = s.combinators
    assert.strictEqual(a!.explicitId, 0x7efe0e)
    assert.strictEqual(a!.doc, "A file type")
    assert.strictEqual(b!.doc, "plain doc line")
    assert.strictEqual(c!.section, "functions")
    assert.deepStrictEqual(verifyIds(s).map((d) => [d.line, d.column]), [[7, 4]])
  })

  it("reports syntax errors with line, column and what was expected", () => {
    const s = parseSchema("ok#1 = A;\nbad#2 x: = B;\nalso x:int B;\n", "e.tl")
    assert.strictEqual(s.errors.length, 2)
    assert.deepStrictEqual([s.errors[0]!.line, s.errors[0]!.column], [2, 10])
    assert.match(s.errors[0]!.message, /expected a type/)
    assert.deepStrictEqual([s.errors[1]!.line, s.errors[1]!.column], [3, 13])
    assert.match(s.errors[1]!.message, /expected '='/)
    assert.strictEqual(s.combinators.length, 1)
  })

  it("reports an id mismatch at the #id", () => {
    const s = parseSchema("\n  ping#7abe77ed ping_id:long = Pong;", "m.tl")
    const d = verifyIds(s)
    assert.strictEqual(d.length, 1)
    assert.deepStrictEqual([d[0]!.file, d[0]!.line, d[0]!.column], ["m.tl", 2, 7])
    assert.match(d[0]!.message, /computed #7abe77ec/)
  })

  it("reports flags references to missing fields and bad characters", () => {
    const s = parseSchema("a x:flags.0?int = A;\nb & = B;")
    assert.strictEqual(s.errors.length, 2)
    assert.deepStrictEqual([s.errors[0]!.line, s.errors[0]!.column], [1, 5])
    assert.deepStrictEqual([s.errors[1]!.line, s.errors[1]!.column], [2, 3])
  })
})
