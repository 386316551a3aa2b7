import type { Engine } from '../src/db/engine.ts'
import { createScratchDatabase } from '../src/db/scratch.ts'
import { nativeUrl, scratchNative } from './engines.ts'
import type { BenchArgs, Figure, Section } from './report.ts'
import { ms, summarize } from './stats.ts'
import { measureTimesheet } from './timesheet.ts'

/** The Supabase-shaped server and PgBouncer before it (.ci/provision-supabase.sh). */
const supabaseUrl = process.env.BENCH_SUPABASE_URL ?? process.env.TEST_SUPABASE_URL
const poolerUrl = process.env.BENCH_POOLER_URL ?? process.env.TEST_POOLER_URL

/**
 * What a transaction-mode pooler costs a request: one `/timesheet` message end to end (as
 * bench/timesheet.ts measures it) on the native server, on the Supabase-shaped server directly,
 * and on the same server through PgBouncer in transaction mode. Sequential messages, so the figure
 * is the pooler's added round-trip latency, not its queueing under load.
 */
export async function benchPooler(args: BenchArgs): Promise<Section> {
  const runs = args.runs ?? 500
  const engines: Array<[string, () => Promise<Engine>]> = []
  if (nativeUrl) engines.push(['PostgreSQL (native, superuser owner)', scratchNative])
  if (supabaseUrl) {
    engines.push(['Supabase-shaped, direct', () => createScratchDatabase(supabaseUrl, { prefix: 'workroom_bench_supa' })])
    if (poolerUrl) engines.push(['Supabase-shaped, PgBouncer transaction mode', () => createScratchDatabase(supabaseUrl, { prefix: 'workroom_bench_supa', connectVia: poolerUrl, prepare: false })])
  } else {
    console.log('Supabase-shaped server: skipped (run .ci/provision-supabase.sh and set TEST_SUPABASE_URL and TEST_POOLER_URL)')
  }
  const rows = []
  const figures: Figure[] = []
  for (const [name, make] of engines) {
    const engine = await make()
    try {
      const { times, logged } = await measureTimesheet(engine, runs)
      const s = summarize(times)
      rows.push({ engine: name, runs: s.runs, logged, p50: ms(s.median), p99: ms(s.p99), max: ms(s.max) })
      figures.push({
        engine: name, what: '`/timesheet` message end to end', median: s.median, p99: s.p99, unit: 'ms', runs: s.runs, verdict: '—',
        ...(logged < runs + 20 ? { note: `only ${logged} of ${runs + 20} messages logged time` } : {}),
      })
    } finally {
      await engine.close()
    }
  }
  console.log('\n/timesheet end to end: native, Supabase-shaped direct, and through PgBouncer in transaction mode')
  console.table(rows)
  return {
    bench: 'pooler', title: 'a request through a transaction-mode pooler', figures,
    lines: [
      'The /timesheet message of the timesheet bench on three databases of the same machine: the native test server, the'
        + ' Supabase-shaped one (non-superuser owner, pgvector in extensions) directly, and the same through PgBouncer in'
        + ' transaction mode, as Supavisor fronts a Supabase database. One message at a time: the difference is the pooler\'s'
        + ' extra hop per statement.',
    ],
  }
}
