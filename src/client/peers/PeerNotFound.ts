/**
 * The error of a peer reference that names nobody.
 */
import * as Data from "effect/Data"

/**
 * Why a reference could not be resolved.
 *
 * - `Malformed`: not any form `Peers.resolve` understands (or `inputPeerEmpty`).
 * - `UsernameNotOccupied`: no user or channel has the username (or it is not a valid one).
 * - `PhoneNotOccupied`: no account has the phone number (or it is hidden).
 * - `Unknown`: an id the client has no access hash for, and the server would not give one.
 */
export type PeerNotFoundReason = "Malformed" | "UsernameNotOccupied" | "PhoneNotOccupied" | "Unknown"

/**
 * `Peers.resolve` found no peer for `ref` (a printable form of what was asked).
 */
export class PeerNotFound extends Data.TaggedError("PeerNotFound")<{
  readonly ref: string
  readonly reason: PeerNotFoundReason
}> {
  override get message(): string {
    const why = {
      Malformed: "not a peer reference (me, @username, t.me/username, +phone, an id, a Peer or an InputPeer)",
      UsernameNotOccupied: "no user or channel has this username",
      PhoneNotOccupied: "no account has this phone number",
      Unknown: "the client knows no access hash for this id and the server gave none"
    }[this.reason]
    return `no peer for ${this.ref}: ${why}`
  }
}
