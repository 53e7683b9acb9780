/**
 * The pure cores of Files, without sockets: cutting bytes into parts, planning small, big and
 * streamed uploads, planning aligned download requests, locations and media (fast-check where
 * the input space is large).
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { planChunks, wantedBytes } from "../../../src/client/files/chunks.ts"
import { locate } from "../../../src/client/files/location.ts"
import { uploadedMedia } from "../../../src/client/files/media.ts"
import { mimeOf } from "../../../src/client/files/mime.ts"
import { PartCutter, type PartJob, type PlanProblem, UploadPlan } from "../../../src/client/files/parts.ts"
import { chunkSizeProblem, getFileProblem, partSizeProblem } from "../../../src/mtproto/fileRules.ts"
import type { Api } from "../../../src/tl/index.ts"

const PART_SIZES = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288]
const CHUNK_SIZES = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576]

const cutAll = (partSize: number, chunks: ReadonlyArray<Uint8Array>) => {
  const cutter = new PartCutter(partSize)
  const parts = chunks.flatMap((c) => cutter.push(c))
  const last = cutter.end()
  return last === undefined || last.length === 0 ? parts : [...parts, last]
}

const join = (xs: ReadonlyArray<Uint8Array>) => Uint8Array.from(xs.flatMap((x) => [...x]))

describe("file rules", () => {
  it("part sizes: multiples of 1 KB dividing 512 KB", () => {
    for (let size = 1; size <= 600 * 1024; size += 256) {
      assert.strictEqual(partSizeProblem(size) === undefined, PART_SIZES.includes(size), `part size ${size}`)
    }
  })
  it("chunk sizes: multiples of 4 KB dividing 1 MB", () => {
    for (let size = 1024; size <= 1100 * 1024; size += 1024) {
      assert.strictEqual(chunkSizeProblem(size) === undefined, CHUNK_SIZES.includes(size), `chunk size ${size}`)
    }
  })
  it("getFile ranges: 4 KB offsets, limits dividing 1 MB, inside one 1 MB block; precise relaxes to 1 KB", () => {
    assert.isUndefined(getFileProblem(0, 1024 * 1024, false))
    assert.isUndefined(getFileProblem(3 * 1024 * 1024 + 4096, 4096, false))
    assert.strictEqual(getFileProblem(2048, 4096, false), "OFFSET_INVALID")
    assert.strictEqual(getFileProblem(0, 12 * 1024, false), "LIMIT_INVALID")
    assert.strictEqual(getFileProblem(1024 * 1024 - 4096, 8192, false), "LIMIT_INVALID")
    assert.isUndefined(getFileProblem(1024 * 1024 - 1024, 4096, true))
    assert.strictEqual(getFileProblem(512, 1024, true), "OFFSET_INVALID")
    assert.strictEqual(getFileProblem(0, 1024 * 1024 + 1024, true), "LIMIT_INVALID")
  })
})

describe("PartCutter", () => {
  it("re-cuts any chunking into equal parts and a shorter last one, losing and adding nothing", () =>
    fc.assert(fc.property(
      fc.constantFrom(1024, 2048, 4096),
      fc.array(fc.uint8Array({ maxLength: 9000 }), { maxLength: 12 }),
      (partSize, chunks) => {
        const parts = cutAll(partSize, chunks)
        assert.deepStrictEqual(join(parts), join(chunks))
        parts.slice(0, -1).forEach((p) => assert.strictEqual(p.length, partSize))
        if (parts.length > 0) assert.isTrue(parts[parts.length - 1]!.length <= partSize && parts[parts.length - 1]!.length > 0)
      }
    )))
  it("whole parts inside one chunk are views of it (no copy)", () => {
    const chunk = new Uint8Array(4 * 1024 + 10)
    const parts = new PartCutter(1024).push(chunk)
    assert.strictEqual(parts.length, 4)
    assert.isTrue(parts.every((p) => p.buffer === chunk.buffer))
  })
  it("a part assembled from pieces is a copy: the caller may reuse its chunk", () => {
    const cutter = new PartCutter(4)
    const chunk = Uint8Array.of(1, 2, 3)
    assert.deepStrictEqual(cutter.push(chunk), [])
    chunk.fill(9)
    assert.deepStrictEqual(cutter.push(Uint8Array.of(4, 5)).map((p) => [...p]), [[1, 2, 3, 4]])
    assert.deepStrictEqual([...cutter.end()!], [5])
  })
})

const isProblem = (x: unknown): x is PlanProblem => typeof x === "object" && x !== null && "_tag" in x && x._tag === "PlanProblem"

/** Runs a plan over parts; the jobs in the order they were released, and the file (or the problem). */
const runPlan = (size: number | undefined, partSize: number, parts: ReadonlyArray<Uint8Array>, maxParts = 4000) => {
  const plan = new UploadPlan(size, partSize, maxParts)
  const jobs: Array<PartJob> = []
  for (const p of parts) {
    const r = plan.add(p)
    if (isProblem(r)) return { problem: r, jobs }
    jobs.push(...r)
  }
  const done = plan.finish()
  if (isProblem(done)) return { problem: done, jobs }
  jobs.push(...done.jobs)
  return { file: done.file, jobs }
}

