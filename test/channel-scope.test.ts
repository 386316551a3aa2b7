/**
 * Channels scoped to a client (migration 028), from the outside in: the Slack and Teams inbound a
 * person sends, through converse(), on the demo seed (Northwind's knowledge base and artifacts,
 * with documents of several clients and agency-wide ones).
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { teamsToInbound } from '../src/bots/teams/inbound.ts'
import { converse } from '../src/chat/converse.ts'
import { systemActor, withActor, type Actor } from '../src/db/actor.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { parseChannelCommand } from '../src/handlers/channel.ts'
import { buildDigest, digestReply } from '../src/handlers/digest-content.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { renderText } from '../src/handlers/render-text.ts'
import type { Reply } from '../src/handlers/reply.ts'
import { createLogger } from '../src/log.ts'
import { runDueDigests } from '../src/scheduler.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { sqlstate } from './support/fixture.ts'
import { teamsFixture } from './support/teams-fixtures.ts'

/** A Wednesday: the demo seed logs weekdays up to Tuesday 24 Nov. */
const TODAY = '2026-11-25'
let NOW = new Date(`${TODAY}T12:00:00Z`)
const SLACK = 'T0NORTHWIND'
/** The recorded channel mention's tenant and channel (test/fixtures/teams/message-channel-mention.json). */
const TEAMS = '50612dbb-0237-4969-b378-8d42590f9c00'
const TEAMS_CHANNEL = '19:6848757105754c8981c67612732d9aa7@thread.tacv2'

describe('parseChannelCommand', () => {
  it.each([
    ['', { kind: 'show' }],
    ['client Aurora Athletics', { kind: 'bind', client: 'Aurora Athletics' }],
    ['CLIENT  aurora   athletics', { kind: 'bind', client: 'aurora athletics' }],
    ['client off', { kind: 'off' }],
    ['off', { kind: 'off' }],
    ['client none', { kind: 'off' }],
  ])('%j → %j', (text, command) => {
    expect(parseChannelCommand(text)).toEqual({ ok: true, command })
  })
  it('asks which client, and refuses other words', () => {
    expect(parseChannelCommand('client')).toMatchObject({ ok: false })
    expect(parseChannelCommand('archive')).toMatchObject({ ok: false })
  })
})

