import { describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'

/** Every line the logger writes, as text: what would reach a log store. */
function captured() {
  const lines: string[] = []
  return { logger: createLogger('info', { write: (s: string) => void lines.push(s) }), text: () => lines.join('') }
}

const SECRETS = {
  slackBot: 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx',
  slackApp: 'xapp-1-A0123456789-1234567890123-abcdef0123456789',
  openai: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  signing: '8f14e45fceea167a5a36dedd4bea2543',
  password: 'correct-horse-battery-staple',
  bearer: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJl',
}

describe('log redaction', () => {
  it('redacts secrets by key: at the top level, one and two levels down, and in the config', () => {
    const { logger, text } = captured()
    logger.info({ token: SECRETS.slackBot }, 'top level')
    logger.info({ slack: { signingSecret: SECRETS.signing, botToken: SECRETS.slackBot } }, 'one level down')
    logger.info({ err: { config: { password: SECRETS.password, apiKey: SECRETS.openai } } }, 'two levels down')
    logger.info({ config: { SLACK_SIGNING_SECRET: SECRETS.signing, SLACK_APP_TOKEN: SECRETS.slackApp, MICROSOFT_APP_PASSWORD: SECRETS.password } }, 'config')
    const out = text()
    for (const secret of Object.values(SECRETS).filter((s) => s !== SECRETS.bearer)) expect(out).not.toContain(secret)
    expect(out.match(/\[redacted\]/g)?.length).toBe(8)
    expect(out).toContain('two levels down')   // the rest of the line is kept
  })

  it('redacts secrets by their look inside messages and error texts, where no key path reaches', () => {
    const { logger, text } = captured()
    logger.warn(`slack: invalid token ${SECRETS.slackBot} for team T123`)
    logger.error({ err: new Error(`connect failed for postgres://workroom:${SECRETS.password}@db.internal:5432/workroom`) }, 'database')
    logger.info({ headers: { Authorization: `Bearer ${SECRETS.bearer}` } }, 'outgoing call')
    logger.info({ note: `key ${SECRETS.openai} and app token ${SECRETS.slackApp}` }, 'free text')
    const out = text()
    for (const secret of Object.values(SECRETS).filter((s) => s !== SECRETS.signing)) expect(out).not.toContain(secret)
    expect(out).toContain('postgres://workroom:[redacted]@db.internal:5432/workroom')   // which database is still visible
    expect(out).toContain('for team T123')
    // Every line is still valid JSON.
    for (const line of out.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
  })

  it('leaves lines without secrets as they were', () => {
    const { logger, text } = captured()
    logger.info({ user: 'U0LUCY', campaign: 'Aurora Air Spring Launch', task: 'sk-2 sketches', url: 'postgres://127.0.0.1:5432/workroom' }, 'logged 3h')
    expect(text()).not.toContain('[redacted]')
    expect(JSON.parse(text())).toMatchObject({ task: 'sk-2 sketches', url: 'postgres://127.0.0.1:5432/workroom' })
  })
})
