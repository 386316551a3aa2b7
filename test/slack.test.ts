/**
 * Slack end to end: the real server with the Bolt app mounted, requests signed as Slack signs
 * them, and Bolt's WebClient talking to a Slack Web API stand-in on 127.0.0.1.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createSlackBot, type SlackSettings } from '../src/bots/slack/app.ts'
import type { Engine } from '../src/db/engine.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine, pglite, type TestEngine } from './support/engines.ts'
import { startSlackStandin, type SlackStandin, type SlackUser } from './support/slack-standin.ts'
import { mintInstallToken } from '../src/bots/slack/install-link.ts'

const SECRET = 'test-signing-secret'
const TEAM = 'T0TEST'

/** Headers Slack would send with this body: v0 signature over the timestamp and the exact bytes. */
const sign = (body: string, timestamp = Math.floor(Date.now() / 1000)) => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
})

/** The demo agencies, a Web API stand-in that knows these Slack users' e-mails, and the real server with the Slack app. */
async function startSlackServer(settings: (apiUrl: string) => SlackSettings, users: Record<string, string | SlackUser>, testEngine: TestEngine = pglite) {
  const slack = await startSlackStandin()
  for (const [id, user] of Object.entries(users)) slack.users.set(id, typeof user === 'string' ? { email: user } : user)
  const engine = await testEngine.migrated()
  await seed(engine, { scale: 'demo', progress: false })
  const logger = createLogger('silent')
  const router = { db: engine.db, now: () => new Date() }
  const bot = createSlackBot(router, settings(slack.apiUrl), logger)
  const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
  return {
    slack, engine, url: `http://127.0.0.1:${server.port}`,
    close: async () => {
      await server.close()
      await engine.close()
      await slack.close()
    },
  }
}

