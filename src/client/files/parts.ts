/**
 * Cutting an upload into parts (pure): bytes arrive in chunks of any size and leave as parts
 * of exactly `partSize` bytes, the last one shorter. Whole parts inside a large chunk are
 * handed out as views (no copy); only parts that straddle chunks are assembled.
 */
import { isBigFile, partCount } from "../../mtproto/fileRules.ts"

/**
 * Re-cuts a byte stream into parts of `partSize`. `push` returns the parts a chunk completed;
 * `end` the last, shorter part (`undefined` when the bytes ended on a part boundary).
 */
export class PartCutter {
  private readonly partSize: number
  private pending: Uint8Array | undefined
  private filled = 0

  constructor(partSize: number) {
    this.partSize = partSize
  }

  /** The parts `chunk` completes, in order. The caller may keep them: they are never written again. */
  push(chunk: Uint8Array): Array<Uint8Array> {
    const out: Array<Uint8Array> = []
    let at = 0
    if (this.pending !== undefined) {
      const n = Math.min(this.partSize - this.filled, chunk.length)
      this.pending.set(chunk.subarray(0, n), this.filled)
      this.filled += n
      at = n
      if (this.filled === this.partSize) {
        out.push(this.pending)
        this.pending = undefined
        this.filled = 0
      }
    }
    while (chunk.length - at >= this.partSize) {
      out.push(chunk.subarray(at, at + this.partSize))
      at += this.partSize
    }
    if (at < chunk.length) {
      // A copy: the caller's chunk may be reused once we return.
      this.pending = new Uint8Array(this.partSize)
      this.pending.set(chunk.subarray(at))
      this.filled = chunk.length - at
    }
    return out
  }

  /** The bytes after the last whole part, if any. */
  end(): Uint8Array | undefined {
    const last = this.pending?.subarray(0, this.filled)
    this.pending = undefined
    this.filled = 0
    return last
  }
}

/**
 * One part to upload: `saveBigFilePart` when `big`, with `totalParts` (-1 while a streamed
 * big file's end is not known yet, as Telegram allows), else `saveFilePart`.
 */
export interface PartJob {
  readonly index: number
  readonly bytes: Uint8Array
  readonly big: boolean
  readonly totalParts: number
}

/**
 * What an upload turned out to be, once all parts are planned.
 */
export interface PlannedFile {
  readonly big: boolean
  readonly parts: number
  readonly size: number
}

/**
 * Why a plan cannot go on.
 */
export interface PlanProblem {
  readonly _tag: "PlanProblem"
  readonly reason: "TooLarge" | "SizeMismatch"
  readonly detail: string
}

const problem = (reason: PlanProblem["reason"], detail: string): PlanProblem => ({ _tag: "PlanProblem", reason, detail })

/**
 * Decides, part by part, how each goes up (pure). With the size known, every part goes at
 * once. Without it, parts wait until 10 MB have passed (then the file is big: the parts go
 * with `totalParts` -1, the last one held back to carry the real count) or the bytes end
 * (a small file: every part goes).
 */
export class UploadPlan {
  private readonly size: number | undefined
  private readonly partSize: number
  private readonly maxParts: number
  private received = 0
  private count = 0
  private big: boolean | undefined
  /** Unknown size: the parts waiting for the decision, or (big) the one held back. */
  private waiting: Array<Uint8Array> = []

  constructor(size: number | undefined, partSize: number, maxParts: number) {
    this.size = size
    this.partSize = partSize
    this.maxParts = maxParts
    if (size !== undefined) this.big = isBigFile(size)
  }

  /** The next part, in order: the jobs that can go now, or why the upload must stop. */
  add(bytes: Uint8Array): ReadonlyArray<PartJob> | PlanProblem {
    const index = this.count++
    this.received += bytes.length
    if (this.count > this.maxParts) return problem("TooLarge", `more than ${this.maxParts} parts`)
    if (this.size !== undefined) {
      if (this.received > this.size) return problem("SizeMismatch", `the source holds more than the ${this.size} bytes it declared`)
      return [{ index, bytes, big: this.big === true, totalParts: partCount(this.size, this.partSize) }]
    }
    this.waiting.push(bytes)
    if (this.big === undefined && !isBigFile(this.received)) return []
    if (this.big === undefined) {
      this.big = true
      const ready = this.waiting.slice(0, -1)
      this.waiting = this.waiting.slice(-1)
      return ready.map((b, i) => ({ index: i, bytes: b, big: true, totalParts: -1 }))
    }
    const held = this.waiting.shift()!
    return [{ index: index - 1, bytes: held, big: true, totalParts: -1 }]
  }

  /** The bytes ended: the last jobs and what the file is, or why it is not what it said. */
  finish(): { readonly jobs: ReadonlyArray<PartJob>; readonly file: PlannedFile } | PlanProblem {
    if (this.size !== undefined && this.received !== this.size) {
      return problem("SizeMismatch", `the source held ${this.received} bytes, not the ${this.size} it declared`)
    }
    if (this.count === 0) {
      // An empty file is one empty part.
      this.count = 1
      const file = { big: false, parts: 1, size: 0 }
      return { jobs: [{ index: 0, bytes: new Uint8Array(0), big: false, totalParts: 1 }], file }
    }
    const parts = this.count
    const file = { big: this.big === true, parts, size: this.received }
    if (this.size !== undefined) return { jobs: [], file }
    const first = parts - this.waiting.length
    const jobs = this.waiting.map((bytes, i) => ({ index: first + i, bytes, big: file.big, totalParts: parts }))
    this.waiting = []
    return { jobs, file }
  }
}
