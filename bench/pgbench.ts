/**
 * The database's own latency for a read, without Node: PostgreSQL's pgbench (C, libpq) runs the
 * same transaction Workroom runs (BEGIN, the actor's settings, the statement, COMMIT), prepared
 * with the same parameters, and logs each transaction's time. Beside a figure measured through
 * Workroom's pool, it says how much of that figure's tail is the database's and how much the
 * Node process's (its garbage collector, its event loop; docs/performance.md).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { APP_ROLE, type Actor } from '../src/db/actor.ts'

/** Where Debian's PostgreSQL 15 puts pgbench (the CI machines' server binaries; .ci/provision-postgres.sh). */
const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench'

/** One kind of transaction: its statement, with `$n` parameters and their values (strings). */
export interface PgbenchStatement { sql: string; values: readonly string[] }

/**
 * Runs `warmup` + `transactions` transactions over one connection, each one of `statements` picked
 * at random (pgbench -f per statement), as `actor`, prepared (-M prepared). Returns the latency in
 * ms of each transaction after the warm-up (which covers the custom plans PostgreSQL makes for the
 * first five executions of each statement), or why pgbench cannot run here.
 */
export async function pgbenchLatencies(url: string, actor: Actor, statements: PgbenchStatement[], transactions: number, warmup: number): Promise<number[] | { skipped: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'workroom-pgbench-'))
  try {
    // Values go in as pgbench variables (-D), which -M prepared binds as parameters, as
    // node-postgres binds Workroom's.
    const defines: string[] = []
    const define = (name: string, value: string) => { defines.push('-D', `${name}=${value}`); return `:${name}` }
    const settings = `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.current_tenant', ${define('tenant', actor.tenantId)}, true),`
      + ` set_config('app.current_role', ${define('role', actor.role)}, true), set_config('app.current_user_id', ${define('user', actor.userId)}, true);`
    const files: string[] = []
    for (const [i, s] of statements.entries()) {
      const text = s.sql.replace(/\s+/g, ' ').replace(/\$(\d+)/g, (_, n: string) => define(`s${i}_${n}`, s.values[Number(n) - 1]!))
      const file = path.join(dir, `s${i}.sql`)
      await writeFile(file, `BEGIN;\n${settings}\n${text};\nCOMMIT;\n`)
      files.push('-f', file)
    }
    try {
      await promisify(execFile)(PGBENCH, ['-n', '-M', 'prepared', '-c', '1', '-t', String(warmup + transactions), '-l', '--log-prefix', path.join(dir, 'log'), ...files, ...defines, url], { cwd: dir })
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string }
      if (e.code === 'ENOENT') return { skipped: `no pgbench at ${PGBENCH}` }
      throw new Error(`pgbench failed: ${e.stderr ?? e.message}`)
    }
    const logs = (await readdir(dir)).filter((f) => f.startsWith('log'))
    // Each line: client, transaction number, latency in µs, script number, epoch s, µs.
    const lines = (await Promise.all(logs.map((f) => readFile(path.join(dir, f), 'utf8')))).join('\n').split('\n').filter(Boolean)
    return lines.map((l) => l.split(' ').map(Number)).sort((a, b) => a[1]! - b[1]!).slice(warmup).map((f) => f[2]! / 1000)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
