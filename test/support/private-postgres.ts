/**
 * A PostgreSQL 15 server of a test's own, for fault tests that stop and restart it: the shared
 * server (TEST_DATABASE_URL) serves every other test file at the same time and must not go away.
 * initdb into a temporary directory, on a free port, owned by the postgres system user (the
 * server refuses to run as root). pgvector comes from the system installation that
 * .ci/provision-postgres.sh builds.
 *
 * Durability settings are the defaults that matter for the test: synchronous_commit on, so a
 * COMMIT the server acknowledged survives an immediate stop; fsync off only saves time, since the
 * machine itself does not crash.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.ts'

const PGBIN = '/usr/lib/postgresql/15/bin'
const VECTOR = '/usr/share/postgresql/15/extension/vector.control'
const run = promisify(execFile)

export interface PrivatePostgres {
  url: string
  /** pg_ctl stop: 'fast' ends sessions and checkpoints, 'immediate' is a crash (recovery at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>
  start(): Promise<void>
  /** Stops the server and deletes its directory. */
  close(): Promise<void>
}

/** Why a private server cannot run here, or null when it can. */
export function privatePostgresMissing(): string | null {
  if (!existsSync(join(PGBIN, 'initdb'))) return `PostgreSQL 15 server binaries are not in ${PGBIN}`
  if (!existsSync(VECTOR)) return 'pgvector is not installed for PostgreSQL 15 (.ci/provision-postgres.sh builds it)'
  if (process.getuid?.() !== 0) return 'starting a server as the postgres user needs root (runuser)'
  return null
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'workroom-fault-pg-'))
  const data = join(dir, 'data')
  const port = await freePort()
  const asPostgres = (bin: string, ...args: string[]) => run('runuser', ['-u', 'postgres', '--', join(PGBIN, bin), ...args], { timeout: 60_000 })
  await run('chown', ['postgres:postgres', dir])
  await asPostgres('initdb', '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8')
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=50`
  const start = async () => { await asPostgres('pg_ctl', '-D', data, '-l', join(dir, 'server.log'), '-w', '-o', options, 'start') }
  const stop = async (mode: 'fast' | 'immediate') => { await asPostgres('pg_ctl', '-D', data, '-m', mode, '-w', 'stop') }
  await start()
  let closed = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    close: async () => {
      if (closed) return
      closed = true
      await stop('immediate').catch(() => undefined)   // already stopped is fine
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
