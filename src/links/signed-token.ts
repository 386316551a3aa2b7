/**
 * Short-lived tokens Workroom signs for itself: a small JSON body of claims and its expiry,
 * base64url, and an HMAC-SHA256 of that body keyed by the secret and the token's purpose. The
 * purpose is part of the key, so a token minted for one use (an install link) never verifies as
 * another (a passage link), even under the same secret.
 *
 * node:crypto's HMAC rather than a JWT library: nothing else here speaks JWT, and every token
 * comes back only to the Workroom endpoint that minted it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export type Claims = Record<string, string | number>

const sign = (secret: string, purpose: string, body: string) => createHmac('sha256', `${purpose}:${secret}`).update(body).digest('base64url')

/** `<body>.<mac>`, both base64url: safe in a URL query and a cookie as it is. */
export function mintSignedToken(secret: string, purpose: string, claims: Claims, expiresAt: Date): string {
  const body = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url')
  return `${body}.${sign(secret, purpose, body)}`
}

/** The token's claims (with `exp`, in seconds), or null when it is forged, malformed, for another purpose or expired. */
export function verifySignedToken(secret: string, purpose: string, token: string | null | undefined, now: Date = new Date()): (Record<string, unknown> & { exp: number }) | null {
  const [body, mac, ...rest] = (token ?? '').split('.')
  if (!body || !mac || rest.length > 0) return null
  const expected = Buffer.from(sign(secret, purpose, body))
  const given = Buffer.from(mac)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return null
    const exp = (claims as { exp?: unknown }).exp
    if (typeof exp !== 'number' || exp * 1000 < now.getTime()) return null
    return claims as Record<string, unknown> & { exp: number }
  } catch (err) {
    if (err instanceof SyntaxError) return null
    throw err
  }
}
