/**
 * The web playground: a chat client at `/` that acts as any person of the directory, through
 * the same router and handlers as Slack and Teams. It has no login, so it is for a developer's
 * machine: bound to 127.0.0.1 by default and off under NODE_ENV=production unless
 * PLAYGROUND_ENABLED=true, and refused in production beyond loopback (src/config.ts).
 *
 * Only its own page may drive it. A page on another site can POST to 127.0.0.1 (text/plain needs
 * no preflight), and a site whose DNS name is re-pointed at 127.0.0.1 can read the answers as
 * well, its requests carrying its own name as Host. So every playground route answers only a Host
 * naming the listener (playgroundHosts), a send carrying an Origin must come from that same
 * origin, and a send is JSON (415 otherwise; a cross-site page cannot send JSON without a
 * preflight we never answer) of at most MAX_CHAT_BODY_BYTES (413).
 */
import { randomUUID } from 'node:crypto'
import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { isLoopbackHost } from '../../config.ts'
import { runAs } from '../../db/actor.ts'
import { listPeople, listTenants } from '../../db/directory.ts'
import { linkIdentity, resolveIdentity, type ChatIdentity, type LinkedActor } from '../../db/identity.ts'
import { documentPage } from '../../http/passage-html.ts'
import { readCitedDocument } from '../../rag/cited-document.ts'
import { playgroundToInbound } from './inbound.ts'
import { converse, type ConverseDeps } from '../../chat/converse.ts'
import { MAX_PAYLOAD_CHARS, MAX_TEXT_CHARS } from '../../handlers/input-limits.ts'
import { MAX_CHAT_BODY_BYTES } from '../../http/limits.ts'
import { readPassage } from '../../rag/retrieve.ts'
import { PLAYGROUND_PAGE } from './page.ts'
import { escapeHtml, renderHtml } from './render-html.ts'

const Send = z.object({
  as: z.email(),
  threadId: z.string().min(1).max(100).nullish(),
  // Longer texts reach the router, whose reply says what the limit is (src/handlers/input-limits.ts).
  text: z.string().trim().min(1).max(4 * MAX_TEXT_CHARS).optional(),
  action: z.object({ actionId: z.string().min(1).max(100), payload: z.string().max(MAX_PAYLOAD_CHARS) }).optional(),
}).refine((b) => Boolean(b.text) !== Boolean(b.action), 'send either text or action')

/** Where the server listens: HOST and PORT. */
export interface PlaygroundListener {
  host: string
  /** 0: the port each request arrived on (a server started on a free port). */
  port: number
}

/**
 * The host names a playground request may carry in Host: HOST itself, and when HOST is loopback
 * or every address (0.0.0.0, ::) also localhost, 127.0.0.1 and [::1], each on the listener's port.
 * A browser sends the name it was given, so a DNS name re-pointed at this machine never matches;
 * to use another name, listen on it (HOST).
 */
export function playgroundHosts(host: string): Set<string> {
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '')
  const names = new Set([bare.includes(':') ? `[${bare}]` : bare])
  if (isLoopbackHost(bare) || bare === '0.0.0.0' || bare === '::') for (const n of ['localhost', '127.0.0.1', '[::1]']) names.add(n)
  return names
}

/** Host or Origin authority → [host name, port]; null when malformed. */
function authority(value: string): [string, number] | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.toLowerCase())
  return m ? [m[1]!, m[2] === undefined ? 80 : Number(m[2])] : null
}

