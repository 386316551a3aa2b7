/**
 * Slack's App Home, the Log time modal and the "Log time for this" message shortcut, end to end:
 * the real server with the Bolt app mounted, requests signed as Slack signs them with the payload
 * shapes Slack documents (app_home_opened, block_actions from a view, block_suggestion,
 * view_submission, message_action), and the Web API stand-in receiving views.publish/views.open.
 */
import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import type { LimitFunction } from 'p-limit'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSlackBot } from '../src/bots/slack/app.ts'
import { withActor } from '../src/db/actor.ts'
import type { Engine } from '../src/db/engine.ts'
import { resolveIdentity } from '../src/db/identity.ts'
import { visibleCampaigns } from '../src/handlers/campaign-match.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startSlackStandin, type SlackCall, type SlackStandin } from './support/slack-standin.ts'

const SECRET = 'test-signing-secret'
const TEAM = 'T0TEST'

const sign = (body: string, timestamp = Math.floor(Date.now() / 1000)) => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
})

const PEOPLE = {
  U0LUCY: 'lucy.fernandes@northwind.example', // creative
  U0SOFIA: 'sofia.alvarez@northwind.example', // pm
  U0MAYA: 'maya.chen@northwind.example', // leadership
  U0PRIYA: 'priya.raman@northwind.example', // finance
} as const

