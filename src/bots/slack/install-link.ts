/**
 * Operator-issued Slack install links. With OAuth, anyone who finds /slack/install could add the
 * app to their workspace; what they must not get is a tenant. An install therefore starts from a
 * link an operator minted for one tenant (`workroom workspaces install-link --tenant <slug>`),
 * signed with SLACK_STATE_SECRET and short-lived; the workspace that completes that install is
 * bound to that tenant, and an install without a valid link is refused before Slack is asked.
 *
 * node:crypto's HMAC over a small JSON body, rather than a JWT library: nothing else here speaks
 * JWT, and the token never leaves Workroom's own two endpoints.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The cookie that carries the link from /slack/install to /slack/oauth_redirect (same site, top-level GET). */
export const INSTALL_COOKIE = 'workroom_install'

const sign = (secret: string, body: string) => createHmac('sha256', `workroom-install:${secret}`).update(body).digest('base64url')

export function mintInstallToken(secret: string, tenant: string, expiresAt: Date): string {
  const body = Buffer.from(JSON.stringify({ tenant, exp: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url')
  return `${body}.${sign(secret, body)}`
}

/** The tenant slug the token was minted for, or null when it is forged, malformed or expired. */
export function verifyInstallToken(secret: string, token: string | null | undefined, now: Date = new Date()): string | null {
  const [body, mac, ...rest] = (token ?? '').split('.')
  if (!body || !mac || rest.length > 0) return null
  const expected = Buffer.from(sign(secret, body))
  const given = Buffer.from(mac)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { tenant?: unknown; exp?: unknown }
    if (typeof claims.tenant !== 'string' || typeof claims.exp !== 'number' || claims.exp * 1000 < now.getTime()) return null
    return claims.tenant
  } catch (err) {
    if (err instanceof SyntaxError) return null
    throw err
  }
}

export function installLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/slack/install?link=${encodeURIComponent(token)}`
}

export const tokenFromQuery = (req: IncomingMessage): string | null =>
  new URL(req.url ?? '/', 'http://workroom.invalid').searchParams.get('link')

export function tokenFromCookie(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === INSTALL_COOKIE) return decodeURIComponent(value.join('='))
  }
  return null
}

/** A small page for a refused install: what happened and who can help. */
export function refuseInstall(res: ServerResponse, status: number, message: string): void {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Workroom install</title></head><body><h1>Workroom was not installed</h1><p>${escaped}</p></body></html>`)
}