/** Every playground route: a Host naming the listener (DNS rebinding), and no framing. */
function ownHost(listener: PlaygroundListener): MiddlewareHandler {
  const names = playgroundHosts(listener.host)
  return async (c, next) => {
    // No Host header only under app.request() in tests (node-server fills it from the URL otherwise).
    const host = authority(c.req.header('host') ?? new URL(c.req.url).host)
    // The socket's own port when PORT is 0; unknown only under app.request(), where nothing came over a network.
    const port = listener.port || (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket?.localPort
    if (!host || !names.has(host[0]) || (port !== undefined && host[1] !== port)) return refused(c)
    await next()
    // Not inside another site's page either: a frame would let it steer clicks (clickjacking).
    c.header('x-frame-options', 'DENY')
    c.header('content-security-policy', "frame-ancestors 'none'")
  }
}

/** A send: from the page's own origin when the browser says where from (browsers always do on POST), and JSON. */
const ownOrigin: MiddlewareHandler = async (c, next) => {
  const origin = c.req.header('origin')
  if (origin !== undefined) {
    const from = /^http:\/\/([^/]+)$/i.exec(origin)?.[1]
    const mine = authority(c.req.header('host') ?? new URL(c.req.url).host)
    const theirs = from === undefined ? null : authority(from)
    if (!theirs || !mine || theirs[0] !== mine[0] || theirs[1] !== mine[1]) return refused(c)
  }
  if (c.req.header('content-type')?.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return c.json({ error: 'send JSON (content-type: application/json)' }, 415)
  }
  await next()
}

const refused = (c: Context) => c.json({ error: "the playground answers its own page only (this request's Host or Origin is another site's)" }, 403)

export function playgroundRoutes(deps: ConverseDeps, listener: PlaygroundListener = { host: '127.0.0.1', port: 0 }): Hono {
  const app = new Hono()
  const db = deps.db
  const guard = ownHost(listener)
  app.use('/', guard)
  app.use('/playground/*', guard)

  /** The playground identity of a directory person (linked on first use, like the CLI's), or null. */
  async function personFor(email: string): Promise<{ identity: ChatIdentity; actor: LinkedActor } | null> {
    const person = (await listPeople(db)).find((p) => p.email === email.trim().toLowerCase())
    if (!person) return null
    const identity: ChatIdentity = { platform: 'playground', workspaceId: person.tenant, externalUserId: person.email }
    const actor = (await resolveIdentity(db, identity)) ?? (await linkIdentity(db, identity, person.email))
    return actor ? { identity, actor } : null
  }

  app.get('/', (c) => c.html(PLAYGROUND_PAGE))

  app.get('/playground/people', async (c) => {
    const [people, tenants] = await Promise.all([listPeople(db), listTenants(db)])
    return c.json({
      tenants: tenants.map((t) => ({
        slug: t.slug, name: t.name,
        people: people.filter((p) => p.tenant === t.slug).map((p) => ({ email: p.email, name: p.name, role: p.role, department: p.department })),
      })).filter((t) => t.people.length > 0),
    })
  })

  app.post('/playground/send', ownOrigin, bodyLimit({ maxSize: MAX_CHAT_BODY_BYTES, onError: (c) => c.json({ error: 'request body too large' }, 413) }), async (c) => {
    const body = Send.safeParse(await c.req.json().catch(() => null))
    if (!body.success) return c.json({ error: body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') }, 400)
    const who = await personFor(body.data.as)
    if (!who) return c.json({ error: `nobody in the directory has the e-mail ${body.data.as}` }, 404)
    const inbound = playgroundToInbound(body.data, who.identity, randomUUID())
    const reply = await converse(deps, inbound)
    const threadId = inbound.threadId
    const as = encodeURIComponent(who.identity.externalUserId)
    const html = renderHtml(reply, { citationHref: (cit) => (cit.chunkId ? `/playground/passages/${cit.chunkId}?as=${as}` : cit.url) })
    return c.json({ threadId, reply, html })
  })

  // The cited passage, read as the person who was given the citation: RLS decides, as for the answer.
  // A document's passage is shown in the whole document, rendered, the passage highlighted (as the
  // passage pages Slack and Teams users open); an artifact's passage on its own.
  app.get('/playground/passages/:chunkId', async (c) => {
    const chunkId = c.req.param('chunkId')
    const who = await personFor(c.req.query('as') ?? '')
    if (!who || !z.uuid().safeParse(chunkId).success) return c.html(passagePage('Not found', '<p>There is no such passage.</p>'), 404)
    const run = runAs(db, who.actor)
    const doc = await run((trx) => readCitedDocument(trx, chunkId))
    if (doc) return c.html(documentPage(doc))
    const chunk = await run((trx) => readPassage(trx, chunkId))
    if (!chunk) return c.html(passagePage('Not found', `<p>${escapeHtml(who.actor.displayName)} can't see that passage.</p>`), 404)
    return c.html(passagePage(chunk.title, `
      <p class="meta">${escapeHtml(chunk.doc_type)} · passage ${chunk.chunk_index + 1} of ${chunk.chunk_count}${chunk.source_url ? ` · ${escapeHtml(chunk.source_url)}` : ''}</p>
      ${chunk.heading ? `<h2 data-testid="passage-heading">${escapeHtml(chunk.heading)}</h2>` : ''}
      <pre data-testid="passage">${escapeHtml(chunk.content)}</pre>`))
  })

  return app
}

const passagePage = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Workroom</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}
pre{white-space:pre-wrap;font:inherit;background:#f8f8f8;border-left:4px solid #4a154b;padding:1rem}.meta{color:#616061}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