describeEachEngine('Slack App Home, Log time modal and message shortcut (signed requests, Web API stand-in)', (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let url: string
  let close: () => Promise<void>
  let seq = 0
  let held: Promise<void> | null = null

  beforeAll(async () => {
    slack = await startSlackStandin()
    for (const [id, email] of Object.entries(PEOPLE)) slack.users.set(id, { email })
    // Someone in the workspace whom Workroom cannot link (no such person in the agency).
    slack.users.set('U0NOBODY', { email: 'nobody@elsewhere.example' })
    engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    const logger = createLogger('silent')
    // A queue the test can hold shut, as a busy CHAT_CONCURRENCY would: handlers wait for it.
    const inFlight = (<T>(fn: () => Promise<T>) => (held ?? Promise.resolve()).then(fn)) as unknown as LimitFunction
    const router = { db: engine.db, now: () => new Date(), inFlight }
    const bot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl, tenant: 'northwind' }, logger)
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await slack.close()
    }
  }, 90_000)
  afterAll(async () => {
    await close?.()
  })

  const postJson = (payload: unknown) => {
    const body = JSON.stringify(payload)
    return fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body })
  }
  /** An interaction as Slack sends it: form-encoded, the JSON in `payload`. */
  const interact = (payload: unknown) => {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
    return fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body })
  }
  const userOf = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM })
  const team = { id: TEAM, domain: 'test' }

  /** app_home_opened for the Home tab, and the view it publishes for that user. */
  const openHome = async (user: string): Promise<SlackCall> => {
    const before = slack.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === user).length
    const ts = `1700001000.${String(++seq).padStart(6, '0')}`
    const res = await postJson({
      token: 'legacy', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev0HOME${seq}`, event_time: 1700001000,
      event: { type: 'app_home_opened', user, channel: `D0${user}`, tab: 'home', event_ts: ts },
    })
    expect(res.status).toBe(200)
    await slack.until(() => slack.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === user).length > before, 15_000)
    return slack.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === user).at(-1)!
  }
  const homeText = (call: SlackCall) => JSON.stringify(call.args.view)

  const entries = (ref?: string) => {
    let q = engine.db.selectFrom('agency.timesheet_entries').select(['id', 'hours', 'external_ref', 'source', 'is_billable', 'description', 'entry_date', 'campaign_id'])
    if (ref) q = q.where('external_ref', '=', ref)
    return q.execute()
  }
  const personOf = async (user: string) => {
    const who = await resolveIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: user, enterpriseId: null })
    if (!who) throw new Error(`${user} is not linked`)
    return who
  }

  it('renders the Home tab for a creative, a pm, leadership and finance: the week for all, the KPI tiles only for the roles that may see them', async () => {
    const lucy = homeText(await openHome('U0LUCY'))
    expect(lucy).toMatch(/My week/)
    expect(lucy).toMatch(/home\.log_time/)
    expect(lucy).toMatch(/of your \*37\.5h\*/) // Lucy's capacity
    expect(lucy).toMatch(/Recent activity/)
    // A creative's view of the dashboard view would be their own campaigns only: no tiles at all, not partial figures or zeros.
    expect(lucy).not.toMatch(/Agency dashboard|Active campaigns|Budget of active campaigns/)

    const sofia = homeText(await openHome('U0SOFIA'))
    expect(sofia).toMatch(/Agency dashboard/)
    expect(sofia).toMatch(/Active campaigns/)
    // A pm may not read money: the database gives NULL, and no tile shows it.
    expect(sofia).not.toMatch(/Budget of active campaigns/)

    const maya = homeText(await openHome('U0MAYA'))
    expect(maya).toMatch(/Active campaigns/)
    expect(maya).toMatch(/Budget of active campaigns/)

    const priya = homeText(await openHome('U0PRIYA'))
    expect(priya).toMatch(/Budget of active campaigns/)

    // Why a creative gets no tiles: the same view, read as Lucy, holds her own part of the agency
    // (row security), never the agency's figures, and no money.
    const lucy$ = await personOf('U0LUCY')
    const asLucy = await withActor(engine.db, lucy$, async (trx) => ({
      kpis: (await sql<{ active_campaigns: string | number; active_budget: unknown }>`SELECT active_campaigns, active_budget FROM agency.v_dashboard_kpis WHERE tenant_id = ${lucy$.tenantId}`.execute(trx)).rows[0]!,
      mine: (await visibleCampaigns(trx)).filter((c) => c.status === 'active').length,
    }))
    expect(asLucy.kpis.active_budget).toBeNull()
    expect(Number(asLucy.kpis.active_campaigns)).toBe(asLucy.mine)

    // The tiles hold the agency's figures as the view gives them to leadership.
    const maya$ = await personOf('U0MAYA')
    const kpis = await withActor(engine.db, maya$, async (trx) => (await sql<{ active_campaigns: string | number }>`SELECT active_campaigns FROM agency.v_dashboard_kpis WHERE tenant_id = ${maya$.tenantId}`.execute(trx)).rows[0]!)
    expect(Number(kpis.active_campaigns)).toBeGreaterThan(0)
    expect(maya).toContain(`*Active campaigns*\\n${Number(kpis.active_campaigns)}`)
  }, 60_000)

  it('shows an unlinked Slack user the usual "I don\'t know who you are" message in the Home tab, and no data', async () => {
    const home = homeText(await openHome('U0NOBODY'))
    expect(home).toMatch(/I don't know who you are yet/)
    expect(home).toMatch(/workroom link --platform slack/)
    expect(home).not.toMatch(/My week|Agency dashboard|Recent activity|home\.log_time/)
  })

  it('an unlinked Slack user who reaches the Log time button is told who to ask, and the campaign picker offers them nothing', async () => {
    const modal = await clickLogTime('U0NOBODY')
    expect(JSON.stringify(modal)).toMatch(/I don't know who you are yet/)
    expect(modal).not.toHaveProperty('submit')
    const suggest = await interact({
      type: 'block_suggestion', user: userOf('U0NOBODY'), container: { type: 'view', view_id: 'V0MODALX' }, api_app_id: 'A0APP', token: 'legacy',
      action_id: 'campaign', block_id: 'campaign', value: 'aurora', team, enterprise: null, is_enterprise_install: false,
      view: { id: 'V0MODALX', type: 'modal', callback_id: 'log_time', team_id: TEAM, blocks: [], state: { values: {} }, hash: 'h' },
    })
    expect(await suggest.json()).toEqual({ options: [] })
  })

  /** The Home tab's Log time button, clicked: the modal views.open received. */
  const clickLogTime = async (user: string) => {
    const before = slack.calls.filter((c) => c.method === 'views.open').length
    const trigger = `trigger.home.${++seq}`
    const res = await interact({
      type: 'block_actions', user: userOf(user), api_app_id: 'A0APP', token: 'legacy', container: { type: 'view', view_id: 'V0HOME' },
      trigger_id: trigger, team, enterprise: null, is_enterprise_install: false,
      view: { id: 'V0HOME', team_id: TEAM, type: 'home', callback_id: 'workroom_home', blocks: [], state: { values: {} }, hash: '1700001000.abc' },
      actions: [{ action_id: 'home.log_time', block_id: 'week_total', text: { type: 'plain_text', text: 'Log time' }, value: 'home', style: 'primary', type: 'button', action_ts: '1700001001.000001' }],
    })
    expect(res.status).toBe(200)
    const opened = (await slack.waitFor('views.open', before + 1, 10_000)).at(-1)!
    expect(opened.args.trigger_id).toBe(trigger)
    return opened.args.view as { callback_id: string; private_metadata: string; blocks: Array<{ block_id: string; element: Record<string, any> }> }
  }

  /** view_submission of the opened modal with these values, as Slack sends it. */
  const submission = (user: string, view: { callback_id: string; private_metadata: string; blocks: unknown[] }, viewId: string, v: { campaign?: string | null; hours?: string; date?: string; billable?: boolean; note?: string }) => ({
    type: 'view_submission', team, user: userOf(user), api_app_id: 'A0APP', token: 'legacy', trigger_id: `trigger.submit.${++seq}`,
    view: {
      ...view, id: viewId, team_id: TEAM, type: 'modal', root_view_id: viewId, previous_view_id: null, app_id: 'A0APP', bot_id: 'B0BOT', hash: `1700002000.${viewId}`,
      state: { values: {
        campaign: { campaign: { type: 'external_select', selected_option: v.campaign ? { text: { type: 'plain_text', text: 'x' }, value: v.campaign } : null } },
        hours: { hours: { type: 'plain_text_input', value: v.hours ?? null } },
        date: { date: { type: 'datepicker', selected_date: v.date ?? null } },
        billable: { billable: { type: 'checkboxes', selected_options: v.billable === false ? [] : [{ text: { type: 'plain_text', text: 'Billable to the client' }, value: 'billable' }] } },
        note: { note: { type: 'plain_text_input', value: v.note ?? null } },
      } },
    },
    response_urls: [], is_enterprise_install: false, enterprise: null,
  })

  const aurora = async (user: string) => {
    const who = await personOf(user)
    const visible = await withActor(engine.db, who, (trx) => visibleCampaigns(trx))
    const campaign = visible.find((c) => c.name === 'Aurora Air Spring Launch')
    if (!campaign) throw new Error('Aurora Air Spring Launch is not visible')
    return { who, campaign, visible }
  }

  it('the Log time button opens the modal; the campaign picker offers the person\'s visible campaigns; a submission logs once through the /timesheet path, even retried', async () => {
    const modal = await clickLogTime('U0LUCY')
    expect(modal.callback_id).toBe('log_time')
    expect(modal.blocks.map((b) => b.block_id)).toEqual(['campaign', 'hours', 'date', 'billable', 'note'])
    expect(modal.blocks[0]!.element.type).toBe('external_select')
    const today = modal.blocks[2]!.element.initial_date as string
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/)

    // block_suggestion: what the picker offers for "aurora", answered in the ack.
    const { campaign, visible } = await aurora('U0LUCY')
    const suggest = await interact({
      type: 'block_suggestion', user: userOf('U0LUCY'), container: { type: 'view', view_id: 'V0MODAL1' }, api_app_id: 'A0APP', token: 'legacy',
      action_id: 'campaign', block_id: 'campaign', value: 'aurora', team, enterprise: null, is_enterprise_install: false,
      view: { ...modal, id: 'V0MODAL1', type: 'modal', team_id: TEAM, state: { values: {} }, hash: 'h' },
    })
    expect(suggest.status).toBe(200)
    const offered = (await suggest.json()) as { options: Array<{ text: { text: string }; value: string }> }
    expect(offered.options.map((o) => o.value)).toContain(campaign.id)
    const visibleIds = new Set(visible.map((c) => c.id))
    expect(offered.options.every((o) => visibleIds.has(o.value))).toBe(true)
    // Nothing typed yet: the person's loggable campaigns, at most Slack's 100.
    const empty = await interact({
      type: 'block_suggestion', user: userOf('U0LUCY'), container: { type: 'view', view_id: 'V0MODAL1' }, api_app_id: 'A0APP', token: 'legacy',
      action_id: 'campaign', block_id: 'campaign', value: '', team, enterprise: null, is_enterprise_install: false,
      view: { ...modal, id: 'V0MODAL1', type: 'modal', team_id: TEAM, state: { values: {} }, hash: 'h' },
    })
    const first = ((await empty.json()) as { options: Array<{ value: string }> }).options
    expect(first.length).toBeGreaterThan(0)
    expect(first.length).toBeLessThanOrEqual(100)
    const loggable = new Set(visible.filter((c) => ['active', 'on_hold', 'planning'].includes(c.status)).map((c) => c.id))
    expect(first.every((o) => loggable.has(o.value))).toBe(true)
    const all = await engine.db.selectFrom('agency.campaigns').select('id').where('name', 'ilike', '%aurora%').execute()
    expect(all.length).toBeGreaterThan(offered.options.length) // some Aurora campaigns are not Lucy's to see, and are not offered

    const viewId = `V0SUBMIT${++seq}`
    const body = submission('U0LUCY', modal, viewId, { campaign: campaign.id, hours: '1h30', date: today, billable: false, note: 'Deck tweaks from the modal' })
    const submitted = await interact(body)
    expect(submitted.status).toBe(200)
    const answer = (await submitted.json()) as { response_action: string; view: { blocks: unknown[] } }
    expect(answer.response_action).toBe('update')
    expect(JSON.stringify(answer.view)).toMatch(/Logged 1\.5h to \*Aurora Air Spring Launch\*/)
    const logged = await entries(`view:${viewId}`)
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ source: 'slack', hours: 1.5, is_billable: false, description: 'Deck tweaks from the modal', entry_date: today, campaign_id: campaign.id })

    // Slack retries the very same request (same trigger_id): acked, nothing runs again.
    const retried = await interact(body)
    expect(retried.status).toBe(200)
    expect(await retried.text()).toBe('')
    // The person submits the same modal again (a new trigger): the entry is found, not written twice.
    const again = await interact({ ...body, trigger_id: `trigger.submit.${++seq}` })
    expect(JSON.stringify(await again.json())).toMatch(/Already logged/)
    expect(await entries(`view:${viewId}`)).toHaveLength(1)
    // Opened from Home: the Home tab is published again with the new hours.
    await slack.until(() => slack.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === 'U0LUCY').length >= 2, 10_000)
  }, 60_000)

  it('bad input gets field errors and writes nothing: 0h, 25h, no date, and a campaign the person cannot see', async () => {
    const modal = await clickLogTime('U0LUCY')
    const today = modal.blocks[2]!.element.initial_date as string
    const { campaign } = await aurora('U0LUCY')
    const lucy = await personOf('U0LUCY')
    const visible = new Set((await withActor(engine.db, lucy, (trx) => visibleCampaigns(trx))).map((c) => c.id))
    const hidden = (await engine.db.selectFrom('agency.campaigns').select(['id', 'tenant_id']).where('status', '=', 'active').where('tenant_id', '=', lucy.tenantId).execute())
      .find((c) => !visible.has(c.id))!
    expect(hidden).toBeDefined()
    const before = (await entries()).length

    const errorsFor = async (values: Parameters<typeof submission>[3]) => {
      const res = await interact(submission('U0LUCY', modal, `V0BAD${++seq}`, values))
      expect(res.status).toBe(200)
      const body = (await res.json()) as { response_action: string; errors: Record<string, string> }
      expect(body.response_action).toBe('errors')
      return body.errors
    }
    expect(await errorsFor({ campaign: campaign.id, hours: '0', date: today })).toEqual({ hours: 'Log at least a quarter of an hour (0.25).' })
    expect(await errorsFor({ campaign: campaign.id, hours: '0.1', date: today })).toEqual({ hours: 'Log at least a quarter of an hour (0.25).' })
    expect(await errorsFor({ campaign: campaign.id, hours: '25', date: today })).toEqual({ hours: 'A day holds 24 hours at most.' })
    expect(await errorsFor({ campaign: campaign.id, hours: 'lots', date: today })).toHaveProperty('hours')
    const several = await errorsFor({ campaign: null, hours: '', date: '' })
    expect(Object.keys(several).sort()).toEqual(['campaign', 'date', 'hours'])
    expect(await errorsFor({ campaign: hidden.id, hours: '2', date: today })).toEqual({ campaign: expect.stringMatching(/isn't one you can log time to/) })
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    expect(await errorsFor({ campaign: campaign.id, hours: '2', date: tomorrow })).toEqual({ date: expect.stringMatching(/hasn't happened yet/) })
    expect((await entries()).length).toBe(before)

    // Fixed in place and submitted again (same view): logged.
    const viewId = `V0FIX${++seq}`
    expect(((await (await interact(submission('U0LUCY', modal, viewId, { campaign: campaign.id, hours: '25', date: today }))).json()) as { response_action: string }).response_action).toBe('errors')
    const fixed = await interact(submission('U0LUCY', modal, viewId, { campaign: campaign.id, hours: '0.5', date: today }))
    expect(((await fixed.json()) as { response_action: string }).response_action).toBe('update')
    expect(await entries(`view:${viewId}`)).toHaveLength(1)
  }, 60_000)

  it('a submission whose answer is not ready before Slack\'s deadline closes the modal and is answered in the DM, logged once', async () => {
    const modal = await clickLogTime('U0LUCY')
    const today = modal.blocks[2]!.element.initial_date as string
    const { campaign } = await aurora('U0LUCY')
    let release!: () => void
    held = new Promise<void>((resolve) => { release = resolve })
    const viewId = `V0SLOW${++seq}`
    const posted = slack.calls.filter((c) => c.method === 'chat.postMessage').length
    try {
      const started = performance.now()
      const res = await interact(submission('U0LUCY', modal, viewId, { campaign: campaign.id, hours: '0.25', date: today }))
      const ackMs = performance.now() - started
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('') // an empty ack: Slack closes the modal
      expect(ackMs).toBeLessThan(3000)
      expect(await entries(`view:${viewId}`)).toHaveLength(0)
    } finally {
      held = null
      release()
    }
    const dm = (await slack.waitFor('chat.postMessage', posted + 1, 10_000)).at(-1)!
    expect(dm.args.channel).toBe('U0LUCY')
    expect(`${dm.args.text}`).toMatch(/Logged 0\.25h to Aurora Air Spring Launch/)
    expect(await entries(`view:${viewId}`)).toHaveLength(1)
  }, 30_000)

  it('"Log time for this" on a message opens the modal with the note from the message and the campaign it names preselected', async () => {
    const { campaign } = await aurora('U0LUCY')
    const before = slack.calls.filter((c) => c.method === 'views.open').length
    const res = await interact({
      type: 'message_action', token: 'legacy', action_ts: '1700003000.000001', team, user: userOf('U0LUCY'), channel: { id: 'C0GENERAL', name: 'general' },
      callback_id: 'log_time_for_message', trigger_id: 'trigger.shortcut.1', message_ts: '1700002999.000100', response_url: slack.responseUrl('shortcut1'),
      message: {
        type: 'message', user: 'U0MAYA', ts: '1700002999.000100', team: TEAM,
        text: 'Reworked the Aurora Air Spring Launch deck after <@U0MAYA>\'s notes &amp; the <https://example.com/brief|brief>',
      },
    })
    expect(res.status).toBe(200)
    const opened = (await slack.waitFor('views.open', before + 1, 10_000)).at(-1)!
    expect(opened.args.trigger_id).toBe('trigger.shortcut.1')
    const view = opened.args.view as { callback_id: string; blocks: Array<{ block_id: string; element: Record<string, any> }> }
    expect(view.callback_id).toBe('log_time')
    const note = view.blocks.find((b) => b.block_id === 'note')!.element
    expect(note.initial_value).toBe("Reworked the Aurora Air Spring Launch deck after @U0MAYA's notes & the brief")
    const picker = view.blocks.find((b) => b.block_id === 'campaign')!.element
    expect(picker.initial_option.value).toBe(campaign.id)

    // A message naming no campaign: the note, and no campaign chosen for the person.
    const plain = await interact({
      type: 'message_action', token: 'legacy', action_ts: '1700003000.000002', team, user: userOf('U0LUCY'), channel: { id: 'C0GENERAL', name: 'general' },
      callback_id: 'log_time_for_message', trigger_id: 'trigger.shortcut.2', message_ts: '1700002999.000200', response_url: slack.responseUrl('shortcut2'),
      message: { type: 'message', user: 'U0MAYA', ts: '1700002999.000200', text: 'Thanks for the call earlier' },
    })
    expect(plain.status).toBe(200)
    const second = (await slack.waitFor('views.open', before + 2, 10_000)).at(-1)!.args.view as { blocks: Array<{ block_id: string; element: Record<string, any> }> }
    expect(second.blocks.find((b) => b.block_id === 'note')!.element.initial_value).toBe('Thanks for the call earlier')
    expect(second.blocks.find((b) => b.block_id === 'campaign')!.element.initial_option).toBeUndefined()
  }, 30_000)
})
