/**
 * msg_id generation (core.telegram.org/mtproto/description#message-identifier-msg-id):
 * roughly unixtime * 2^32, strictly increasing within a session, divisible by 4 for
 * messages from the client. Pure: the caller passes the clock reading.
 */

/** Server time in milliseconds = local time + the offset learned from the server. */
export const serverTimeMs = (localMs: number, timeOffsetSeconds: number): number => localMs + timeOffsetSeconds * 1000

/**
 * The next client msg_id after `last` at `nowMs` (server time). The fractional second goes
 * into the low 32 bits so ids made in one second still grow; ties are broken by +4.
 */
export const nextClientMsgId = (nowMs: number, last: bigint): bigint => {
  const seconds = Math.floor(nowMs / 1000)
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 0x1_0000_0000)
  let id = ((BigInt(seconds) << 32n) | BigInt(fraction)) & ~3n
  if (id <= last) id = last + 4n
  return id
}

/**
 * A server msg_id: odd (1 mod 4 for a response, 3 mod 4 otherwise), strictly increasing.
 */
export const nextServerMsgId = (nowMs: number, last: bigint, isResponse: boolean): bigint => {
  const seconds = Math.floor(nowMs / 1000)
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 0x1_0000_0000)
  const tail = isResponse ? 1n : 3n
  let id = ((BigInt(seconds) << 32n) | BigInt(fraction)) & ~3n
  if (id <= last) id = (last & ~3n) + 4n
  return id | tail
}

/** The unix time (seconds) a msg_id was made at. */
export const msgIdSeconds = (msgId: bigint): number => Number(msgId >> 32n)
