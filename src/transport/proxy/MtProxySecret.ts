/**
 * MTProxy secrets as links and configs carry them: hex or base64url text (or raw bytes) of
 * 16 bytes (plain obfuscated2), `dd` + 16 bytes (padded intermediate), or `ee` + 16 bytes +
 * the domain name fake-TLS presents as its SNI.
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"

/**
 * A parsed secret. `key` is the 16 bytes that key obfuscated2 (and sign fake-TLS).
 */
export type MtProxySecret =
  | { readonly _tag: "Plain"; readonly key: Uint8Array }
  | { readonly _tag: "Padded"; readonly key: Uint8Array }
  | { readonly _tag: "FakeTls"; readonly key: Uint8Array; readonly domain: string }

/** Longest fake-TLS domain accepted (what keeps the ClientHello at its usual size). */
const MAX_DOMAIN = 182

/**
 * The bytes of a secret given as text: hex (any case) or base64url / base64 (padding optional).
 */
export const decodeSecretText = (text: string): Either.Either<Uint8Array, string> => {
  const clean = text.trim()
  if (clean === "") return Either.left("the secret is empty")
  // Hex lengths of the three forms; a base64 secret made only of hex digits has another length.
  const hexLength = clean.length === 32 || clean.length === 34 || (clean.length > 34 && /^ee/i.test(clean))
  if (/^[0-9a-fA-F]+$/.test(clean) && clean.length % 2 === 0 && hexLength) {
    return Either.mapLeft(Encoding.decodeHex(clean), () => "the secret is not valid hex")
  }
  const url = clean.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
  return Either.mapLeft(Encoding.decodeBase64Url(url), () => "the secret is neither hex nor base64")
}

/**
 * Reads a secret. Fails with a readable reason for a wrong length, an unknown prefix or a bad domain.
 */
export const parseMtProxySecret = (secret: string | Uint8Array): Either.Either<MtProxySecret, string> =>
  Either.flatMap(typeof secret === "string" ? decodeSecretText(secret) : Either.right(secret), (bytes): Either.Either<MtProxySecret, string> => {
    if (bytes.length === 16) return Either.right({ _tag: "Plain", key: new Uint8Array(bytes) })
    if (bytes.length === 17 && bytes[0] === 0xdd) return Either.right({ _tag: "Padded", key: new Uint8Array(bytes.subarray(1)) })
    if (bytes.length > 17 && bytes[0] === 0xee) {
      const domain = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(17))
      if (domain.length > MAX_DOMAIN) return Either.left(`the fake-TLS domain is longer than ${MAX_DOMAIN} characters`)
      if (!/^[A-Za-z0-9.-]+$/.test(domain)) return Either.left(`"${domain}" is not a domain name`)
      return Either.right({ _tag: "FakeTls", key: new Uint8Array(bytes.subarray(1, 17)), domain })
    }
    if (bytes.length === 17 && bytes[0] === 0xee) return Either.left("an ee secret needs a domain after its 16-byte key")
    return Either.left(
      `a secret is 16 bytes, 0xdd + 16 bytes, or 0xee + 16 bytes + a domain; got ${bytes.length} bytes` +
        (bytes.length > 16 ? ` starting with 0x${bytes[0]!.toString(16).padStart(2, "0")}` : "")
    )
  })

/**
 * The hex text of a secret, as `tg://proxy` links carry it (`ee` secrets: key, then the domain's bytes).
 */
export const formatMtProxySecret = (secret: MtProxySecret): string => {
  const key = Encoding.encodeHex(secret.key)
  switch (secret._tag) {
    case "Plain":
      return key
    case "Padded":
      return `dd${key}`
    case "FakeTls":
      return `ee${key}${Encoding.encodeHex(new TextEncoder().encode(secret.domain))}`
  }
}
