/**
 * Formatted text as Telegram sends it: a plain `text` and `entities` whose offsets and
 * lengths count UTF-16 code units (JavaScript string indices: an astral character such as
 * most emoji counts 2). This module defines the entity kinds the markdown and HTML dialects
 * express and the normal form both parsers return.
 *
 * @internal
 */
import type { Api } from "../../tl/index.ts"
import { classifyLink, isLong, type LinkTarget } from "./links.ts"

/** Text with its entities, as the parsers return it (the normal form, see {@link normalize}). */
export interface FormattedText {
  readonly text: string
  readonly entities: Array<Api.MessageEntity>
}

/** Text with entities in any order and shape, as a message carries them. */
export interface FormattedTextInput {
  readonly text: string
  readonly entities?: ReadonlyArray<Api.MessageEntity> | undefined
}

/** The entity kinds markdown and HTML express; the others (auto-detected ones) are dropped. */
export type FormatEntity =
  | Api.messageEntityBlockquote
  | Api.messageEntityTextUrl
  | Api.messageEntityMentionName
  | Api.messageEntityCustomEmoji
  | Api.messageEntityBold
  | Api.messageEntityItalic
  | Api.messageEntityUnderline
  | Api.messageEntityStrike
  | Api.messageEntitySpoiler
  | Api.messageEntityCode
  | Api.messageEntityPre

export type FormatTag = FormatEntity["_tag"]

/** Styles without attributes: a set of characters, so overlapping or touching ones merge. */
export type FlagTag =
  | "messageEntityBold"
  | "messageEntityItalic"
  | "messageEntityUnderline"
  | "messageEntityStrike"
  | "messageEntitySpoiler"

/**
 * Order among entities on the same range, outermost first: a quote holds links, links hold
 * styles, and code/pre hold nothing (Telegram shows no entity inside them).
 */
export const RANK: { readonly [K in FormatTag]: number } = {
  messageEntityBlockquote: 0,
  messageEntityTextUrl: 1,
  messageEntityMentionName: 2,
  messageEntityCustomEmoji: 3,
  messageEntityBold: 4,
  messageEntityItalic: 5,
  messageEntityUnderline: 6,
  messageEntityStrike: 7,
  messageEntitySpoiler: 8,
  messageEntityCode: 9,
  messageEntityPre: 10
}

export const isFlag = (tag: FormatTag): tag is FlagTag => flagIndex(tag) >= 0

/** Code and pre: their content is literal, no entity starts or ends inside them. */
export const isLeaf = (tag: FormatTag): boolean => tag === "messageEntityCode" || tag === "messageEntityPre"

export const endOf = (e: Api.MessageEntity): number => e.offset + e.length

/** Pre language in normal form: one trimmed line without backticks (so both dialects can carry it). */
export const cleanLanguage = (language: string): string =>
  /[\n\r`]/.test(language) ? language.replace(/[\n\r`]/g, "").trim() : language.trim()

const compareAttributes = (a: FormatEntity, b: FormatEntity): number => {
  switch (a._tag) {
    case "messageEntityTextUrl":
      return cmp(a.url, (b as Api.messageEntityTextUrl).url)
    case "messageEntityMentionName":
      return cmp(a.user_id, (b as Api.messageEntityMentionName).user_id)
    case "messageEntityCustomEmoji":
      return cmp(a.document_id, (b as Api.messageEntityCustomEmoji).document_id)
    case "messageEntityPre":
      return cmp(a.language, (b as Api.messageEntityPre).language)
    case "messageEntityBlockquote":
      return cmp(a.collapsed === true ? 1 : 0, (b as Api.messageEntityBlockquote).collapsed === true ? 1 : 0)
    default:
      return 0
  }
}

const cmp = <A extends string | number | bigint>(a: A, b: A): number => (a < b ? -1 : a > b ? 1 : 0)

/** Normal order: offset ascending, length descending, then {@link RANK}, then attributes. */
export const compareEntities = (a: FormatEntity, b: FormatEntity): number =>
  a.offset - b.offset || b.length - a.length || RANK[a._tag] - RANK[b._tag] || compareAttributes(a, b)

/** A fresh entity of a kind without attributes (a style or code). */
export const plainEntity = (
  _tag: FlagTag | "messageEntityCode",
  offset: number,
  length: number
): FormatEntity => ({ _tag, offset, length })

/** The entity a classified link stands for: a text link, a mention by id or a custom emoji. */
export const targetEntity = (target: LinkTarget, offset: number, length: number): FormatEntity | undefined => {
  switch (target._tag) {
    case "mention":
      return { _tag: "messageEntityMentionName", offset, length, user_id: target.userId }
    case "emoji":
      return { _tag: "messageEntityCustomEmoji", offset, length, document_id: target.documentId }
    case "url":
      return target.url.length === 0 ? undefined : { _tag: "messageEntityTextUrl", offset, length, url: target.url }
  }
}

/** The entity a link to `url` stands for (none for an empty URL). */
export const linkEntity = (url: string, offset: number, length: number): FormatEntity | undefined =>
  targetEntity(classifyLink(url), offset, length)

