import { randomUUID } from 'node:crypto'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity, resolveIdentity } from '../src/db/identity.ts'
import { withActor } from '../src/db/actor.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { converse } from '../src/chat/converse.ts'
import { addDays } from '../src/dates.ts'
import { benchEngines, migrateAndSeedDemo } from './engines.ts'
import { judge, type BenchArgs, type Figure, type Section } from './report.ts'
import { ms, summarize } from './stats.ts'

const PEOPLE = ['lucy.fernandes@northwind.example', 'oscar.lindqvist@northwind.example', 'olivia.hart@northwind.example']

/**
 * One `/timesheet 15m <day> Aurora Air Spring Launch` message through identity, router, parser,
 * handler and database, as Slack would deliver it. Target: p99 under 20 ms on native PostgreSQL.
 */
export async function benchTimesheet(args: BenchArgs): Promise<Section> {
  const runs = args.runs ?? 1000
  const engines = await benchEngines()
  const rows = []
  const figures: Figure[] = []
  for (const [name, make] of engines) {
    const engine = await make()
    try {
      const { times, floors, logged } = await measureTimesheet(engine, runs, { campaigns: EXTRA_CAMPAIGNS, floor: true })
      const s = summarize(times)
      const f = summarize(floors)
      const ratio = `${(s.median / f.median).toFixed(2)}× / ${(s.p99 / f.p99).toFixed(2)}×`
      rows.push({ engine: name, runs: s.runs, logged, p50: ms(s.median), p99: ms(s.p99), max: ms(s.max), 'floor p50': ms(f.median), 'floor p99': ms(f.p99), 'ratio p50 / p99': ratio })
      const native = engine.kind === 'postgres'
      figures.push({
        engine: name, what: '`/timesheet 15m <day> Aurora Air Spring Launch`', median: s.median, p99: s.p99, unit: 'ms', runs: s.runs,
        ...(native ? { target: 'p99 < 20 ms', verdict: judge('p99', s.p99, 20) } : { verdict: '—' }),
        note: `SQL floor (identity, then the insert under RLS) p50 ${ms(f.median)}, p99 ${ms(f.p99)}: the message is ${ratio} of it (p50 / p99)`
          + (logged < runs + 20 ? `; only ${logged} of ${runs + 20} messages logged time; the others got another reply` : ''),
      })
      figures.push({ engine: name, what: '/timesheet SQL floor', median: f.median, p99: f.p99, unit: 'ms', runs: f.runs, verdict: '—' })
    } finally {
      await engine.close()
    }
  }
  console.log('\n/timesheet through router, handler and database (target: p99 < 20 ms on native PostgreSQL)')
  console.table(rows)
  return {
    bench: 'timesheet', title: 'one /timesheet message end to end', figures,
    lines: [
      'converse() as the Slack bot calls it: identity, router, parser, handler and the insert under RLS, for three'
        + ' linked demo people in turn, on the last 10 days; 20 warm-up messages are not counted.',
    ],
  }
}

/** Campaigns added to Northwind so that, as at bench scale, each sender sees about a thousand. */
export const EXTRA_CAMPAIGNS = 1000

/**
 * `runs` timesheet messages (after 20 for warm-up) on a new database: migrated, the demo agencies
 * seeded, three people linked in a bound workspace. With `campaigns`, that many more Northwind
 * campaigns are added with the three senders as their leads, so each sees them all (the bench
 * agency's thousand). With `floor`, each message is followed by its SQL floor: the same person's
 * identity resolved and the same entry inserted under row security in one transaction, with the
 * campaign already known (what no /timesheet can do without). Also bench/pooler.ts's measure.
 */
export async function measureTimesheet(engine: Engine, runs: number, options: { campaigns?: number; floor?: boolean } = {}): Promise<{ times: number[]; floors: number[]; logged: number }> {
  await migrateAndSeedDemo(engine)
  await bindWorkspace(engine.db, 'slack', 'TBENCH', 'northwind', 'operator')
  for (const email of PEOPLE) await linkIdentity(engine.db, { platform: 'slack', workspaceId: 'TBENCH', externalUserId: email }, email)
  if (options.campaigns) await addCampaigns(engine, options.campaigns)
  const target = (await engine.db.selectFrom('agency.campaigns').select(['id', 'tenant_id']).where('name', '=', 'Aurora Air Spring Launch').executeTakeFirstOrThrow())
  const now = () => new Date()
  const today = now().toISOString().slice(0, 10)
  const times: number[] = []
  const floors: number[] = []
  let logged = 0
  for (let i = 0; i < runs + 20; i++) {
    const day = addDays(today, -(i % 10))   // the last 10 days: inside the lock window
    const person = PEOPLE[i % PEOPLE.length]!
    const started = performance.now()
    const out = await converse({ db: engine.db, now }, {
      platform: 'slack', workspaceId: 'TBENCH', externalUserId: person, channelId: 'C1', threadId: null,
      requestId: randomUUID(), input: { kind: 'command', command: '/timesheet', text: `15m ${day} Aurora Air Spring Launch` },
    })
    if (i >= 20) times.push(performance.now() - started)   // the first 20 warm up caches and JIT
    if (out.summary.startsWith('Logged')) logged++
    if (!options.floor) continue
    const floorStarted = performance.now()
    const actor = await resolveIdentity(engine.db, { platform: 'slack', workspaceId: 'TBENCH', externalUserId: person })
    await withActor(engine.db, actor!, (trx) => trx.insertInto('agency.timesheet_entries').values({
      tenant_id: target.tenant_id, user_id: actor!.userId, campaign_id: target.id, entry_date: day, hours: 0.25, source: 'slack', external_ref: randomUUID(),
    }).returning('id').executeTakeFirstOrThrow())
    if (i >= 20) floors.push(performance.now() - floorStarted)
  }
  return { times, floors, logged }
}

export async function addCampaigns(engine: Engine, n: number): Promise<void> {
  const leads = await engine.db.selectFrom('workroom.people').select(['id', 'tenant_id', 'email']).where('email', 'in', PEOPLE).orderBy('email').execute()
  const words = ['Harbour', 'Summit', 'Lantern', 'Meadow', 'Copper', 'Orbit', 'Willow', 'Granite', 'Beacon', 'Falcon', 'Cobalt', 'Juniper']
  const kinds = ['Launch', 'Refresh', 'Always-On', 'Retail Push', 'Sponsorship', 'Rebrand', 'Social Sprint', 'Trade Show']
  // Spread over 50 new clients (20 campaigns each, as the bench agency spreads its 1,000), so no
  // demo client's name ("Aurora Athletics") stands for a thousand campaigns.
  const clients = await engine.db.insertInto('agency.clients').values(Array.from({ length: 50 }, (_, k) => ({
    tenant_id: leads[0]!.tenant_id, name: `${words[k % words.length]} ${kinds[k % kinds.length]} Holdings ${k}`,
  }))).returning('id').execute()
  await engine.db.insertInto('agency.campaigns').values(Array.from({ length: n }, (_, i) => ({
    tenant_id: leads[0]!.tenant_id, client_id: clients[i % clients.length]!.id,
    name: `${words[i % words.length]} ${words[Math.floor(i / words.length) % words.length]} ${kinds[i % kinds.length]} ${2000 + Math.floor(i / 40)}`,
    code: `BEN-${String(i).padStart(4, '0')}`, status: i % 5 === 0 ? 'completed' : 'active',
    account_lead_id: leads[0]!.id, creative_lead_id: leads[1]!.id, producer_id: leads[2]!.id,
  }))).execute()
}
