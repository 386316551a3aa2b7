/**
 * The playground acts as anyone with no login, so only its own page may drive it. A web page on
 * another site can POST to 127.0.0.1 without a preflight when the body is text/plain (CSRF), and
 * a site that re-points its DNS name at 127.0.0.1 can read the answers too (DNS rebinding): its
 * requests carry its own Host. The real server on a loopback port, requests written byte for
 * byte (node:http, so Host and Origin are what the test says), over the fixture on each engine.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp } from '../src/http/app.ts'
import { MAX_CHAT_BODY_BYTES } from '../src/http/limits.ts'
import { startServer, type RunningServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { describeEachEngine } from './support/engines.ts'
import { useFixtureDatabase } from './support/fixture.ts'

describeEachEngine('playground over HTTP: only its own page may drive it', (engine) => {
  const db = useFixtureDatabase(engine)
  let server: RunningServer
  let own: string

  beforeAll(async () => {
    const logger = createLogger('silent')
    const router = { db: db.e.db, now: () => new Date('2026-11-25T15:00:00Z') }
    server = await startServer(createApp({ engine: db.e, logger, router, playground: true }), { port: 0, host: '127.0.0.1', logger })
    own = `127.0.0.1:${server.port}`
  })
  afterAll(async () => {
    await server?.close()
  })

  /**
   * One request as written. Resolves with the response even when the server answers before the
   * body is sent and then closes the connection (413): the upload's reset is not the answer. Its
   * own connection each (agent: false), so a connection the server closed is never reused.
   */
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method, path, agent: false, headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk }).on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }))
      })
      req.on('error', reject)
      req.end(body)
    })
  const LOG = JSON.stringify({ as: 'creative@a.example', text: '/timesheet 1h campaign cx' })
  const json = { 'content-type': 'application/json' }

  /** Rows a send can write: the time entry, and the playground identity linked on first use. */
  const written = async () => ({
    entries: Number((await db.e.db.selectFrom('agency.timesheet_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    identities: Number((await db.e.db.selectFrom('workroom.chat_identities').select((eb) => eb.fn.countAll().as('n')).where('platform', '=', 'playground').executeTakeFirstOrThrow()).n),
  })

  it.each([
    ['another site (JSON, as after a preflight)', () => ({ host: own, origin: 'https://evil.example', ...json }), 403],
    ['another site, text/plain: a "simple request" with no preflight', () => ({ host: own, origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8' }), 403],
    ['a sandboxed frame or file (Origin: null)', () => ({ host: own, origin: 'null', ...json }), 403],
    ['the right host on another port (another local app)', () => ({ host: own, origin: 'http://127.0.0.1:1', ...json }), 403],
    ['a rebound DNS name (its own Host and Origin)', () => ({ host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}`, ...json }), 403],
    ['a rebound DNS name, no Origin', () => ({ host: `evil.example:${server.port}`, ...json }), 403],
    ['its own origin, but text/plain', () => ({ host: own, origin: `http://${own}`, 'content-type': 'text/plain' }), 415],
    ['its own origin, no content type', () => ({ host: own, origin: `http://${own}` }), 415],
  ])('refuses a send from %s, and writes nothing', async (_label, headers, status) => {
    const before = await written()
    const res = await send('POST', '/playground/send', headers(), LOG)
    expect(res.status, res.text).toBe(status)
    expect(await written()).toEqual(before)
  })

  it('refuses a body over the limit with 413, and writes nothing', async () => {
    const before = await written()
    const big = JSON.stringify({ as: 'creative@a.example', text: '/timesheet 1h campaign cx', pad: 'x'.repeat(MAX_CHAT_BODY_BYTES) })
    const res = await send('POST', '/playground/send', { host: own, origin: `http://${own}`, ...json }, big)
    expect(res.status).toBe(413)
    expect(await written()).toEqual(before)
  })

  it('answers its own page: JSON with its own Origin, by 127.0.0.1 or localhost', async () => {
    const before = await written()
    for (const host of [own, `localhost:${server.port}`]) {
      const res = await send('POST', '/playground/send', { host, origin: `http://${host}`, ...json }, LOG)
      expect(res.status, res.text).toBe(200)
      expect(JSON.parse(res.text).reply.summary).toBe('Logged 1h to Campaign cX A on Wed 25 Nov.')
    }
    // Without an Origin (curl, a test client): not a browser on another site.
    expect((await send('POST', '/playground/send', { host: own, ...json }, LOG)).status).toBe(200)
    expect((await written()).entries).toBe(before.entries + 3)
  })

  it('serves its pages and the people directory to its own Host only, never inside another page', async () => {
    const chunk = db.fx.A.rows.get('chunk:kWide')!
    for (const path of ['/', '/playground/people', `/playground/passages/${chunk}?as=creative%40a.example`]) {
      const res = await send('GET', path, { host: own })
      expect(res.status, path).toBe(200)
      // A page on another site could frame the playground and steer clicks into it (clickjacking).
      expect(res.headers['x-frame-options'], path).toBe('DENY')
      expect(res.headers['content-security-policy'], path).toBe("frame-ancestors 'none'")
      expect((await send('GET', path, { host: `evil.example:${server.port}` })).status, path).toBe(403)
    }
    // Not the playground's: health stays reachable by any name (load balancers, probes).
    expect((await send('GET', '/healthz', { host: `probe.internal:${server.port}` })).status).toBe(200)
  })
})
