/**
 * End-of-day reminders, `npm run bench -- reminders [--runs N]`: one reminder tick
 * (src/reminders.ts, runDueReminders) deciding and sending the reminders of 1,000 people, with a
 * recording sender (the platform round trip is the digest bench's "post", measured there).
 *
 * The agency: 1,000 creatives in one tenant, each linked on Slack in a bound workspace, allocated
 * to three of 30 campaigns, with one 4 h entry on every weekday of the eight weeks before the runs
 * and, for every other person, a second 4 h entry (a full 8 h day). So each tick finds 1,000
 * people due at 17:30 UTC, 500 short of their day (claimed, built as themselves, sent) and 500
 * who logged enough (claimed as 'skipped', nothing sent). Run r ticks once on its own weekday,
 * after one warm-up tick on the day before.
 *
 * The floor, measured in the same run just before each tick: the decision's raw SQL (who is due
 * and how many hours they logged, for the same instant, a read without the claim), as the owner.
 */
import { sql, type Kysely } from 'kysely'
import type { Engine } from '../src/db/engine.ts'
import { migrateUp } from '../src/db/migrate.ts'
import type { DB } from '../src/db/schema.ts'
import { createLogger } from '../src/log.ts'
import { runDueReminders, type DirectSender } from '../src/reminders.ts'
import { benchEngines } from './engines.ts'
import type { BenchArgs, Figure, Section } from './report.ts'
import { summarize } from './stats.ts'

const PEOPLE = 1000
const CAMPAIGNS = 30
const logger = createLogger('silent')

/** The claim function's decision (migration 027), as a plain read: the floor. */
const decision = (now: Date) => sql<{ id: string; logged: number; target: number }>`
  WITH due AS (
    SELECT p.id, l.local_date, l.friday, p.weekly_capacity_hours AS capacity
      FROM workroom.people p
      JOIN workroom.tenants t ON t.id = p.tenant_id
      LEFT JOIN workroom.reminder_settings s ON s.person_id = p.id
     CROSS JOIN LATERAL (SELECT ${now}::timestamptz AT TIME ZONE coalesce(p.timezone, t.timezone) AS ts) z
     CROSS JOIN LATERAL (SELECT z.ts::date AS local_date, extract(isodow FROM z.ts) AS dow, z.ts::time AS local_time, extract(isodow FROM z.ts) = 5 AS friday) l
     WHERE p.is_active AND coalesce(s.enabled, true) AND l.dow < 6 AND l.local_time >= coalesce(s.remind_at, time '17:30')
       AND EXISTS (SELECT 1 FROM workroom.chat_identities i WHERE i.person_id = p.id AND i.platform IN ('slack', 'teams')
                     AND workroom.workspace_tenant(i.platform, i.workspace_id) IS NOT DISTINCT FROM p.tenant_id)
       AND NOT EXISTS (SELECT 1 FROM workroom.reminder_runs r WHERE r.person_id = p.id AND r.local_date = l.local_date))
  SELECT d.id, CASE WHEN d.friday THEN d.capacity ELSE d.capacity / 5 END AS target,
         (SELECT coalesce(sum(e.hours), 0) FROM agency.timesheet_entries e
           WHERE e.user_id = d.id AND e.entry_date BETWEEN (CASE WHEN d.friday THEN d.local_date - 4 ELSE d.local_date END) AND d.local_date) AS logged
    FROM due d`

type Row = Record<string, string | number>

