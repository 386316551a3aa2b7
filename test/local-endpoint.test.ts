import { describe, expect, it } from 'vitest'
import { localRoutes } from '../src/local/endpoint.ts'

/**
 * The command line's door into a running server, from the attacker's side: another account on the
 * machine or a web page can reach 127.0.0.1, but without the token in the 0600 file it opens nothing.
 */
describe('local endpoint for the command line', () => {
  let opened: string[] = []
  const app = localRoutes(async (email) => {
    opened.push(email)
    return { actor: { email }, send: async () => 'ok' } as never
  }, 'the-token')
  const open = (headers: Record<string, string>) =>
    app.request('/sessions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ as: 'maya.chen@northwind.example' }) })

  it('opens no session without the token, with a wrong one, or with it outside the Authorization header', async () => {
    opened = []
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-the-token' }, { authorization: 'Basic dGhlLXRva2Vu' }, { cookie: 'token=the-token' }]
    for (const headers of attempts) {
      // 401, or 400 for a header that is not a bearer token at all (hono's bearerAuth)
      expect([400, 401]).toContain((await open(headers)).status)
    }
    expect((await app.request('/sessions/anything/messages', { method: 'POST', body: '{"text":"/timesheet 8h NW-LEAVE"}' })).status).toBe(401)
    expect(opened).toEqual([])
  })

  it('opens one with the token, and a session id is needed to send', async () => {
    opened = []
    const res = await open({ authorization: 'Bearer the-token' })
    expect(res.status).toBe(201)
    expect(opened).toEqual(['maya.chen@northwind.example'])
    const guessed = await app.request('/sessions/guessed/messages', { method: 'POST', headers: { authorization: 'Bearer the-token', 'content-type': 'application/json' }, body: '{"text":"hi"}' })
    expect(guessed.status).toBe(404)
  })
})
