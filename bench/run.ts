/**
 * `npm run bench -- <name> [--runs N]`: benchmarks that print tables. Never part of npm test;
 * native PostgreSQL is measured when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set.
 */
import { Command } from 'commander'
import { benchDigest } from './digest.ts'
import { benchMigrations } from './migrations.ts'
import { benchRag } from './rag.ts'
import { benchSeed } from './seed.ts'
import { benchSlack } from './slack.ts'
import { benchTimesheet } from './timesheet.ts'

const BENCHES: Record<string, (args: { runs?: number }) => Promise<void>> = {
  digest: benchDigest,
  migrations: benchMigrations,
  rag: benchRag,
  seed: benchSeed,
  slack: benchSlack,
  timesheet: benchTimesheet,
}

const program = new Command('bench')
  .argument('<name>', `one of: ${Object.keys(BENCHES).join(', ')}`)
  .option('--runs <n>', 'repetitions per engine', (v) => Number(v))
  .action(async (name: string, opts: { runs?: number }) => {
    const bench = BENCHES[name]
    if (!bench) {
      console.error(`unknown benchmark "${name}"; choose one of: ${Object.keys(BENCHES).join(', ')}`)
      process.exit(2)
    }
    await bench(opts)
  })
await program.parseAsync(process.argv)