export async function benchReminders(args: BenchArgs): Promise<Section> {
  const runs = Math.max(1, args.runs ?? 5)
  const started = performance.now()
  // Weekdays other than Friday (Friday weighs the week: the same query, a wider range), the last
  // one a Thursday; the first is the warm-up.
  const days: string[] = []
  for (let d = new Date('2026-11-26T00:00:00Z'); days.length < runs + 1; d = new Date(d.getTime() - 86_400_000)) {
    if (d.getUTCDay() >= 1 && d.getUTCDay() <= 4) days.unshift(d.toISOString().slice(0, 10))
  }
  const rows: Row[] = []
  const figures: Figure[] = []
  const problems: string[] = []
  for (const [name, make] of await benchEngines()) {
    const engine = await make()
    try {
      const migrated = await migrateUp(engine.pool)
      if (migrated.error) throw new Error(migrated.error.message)
      const seeded = performance.now()
      await seedAgency(engine.db, days[0]!, days.at(-1)!)
      console.log(`${name}: ${PEOPLE} people and their entries written in ${((performance.now() - seeded) / 1000).toFixed(1)} s`)
      let sent = 0
      const sender: DirectSender = async () => {
        sent++
        return true
      }
      const ticks: number[] = []
      const floors: number[] = []
      for (const [i, day] of days.entries()) {
        const now = new Date(`${day}T17:30:30Z`)
        const f0 = performance.now()
        const due = (await decision(now).execute(engine.db)).rows
        const floor = performance.now() - f0
        sent = 0
        const t0 = performance.now()
        const result = await runDueReminders({ db: engine.db, service: engine.service.db, now: () => now, senders: { slack: sender }, logger })
        const ms = performance.now() - t0
        const short = due.filter((r) => Number(r.logged) < Number(r.target)).length
        if (due.length !== PEOPLE || result.claimed !== PEOPLE / 2 || result.sent !== PEOPLE / 2 || sent !== PEOPLE / 2 || short !== PEOPLE / 2) {
          problems.push(`${name} ${day}: floor found ${due.length} due (${short} short), the tick claimed ${result.claimed} and sent ${result.sent} (sender saw ${sent}); expected ${PEOPLE} due, ${PEOPLE / 2} sent`)
        }
        if (i === 0) continue
        ticks.push(ms)
        floors.push(floor)
      }
      const tick = summarize(ticks)
      const fl = summarize(floors)
      rows.push({
        engine: name, people: PEOPLE, runs: tick.runs, 'tick median ms': round(tick.median), 'tick p99 ms': round(tick.p99),
        'per person ms': round(tick.median / PEOPLE, 3), 'per reminder sent ms': round(tick.median / (PEOPLE / 2), 3),
        'floor median ms': round(fl.median), 'floor p99 ms': round(fl.p99),
      })
      figures.push({
        engine: name, what: `one tick: ${PEOPLE} people decided, ${PEOPLE / 2} reminders built and sent`, median: tick.median, p99: tick.p99, unit: 'ms', runs: tick.runs, verdict: '—',
        note: `${round(tick.median / PEOPLE, 3)} ms a person decided, ${round(tick.median / (PEOPLE / 2), 3)} ms a reminder sent; recording sender`,
      })
      figures.push({
        engine: name, what: `floor: the decision's SQL for ${PEOPLE} people (read only)`, median: fl.median, p99: fl.p99, unit: 'ms', runs: fl.runs, verdict: '—',
        note: `${round((100 * fl.median) / tick.median, 1)} % of the tick`,
      })
    } finally {
      await engine.close()
    }
  }
  console.log(`\nReminders: one tick deciding ${PEOPLE} people (${PEOPLE / 2} short of their day: claimed, built as themselves and sent to a recording`)
  console.log(` sender; ${PEOPLE / 2} with a full day: claimed as skipped), one tick per run on its own weekday after a warm-up tick; the floor is`)
  console.log(' the decision as one read-only statement, timed just before each tick; p99 is nearest-rank (with 5 runs, the max)')
  console.table(rows)
  for (const p of problems) console.log(`! ${p}`)
  console.log(`(bench took ${((performance.now() - started) / 1000).toFixed(1)} s)`)
  return {
    bench: 'reminders', title: 'end-of-day reminders', figures,
    details: [{ title: 'per engine', rows }],
    lines: [
      `One reminder tick (runDueReminders) for an agency of ${PEOPLE} creatives, all due at 17:30 UTC on a weekday: ${PEOPLE / 2} short of`
        + ` their day are claimed, their reminder built as themselves (their Slack identity, their three usual campaigns) and sent to a recording`
        + ` sender; ${PEOPLE / 2} who logged a full day are claimed as skipped. One tick per run on its own weekday, after one warm-up tick.`,
      'The floor is the decision alone (who is due, their hours for the day) as one read-only statement for the same instant, timed just'
        + ' before each tick in the same run. The difference is the claim (one insert per person), and per reminder one actor transaction'
        + ' (identities, usual campaigns) and the run\'s update.',
      ...problems.map((p) => `Problem: ${p}`),
    ],
  }
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits))