describeEachEngine('channels scoped to a client', (engine) => {
  let e: Engine
  let tenantId: string
  const person = {} as Record<'leadership' | 'pm' | 'creative' | 'finance', { id: string; email: string }>
  let aurora: string
  let internal: string
  const clientName = new Map<string, string>()

  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', today: TODAY, progress: false })
    tenantId = (await e.db.selectFrom('workroom.tenants').select('id').where('slug', '=', 'northwind').executeTakeFirstOrThrow()).id
    await bindWorkspace(e.db, 'slack', SLACK, 'northwind', 'operator')
    await bindWorkspace(e.db, 'teams', TEAMS, 'northwind', 'operator')
    for (const role of ['leadership', 'pm', 'creative', 'finance'] as const) {
      const p = await e.db.selectFrom('workroom.people').select(['id', 'email']).where('tenant_id', '=', tenantId)
        .where('role', '=', role).where('is_active', '=', true).orderBy('display_name').executeTakeFirstOrThrow()
      person[role] = p
      expect(await linkIdentity(e.db, { platform: 'slack', workspaceId: SLACK, externalUserId: `U0${role.toUpperCase()}` }, p.email)).not.toBeNull()
      expect(await linkIdentity(e.db, { platform: 'teams', workspaceId: TEAMS, externalUserId: `aad-${role}` }, p.email)).not.toBeNull()
    }
    for (const c of await e.db.selectFrom('agency.clients').select(['id', 'name', 'is_internal']).where('tenant_id', '=', tenantId).execute()) {
      clientName.set(c.id, c.name)
      if (c.name === 'Aurora Athletics') aurora = c.id
      if (c.is_internal) internal = c.id
    }
  })
  afterAll(async () => {
    await e?.close()
  })

  let n = 0
  const slack = (role: keyof typeof person, channel: string, command: string, text: string, threadId: string | null = null): Promise<Reply> =>
    converse({ db: e.db, service: e.service.db, now: () => NOW }, {
      platform: 'slack', workspaceId: SLACK, externalUserId: `U0${role.toUpperCase()}`, channelId: channel, threadId,
      input: { kind: 'command', command, text }, requestId: `slack-${++n}`,
    } satisfies Inbound)
  /** A recorded Teams channel mention, as this person, with these words after the mention, in its own reply chain. */
  const teams = (role: keyof typeof person, words: string): Promise<Reply> => {
    const activity = teamsFixture('message-channel-mention')
    activity.text = `<at>ridotest</at> ${words}`
    activity.id = String(++n)
    activity.from.aadObjectId = `aad-${role}`
    activity.conversation.id = `${TEAMS_CHANNEL};messageid=${n}`
    const inbound = teamsToInbound(activity) as Inbound
    expect(inbound).toMatchObject({ platform: 'teams', workspaceId: TEAMS, channelId: TEAMS_CHANNEL, input: { kind: 'message', text: words } })
    return converse({ db: e.db, service: e.service.db, now: () => NOW }, inbound)
  }
  const bindings = (channel: string) => e.db.selectFrom('workroom.channel_clients').selectAll().where('channel_id', '=', channel).execute()
  const actor = (role: keyof typeof person): Actor => ({ tenantId, userId: person[role].id, role })

  /**
   * The last answer stored for a person: what it cited and every chunk retrieval put before the
   * reader, each with its client (null: agency-wide), read as the owner.
   */
  async function lastAnswer(role: keyof typeof person) {
    const m = await e.db.selectFrom('agency.ai_messages as m').innerJoin('agency.ai_conversations as c', 'c.id', 'm.conversation_id')
      .select(['m.content', 'm.citations', 'm.metadata']).where('c.user_id', '=', person[role].id).where('m.role', '=', 'assistant')
      .orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').executeTakeFirstOrThrow()
    const citations = m.citations as Array<{ chunk_id: string; title: string; client_id: string | null }>
    const retrieved = (m.metadata as { retrieved: string[] }).retrieved
    const { rows } = await sql<{ id: string; client_id: string | null }>`
      SELECT k.id, k.client_id FROM agency.knowledge_chunks k WHERE k.id = ANY (${retrieved}::uuid[])
      UNION ALL
      SELECT a.id, cp.client_id FROM workroom.artifact_chunks a JOIN agency.artifacts ar ON ar.id = a.artifact_id
        LEFT JOIN agency.campaigns cp ON cp.id = ar.campaign_id WHERE a.id = ANY (${retrieved}::uuid[])`.execute(e.db)
    expect(rows).toHaveLength(retrieved.length)
    return { text: m.content, citations, retrievedClients: rows.map((r) => r.client_id) }
  }
  const clientsOf = (ids: Array<string | null>) => [...new Set(ids.map((id) => (id === null ? 'agency-wide' : clientName.get(id)!)))].sort()

  it('lets a pm scope a Slack channel to a client by name; anyone sees the scope; off unscopes it', async () => {
    expect(renderText(await slack('creative', 'C0SCOPE', '/workroom', 'channel'))).toMatch(/not scoped to a client/)
    const bound = await slack('pm', 'C0SCOPE', '/workroom', 'channel client aurora athletics')
    expect(bound.visibility).toBe('in_channel')
    expect(renderText(bound)).toMatch(/Done: this channel is scoped to Aurora Athletics/)
    expect(await bindings('C0SCOPE')).toEqual([expect.objectContaining({ tenant_id: tenantId, platform: 'slack', workspace_id: SLACK, client_id: aurora, bound_by: person.pm.id })])
    expect(renderText(await slack('leadership', 'C0SCOPE', '/workroom', 'channel'))).toMatch(/This channel is scoped to Aurora Athletics/)
    // This creative works for no Aurora campaign: row security hides the client's name from them, not the scope.
    expect(renderText(await slack('creative', 'C0SCOPE', '/workroom', 'channel'))).toMatch(/This channel is scoped to a client you don't work with/)
    expect(renderText(await slack('leadership', 'C0SCOPE', '/workroom', 'channel client Fizzwell'))).toMatch(/Changed: this channel is scoped to Fizzwell Beverages/)
    expect(renderText(await slack('pm', 'C0SCOPE', '/workroom', 'channel client Nobody Inc'))).toMatch(/I don't know a client called "Nobody Inc"/)
    expect(renderText(await slack('pm', 'C0SCOPE', '/workroom', 'channel client off'))).toMatch(/no longer scoped to Fizzwell Beverages/)
    expect(await bindings('C0SCOPE')).toEqual([])
    // /workroom alone is still help.
    expect(renderText(await slack('pm', 'C0SCOPE', '/workroom', ''))).toMatch(/here is what I can do/)
  })

  it('lets no creative (nor finance) scope a channel: the handler says so, and SQL as workroom_app under them is refused', async () => {
    for (const role of ['creative', 'finance'] as const) {
      expect(renderText(await slack(role, 'C0NOPE', '/workroom', 'channel client Aurora Athletics'))).toMatch(/Only project managers and leadership can change/)
    }
    expect(await bindings('C0NOPE')).toEqual([])
    const row = (role: keyof typeof person, client: string) => ({
      tenant_id: tenantId, platform: 'slack' as const, workspace_id: SLACK, channel_id: 'C0NOPE', client_id: client, bound_by: person[role].id, bound_at: NOW,
    })
    // The database itself: the insert policy refuses the role, whatever the handler does.
    for (const role of ['creative', 'finance'] as const) {
      expect(await sqlstate(withActor(e.db, actor(role), (trx) => trx.insertInto('workroom.channel_clients').values(row(role, aurora)).execute())), role).toBe('42501')
    }
    // A pm may not bind a channel to the agency itself, nor in another person's name.
    expect(await sqlstate(withActor(e.db, actor('pm'), (trx) => trx.insertInto('workroom.channel_clients').values(row('pm', internal)).execute()))).toBe('42501')
    expect(await sqlstate(withActor(e.db, actor('pm'), (trx) => trx.insertInto('workroom.channel_clients').values(row('leadership', aurora)).execute()))).toBe('42501')
    // A pm's binding stands against a creative's update or delete (no row is theirs to change).
    await withActor(e.db, actor('pm'), (trx) => trx.insertInto('workroom.channel_clients').values(row('pm', aurora)).execute())
    const moved = await withActor(e.db, actor('creative'), (trx) => trx.updateTable('workroom.channel_clients')
      .set({ client_id: internal, bound_by: person.creative.id }).where('channel_id', '=', 'C0NOPE').returning('client_id').execute())
    const removed = await withActor(e.db, actor('creative'), (trx) => trx.deleteFrom('workroom.channel_clients').where('channel_id', '=', 'C0NOPE').returning('client_id').execute())
    expect([moved, removed]).toEqual([[], []])
    expect(await bindings('C0NOPE')).toEqual([expect.objectContaining({ client_id: aurora, bound_by: person.pm.id })])
    // Another tenant's actor sees no binding at all.
    const southpaw = (await e.db.selectFrom('workroom.tenants').select('id').where('slug', '=', 'southpaw').executeTakeFirstOrThrow()).id
    const seen = await withActor(e.db, systemActor(southpaw, 'leadership'), (trx) => trx.selectFrom('workroom.channel_clients').selectAll().execute())
    expect(seen).toEqual([])
    await e.db.deleteFrom('workroom.channel_clients').where('channel_id', '=', 'C0NOPE').execute()
  })

  const QUESTION = 'what are the brand colours and typefaces?'

  it("answers in a client's channel from that client's and agency-wide sources only; the unbound channel's answer is unchanged", async () => {
    // Before any channel is scoped: the answer in #general, as it has always been.
    await slack('leadership', 'C0GENERAL', '/ask', QUESTION)
    const before = await lastAnswer('leadership')
    expect(clientsOf(before.retrievedClients).filter((c) => c !== 'agency-wide').length).toBeGreaterThan(1)

    expect(renderText(await slack('pm', 'C0AURORA', '/workroom', 'channel client Aurora Athletics'))).toMatch(/scoped to Aurora Athletics/)
    const reply = await slack('leadership', 'C0AURORA', '/ask', QUESTION)
    const scoped = await lastAnswer('leadership')
    expect(scoped.citations.length).toBeGreaterThan(0)
    expect(clientsOf(scoped.citations.map((c) => c.client_id))).toContain('Aurora Athletics')
    for (const c of scoped.citations) expect([aurora, null], c.title).toContain(c.client_id)
    // Not only the citations: nothing of another client was even a candidate.
    expect(clientsOf(scoped.retrievedClients).every((c) => c === 'Aurora Athletics' || c === 'agency-wide')).toBe(true)
    for (const other of ['Fizzwell', 'Corvid', 'Halcyon', 'Tidewave', 'DashDish', 'Dashdish']) expect(renderText(reply)).not.toContain(other)

    // The scope holds for someone who may not even read the client's name (row security on clients).
    await slack('creative', 'C0AURORA', '/ask', QUESTION)
    expect(clientsOf((await lastAnswer('creative')).retrievedClients).every((c) => c === 'Aurora Athletics' || c === 'agency-wide')).toBe(true)

    // #general, after: the same answer, the same sources.
    await slack('leadership', 'C0GENERAL', '/ask', QUESTION)
    const after = await lastAnswer('leadership')
    expect(after.text).toBe(before.text)
    expect(after.citations.map((c) => c.chunk_id)).toEqual(before.citations.map((c) => c.chunk_id))
    await e.db.deleteFrom('workroom.channel_clients').where('channel_id', '=', 'C0AURORA').execute()
  })

  it('scopes a Teams channel the same way, by "workroom channel client …" addressed to the bot there', async () => {
    expect(renderText(await teams('leadership', 'workroom channel client Aurora Athletics'))).toMatch(/scoped to Aurora Athletics/)
    expect(await bindings(TEAMS_CHANNEL)).toEqual([expect.objectContaining({ platform: 'teams', workspace_id: TEAMS, client_id: aurora })])
    await teams('pm', QUESTION)
    const scoped = await lastAnswer('pm')
    expect(scoped.citations.length).toBeGreaterThan(0)
    expect(clientsOf(scoped.retrievedClients).every((c) => c === 'Aurora Athletics' || c === 'agency-wide')).toBe(true)
  })

  it("prefers the client's campaigns for a name that fits several, and still finds another client's by a name that fits one", async () => {
    const general = renderText(await slack('leadership', 'C0GENERAL', '/campaign', 'launch'))
    expect(general).toMatch(/Which one/)
    expect(renderText(await slack('pm', 'C0AURORA2', '/workroom', 'channel client Aurora Athletics'))).toMatch(/scoped/)
    const scoped = renderText(await slack('leadership', 'C0AURORA2', '/campaign', 'launch'))
    expect(scoped).toContain('Aurora Air Spring Launch')
    expect(scoped).not.toMatch(/Which one/)
    expect(renderText(await slack('leadership', 'C0AURORA2', '/campaign', 'fizzwell summer refresh'))).toContain('Fizzwell Summer Refresh')
  })

  it("posts a digest in a client's channel that covers only that client's campaigns and team", async () => {
    expect(renderText(await slack('pm', 'C0AURORA3', '/workroom', 'channel client Aurora Athletics'))).toMatch(/scoped/)
    const whole = await buildDigest(e.db, tenantId, TODAY, { platform: 'slack', workspaceId: SLACK, channelId: 'C0GENERAL' })
    const d = await buildDigest(e.db, tenantId, TODAY, { platform: 'slack', workspaceId: SLACK, channelId: 'C0AURORA3' })
    expect(whole.client).toBeNull()
    expect(d.client).toEqual({ id: aurora, name: 'Aurora Athletics' })

    // Independently, as the owner: the client's campaigns, its team this week and their hours on it.
    const monday = '2026-11-23'
    const report = '2026-11-24'
    const campaigns = await e.db.selectFrom('agency.campaigns').select(['id', 'name']).where('client_id', '=', aurora).execute()
    const ids = campaigns.map((c) => c.id)
    const { rows: team } = await sql<{ user_id: string; hours_week: number; hours_day: number }>`
      SELECT p.id AS user_id,
             coalesce((SELECT sum(t.hours) FROM agency.timesheet_entries t WHERE t.user_id = p.id AND t.campaign_id = ANY (${ids}::uuid[])
                         AND t.entry_date BETWEEN ${monday}::date AND ${report}::date), 0)::float AS hours_week,
             coalesce((SELECT sum(t.hours) FROM agency.timesheet_entries t WHERE t.user_id = p.id AND t.campaign_id = ANY (${ids}::uuid[])
                         AND t.entry_date = ${report}::date), 0)::float AS hours_day
        FROM workroom.people p
       WHERE p.tenant_id = ${tenantId} AND p.is_active
         AND (EXISTS (SELECT 1 FROM agency.team_allocations a WHERE a.user_id = p.id AND a.week_start_date = ${monday}::date
                        AND a.campaign_id = ANY (${ids}::uuid[]) AND a.capacity_percentage > 0)
              OR EXISTS (SELECT 1 FROM agency.timesheet_entries t WHERE t.user_id = p.id AND t.campaign_id = ANY (${ids}::uuid[])
                           AND t.entry_date BETWEEN ${monday}::date AND ${report}::date))`.execute(e.db)
    expect(team.length).toBeGreaterThan(0)
    expect(team.length).toBeLessThan(whole.people.length)
    expect(d.people.map((p) => p.userId).sort()).toEqual(team.map((t) => t.user_id).sort())
    for (const p of d.people) {
      const want = team.find((t) => t.user_id === p.userId)!
      expect(p.hoursWeek).toBeCloseTo(want.hours_week, 6)
      expect(p.hoursOnDay).toBeCloseTo(want.hours_day, 6)
    }
    expect(d.topCampaigns.length).toBeGreaterThan(0)
    expect(d.topCampaigns.every((c) => ids.includes(c.campaignId))).toBe(true)
    expect(d.notCounted).toEqual([])
    expect([d.overAllocated, d.underAllocated]).toEqual([[], []])

    // Posted by the scheduler to the channel: the client's digest, naming no other client's campaign.
    // Subscribed before nine, so today's digests are due at 09:00 London.
    NOW = new Date(`${TODAY}T08:00:00Z`)
    await slack('pm', 'C0AURORA3', '/digest', 'daily 09:00 Europe/London')
    await slack('pm', 'C0GENERAL', '/digest', 'daily 09:00 Europe/London')
    const posts = new Map<string, Reply>()
    const result = await runDueDigests({
      db: e.db, service: e.service.db, now: () => new Date(`${TODAY}T09:01:00Z`), logger: createLogger('silent'),
      senders: { slack: async (s, r) => { posts.set(s.channelId, r) } },
    })
    expect(result).toMatchObject({ claimed: 2, sent: 2 })
    const text = renderText(posts.get('C0AURORA3')!)
    expect(text).toMatch(/^Aurora Athletics team utilization · Tue 24 Nov/m)
    const others = await e.db.selectFrom('agency.campaigns').select('name').where('tenant_id', '=', tenantId).where('client_id', '<>', aurora).execute()
    for (const c of others) expect(text).not.toContain(c.name)
    // The preview there is the same client's digest, to the asker only.
    const preview = await slack('pm', 'C0AURORA3', '/digest', 'now')
    expect(preview.visibility).toBe('ephemeral')
    expect(renderText(preview)).toMatch(/^Aurora Athletics team utilization · Tue 24 Nov/m)
    // The unbound channel's digest is the tenant's, as before.
    expect(renderText(posts.get('C0GENERAL')!)).toBe(renderText(digestReply(whole)))
  })
})