const MB = 1024 * 1024
const parts = (n: number, size: number, last = size) => Array.from({ length: n }, (_, i) => new Uint8Array(i === n - 1 ? last : size))

describe("UploadPlan", () => {
  it("a known small size: every part at once, saveFilePart", () => {
    const r = runPlan(3 * 512 * 1024 + 1, 512 * 1024, parts(4, 512 * 1024, 1))
    assert.deepStrictEqual(r.file, { big: false, parts: 4, size: 3 * 512 * 1024 + 1 })
    assert.deepStrictEqual(r.jobs.map((j) => [j.index, j.big, j.totalParts]), [[0, false, 4], [1, false, 4], [2, false, 4], [3, false, 4]])
  })
  it("a known big size (over 10 MB): saveBigFilePart with the count on every part", () => {
    const r = runPlan(10 * MB + 1, MB / 2, parts(21, MB / 2, 1))
    assert.deepStrictEqual(r.file, { big: true, parts: 21, size: 10 * MB + 1 })
    assert.isTrue(r.jobs.every((j) => j.big && j.totalParts === 21))
  })
  it("exactly 10 MB is small", () => assert.deepStrictEqual(runPlan(10 * MB, MB / 2, parts(20, MB / 2)).file, { big: false, parts: 20, size: 10 * MB }))
  it("an empty file is one empty part", () => {
    for (const size of [0, undefined]) {
      const r = runPlan(size, 1024, [])
      assert.deepStrictEqual(r.file, { big: false, parts: 1, size: 0 })
      assert.deepStrictEqual(r.jobs.map((j) => [j.index, j.bytes.length, j.big]), [[0, 0, false]])
    }
  })
  it("an unknown size that stays small: parts wait for the end, then go as a small file", () => {
    const plan = new UploadPlan(undefined, MB / 2, 4000)
    assert.deepStrictEqual(plan.add(new Uint8Array(MB / 2)), [])
    assert.deepStrictEqual(plan.add(new Uint8Array(100)), [])
    const done = plan.finish()
    assert.isFalse(isProblem(done))
    if (!isProblem(done)) {
      assert.deepStrictEqual(done.file, { big: false, parts: 2, size: MB / 2 + 100 })
      assert.deepStrictEqual(done.jobs.map((j) => [j.index, j.big, j.totalParts]), [[0, false, 2], [1, false, 2]])
    }
  })
  it("an unknown size past 10 MB: big, parts released with -1, the last held back to carry the count", () =>
    fc.assert(fc.property(fc.integer({ min: 21, max: 40 }), fc.integer({ min: 1, max: MB / 2 }), (n, last) => {
      const r = runPlan(undefined, MB / 2, parts(n, MB / 2, last))
      assert.deepStrictEqual(r.file, { big: true, parts: n, size: (n - 1) * (MB / 2) + last })
      assert.deepStrictEqual(r.jobs.map((j) => j.index), Array.from({ length: n }, (_, i) => i))
      assert.isTrue(r.jobs.every((j) => j.big))
      assert.deepStrictEqual(r.jobs.map((j) => j.totalParts), [...Array.from({ length: n - 1 }, () => -1), n])
    })))
  it("more or fewer bytes than declared, more parts than allowed: problems", () => {
    assert.strictEqual(runPlan(1000, 1024, [new Uint8Array(1024)]).problem?.reason, "SizeMismatch")
    assert.strictEqual(runPlan(3000, 1024, parts(2, 1024)).problem?.reason, "SizeMismatch")
    assert.strictEqual(runPlan(undefined, 1024, parts(5, 1024), 4).problem?.reason, "TooLarge")
  })
})

