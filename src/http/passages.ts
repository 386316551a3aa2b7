/**
 * GET /passages/:chunkId?t=<token>: the document a citation points at, with the cited passage
 * highlighted, for the person the link was minted for (src/links/passage-link.ts). Mounted
 * whenever PUBLIC_URL is set, apart from the playground: it serves Slack and Teams users in
 * production, where the playground is off.
 *
 * In order: the token (403 when forged, expired or for another chunk); the identity it names,
 * resolved now (403 when that person is no longer linked or the workspace no longer bound, so
 * access ends with the link, not with the token); then the read as that person under row-level
 * security, where a passage they may not see is the same 404 as one that does not exist, so a
 * link reveals nothing about passages its holder cannot read.
 */
import { Hono, type Context } from 'hono'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import { withActor } from '../db/actor.ts'
import { resolveIdentity } from '../db/identity.ts'
import type { DB } from '../db/schema.ts'
import { verifyPassageToken } from '../links/passage-link.ts'
import { readCitedDocument } from '../rag/cited-document.ts'
import { documentPage, escapeHtml, page, STYLE_HASH } from './passage-html.ts'

export interface PassageDeps {
  db: Kysely<DB>
  /** LINK_SECRET (or the process's own, outside production). */
  secret: string
  now: () => Date
}

/**
 * Every passage response. The token is in the URL, so no Referer may carry it off (links in a
 * document are followed with none) and no cache may keep the page; it runs no script and loads
 * nothing, and no other site may frame it.
 */
const HEADERS = {
  'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
} as const

const refusal = (title: string, message: string) => page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`)

const EXPIRED = refusal('This link does not open', 'Passage links work for the person they were sent to, for a day. Ask Workroom again for a fresh one.')
const NOT_YOURS = refusal('This link does not open', 'Your chat account is not connected to Workroom any more, so this passage cannot be shown. Ask a Workroom admin to connect it.')
const NOT_FOUND = refusal('No such passage', 'There is no such passage, or it is not one you can read.')

export function passageRoutes(deps: PassageDeps): Hono {
  const app = new Hono()
  app.use('/passages/*', async (c, next) => {
    await next()
    for (const [name, value] of Object.entries(HEADERS)) c.header(name, value)
  })
  const html = (c: Context, body: string, status: 200 | 403 | 404) => c.html(body, status)

  app.get('/passages/:chunkId', async (c) => {
    const chunkId = c.req.param('chunkId')
    const who = verifyPassageToken(deps.secret, chunkId, c.req.query('t'), deps.now())
    if (!who) return html(c, EXPIRED, 403)
    // The token was minted for a chunk id Workroom gave out, so this holds for every valid link;
    // checked anyway so a malformed id never reaches a uuid column.
    if (!z.uuid().safeParse(chunkId).success) return html(c, NOT_FOUND, 404)
    const actor = await resolveIdentity(deps.db, who)
    if (!actor) return html(c, NOT_YOURS, 403)
    const doc = await withActor(deps.db, actor, (trx) => readCitedDocument(trx, chunkId))
    if (!doc) return html(c, NOT_FOUND, 404)
    return html(c, documentPage(doc), 200)
  })
  return app
}
