import type { Engine } from '../src/db/engine.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { emptyPgliteDump, nativeUrl, scratchNative, scratchPglite } from './engines.ts'
import type { BenchArgs, Figure, Section } from './report.ts'
import { ms, summarize } from './stats.ts'

/** Time to apply every migration to an empty database, per engine. Spec: ~1.8 s in total. */
export async function benchMigrations(args: BenchArgs): Promise<Section> {
  const runs = args.runs ?? 15
  const engines: Array<[string, () => Promise<Engine>]> = []
  const dump = await emptyPgliteDump()
  engines.push(['PGlite 0.5 (PostgreSQL 18, WASM)', () => scratchPglite(dump)])
  if (nativeUrl) engines.push(['PostgreSQL (native)', scratchNative])
  else console.log('native PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)')

  const rows = []
  const figures: Figure[] = []
  const perFile = new Map<string, Map<string, number[]>>()
  for (const [name, make] of engines) {
    const totals: number[] = []
    const files = new Map<string, number[]>()
    for (let i = 0; i < runs; i++) {
      const engine = await make()
      try {
        const started = performance.now()
        const result = await migrateUp(engine.pool, {
          onApplied: (file, t) => files.set(file, [...(files.get(file) ?? []), t]),
        })
        totals.push(performance.now() - started)
        if (result.error) throw new Error(result.error.message)
      } finally {
        await engine.close()
      }
      process.stderr.write('.')
    }
    process.stderr.write('\n')
    const s = summarize(totals)
    rows.push({ engine: name, runs: s.runs, median: ms(s.median), p99: ms(s.p99), min: ms(s.min), max: ms(s.max) })
    figures.push({ engine: name, what: 'all migrations on an empty database', median: s.median, p99: s.p99, unit: 'ms', runs: s.runs, spec: '~1.8 s in total', verdict: '—' })
    perFile.set(name, files)
  }
  console.log('\nAll migrations on an empty database (spec: ~1.8 s in total)')
  console.table(rows)
  const names = [...(perFile.values().next().value?.keys() ?? [])]
  const byFile = names.map((file) => Object.fromEntries([
    ['migration', file],
    ...[...perFile].map(([engine, files]) => [engine, ms(summarize(files.get(file) ?? [0]).median)]),
  ]))
  console.log('Median per file')
  console.table(byFile)
  return {
    bench: 'migrations', title: 'applying every migration', figures,
    lines: [
      `Every migration, in one run of migrateUp, on a new empty database each time (PGlite restored from a dump of a freshly`
        + ` initialised one, so initdb is not counted; native: a new scratch database). The spec's ~1.8 s is its migration`
        + ` guide's total run time: a reference, not a target.`,
    ],
    details: [{ title: 'Median per file', rows: byFile }],
  }
}
