/**
 * Production roles: the server logs in as two roles that own nothing, made by
 * workroom.create_login_role — requests as a member of workroom_app (DATABASE_URL), bookkeeping
 * as a member of workroom_service (DATABASE_SERVICE_URL) — and everything a running Workroom does
 * still works: migrations checked, the timesheet lock synced, SLACK_TENANT bound, a Slack user
 * auto-linked, a slash command recorded in the inbox and answered, a Teams conversation
 * remembered and answered, a digest claimed and sent, /readyz ready. Then from the attacker's
 * side: what each login reaches when it sets no role, as a request running RESET ROLE would.
 *
 * Native PostgreSQL only: PGlite is one in-process superuser session with no logins.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { addDays } from '../src/dates.ts'
import type { Engine } from '../src/db/engine.ts'
import { listPeople } from '../src/db/directory.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { createScratchDatabase } from '../src/db/scratch.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/log.ts'
import { start, type Running } from '../src/main.ts'
import { runDueDigests } from '../src/scheduler.ts'
import { seed } from '../seeds/index.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const nativeUrl = process.env.TEST_DATABASE_URL
const missing = !nativeUrl ? 'TEST_DATABASE_URL is not set (login roles need a PostgreSQL server)' : null
if (missing) console.warn(`production-roles: skipped, ${missing}`)

const SECRET = 'roles-signing-secret'
const TEAM = 'T0TEST'   // the Slack stand-in's auth.test team
const ENTRA = 'aad-tenant-roles'
const CAMPAIGN = 'Aurora Air Spring Launch'

/** The same database as `url`, logged in as `user`. */
const as = (url: string, user: string) => {
  const u = new URL(url)
  u.username = user
  u.password = 'not-used-with-trust'
  return u.toString()
}

