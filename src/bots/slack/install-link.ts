/**
 * Operator-issued Slack install links. With OAuth, anyone who finds /slack/install could add the
 * app to their workspace; what they must not get is a tenant. An install therefore starts from a
 * link an operator minted for one tenant (`workroom workspaces install-link --tenant <slug>`),
 * signed with SLACK_STATE_SECRET and short-lived; the workspace that completes that install is
 * bound to that tenant, and an install without a valid link is refused before Slack is asked.
 *
 * The token is src/links/signed-token.ts's, as passage links' are.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { mintSignedToken, verifySignedToken } from '../../links/signed-token.ts'

/** The cookie that carries the link from /slack/install to /slack/oauth_redirect (same site, top-level GET). */
export const INSTALL_COOKIE = 'workroom_install'

/** The purpose the install link's MAC is keyed with (src/links/signed-token.ts); tokens minted before the helper was shared verify unchanged. */
const PURPOSE = 'workroom-install'

export function mintInstallToken(secret: string, tenant: string, expiresAt: Date): string {
  return mintSignedToken(secret, PURPOSE, { tenant }, expiresAt)
}

/** The tenant slug the token was minted for, or null when it is forged, malformed or expired. */
export function verifyInstallToken(secret: string, token: string | null | undefined, now: Date = new Date()): string | null {
  const claims = verifySignedToken(secret, PURPOSE, token, now)
  return typeof claims?.tenant === 'string' ? claims.tenant : null
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
