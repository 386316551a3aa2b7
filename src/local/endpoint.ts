/**
 * The running server's door for the command line on this machine. While `npm start` owns the
 * embedded database (src/db/data-dir.ts), `workroom as` and `workroom chat` send their messages
 * here instead of opening the database a second time (which lost acknowledged entries).
 *
 * It listens on 127.0.0.1 only, on a port the kernel picks, apart from the HTTP server (which may
 * listen beyond this machine), and answers only requests carrying the token that is, with the
 * port, in workroom.endpoint in the data directory. That file is created 0600: only the account
 * the server runs as can read it, so another account on the machine cannot act as anyone here.
 * A browser page cannot either: it has no token to send.
 */
import { randomBytes } from 'node:crypto'
import { unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import type { TerminalSession } from '../bots/playground/terminal.ts'
import { ENDPOINT_FILE, type DataDirLock } from '../db/data-dir.ts'
import type { Logger } from '../log.ts'

/** What workroom.endpoint holds. */
export interface EndpointFile {
  pid: number
  port: number
  token: string
}

/** Opens a terminal session as the person with this e-mail (null: no such active person). */
export type OpenSession = (email: string) => Promise<TerminalSession | null>

/** Sessions a person forgot to /quit go after an hour unused; at most this many are kept. */
const IDLE_MS = 60 * 60_000
const MAX_SESSIONS = 100

const Open = z.object({ as: z.string().min(1).max(320) })
const Send = z.object({ text: z.string().max(40_000) })

/**
 * The routes, testable with app.request(): open a session as a person, send it messages (a
 * number picks a choice of the last reply, as in `workroom chat`), close it.
 */
export function localRoutes(open: OpenSession, token: string, now: () => number = Date.now): Hono {
  const sessions = new Map<string, { session: TerminalSession; used: number }>()
  const app = new Hono()
  app.use(bearerAuth({ token }))
  app.use(bodyLimit({ maxSize: 64 * 1024 }))
  app.post('/sessions', async (c) => {
    const body = Open.safeParse(await c.req.json().catch(() => null))
    if (!body.success) return c.json({ error: 'bad_request' }, 400)
    const session = await open(body.data.as)
    if (!session) return c.json({ error: 'no_person' }, 404)
    for (const [id, s] of sessions) if (now() - s.used > IDLE_MS) sessions.delete(id)
    // The Map keeps insertion order and use re-inserts: the first is the least recently used.
    while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!)
    const id = randomBytes(16).toString('base64url')
    sessions.set(id, { session, used: now() })
    return c.json({ id, actor: session.actor }, 201)
  })
  app.post('/sessions/:id/messages', async (c) => {
    const id = c.req.param('id')
    const s = sessions.get(id)
    if (!s) return c.json({ error: 'no_session' }, 404)
    const body = Send.safeParse(await c.req.json().catch(() => null))
    if (!body.success) return c.json({ error: 'bad_request' }, 400)
    sessions.delete(id)
    sessions.set(id, { session: s.session, used: now() })
    return c.json({ reply: await s.session.send(body.data.text) })
  })
  app.delete('/sessions/:id', (c) => {
    sessions.delete(c.req.param('id'))
    return c.body(null, 204)
  })
  return app
}

/**
 * Listens, then writes workroom.endpoint and the server's URL into the lock; stop() undoes both.
 * `url` is the HTTP server's address, which refusals name ("use the chat at …").
 */
export async function startLocalEndpoint(deps: { lock: DataDirLock; open: OpenSession; url: string; logger: Logger }): Promise<{ port: number; stop(): Promise<void> }> {
  const token = randomBytes(32).toString('base64url')
  const app = localRoutes(deps.open, token)
  app.onError((err, c) => {
    deps.logger.error({ err, path: c.req.path }, 'local endpoint: unhandled error')
    return c.json({ error: 'internal_error' }, 500)
  })
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const file = path.join(deps.lock.dataDir, ENDPOINT_FILE)
  // The URL first: a client that finds the endpoint finds the URL it names too.
  await deps.lock.update({ url: deps.url })
  // A dead server's file may still be there: replace it, created afresh so the mode applies.
  await unlink(file).catch(() => {})
  await writeFile(file, `${JSON.stringify({ pid: process.pid, port, token } satisfies EndpointFile)}\n`, { mode: 0o600, flag: 'wx' })
  deps.logger.info({ port }, 'local endpoint for the command line listening on 127.0.0.1')
  return {
    port,
    // Messages being answered finish (the caller bounds the wait); idle keep-alive connections close now.
    stop: async () => {
      await unlink(file).catch(() => {})
      await new Promise<void>((resolve) => {
        // A connection whose message finishes after this becomes idle, and kept alive it would hold close() open.
        const sweep = setInterval(() => { if ('closeIdleConnections' in server) server.closeIdleConnections() }, 50)
        server.close(() => {
          clearInterval(sweep)
          resolve()
        })
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      })
    },
  }
}