export const quoteEntity = (offset: number, length: number, collapsed: boolean): FormatEntity =>
  collapsed ? { _tag: "messageEntityBlockquote", offset, length, collapsed: true } : { _tag: "messageEntityBlockquote", offset, length }

export const preEntity = (offset: number, length: number, language: string): FormatEntity => ({
  _tag: "messageEntityPre",
  offset,
  length,
  language: cleanLanguage(language)
})

/**
 * Brings entities a parser produced (fresh objects, any order, possibly empty or touching)
 * into normal form: drops empty ones, merges same-kind styles that overlap or touch, sorts,
 * and removes exact duplicates. Mutates nothing it was given.
 */
export const canonicalize = (entities: ReadonlyArray<FormatEntity>): Array<FormatEntity> => {
  const sorted = entities.filter(nonEmpty)
  if (!isSorted(sorted)) sorted.sort(compareEntities)
  // styles: per kind, the last one kept so far, extended while the next one overlaps or touches it
  const lastFlag = [-1, -1, -1, -1, -1]
  const merged: Array<FormatEntity> = []
  let grew = false
  for (const e of sorted) {
    const f = flagIndex(e._tag)
    const at = f < 0 ? -1 : (lastFlag[f] as number)
    const last = at < 0 ? undefined : (merged[at] as FormatEntity)
    if (f < 0) {
      merged.push(e)
    } else if (last !== undefined && e.offset <= endOf(last)) {
      if (endOf(e) > endOf(last)) {
        merged[at] = plainEntity(e._tag as FlagTag, last.offset, endOf(e) - last.offset)
        grew = true
      }
    } else {
      lastFlag[f] = merged.length
      merged.push(e)
    }
  }
  // a grown style may now sort before a longer entity at its offset
  if (grew) merged.sort(compareEntities)
  const out: Array<FormatEntity> = []
  for (const e of merged) {
    const prev = out[out.length - 1]
    if (prev === undefined || compareEntities(prev, e) !== 0) out.push(e)
  }
  return out
}

const nonEmpty = (e: FormatEntity): boolean => e.length > 0

const isSorted = (es: ReadonlyArray<FormatEntity>): boolean => {
  for (let k = 1; k < es.length; k++) if (compareEntities(es[k - 1] as FormatEntity, es[k] as FormatEntity) > 0) return false
  return true
}

/** 0..4 for the styles (bold, italic, underline, strike, spoiler), -1 for the others. */
export const flagIndex = (tag: FormatTag): number => {
  switch (tag) {
    case "messageEntityBold":
      return 0
    case "messageEntityItalic":
      return 1
    case "messageEntityUnderline":
      return 2
    case "messageEntityStrike":
      return 3
    case "messageEntitySpoiler":
      return 4
    default:
      return -1
  }
}

/** `e` as a fresh entity of a kind the dialects express, clipped to `[0, textLength)`, if it is one. */
const toFormatEntity = (e: Api.MessageEntity, textLength: number): FormatEntity | undefined => {
  if (!Number.isInteger(e.offset) || !Number.isInteger(e.length)) return undefined
  const offset = Math.max(0, e.offset)
  const length = Math.min(textLength, e.offset + e.length) - offset
  if (length <= 0) return undefined
  switch (e._tag) {
    case "messageEntityBold":
    case "messageEntityItalic":
    case "messageEntityUnderline":
    case "messageEntityStrike":
    case "messageEntitySpoiler":
    case "messageEntityCode":
      return plainEntity(e._tag, offset, length)
    case "messageEntityPre":
      return preEntity(offset, length, typeof e.language === "string" ? e.language : "")
    case "messageEntityTextUrl":
      return typeof e.url === "string" ? linkEntity(e.url, offset, length) : undefined
    case "messageEntityMentionName":
      return isLong(e.user_id) ? { _tag: e._tag, offset, length, user_id: e.user_id } : undefined
    case "inputMessageEntityMentionName": {
      const user = e.user_id
      return (user._tag === "inputUser" || user._tag === "inputUserFromMessage") && isLong(user.user_id)
        ? { _tag: "messageEntityMentionName", offset, length, user_id: user.user_id }
        : undefined
    }
    case "messageEntityCustomEmoji":
      return isLong(e.document_id) ? { _tag: e._tag, offset, length, document_id: e.document_id } : undefined
    case "messageEntityBlockquote":
      return quoteEntity(offset, length, e.collapsed === true)
    default:
      return undefined
  }
}

/** Brings any text + entities into the normal form documented on `Text.normalize`. */
export const normalize = (input: FormattedTextInput): { readonly text: string; readonly entities: Array<FormatEntity> } => {
  const text = typeof input.text === "string" ? input.text : ""
  const entities: Array<FormatEntity> = []
  for (const e of input.entities ?? []) {
    const f = toFormatEntity(e, text.length)
    if (f !== undefined) entities.push(f)
  }
  return { text, entities: canonicalize(entities) }
}
