import type { Engine } from '../src/db/engine.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { seed, type Scale } from '../seeds/index.ts'
import { emptyPgliteDump, nativeUrl, scratchNative, scratchPglite } from './engines.ts'
import { summarize } from './stats.ts'

/**
 * Seeding time on a freshly migrated database (migrating is not counted). Targets: demo scale on
 * the embedded database under 30 s; bench scale on native PostgreSQL under 3 minutes.
 */
export async function benchSeed(args: { runs?: number }): Promise<void> {
  const dump = await emptyPgliteDump()
  const cases: Array<{ scale: Scale; engine: string; make: () => Promise<Engine>; runs: number; target: string }> = [
    { scale: 'demo', engine: 'PGlite (embedded)', make: () => scratchPglite(dump), runs: args.runs ?? 5, target: '< 30 s' },
  ]
  if (nativeUrl) {
    cases.push({ scale: 'demo', engine: 'PostgreSQL (native)', make: scratchNative, runs: args.runs ?? 5, target: '-' })
    cases.push({ scale: 'bench', engine: 'PostgreSQL (native)', make: scratchNative, runs: Math.min(args.runs ?? 3, 3), target: '< 180 s' })
  } else {
    console.log('native PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)')
  }
  const rows = []
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
    }
    rows.push({ scale: c.scale, engine: c.engine, rows: total, runs: s.runs, median: `${s.median.toFixed(1)} s`, max: `${s.max.toFixed(1)} s`, target: c.target })
  }
  console.log('\nSeeding a freshly migrated database')
  console.table(rows)
}
