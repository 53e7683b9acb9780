/**
 * Host names and IP literals as proxies carry them (SOCKS5 address types).
 */

/**
 * A host as bytes: an IPv4 or IPv6 literal, or a domain name.
 */
export type HostAddress =
  | { readonly _tag: "IPv4"; readonly bytes: Uint8Array }
  | { readonly _tag: "IPv6"; readonly bytes: Uint8Array }
  | { readonly _tag: "Domain"; readonly name: string }

const parseIPv4 = (text: string): Uint8Array | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out[i] = n
  }
  return out
}

/** The 16-bit groups of one side of "::" (the last may be a dotted IPv4 address). */
const groupsOf = (text: string, allowIPv4Tail: boolean): Array<number> | undefined => {
  if (text === "") return []
  const parts = text.split(":")
  const out: Array<number> = []
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!
    if (allowIPv4Tail && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIPv4(p)
      if (v4 === undefined) return undefined
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined
      out.push(parseInt(p, 16))
    }
  }
  return out
}

const parseIPv6 = (text: string): Uint8Array | undefined => {
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  let groups: Array<number>
  if (halves.length === 2) {
    const head = groupsOf(halves[0]!, false)
    const tail = groupsOf(halves[1]!, true)
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  } else {
    const all = groupsOf(text, true)
    if (all === undefined || all.length !== 8) return undefined
    groups = all
  }
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}

/**
 * Classifies a host: `"1.2.3.4"` is IPv4, `"2001:db8::1"` (brackets allowed) IPv6, anything
 * else a domain name.
 */
export const parseHost = (host: string): HostAddress => {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  const v4 = parseIPv4(bare)
  if (v4 !== undefined) return { _tag: "IPv4", bytes: v4 }
  if (bare.includes(":")) {
    const v6 = parseIPv6(bare)
    if (v6 !== undefined) return { _tag: "IPv6", bytes: v6 }
  }
  return { _tag: "Domain", name: bare }
}

/**
 * Whether `port` is a TCP port number (1–65535).
 */
export const isPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535
