/**
 * Plans how a writer emits entities as properly nested markup (tags or markers), which both
 * formats need, from entities that may overlap.
 *
 * Styles (bold, italic, ...) are sets of characters, so a style that crosses another entity
 * is simply split into pieces (the parsers merge the pieces back). Links, custom emoji,
 * blockquotes, code and pre are containers: they must nest, and code/pre hold nothing.
 *
 * @internal
 */
import { endOf, type FormatEntity, isFlag, isLeaf } from "./entities.ts"

/** Open or close one entity at text position `at`; closes come before opens at one position. */
export interface NestEvent {
  readonly at: number
  readonly open: boolean
  readonly entity: FormatEntity
}

const byNumber = (a: number, b: number): number => a - b

/** Whether some value of the sorted `bounds` lies strictly between `lo` and `hi`. */
const boundaryInside = (bounds: ReadonlyArray<number>, lo: number, hi: number): boolean => {
  let a = 0
  let b = bounds.length
  while (a < b) {
    const mid = (a + b) >> 1
    if ((bounds[mid] as number) <= lo) a = mid + 1
    else b = mid
  }
  return a < bounds.length && (bounds[a] as number) < hi
}

/**
 * The entities (in normal form) a writer can express, in normal order: drops a code/pre
 * that a style starts or ends inside, a container that crosses its enclosing container, and
 * anything but a style inside code/pre. Valid Telegram entity sets lose nothing here.
 */
export const writable = (entities: ReadonlyArray<FormatEntity>): Array<FormatEntity> => {
  const bounds: Array<number> = []
  for (const e of entities) if (isFlag(e._tag)) bounds.push(e.offset, endOf(e))
  bounds.sort(byNumber)
  const open: Array<FormatEntity> = []
  const out: Array<FormatEntity> = []
  for (const e of entities) {
    if (isFlag(e._tag)) {
      out.push(e)
      continue
    }
    if (isLeaf(e._tag) && boundaryInside(bounds, e.offset, endOf(e))) continue
    while (open.length > 0 && endOf(open[open.length - 1] as FormatEntity) <= e.offset) open.pop()
    const parent = open[open.length - 1]
    if (parent !== undefined && (endOf(e) > endOf(parent) || isLeaf(parent._tag))) continue
    open.push(e)
    out.push(e)
  }
  return out
}

/** The state of {@link nest}: a class, so that planning allocates no functions. */
class Nester {
  readonly events: Array<NestEvent> = []
  /** Open entities; above the innermost container, styles are ordered by end, latest lowest. */
  readonly stack: Array<FormatEntity> = []
  /** Stack indices of the open containers. */
  readonly containers: Array<number> = []

  push(entity: FormatEntity, at: number): void {
    if (!isFlag(entity._tag)) this.containers.push(this.stack.length)
    this.stack.push(entity)
    this.events.push({ at, open: true, entity })
  }

  /** Pushes `entity`, first setting aside the styles that end before it (they reopen inside). */
  open(entity: FormatEntity, at: number): void {
    const stack = this.stack
    const end = endOf(entity)
    const aside: Array<FormatEntity> = []
    for (let top = stack[stack.length - 1]; top !== undefined && isFlag(top._tag) && endOf(top) < end; top = stack[stack.length - 1]) {
      stack.pop()
      this.events.push({ at, open: false, entity: top })
      aside.push(top)
    }
    this.push(entity, at)
    for (let k = aside.length - 1; k >= 0; k--) this.push(aside[k] as FormatEntity, at)
  }

  run(entities: ReadonlyArray<FormatEntity>): Array<NestEvent> {
    const { containers, events, stack } = this
    let next = 0
    while (next < entities.length || stack.length > 0) {
      const top = stack[stack.length - 1]
      const inner = containers.length > 0 ? stack[containers[containers.length - 1] as number] : undefined
      const nextOpen = next < entities.length ? (entities[next] as FormatEntity).offset : Infinity
      const topEnd = top === undefined ? Infinity : endOf(top)
      const innerEnd = inner === undefined ? Infinity : endOf(inner)
      if (Math.min(topEnd, innerEnd) > nextOpen) {
        this.open(entities[next++] as FormatEntity, nextOpen)
      } else if (topEnd <= innerEnd) {
        stack.pop()
        if (!isFlag((top as FormatEntity)._tag)) containers.pop()
        events.push({ at: topEnd, open: false, entity: top as FormatEntity })
      } else {
        // the innermost container ends before styles opened inside it: close them, close it,
        // reopen them outside
        const at = containers.pop() as number
        const above = stack.splice(at + 1)
        for (let k = above.length - 1; k >= 0; k--) events.push({ at: innerEnd, open: false, entity: above[k] as FormatEntity })
        stack.pop()
        events.push({ at: innerEnd, open: false, entity: inner as FormatEntity })
        for (const style of above) this.open(style, innerEnd)
      }
    }
    return events
  }
}

/**
 * Open/close events, properly nested, for entities that {@link writable} returned. Styles
 * crossing a container are closed before it and reopened inside it (and the other way at its
 * end); styles crossing each other are split the same way.
 */
export const nest = (entities: ReadonlyArray<FormatEntity>): Array<NestEvent> => new Nester().run(entities)
