import { randomUUID } from 'node:crypto'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
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
      const { times, logged } = await measureTimesheet(engine, runs)
      const s = summarize(times)
      rows.push({ engine: name, runs: s.runs, logged, p50: ms(s.median), p99: ms(s.p99), max: ms(s.max) })
      const native = engine.kind === 'postgres'
      figures.push({
        engine: name, what: '`/timesheet 15m <day> Aurora Air Spring Launch`', median: s.median, p99: s.p99, unit: 'ms', runs: s.runs,
        ...(native ? { target: 'p99 < 20 ms', verdict: judge('p99', s.p99, 20) } : { verdict: '—' }),
        ...(logged < runs + 20 ? { note: `only ${logged} of ${runs + 20} messages logged time; the others got another reply` } : {}),
      })
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

/**
 * `runs` timesheet messages (after 20 for warm-up) on a new database: migrated, the demo agencies
 * seeded, three people linked in a bound workspace. Also bench/pooler.ts's measure.
 */
export async function measureTimesheet(engine: Engine, runs: number): Promise<{ times: number[]; logged: number }> {
  await migrateAndSeedDemo(engine)
  await bindWorkspace(engine.db, 'slack', 'TBENCH', 'northwind', 'operator')
  for (const email of PEOPLE) await linkIdentity(engine.db, { platform: 'slack', workspaceId: 'TBENCH', externalUserId: email }, email)
  const now = () => new Date()
  const today = now().toISOString().slice(0, 10)
  const times: number[] = []
  let logged = 0
  for (let i = 0; i < runs + 20; i++) {
    const day = addDays(today, -(i % 10))   // the last 10 days: inside the lock window
    const started = performance.now()
    const out = await converse({ db: engine.db, now }, {
      platform: 'slack', workspaceId: 'TBENCH', externalUserId: PEOPLE[i % PEOPLE.length]!, channelId: 'C1', threadId: null,
      requestId: randomUUID(), input: { kind: 'command', command: '/timesheet', text: `15m ${day} Aurora Air Spring Launch` },
    })
    if (i >= 20) times.push(performance.now() - started)   // the first 20 warm up caches and JIT
    if (out.summary.startsWith('Logged')) logged++
  }
  return { times, logged }
}