describeEachEngine('Slack app over HTTP (signed requests, Web API stand-in)', (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let url: string
  let close: () => Promise<void>
  let seq = 0

  const post = (body: string, contentType: string, headers: Record<string, string> = sign(body)) =>
    fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body })
  const command = (user: string, name: string, text: string, extra: Record<string, string> = {}) => {
    const id = `c${++seq}`
    const body = new URLSearchParams({
      token: 'legacy', team_id: TEAM, team_domain: 'test', channel_id: 'C0GENERAL', channel_name: 'general', user_id: user, user_name: user,
      command: name, text, api_app_id: 'A0APP', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id), ...extra,
    }).toString()
    return { id, body }
  }
  const responsesTo = (id: string) => slack.responses.filter((r) => r.path.endsWith(`/${id}`))
  const entries = () => engine.db.selectFrom('agency.timesheet_entries').select(['id', 'hours', 'external_ref', 'source']).where('source', '=', 'slack').execute()
  const textOf = (body: { text?: string; blocks?: unknown }) => `${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`

  beforeAll(async () => {
    ;({ slack, engine, url, close } = await startSlackServer(
      (apiUrl) => ({ signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl, tenant: 'northwind' }),
      {
        U0LUCY: 'lucy.fernandes@northwind.example', U0MAYA: 'maya.chen@northwind.example', U0SOFIA: 'sofia.alvarez@northwind.example',
        // An attacker's own workspace reports a leader's address; another types one into an unconfirmed profile; a Slack Connect
        // guest from another organisation has one of ours.
        U0EVIL: 'maya.chen@northwind.example',
        U0UNCONFIRMED: { email: 'jonas.berg@northwind.example', confirmed: false },
        U0STRANGER: { email: 'olivia.hart@northwind.example', teamId: 'T0OTHERORG', stranger: true },
      },
      testEngine,
    ))
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  it('/timesheet acks at once, links the person by their Slack e-mail, and writes one entry', async () => {
    const before = (await entries()).length
    const { id, body } = command('U0LUCY', '/timesheet', '3h Aurora Air Spring Launch')
    const responses = slack.responses.length
    const started = performance.now()
    const res = await post(body, 'application/x-www-form-urlencoded')
    const ackMs = performance.now() - started
    expect(res.status).toBe(200)
    expect(ackMs).toBeLessThan(3000)
    const answer = (await slack.waitForResponses(responses + 1)).at(-1)
    expect(answer!.path).toBe(`/response/${id}`)
    expect(answer!.body.response_type).toBe('ephemeral')
    expect(textOf(answer!.body)).toMatch(/Logged 3h to Aurora Air Spring Launch/)
    expect((await slack.waitFor('users.info', 1)).at(-1)!.args.user).toBe('U0LUCY')
    const after = await entries()
    expect(after.length).toBe(before + 1)
    expect(after.filter((e) => e.external_ref === `slash:trigger.${id}`)).toHaveLength(1)
  })

  it('rejects unsigned, wrongly signed and stale requests, and writes nothing', async () => {
    const before = (await entries()).length
    const responses = slack.responses.length
    const { body } = command('U0LUCY', '/timesheet', '1h Aurora Air Spring Launch')
    expect((await post(body, 'application/x-www-form-urlencoded', {})).status).toBe(401)
    expect((await post(body, 'application/x-www-form-urlencoded', { ...sign(body), 'x-slack-signature': `v0=${'0'.repeat(64)}` })).status).toBe(401)
    expect((await post(body, 'application/x-www-form-urlencoded', sign(body, Math.floor(Date.now() / 1000) - 6 * 60))).status).toBe(401)
    // Signed for another body: a replayed signature on a tampered request.
    const tampered = body.replace('1h', '9h')
    expect((await post(tampered, 'application/x-www-form-urlencoded', sign(body))).status).toBe(401)
    await new Promise((r) => setTimeout(r, 300))
    expect((await entries()).length).toBe(before)
    expect(slack.responses.length).toBe(responses)
  })

  it('rejects a correctly signed request stamped 10 minutes ahead with 401, before any listener runs', async () => {
    const before = (await entries()).length
    const { id, body } = command('U0LUCY', '/timesheet', '1h Aurora Air Spring Launch')
    const res = await post(body, 'application/x-www-form-urlencoded', sign(body, Math.floor(Date.now() / 1000) + 10 * 60))
    expect(res.status).toBe(401)
    // A request sent after it is answered; by then the refused one has left no answer and no entry.
    const next = command('U0LUCY', '/timesheet', '')
    expect((await post(next.body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await expect.poll(() => responsesTo(next.id).length, { timeout: 10_000 }).toBe(1)
    expect(responsesTo(id)).toHaveLength(0)
    expect((await entries()).length).toBe(before)
    // Within the window either side, a signed request is still taken.
    const skewed = command('U0LUCY', '/timesheet', '')
    expect((await post(skewed.body, 'application/x-www-form-urlencoded', sign(skewed.body, Math.floor(Date.now() / 1000) + 4 * 60))).status).toBe(200)
    await expect.poll(() => responsesTo(skewed.id).length, { timeout: 10_000 }).toBe(1)
  })

  it('answers a mention in its thread with citations, replacing the progress note; a retried event is answered once', async () => {
    const ts = '1700000100.000100'
    const envelope = JSON.stringify({
      token: 'legacy', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: 'Ev0MENTION1', event_time: 1700000100,
      event: { type: 'app_mention', user: 'U0SOFIA', text: '<@U0BOT> How many quotes do I need for a purchase order over 10k?', ts, channel: 'C0GENERAL', event_ts: ts },
    })
    const posted = (await slack.waitFor('chat.postMessage', 0)).length
    const res = await post(envelope, 'application/json')
    expect(res.status).toBe(200)
    const progress = (await slack.waitFor('chat.postMessage', posted + 1)).at(-1)!
    expect(progress.args).toMatchObject({ channel: 'C0GENERAL', thread_ts: ts })
    const [update] = (await slack.waitFor('chat.update', 1)).slice(-1)
    expect(textOf(update!.args)).toMatch(/three competitive quotes/)
    expect(textOf(update!.args)).toMatch(/Vendor Portal Tips/)
    expect(update!.args.channel).toBe('C0GENERAL')

    // Slack thought we were slow and delivers it again.
    const retry = await post(envelope, 'application/json', { ...sign(envelope), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })
    expect(retry.status).toBe(200)
    await new Promise((r) => setTimeout(r, 500))
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts)).toHaveLength(1)
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(1)
  })

  it('waits out a 429 from chat.update and delivers the answer once', async () => {
    const ts = '1700000300.000100'
    const envelope = JSON.stringify({
      team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: 'Ev0MENTION429', event_time: 1700000300,
      event: { type: 'app_mention', user: 'U0SOFIA', text: '<@U0BOT> Who has to approve a PO over 10k?', ts, channel: 'C0GENERAL', event_ts: ts },
    })
    slack.script('chat.update', { kind: 'rate_limited', retryAfterSeconds: 1 })
    const updates = slack.calls.filter((c) => c.method === 'chat.update').length
    expect((await post(envelope, 'application/json')).status).toBe(200)
    const calls = await slack.waitFor('chat.update', updates + 2, 8000)
    const mine = calls.slice(updates)
    expect(mine[1]!.at - mine[0]!.at).toBeGreaterThanOrEqual(900)
    expect(textOf(mine[1]!.args)).toMatch(/Vendor Portal Tips/)
    await new Promise((r) => setTimeout(r, 300))
    expect(slack.calls.filter((c) => c.method === 'chat.update').length).toBe(updates + 2)
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts)).toHaveLength(1)
  })

  it('resolves an ambiguous campaign with a button click; a double click logs once', async () => {
    // Two Fizzwell campaigns are live, and leadership sees both.
    const { id, body } = command('U0MAYA', '/timesheet', '1h fizzwell')
    const asked = slack.responses.length
    await post(body, 'application/x-www-form-urlencoded')
    await slack.waitForResponses(asked + 1)
    const choose = responsesTo(id).at(-1)!.body
    expect(textOf(choose)).toMatch(/fits more than one campaign/)
    const actions = (choose.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>)
      .filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? [])
    const button = actions.find((a) => /Fizzwell Zero Sugar Challenge/.test(a.text.text))!
    expect(button).toBeDefined()
    const before = (await entries()).length
    const click = () => {
      const payload = JSON.stringify({
        type: 'block_actions', team: { id: TEAM, domain: 'test' }, user: { id: 'U0MAYA', team_id: TEAM }, api_app_id: 'A0APP',
        container: { type: 'message', message_ts: '1700000200.000100', channel_id: 'C0GENERAL', is_ephemeral: true },
        channel: { id: 'C0GENERAL', name: 'general' }, trigger_id: `trigger.click.${++seq}`, response_url: slack.responseUrl(`${id}-click`),
        actions: [{ type: 'button', action_id: button.action_id, block_id: 'b1', value: button.value, text: button.text, action_ts: String(Date.now() / 1000) }],
      })
      return post(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')
    }
    const responses = slack.responses.length
    expect((await click()).status).toBe(200)
    expect((await click()).status).toBe(200)
    const logged = (await slack.waitForResponses(responses + 1)).at(-1)
    expect(textOf(logged!.body)).toMatch(/Logged 1h to Fizzwell Zero Sugar Challenge/)
    await new Promise((r) => setTimeout(r, 500))
    expect((await entries()).length).toBe(before + 1)
    expect(responsesTo(`${id}-click`)).toHaveLength(1)
  })

  it("a colleague's click on someone's Undo neither undoes their entry nor uses up their button; the owner's double click undoes once", async () => {
    // Lucy logs time; the reply carries an Undo button for her entry. Her message is in the
    // channel's view of Slack, so a colleague (Sofia) can click the same button.
    const { id, body } = command('U0LUCY', '/timesheet', '2h Aurora Air Spring Launch')
    const asked = slack.responses.length
    await post(body, 'application/x-www-form-urlencoded')
    await slack.waitForResponses(asked + 1)
    const logged = responsesTo(id).at(-1)!.body
    const undo = (logged.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>)
      .filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).find((a) => a.action_id.startsWith('timesheet.undo'))!
    expect(undo).toBeDefined()
    const entry = undo.value
    const stillThere = async () => (await entries()).some((e) => e.id === entry)
    expect(await stillThere()).toBe(true)
    const clicks: string[] = []
    const click = (user: string, answerAt: string) => {
      clicks.push(`trigger.click.${++seq}`)
      const payload = JSON.stringify({
        type: 'block_actions', team: { id: TEAM, domain: 'test' }, user: { id: user, team_id: TEAM }, api_app_id: 'A0APP',
        container: { type: 'message', message_ts: '1700000400.000100', channel_id: 'C0GENERAL' },
        channel: { id: 'C0GENERAL', name: 'general' }, message: { ts: '1700000400.000100', text: 'Logged' },
        trigger_id: clicks.at(-1), response_url: slack.responseUrl(answerAt),
        actions: [{ type: 'button', action_id: undo.action_id, block_id: 'b1', value: undo.value, text: undo.text, action_ts: String(Date.now() / 1000) }],
      })
      return post(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')
    }

    // Sofia clicks Lucy's Undo: she is told there is nothing of hers to undo, and Lucy's entry stays.
    expect((await click('U0SOFIA', `${id}-sofia`)).status).toBe(200)
    const told = await vi.waitFor(() => {
      const found = responsesTo(`${id}-sofia`)
      if (found.length === 0) throw new Error('Sofia has no answer yet')
      return found
    }, { timeout: 5000, interval: 20 })
    expect(told).toHaveLength(1)
    expect(textOf(told[0]!.body)).toMatch(/Nothing (of yours )?to undo/)
    expect(await stillThere()).toBe(true)

    // Lucy's own click still works: her entry is removed, once, though she clicks twice.
    const before = slack.responses.length
    expect((await click('U0LUCY', `${id}-lucy-1`)).status).toBe(200)
    expect((await click('U0LUCY', `${id}-lucy-2`)).status).toBe(200)
    await slack.waitForResponses(before + 1)
    const answers = [...responsesTo(`${id}-lucy-1`), ...responsesTo(`${id}-lucy-2`)]
    expect(answers).toHaveLength(1)
    expect(textOf(answers[0]!.body)).toMatch(/Removed 2h on Aurora Air Spring Launch/)
    expect(await stillThere()).toBe(false)
    // Both of Lucy's clicks are settled in the inbox (one acted, one was the double click), so no
    // second answer can still be on its way.
    await vi.waitFor(async () => {
      const rows = await engine.db.selectFrom('workroom.chat_inbox').select('state').where('inbox_key', 'in', clicks.map((t) => `slack:click:${t}`)).execute()
      expect(rows.map((r) => r.state).sort()).toEqual(['answered', 'answered', 'answered'])
    }, { timeout: 5000, interval: 20 })
    expect([...responsesTo(`${id}-lucy-1`), ...responsesTo(`${id}-lucy-2`)]).toHaveLength(1)
  })

  it('asks Slack who the bot is once, not before every request', () => {
    expect(slack.calls.filter((c) => c.method.startsWith('chat.')).length).toBeGreaterThan(3)
    expect(slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1)
  })

  const identitiesOf = (user: string) => engine.db.selectFrom('workroom.chat_identities').select('person_id').where('external_user_id', '=', user).execute()

  it('binds its own workspace to the configured tenant (SLACK_TENANT) on first contact', async () => {
    const bindings = await engine.db.selectFrom('workroom.workspace_bindings as b').innerJoin('workroom.tenants as t', 't.id', 'b.tenant_id')
      .select(['b.platform', 'b.workspace_id', 't.slug', 'b.bound_via']).execute()
    expect(bindings).toEqual([{ platform: 'slack', workspace_id: TEAM, slug: 'northwind', bound_via: 'config' }])
  })

  it('tells a user of a foreign Slack workspace that it is not connected, links nobody, asks Slack nothing and writes nothing', async () => {
    const before = (await entries()).length
    const { id, body } = command('U0EVIL', '/campaign', 'aurora air', { team_id: 'T0FOREIGN', team_domain: 'evil' })
    const responses = slack.responses.length
    expect((await post(body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await slack.waitForResponses(responses + 1)
    const text = textOf(responsesTo(id).at(-1)!.body)
    expect(text).toMatch(/This Slack workspace is not connected to an agency in Workroom yet/)
    expect(text).toMatch(/workroom workspaces bind --platform slack --workspace T0FOREIGN --tenant/)
    expect(text).not.toMatch(/Aurora|Budget/)
    expect(await identitiesOf('U0EVIL')).toEqual([])
    expect(slack.calls.filter((c) => c.method === 'users.info' && c.args.user === 'U0EVIL')).toEqual([])
    expect((await entries()).length).toBe(before)
  })

  it('does not link a user whose Slack e-mail is unconfirmed, nor a Slack Connect stranger from another organisation', async () => {
    for (const user of ['U0UNCONFIRMED', 'U0STRANGER']) {
      const { id, body } = command(user, '/timesheet', '1h Aurora Air Spring Launch')
      const responses = slack.responses.length
      await post(body, 'application/x-www-form-urlencoded')
      await slack.waitForResponses(responses + 1)
      expect(textOf(responsesTo(id).at(-1)!.body), user).toMatch(/I don't know who you are yet/)
      expect(slack.calls.filter((c) => c.method === 'users.info' && c.args.user === user), user).toHaveLength(1)
      expect(await identitiesOf(user), user).toEqual([])
    }
  })

  it('tells an unknown Slack user how to get linked, and writes nothing', async () => {
    const before = (await entries()).length
    const { id, body } = command('U0NOBODY', '/timesheet', '1h Aurora Air Spring Launch')
    const responses = slack.responses.length
    await post(body, 'application/x-www-form-urlencoded')
    await slack.waitForResponses(responses + 1)
    expect(textOf(responsesTo(id).at(-1)!.body)).toMatch(/I don't know who you are yet[\s\S]*workroom link --platform slack --workspace T0TEST --user U0NOBODY/)
    expect((await entries()).length).toBe(before)
  })
})

const STATE_SECRET_OF_SUITE = 'state-secret-of-some-length'

describe('Slack app over OAuth: a second workspace installs without a redeploy', () => {
  let engine: Engine
  let slack: SlackStandin
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    ;({ slack, engine, url, close } = await startSlackServer((apiUrl) => ({
      signingSecret: SECRET, botToken: undefined, appToken: undefined, apiUrl,
      oauth: { clientId: '111.222', clientSecret: 'client-secret', stateSecret: STATE_SECRET_OF_SUITE },
    }), { U0MAYA2: 'maya.chen@northwind.example' }))
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  const signed = (body: string) => ({ 'content-type': 'application/x-www-form-urlencoded', ...sign(body) })
  const slash = (team: string, user: string, id: string) => new URLSearchParams({
    team_id: team, channel_id: 'C0X', user_id: user, command: '/timesheet', text: '', trigger_id: `t.${id}`, response_url: slack.responseUrl(id),
  }).toString()

  const STATE_SECRET = 'state-secret-of-some-length'
  const link = (tenant: string, secret = STATE_SECRET, expires = new Date(Date.now() + 3_600_000)) =>
    `${url}/slack/install?link=${encodeURIComponent(mintInstallToken(secret, tenant, expires))}`
  const bindingsOf = (workspace: string) => engine.db.selectFrom('workroom.workspace_bindings as b').innerJoin('workroom.tenants as t', 't.id', 'b.tenant_id')
    .select(['t.slug', 'b.bound_via']).where('b.workspace_id', '=', workspace).execute()

  it('refuses to start an install without an operator install link, or with a forged or expired one', async () => {
    for (const attempt of [`${url}/slack/install`, link('northwind', 'another-secret-of-some-length'), link('northwind', STATE_SECRET, new Date(Date.now() - 1000))]) {
      const res = await fetch(attempt, { redirect: 'manual' })
      expect(res.status, attempt).toBe(403)
      expect(res.headers.get('location')).toBeNull()
      expect(await res.text()).toMatch(/needs an install link from a Workroom operator/)
    }
  })

  it('installs through an install link, /slack/install and /slack/oauth_redirect, binds the workspace to the link\'s tenant, and answers it with its own token', async () => {
    const install = await fetch(link('northwind'), { redirect: 'manual' })
    expect(install.status).toBe(302)
    const authorize = new URL(install.headers.get('location')!)
    expect(authorize.searchParams.get('client_id')).toBe('111.222')
    expect(authorize.searchParams.get('scope')!.split(',').sort()).toEqual(['app_mentions:read', 'assistant:write', 'chat:write', 'commands', 'im:history', 'users:read', 'users:read.email'])
    const state = authorize.searchParams.get('state')!
    const cookie = install.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')

    slack.script('oauth.v2.access', { kind: 'json', body: {
      ok: true, app_id: 'A0APP', authed_user: { id: 'U0ADMIN' }, scope: 'commands,chat:write', token_type: 'bot',
      access_token: 'xoxb-second-workspace', bot_user_id: 'U0BOT2', team: { id: 'T0SECOND', name: 'Second Workspace' }, enterprise: null, is_enterprise_install: false,
    } })
    const callback = await fetch(`${url}/slack/oauth_redirect?code=the-code&state=${encodeURIComponent(state)}`, { headers: { cookie } })
    expect(callback.status).toBe(200)
    const exchange = slack.calls.find((c) => c.method === 'oauth.v2.access')!
    expect(exchange.args).toMatchObject({ code: 'the-code', client_id: '111.222' })
    const stored = await engine.db.selectFrom('workroom.slack_installations').select(['install_key', 'installation']).execute()
    expect(stored.map((r) => r.install_key)).toEqual(['T:T0SECOND'])
    expect((stored[0]!.installation as { bot: { token: string } }).bot.token).toBe('xoxb-second-workspace')
    expect(await bindingsOf('T0SECOND')).toEqual([{ slug: 'northwind', bound_via: 'slack_install' }])

    const responses = slack.responses.length
    const body = slash('T0SECOND', 'U0MAYA2', 'oauth1')
    expect((await fetch(`${url}/slack/events`, { method: 'POST', headers: signed(body), body })).status).toBe(200)
    const answer = (await slack.waitForResponses(responses + 1)).at(-1)!
    expect(JSON.stringify(answer.body)).toMatch(/Your week of/)
    expect(slack.calls.filter((c) => c.method === 'users.info').at(-1)!.token).toBe('xoxb-second-workspace')
  })

  it("refuses to bind a workspace that another agency's link already bound, and keeps its binding", async () => {
    const install = await fetch(link('southpaw'), { redirect: 'manual' })
    expect(install.status).toBe(302)
    const state = new URL(install.headers.get('location')!).searchParams.get('state')!
    const cookie = install.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    expect(cookie).toMatch(/workroom_install=/)
    slack.script('oauth.v2.access', { kind: 'json', body: {
      ok: true, app_id: 'A0APP', authed_user: { id: 'U0ADMIN' }, scope: 'commands,chat:write', token_type: 'bot',
      access_token: 'xoxb-hijack', bot_user_id: 'U0BOT3', team: { id: 'T0SECOND', name: 'Second Workspace' }, enterprise: null, is_enterprise_install: false,
    } })
    const callback = await fetch(`${url}/slack/oauth_redirect?code=other-code&state=${encodeURIComponent(state)}`, { headers: { cookie } })
    expect(callback.status).toBe(409)
    expect(await callback.text()).toMatch(/already connected to another agency/)
    expect(await bindingsOf('T0SECOND')).toEqual([{ slug: 'northwind', bound_via: 'slack_install' }])
    const stored = await engine.db.selectFrom('workroom.slack_installations').select('installation').where('install_key', '=', 'T:T0SECOND').executeTakeFirstOrThrow()
    expect((stored.installation as { bot: { token: string } }).bot.token).toBe('xoxb-second-workspace')
  })

  it('refuses an install callback with a forged state, and ignores a workspace that never installed', async () => {
    const forged = await fetch(`${url}/slack/oauth_redirect?code=x&state=forged`)
    expect(forged.status).toBe(400)
    const installs = await engine.db.selectFrom('workroom.slack_installations').selectAll().execute()
    const responses = slack.responses.length
    const body = slash('T0NEVER', 'U0MAYA2', 'never1')
    const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: signed(body), body })
    // Bolt acknowledges (so Slack stops retrying) and runs no listener: no answer, no API call, nothing written.
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
    const calls = slack.calls.length
    await new Promise((r) => setTimeout(r, 300))
    expect(slack.responses.length).toBe(responses)
    expect(slack.calls.length).toBe(calls)
    expect(await engine.db.selectFrom('workroom.slack_installations').selectAll().execute()).toEqual(installs)
  })
})