describe("planChunks", () => {
  it("every request is a valid getFile range, and the wanted bytes are [from, to) exactly, in order", () =>
    fc.assert(fc.property(
      fc.constantFrom(...CHUNK_SIZES),
      fc.integer({ min: 0, max: 5 * MB }),
      fc.integer({ min: 0, max: 5 * MB }),
      (chunkSize, from, length) => {
        const to = from + length
        let covered = from
        for (const r of planChunks(from, to, chunkSize)) {
          assert.isUndefined(getFileProblem(r.offset, r.limit, false), `${r.offset}+${r.limit}`)
          assert.isTrue(r.limit <= chunkSize)
          assert.strictEqual(r.offset + r.skip, covered)
          assert.isTrue(r.take > 0 && r.skip + r.take <= r.limit)
          covered += r.take
        }
        assert.strictEqual(covered, to)
      }
    )))
  it("an aligned start uses whole chunks; an unaligned one grows to them", () => {
    const aligned = [...planChunks(0, 3 * MB, MB)].map((r) => [r.offset, r.limit])
    assert.deepStrictEqual(aligned, [[0, MB], [MB, MB], [2 * MB, MB]])
    const resumed = [...planChunks(5000, 100_000, 65536)].map((r) => [r.offset, r.limit, r.skip])
    assert.deepStrictEqual(resumed.slice(0, 5), [[4096, 4096, 904], [8192, 8192, 0], [16384, 16384, 0], [32768, 32768, 0], [65536, 65536, 0]])
  })
  it("without an end, requests go on until an answer is short", () => {
    const it = planChunks(0, undefined, 4096)
    const first = it.next().value!
    assert.deepStrictEqual(first, { offset: 0, limit: 4096, skip: 0, take: 4096 })
    assert.deepStrictEqual(wantedBytes(first, new Uint8Array(10)).length, 10)
    assert.strictEqual(it.next().value!.offset, 4096)
  })
})

describe("locations and media", () => {
  const photo: Api.photo = {
    _tag: "photo",
    id: 5n,
    access_hash: 6n,
    file_reference: Uint8Array.of(1),
    date: 0,
    sizes: [
      { _tag: "photoStrippedSize", type: "i", bytes: new Uint8Array(3) },
      { _tag: "photoSize", type: "m", w: 320, h: 240, size: 1000 },
      { _tag: "photoSizeProgressive", type: "y", w: 1280, h: 960, sizes: [100, 5000, 9000] },
      { _tag: "photoSize", type: "x", w: 800, h: 600, size: 4000 }
    ],
    dc_id: 4
  }
  const document: Api.document = {
    _tag: "document",
    id: 7n,
    access_hash: 8n,
    file_reference: Uint8Array.of(2),
    date: 0,
    mime_type: "text/plain",
    size: 123n,
    dc_id: 3,
    attributes: []
  }
  it("a photo: its largest size, DC and byte count", () => {
    const located = locate(photo)
    assert.isTrue(typeof located !== "string" && located.location._tag === "inputPhotoFileLocation" && located.location.thumb_size === "y")
    assert.deepInclude(located as object, { dcId: 4, size: 9000, fileId: 5n, origin: undefined })
  })
  it("a message: its media, and where to refresh the reference", () => {
    const message: Api.message = { _tag: "message", id: 9, peer_id: { _tag: "peerUser", user_id: 1n }, date: 0, message: "", media: { _tag: "messageMediaDocument", document } }
    const located = locate(message)
    assert.deepInclude(located as object, { dcId: 3, size: 123, fileId: 7n, origin: { peer: { _tag: "peerUser", user_id: 1n }, id: 9 } })
    assert.strictEqual(locate({ ...message, media: undefined }), "message 9 has no media")
    assert.strictEqual(locate({ _tag: "messageEmpty", id: 3 }), "message 3 has no media")
    assert.isString(locate({ _tag: "messageMediaPhoto" }))
  })
  it("an input location: as it is, DC and size unknown", () => {
    const input: Api.inputDocumentFileLocation = { _tag: "inputDocumentFileLocation", id: 1n, access_hash: 2n, file_reference: new Uint8Array(0), thumb_size: "" }
    assert.deepStrictEqual(locate(input), { location: input, dcId: undefined, size: undefined, origin: undefined, fileId: undefined })
  })
  it("media: JPEG/PNG as photos unless asked, everything else as named documents", () => {
    const file: Api.inputFile = { _tag: "inputFile", id: 1n, parts: 1, name: "a.jpg", md5_checksum: "" }
    assert.strictEqual(uploadedMedia(file)._tag, "inputMediaUploadedPhoto")
    const doc = uploadedMedia(file, { asDocument: true })
    assert.isTrue(doc._tag === "inputMediaUploadedDocument" && doc.force_file === true && doc.mime_type === "image/jpeg")
    const big = uploadedMedia({ _tag: "inputFileBig", id: 1n, parts: 30, name: "huge.png" })
    assert.strictEqual(big._tag, "inputMediaUploadedDocument")
    const pdf = uploadedMedia({ ...file, name: "r.pdf" }, { attributes: [{ _tag: "documentAttributeFilename", file_name: "ignored" }] })
    assert.deepStrictEqual(pdf._tag === "inputMediaUploadedDocument" ? [pdf.mime_type, pdf.attributes] : [], [
      "application/pdf",
      [{ _tag: "documentAttributeFilename", file_name: "r.pdf" }]
    ])
    assert.strictEqual(mimeOf("noext"), "application/octet-stream")
    assert.strictEqual(mimeOf("A.PNG"), "image/png")
  })
})