describe.skipIf(missing !== null)('a server that logs in as roles that own nothing', () => {
  const suffix = randomBytes(4).toString('hex')
  const web = `workroom_web_${suffix}`
  const service = `workroom_svc_${suffix}`
  let db: Engine & { url: string }
  let slack: SlackStandin
  let teams: TeamsStandin
  let running: Running | undefined
  const logLines: string[] = []
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logLines.push(...chunk.toString().split('\n').filter(Boolean)); done() } }))

  beforeAll(async () => {
    db = await createScratchDatabase(nativeUrl!, { prefix: 'workroom_roles', poolSize: 3 })
    const migrated = await migrateUp(db.pool)
    if (migrated.error) throw new Error(migrated.error.message)
    await seed(db, { scale: 'demo', progress: false })
    await sql`SELECT workroom.create_login_role(${web}, 'unused')`.execute(db.db)
    await sql`SELECT workroom.create_login_role(${service}, 'unused', 'workroom_service')`.execute(db.db)
    await bindWorkspace(db.db, 'teams', ENTRA, 'northwind', 'operator')
    // A lock unlike the fixture's, so the start-up sync has something to write.
    await db.db.updateTable('workroom.tenants').set({ timesheet_lock_days: 30 }).execute()
    slack = await startSlackStandin()
    teams = await startTeamsStandin()
  }, 120_000)

  afterAll(async () => {
    await running?.stop()
    await slack?.close()
    await teams?.close()
    await db?.close()
    for (const role of [web, service]) await sql`DROP ROLE IF EXISTS ${sql.id(role)}`.execute(db.db).catch(() => {})
  })

  const config = (overrides: Record<string, string> = {}) => loadConfig({
    NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', PLAYGROUND_ENABLED: 'false', WORKROOM_DEMO_SEED: 'false',
    DATABASE_URL: as(db.url, web), DATABASE_SERVICE_URL: as(db.url, service), DATABASE_POOL_SIZE: '4',
    SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-roles', SLACK_API_URL: slack.apiUrl, SLACK_TENANT: 'northwind',
    TEAMS_EMULATOR: 'true', TIMESHEET_LOCK_DAYS: '14',
    ...overrides,
  })

  const slash = (port: number, user: string, command: string, text: string, id: string, channel = 'C0ROLES') => {
    const body = new URLSearchParams({
      token: 'legacy', team_id: TEAM, team_domain: 'roles', channel_id: channel, channel_name: 'roles', user_id: user, user_name: user,
      command, text, api_app_id: 'A0ROLES', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
    }).toString()
    const ts = Math.floor(Date.now() / 1000)
    return fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` },
    })
  }

  it('starts, answers Slack and Teams, and sends a digest', async () => {
    // Lucy works on the campaign (as the resume test's); any project manager subscribes.
    const person = (email: string) => db.db.selectFrom('workroom.people').select(['id', 'display_name', 'role']).where('email', '=', email).executeTakeFirstOrThrow()
    const creative = { ...(await person('lucy.fernandes@northwind.example')), email: 'lucy.fernandes@northwind.example' }
    const pm = (await listPeople(db.db, 'northwind')).find((p) => p.role === 'pm')!
    slack.users.set('U0CREATIVE', { email: creative.email, name: creative.display_name })
    slack.users.set('U0PM', { email: pm.email, name: pm.name })
    teams.members.set('29:creative', { aadObjectId: 'aad-creative', email: creative.email, name: creative.display_name })

    running = await start(config(), logger)
    const port = running.port
    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toMatchObject({ status: 'ready' })
    const owner = db.db
    expect((await owner.selectFrom('workroom.tenants').select('timesheet_lock_days').distinct().execute()).map((r) => r.timesheet_lock_days)).toEqual([14])

    // Slack: the command is recorded, SLACK_TENANT binds the team, the creative is linked by e-mail, time is logged.
    const day = addDays(new Date().toISOString().slice(0, 10), -1)
    expect((await slash(port, 'U0CREATIVE', '/timesheet', `2h ${day} ${CAMPAIGN}`, 'log')).status).toBe(200)
    const [logged] = await slack.waitForResponses(1, 15_000)
    expect(logged!.body.text).toMatch(new RegExp(`^Logged 2h to ${CAMPAIGN}`))
    expect(await owner.selectFrom('workroom.workspace_bindings').select(['workspace_id', 'bound_via']).where('platform', '=', 'slack').execute())
      .toEqual([{ workspace_id: TEAM, bound_via: 'config' }])
    // The row is settled right after the answer is posted: a bounded poll, not a sleep.
    await vi.waitFor(async () => expect(await owner.selectFrom('workroom.chat_inbox').select('state').where('inbox_key', '=', 'slack:command:trigger.log').execute()).toEqual([{ state: 'answered' }]), { timeout: 10_000, interval: 50 })
    expect(await owner.selectFrom('agency.timesheet_entries').select('user_id').where('external_ref', '=', 'slash:trigger.log').execute()).toEqual([{ user_id: creative.id }])

    // Teams: the conversation reference is remembered, the member linked, the message answered.
    const activity = {
      type: 'message', id: 'roles-teams-1', timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
      from: { id: '29:creative', name: creative.display_name, aadObjectId: 'aad-creative' }, recipient: { id: '28:workroom-bot', name: 'Workroom' },
      conversation: { id: 'a:personal-creative', conversationType: 'personal', tenantId: ENTRA }, channelData: { tenant: { id: ENTRA } },
      text: 'help', textFormat: 'plain', entities: [],
    }
    expect((await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })).status).toBe(200)
    const [answered] = await teams.waitForCalls(1, 15_000)
    expect(answered).toMatchObject({ conversationId: 'a:personal-creative', activityId: 'roles-teams-1' })
    expect(await owner.selectFrom('workroom.teams_conversations').select('conversation_id').execute()).toEqual([{ conversation_id: 'a:personal-creative' }])

    // A digest: subscribed by the pm as themselves, claimed and recorded by the service.
    expect((await slash(port, 'U0PM', '/digest', 'daily 09:00 UTC', 'digest', 'C0DIGEST')).status).toBe(200)
    await slack.waitForResponses(2, 15_000)
    const posted: string[] = []
    const tick = await runDueDigests({
      db: running.engine.db, service: running.engine.service.db, now: () => new Date(`${addDays(day, 2)}T23:00:00Z`), logger,
      senders: { slack: async (s, reply) => { posted.push(`${s.channelId}: ${reply.summary}`) } },
    })
    expect(tick).toMatchObject({ claimed: 1, sent: 1, failed: 0 })
    expect(posted).toEqual([expect.stringMatching(/^C0DIGEST: /)])
    expect(await owner.selectFrom('workroom.digest_runs').select('status').execute()).toEqual([{ status: 'sent' }])

    expect(logLines.filter((line) => /"level":(40|50|60)/.test(line) && !/TEAMS_EMULATOR|Emulator/.test(line))).toEqual([])
  }, 120_000)

  it('reaches, without a role, only what each login is for', async () => {
    const attempt = async (user: string, statement: string) => {
      const client = new pg.Client({ connectionString: as(db.url, user) })
      await client.connect()
      try {
        await client.query('RESET ROLE')
        const { rowCount } = await client.query(statement)
        return rowCount
      } catch (err) {
        return (err as { code?: string }).code
      } finally {
        await client.end()
      }
    }
    const tenant = (await db.db.selectFrom('workroom.tenants').select('id').where('slug', '=', 'northwind').executeTakeFirstOrThrow()).id
    const seen = {
      // The request login: row security with no actor, and none of the service's tables.
      webCampaigns: await attempt(web, 'SELECT id FROM agency.campaigns'),
      webInbox: await attempt(web, 'SELECT * FROM workroom.chat_inbox'),
      webInstallations: await attempt(web, 'SELECT * FROM workroom.slack_installations'),
      webBindings: await attempt(web, 'SELECT * FROM workroom.workspace_bindings'),
      // The service login: its ledgers, and nothing of the agency's data.
      serviceInbox: await attempt(service, 'SELECT inbox_key FROM workroom.chat_inbox') as number > 0,
      serviceCampaigns: await attempt(service, 'SELECT id FROM agency.campaigns'),
      servicePeople: await attempt(service, 'SELECT email FROM workroom.people'),
      serviceTenantNames: await attempt(service, 'SELECT name FROM workroom.tenants'),
      serviceSubscribe: await attempt(service, `INSERT INTO workroom.digest_subscriptions (tenant_id, platform, workspace_id, channel_id, cadence, post_at, timezone, created_by)
                                                VALUES ('${tenant}', 'slack', '${TEAM}', 'C0EVIL', 'daily', '09:00', 'UTC', gen_random_uuid())`),
      serviceOperatorBinding: await attempt(service, `INSERT INTO workroom.workspace_bindings (platform, workspace_id, tenant_id, bound_via) VALUES ('slack', 'T0EVIL', '${tenant}', 'operator')`),
      serviceUnbind: await attempt(service, `DELETE FROM workroom.workspace_bindings`),
      serviceMigrate: await attempt(service, 'CREATE TABLE public.evil (id int)'),
    }
    expect(seen).toEqual({
      webCampaigns: 0, webInbox: '42501', webInstallations: '42501', webBindings: '42501',
      serviceInbox: true, serviceCampaigns: '42501', servicePeople: '42501', serviceTenantNames: '42501',
      serviceSubscribe: '42501', serviceOperatorBinding: '42501', serviceUnbind: '42501', serviceMigrate: '42501',
    })
  })

  it('refuses to start on a database that is behind, saying who must migrate it', async () => {
    const behind = await createScratchDatabase(nativeUrl!, { prefix: 'workroom_roles_behind', poolSize: 1 })
    try {
      await expect(start(config({ DATABASE_URL: as(behind.url, web), DATABASE_SERVICE_URL: as(behind.url, service), SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', SLACK_TENANT: '', TEAMS_EMULATOR: '' }), createLogger('silent')))
        .rejects.toThrow(/migrations are not applied .*Run `workroom migrate` with the owner's DATABASE_URL/s)
    } finally {
      await behind.close()
    }
  })
})
