import { randomUUID } from 'node:crypto'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { handleInbound } from '../src/handlers/router.ts'
import { addDays } from '../src/dates.ts'
import { benchEngines, migrateAndSeedDemo } from './engines.ts'
import { ms, summarize } from './stats.ts'

const PEOPLE = ['lucy.fernandes@northwind.example', 'oscar.lindqvist@northwind.example', 'olivia.hart@northwind.example']

/**
 * One `/timesheet 15m <day> Aurora Air Spring Launch` message through identity, router, parser,
 * handler and database, as Slack would deliver it. Target: p99 under 20 ms on native PostgreSQL.
 */
export async function benchTimesheet(args: { runs?: number }): Promise<void> {
  const runs = args.runs ?? 1000
  const engines = await benchEngines()
  const rows = []
  for (const [name, make] of engines) {
    const engine = await make()
    try {
      await migrateAndSeedDemo(engine)
      for (const email of PEOPLE) await linkIdentity(engine.db, { platform: 'slack', workspaceId: 'TBENCH', externalUserId: email }, email)
      const now = () => new Date()
      const today = now().toISOString().slice(0, 10)
      const times: number[] = []
      let logged = 0
      for (let i = 0; i < runs + 20; i++) {
        const day = addDays(today, -(i % 10))   // the last 10 days: inside the lock window
        const started = performance.now()
        const out = await handleInbound({ db: engine.db, now }, {
          platform: 'slack', workspaceId: 'TBENCH', externalUserId: PEOPLE[i % PEOPLE.length]!, channelId: 'C1', threadId: null,
          requestId: randomUUID(), input: { kind: 'command', command: '/timesheet', text: `15m ${day} Aurora Air Spring Launch` },
        })
        if (i >= 20) times.push(performance.now() - started)   // the first 20 warm up caches and JIT
        if (out.summary.startsWith('Logged')) logged++
      }
      const s = summarize(times)
      rows.push({ engine: name, runs: s.runs, logged, p50: ms(s.median), p99: ms(s.p99), max: ms(s.max) })
    } finally {
      await engine.close()
    }
  }
  console.log('\n/timesheet through router, handler and database (target: p99 < 20 ms on native PostgreSQL)')
  console.table(rows)
}
