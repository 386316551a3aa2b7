import type { Engine } from '../src/db/engine.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { seed, type Scale } from '../seeds/index.ts'
import { emptyPgliteDump, nativeUrl, scratchNative, scratchPglite } from './engines.ts'
import { judge, type BenchArgs, type Figure, type Section } from './report.ts'
import { summarize } from './stats.ts'

/**
 * Seeding time on a freshly migrated database (migrating is not counted). Targets: demo scale on
 * the embedded database under 30 s; bench scale on native PostgreSQL under 3 minutes.
 */
export async function benchSeed(args: BenchArgs): Promise<Section> {
  const dump = await emptyPgliteDump()
  // limit: the target in seconds, met when p99 (with so few runs, the slowest) is under it.
  const cases: Array<{ scale: Scale; engine: string; make: () => Promise<Engine>; runs: number; target: string; limit?: number }> = [
    { scale: 'demo', engine: 'PGlite (embedded)', make: () => scratchPglite(dump), runs: args.runs ?? 5, target: '< 30 s', limit: 30 },
  ]
  if (nativeUrl) {
    cases.push({ scale: 'demo', engine: 'PostgreSQL (native)', make: scratchNative, runs: args.runs ?? 5, target: '-' })
    cases.push({ scale: 'bench', engine: 'PostgreSQL (native)', make: scratchNative, runs: Math.min(args.runs ?? 3, 3), target: '< 180 s', limit: 180 })
  } else {
    console.log('native PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)')
  }
  const rows = []
  const figures: Figure[] = []
  let benchCounts: Record<string, number> | undefined
  for (const c of cases) {
    const times: number[] = []
    let total = 0
    let counts: Record<string, number> = {}
    for (let i = 0; i < c.runs; i++) {
      const engine = await c.make()
      try {
        const migrated = await migrateUp(engine.pool)
        if (migrated.error) throw new Error(migrated.error.message)
        const started = performance.now()
        const reports = await seed(engine, { scale: c.scale, progress: false })
        times.push((performance.now() - started) / 1000)
        total = reports.reduce((n, r) => n + Object.values(r.rows).reduce((a, b) => a + b, 0), 0)
        counts = Object.assign({}, ...reports.map((r) => r.rows))
      } finally {
        await engine.close()
      }
      process.stderr.write('.')
    }
    process.stderr.write('\n')
    const s = summarize(times)
    if (c.scale === 'bench') {
      console.log('bench scale rows per table')
      console.table(counts)
      benchCounts = counts
    }
    rows.push({ scale: c.scale, engine: c.engine, rows: total, runs: s.runs, median: `${s.median.toFixed(1)} s`, max: `${s.max.toFixed(1)} s`, target: c.target })
    figures.push({
      engine: c.engine, what: `${c.scale} scale (${total.toLocaleString('en')} rows)`, median: s.median, p99: s.p99, unit: 's', runs: s.runs,
      ...(c.limit ? { target: `p99 ${c.target}`, verdict: judge('p99', s.p99, c.limit, 's') } : { verdict: '—' }),
    })
  }
  console.log('\nSeeding a freshly migrated database')
  console.table(rows)
  return {
    bench: 'seed', title: 'seeding a freshly migrated database', figures,
    lines: [
      'seed() as `workroom seed` runs it, without progress bars, on a freshly migrated database (migrating is not counted).'
        + ' Demo scale: the two demo agencies, with their knowledge corpus chunked and embedded by the offline hashing embedder.'
        + ' Bench scale: the benchmark agency, 1,000 campaigns, a year of timesheets and 10,000 synthetic chunks inserted into the'
        + ' HNSW index row by row; at most 3 runs, each a few minutes at worst.',
    ],
    details: benchCounts ? [{ title: 'Bench scale rows per table', rows: Object.entries(benchCounts).map(([table, n]) => ({ table, rows: n })) }] : [],
  }
}
