/**
 * What `Peers.resolve` accepts, and the pure parse of it: `"me"`, `"@username"` /
 * `"username"`, a `t.me/username` link (also `https://`, `telegram.me`, `tg://resolve?domain=`),
 * a phone `"+15550001"`, a numeric id (Bot API style: users as is, basic groups `-id`, channels
 * `-100…`; as a number, bigint or digit string), an `Api.Peer`, or an `Api.InputPeer`.
 */
import { type PeerKind, parseMarkedPeerId } from "../../storage/index.ts"
import type { Api } from "../../tl/index.ts"

/**
 * A reference to a user, basic group or channel.
 */
export type PeerRef = string | number | bigint | Api.Peer | Api.InputPeer

/**
 * A parsed {@link PeerRef}.
 */
export type ParsedRef =
  | { readonly _tag: "Self" }
  | { readonly _tag: "Username"; readonly username: string }
  | { readonly _tag: "Phone"; readonly phone: string }
  | { readonly _tag: "Id"; readonly kind: PeerKind; readonly id: bigint }
  | { readonly _tag: "Input"; readonly input: Api.InputPeer }
  | { readonly _tag: "Malformed" }

const USERNAME = /^@?([A-Za-z][A-Za-z0-9_]{2,31})$/
const LINK = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/@?([A-Za-z][A-Za-z0-9_]{2,31})(?:\/\d+)?\/?(?:\?.*)?$/i
const TG_RESOLVE = /^tg:\/\/resolve\?(?:.*&)?domain=([A-Za-z][A-Za-z0-9_]{2,31})(?:&.*)?$/i
const PHONE = /^\+[\d\s().-]{5,}$/
const ID = /^-?\d+$/

/** Channels' marked ids start below -10^12 (`-100…` in decimal). */
const fromMarked = (marked: bigint): ParsedRef => ({ _tag: "Id", ...parseMarkedPeerId(marked) })

/**
 * Parses a reference (pure; never throws).
 */
export const parseRef = (ref: PeerRef): ParsedRef => {
  if (typeof ref === "bigint") return ref === 0n ? { _tag: "Malformed" } : fromMarked(ref)
  if (typeof ref === "number") return Number.isSafeInteger(ref) && ref !== 0 ? fromMarked(BigInt(ref)) : { _tag: "Malformed" }
  if (typeof ref === "string") {
    const s = ref.trim()
    const lower = s.toLowerCase()
    if (lower === "me" || lower === "self") return { _tag: "Self" }
    if (PHONE.test(s)) {
      const digits = s.replace(/\D/g, "")
      return digits.length >= 5 && digits.length <= 15 ? { _tag: "Phone", phone: digits } : { _tag: "Malformed" }
    }
    if (ID.test(s)) return s === "0" || s === "-0" ? { _tag: "Malformed" } : fromMarked(BigInt(s))
    const name = USERNAME.exec(s)?.[1] ?? LINK.exec(s)?.[1] ?? TG_RESOLVE.exec(s)?.[1]
    return name === undefined ? { _tag: "Malformed" } : { _tag: "Username", username: name }
  }
  if (typeof ref !== "object" || ref === null || typeof ref._tag !== "string") return { _tag: "Malformed" }
  switch (ref._tag) {
    case "peerUser":
      return { _tag: "Id", kind: "user", id: ref.user_id }
    case "peerChat":
      return { _tag: "Id", kind: "chat", id: ref.chat_id }
    case "peerChannel":
      return { _tag: "Id", kind: "channel", id: ref.channel_id }
    case "inputPeerEmpty":
      return { _tag: "Malformed" }
    case "inputPeerSelf":
      return { _tag: "Self" }
    case "inputPeerUser":
    case "inputPeerChat":
    case "inputPeerChannel":
    case "inputPeerUserFromMessage":
    case "inputPeerChannelFromMessage":
      return { _tag: "Input", input: ref }
    default:
      return { _tag: "Malformed" }
  }
}

/** A short printable form of a reference, for errors. */
export const describeRef = (ref: PeerRef): string => {
  if (typeof ref === "string") return JSON.stringify(ref)
  if (typeof ref === "number" || typeof ref === "bigint") return String(ref)
  if (typeof ref === "object" && ref !== null && "_tag" in ref) {
    const { _tag, ...rest } = ref as { readonly _tag: string }
    const fields = Object.entries(rest).filter(([, v]) => typeof v !== "object").map(([k, v]) => `${k}: ${String(v)}`)
    return `${_tag}{${fields.join(", ")}}`
  }
  return String(ref)
}
