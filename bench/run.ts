/**
 * `npm run bench -- <name> [--runs N] [--write]`: one benchmark, printing its tables (and with
 * --write, putting its section in BENCHMARKS.md in place of the one there).
 * `npm run bench [-- --runs N]`: every benchmark in turn, then BENCHMARKS.md at the repo root.
 * Never part of npm test; native PostgreSQL is measured when BENCH_DATABASE_URL (or
 * TEST_DATABASE_URL) is set.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { benchAnswers } from './answers.ts'
import { benchDigest } from './digest.ts'
import { benchGrowth } from './growth.ts'
import { describeMachine } from './machine.ts'
import { nativeUrl } from './engines.ts'
import { withAdmin } from '../src/db/scratch.ts'
import { benchMigrations } from './migrations.ts'
import { benchPooler } from './pooler.ts'
import { benchRag } from './rag.ts'
import { benchReminders } from './reminders.ts'
import { renderReport, renderSection, replaceSection, type BenchArgs, type Failure, type Section } from './report.ts'
import { benchSeed } from './seed.ts'
import { benchSlack } from './slack.ts'
import { benchStartup } from './startup.ts'
import { benchTimesheet } from './timesheet.ts'
import { benchViews } from './views.ts'

/** In the order the report lists them. */
const BENCHES: Record<string, (args: BenchArgs) => Promise<Section>> = {
  migrations: benchMigrations,
  seed: benchSeed,
  views: benchViews,
  growth: benchGrowth,
  timesheet: benchTimesheet,
  pooler: benchPooler,
  rag: benchRag,
  answers: benchAnswers,
  slack: benchSlack,
  digest: benchDigest,
  reminders: benchReminders,
  startup: benchStartup,
}

const REPORT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))

const program = new Command('bench')
  .argument('[name]', `one of: ${Object.keys(BENCHES).join(', ')}; none runs them all and writes BENCHMARKS.md`)
  .option('--runs <n>', 'repetitions per engine', (v) => Number(v))
  .option('--write', "with a name: also replace that bench's section of BENCHMARKS.md")
  .action(async (name: string | undefined, opts: { runs?: number; write?: boolean }) => {
    if (name === undefined) {
      process.exitCode = await runAll(opts)
      return
    }
    const bench = BENCHES[name]
    if (!bench) {
      console.error(`unknown benchmark "${name}"; choose one of: ${Object.keys(BENCHES).join(', ')}`)
      process.exit(2)
    }
    const section = await bench(opts)
    if (process.env.BENCH_ENGINE) section.lines.push(`Measured on one engine only (BENCH_ENGINE=${process.env.BENCH_ENGINE}); the other's figures are not in this section.`)
    console.log(`\n${renderSection(section)}`)
    if (opts.write) {
      writeFileSync(REPORT, replaceSection(readFileSync(REPORT, 'utf8'), name, renderSection(section)))
      console.log(`\nreplaced the ${name} section of ${REPORT}`)
    }
  })
await program.parseAsync(process.argv)

/** Every bench in turn; one that throws is reported as failed and the rest still run. */
async function runAll(opts: { runs?: number }): Promise<number> {
  const started = performance.now()
  const machine = await describeMachine()
  const results: Array<Section | Failure> = []
  for (const [name, bench] of Object.entries(BENCHES)) {
    console.log(`\n=== ${name} ===`)
    const benchStarted = performance.now()
    try {
      results.push(await bench({ ...opts, quick: true }))
    } catch (err) {
      console.error(`bench ${name} failed:`, err)
      results.push({ bench: name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) })
    }
    console.log(`(${name}: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s)`)
    await settle()
  }
  writeFileSync(REPORT, renderReport(machine, results, { minutes: (performance.now() - started) / 60_000, ...(opts.runs === undefined ? {} : { runs: opts.runs }) }))
  const failed = results.filter((r) => !('figures' in r)).length
  console.log(`\nwrote ${REPORT}${failed ? `; ${failed} bench(es) failed` : ''}`)
  return failed ? 1 : 0
}

/**
 * Between benches: a CHECKPOINT on the native server, so the next bench does not pay for the
 * dirty pages the last one left (rag's 10,000-chunk databases, dropped as it ends). Seen in an
 * all-benches run: slack's 50-connection p99 was 176 ms right after rag and 61 ms alone.
 */
async function settle(): Promise<void> {
  if (!nativeUrl) return
  await withAdmin(nativeUrl, (admin) => admin.query('CHECKPOINT'))
}
