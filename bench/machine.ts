import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createEngine } from '../src/db/engine.ts'
import { nativeUrl } from './engines.ts'
import type { Machine } from './report.ts'

/** What BENCHMARKS.md says the figures were measured on. */
export async function describeMachine(): Promise<Machine> {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString().slice(0, 10),
    commit: commit(),
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    postgres: nativeUrl ? await nativeVersion(nativeUrl) : 'not measured (set BENCH_DATABASE_URL or TEST_DATABASE_URL)',
    pglite: await pgliteVersion(),
  }
}

async function nativeVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version')
    const vector = await client.query<{ default_version: string }>("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
    return `${rows[0]!.server_version}, pgvector ${vector.rows[0]?.default_version ?? 'not installed'}`
  } finally {
    await client.end()
  }
}

async function pgliteVersion(): Promise<string> {
  const engine = await createEngine({ kind: 'pglite' })
  try {
    const { rows } = await engine.pool.query<{ version: string }>('SELECT version()')
    return rows[0]!.version
  } finally {
    await engine.close()
  }
}

/**
 * The short hash of HEAD, read from .git itself so the report needs no git binary. Loose ref
 * first, then packed-refs; 'unknown' outside a plain checkout (a worktree's .git is a file).
 */
function commit(): string {
  const git = (path: string) => fileURLToPath(new URL(`../.git/${path}`, import.meta.url))
  try {
    const head = readFileSync(git('HEAD'), 'utf8').trim()
    if (!head.startsWith('ref: ')) return head.slice(0, 7)
    const ref = head.slice(5)
    if (existsSync(git(ref))) return readFileSync(git(ref), 'utf8').trim().slice(0, 7)
    const packed = readFileSync(git('packed-refs'), 'utf8').split('\n').find((l) => l.endsWith(` ${ref}`))
    return packed?.slice(0, 7) ?? 'unknown'
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return 'unknown'
    throw err
  }
}