/** The bench agency, written as the owner in a few set-based statements. */
async function seedAgency(db: Kysely<DB>, from: string, to: string): Promise<void> {
  await sql`
    WITH t AS (INSERT INTO workroom.tenants (slug, name, timezone, timesheet_lock_days) VALUES ('bench-reminders', 'Bench Reminders', 'UTC', 366) RETURNING id),
    b AS (INSERT INTO workroom.workspace_bindings (platform, workspace_id, tenant_id, bound_via) SELECT 'slack', 'TREMIND', id, 'operator' FROM t),
    p AS (INSERT INTO workroom.people (tenant_id, email, display_name, role, cost_rate, bill_rate)
          SELECT t.id, 'person' || g || '@bench.example', 'Person ' || g, 'creative', 50, 150 FROM t, generate_series(1, ${PEOPLE}) g RETURNING id, tenant_id, email)
    INSERT INTO workroom.chat_identities (tenant_id, person_id, platform, workspace_id, external_user_id)
    SELECT tenant_id, id, 'slack', 'TREMIND', 'U' || split_part(email, '@', 1) FROM p`.execute(db)
  await sql`
    WITH t AS (SELECT id FROM workroom.tenants WHERE slug = 'bench-reminders'),
    c AS (INSERT INTO agency.clients (tenant_id, name) SELECT id, 'Bench Client' FROM t RETURNING id, tenant_id)
    INSERT INTO agency.campaigns (tenant_id, client_id, name, code, status, start_date, end_date, budget)
    SELECT c.tenant_id, c.id, 'Bench Campaign ' || g, 'BR-' || g, 'active', date '2026-01-01', date '2026-12-31', 100000 FROM c, generate_series(1, ${CAMPAIGNS}) g`.execute(db)
  // Each person on three campaigns, allocated (so they see them) and logged to in turn.
  await sql`
    WITH people AS (SELECT id, tenant_id, row_number() OVER (ORDER BY email) AS n FROM workroom.people WHERE email LIKE '%@bench.example'),
         camps AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k FROM agency.campaigns WHERE code LIKE 'BR-%')
    INSERT INTO agency.team_allocations (tenant_id, user_id, campaign_id, week_start_date, capacity_percentage)
    SELECT p.tenant_id, p.id, c.id, date_trunc('week', ${to}::date)::date, 30 FROM people p JOIN camps c ON c.k IN ((p.n) % ${CAMPAIGNS}, (p.n + 1) % ${CAMPAIGNS}, (p.n + 2) % ${CAMPAIGNS})`.execute(db)
  await sql`
    WITH people AS (SELECT id, tenant_id, row_number() OVER (ORDER BY email) AS n FROM workroom.people WHERE email LIKE '%@bench.example'),
         camps AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k FROM agency.campaigns WHERE code LIKE 'BR-%'),
         days AS (SELECT d::date AS day, row_number() OVER (ORDER BY d) AS i FROM generate_series(${from}::date - 56, ${to}::date, interval '1 day') d WHERE extract(isodow FROM d) < 6),
         slots AS (SELECT 1 AS slot UNION ALL SELECT 2)
    INSERT INTO agency.timesheet_entries (tenant_id, user_id, campaign_id, entry_date, hours, is_billable, source, cost_rate, bill_rate)
    SELECT p.tenant_id, p.id, c.id, d.day, 4, true, 'cli', 50, 150
      FROM people p CROSS JOIN days d CROSS JOIN slots s
      JOIN camps c ON c.k = (p.n + (d.i + s.slot) % 3) % ${CAMPAIGNS}
     WHERE s.slot = 1 OR p.n % 2 = 0`.execute(db)
  await sql`ANALYZE`.execute(db)
}
