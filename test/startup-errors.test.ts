/**
 * A start that cannot go on says why in one paragraph a person can act on, with no stack trace
 * (it used to be a raw trace, once 167 KB of minified WASM glue), and exits 1. Real processes:
 * `npm start`'s entry point and the `workroom` command.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { mkdtemp, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createEngine } from '../src/db/engine.ts'
import { DataDirBusy } from '../src/db/data-dir.ts'
import { explainFailure } from '../src/startup.ts'
import { freePort } from './support/free-port.ts'

const cli = path.resolve('bin/workroom.js')

/** Runs a command to its end: exit code and everything it printed. */
function runToEnd(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 90_000 }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr }))
  })
}
/** `npm start`'s entry (bin/start.js: the build of src/main.ts) as npm runs it, without npm. */
const npmStart = (env: NodeJS.ProcessEnv) => runToEnd(process.execPath, ['bin/start.js'], env)

/** No "    at …" frames, no Node error banner: one paragraph. */
function expectNoStackTrace(output: string) {
  expect(output).not.toMatch(/\n\s+at /)
  expect(output).not.toMatch(/Node\.js v\d+|Error: |RuntimeError/)
}

/** Every file under dir with its size and modification time: what "nothing was changed" compares. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    const s = await stat(file)
    out[path.relative(dir, file)] = `${s.size} ${s.mtimeMs}`
  }
  return out
}

let root: string
let base: NodeJS.ProcessEnv
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'workroom-startup-errors-'))
  base = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', NODE_ENV: 'development' }
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('a port that is taken', () => {
  let taken: Server
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())))

  it('names the port and the variable that changes it, before opening the database', async () => {
    taken = createServer()
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)))
    const dataDir = path.join(root, 'port', 'pglite')
    const { code, stderr } = await npmStart({ ...base, PORT: String(port), WORKROOM_DATA_DIR: dataDir })
    expect(code).toBe(1)
    expect(stderr).toContain(`Workroom cannot listen on port ${port} on 127.0.0.1: another program is using it`)
    expect(stderr).toMatch(/choose a free port with the PORT environment variable, e.g. PORT=\d+ npm start\./)
    expectNoStackTrace(stderr)
    // Refused before the database was created, migrated and seeded (half a minute on a first start).
    expect(await readdir(dataDir).catch(() => [])).toEqual([])
  }, 120_000)
})

describe('a database that cannot be reached', () => {
  it('names the host and port, what failed and what to check, from npm start and from a command', async () => {
    const port = await freePort()   // nothing listens there
    const env = { ...base, DATABASE_URL: `postgres://workroom:secret@127.0.0.1:${port}/agency` }
    const [started, status] = await Promise.all([npmStart(env), runToEnd(cli, ['migrate', 'status'], env)])
    expect(started.code).toBe(1)
    expect(started.stderr).toContain(`Workroom cannot use the database at 127.0.0.1:${port} (database "agency"), from DATABASE_URL: the connection was refused, so nothing listens on that port. Check that PostgreSQL is running there and that the host and port in DATABASE_URL are right.`)
    expect(started.stderr).not.toContain('secret')
    expectNoStackTrace(started.stderr)
    expect(status.code).toBe(1)
    expect(status.stderr).toContain(`Workroom cannot use the database at 127.0.0.1:${port} (database "agency"), from DATABASE_URL: the connection was refused`)
    expectNoStackTrace(status.stderr)
  }, 120_000)

  // A server that answers but has no such database: a misconfigured URL, not an unreachable one.
  const native = process.env.TEST_DATABASE_URL
  if (native) {
    it('says which database does not exist and how to create it (native PostgreSQL)', async () => {
      const url = new URL(native)
      url.pathname = '/workroom_no_such_database'
      const { code, stderr } = await runToEnd(cli, ['migrate', 'status'], { ...base, DATABASE_URL: url.toString() })
      expect(code).toBe(1)
      expect(stderr).toContain(`Workroom cannot use the database at ${url.hostname}:${url.port || 5432} (database "workroom_no_such_database"), from DATABASE_URL: database "workroom_no_such_database" does not exist. Create it (createdb workroom_no_such_database)`)
      expectNoStackTrace(stderr)
    }, 60_000)
  }
})

describe('a damaged data directory', () => {
  /** A migrated embedded database with one row of ours in it, on disk, closed. */
  async function database(name: string): Promise<string> {
    const dataDir = path.join(root, name, 'pglite')
    const e = await createEngine({ kind: 'pglite', dataDir, loadDataDir: new Blob([await readFile(inject('pgliteMigratedDump'))]) })
    await e.db.insertInto('workroom.tenants').values({ slug: 'keepme', name: 'Keep Me Ltd', timezone: 'Europe/London' } as never).execute()
    await e.close()
    return dataDir
  }
  async function stillThere(dataDir: string) {
    const e = await createEngine({ kind: 'pglite', dataDir })
    try {
      return (await e.db.selectFrom('workroom.tenants').select('slug').execute()).map((t) => t.slug)
    } finally {
      await e.close()
    }
  }
  const today = new Date().toISOString().slice(0, 10)

  it('refuses a directory whose PG_VERSION was deleted (which used to be initdb\'d over and reseeded), says how to reset it, and wipes nothing', async () => {
    const dataDir = await database('no-version')
    await rename(path.join(dataDir, 'PG_VERSION'), path.join(root, 'PG_VERSION.kept'))
    const before = await snapshot(dataDir)
    const { code, stderr } = await npmStart({ ...base, WORKROOM_DATA_DIR: dataDir })
    expect(code).toBe(1)
    expect(stderr).toContain(`The embedded database at ${dataDir} is damaged: it holds`)
    expect(stderr).toContain('but PG_VERSION is missing, so it is not a whole PostgreSQL data directory. Workroom has not changed anything in it.')
    expect(stderr).toContain(`run: mv ${dataDir} ${dataDir}.damaged-${today} && npm start`)
    expectNoStackTrace(stderr)
    expect(await snapshot(dataDir)).toEqual(before)
    await rename(path.join(root, 'PG_VERSION.kept'), path.join(dataDir, 'PG_VERSION'))
    expect(await stillThere(dataDir)).toContain('keepme')
  }, 120_000)

  it('refuses a directory PostgreSQL cannot start on (pg_control zeroed) and one missing a table\'s file, from npm start and from a command', async () => {
    const [noControl, noTable] = await Promise.all([database('zeroed-control'), database('no-table')])
    await writeFile(path.join(noControl, 'global', 'pg_control'), Buffer.alloc(8192))
    const before = await snapshot(noControl)
    // The tenants table's file: found only when start-up reads it, after PostgreSQL has started.
    const e = await createEngine({ kind: 'pglite', dataDir: noTable })
    const { rows } = await e.pool.query<{ file: string }>("SELECT pg_relation_filepath('workroom.tenants') AS file")
    await e.close()
    await unlink(path.join(noTable, rows[0]!.file))

    // Two at once: the command and the server on noTable cannot overlap (one would find it locked).
    const [started, [people, served]] = await Promise.all([
      npmStart({ ...base, WORKROOM_DATA_DIR: noControl }),
      runToEnd(cli, ['people'], { ...base, WORKROOM_DATA_DIR: noTable }).then(async (out) => [out, await npmStart({ ...base, WORKROOM_DATA_DIR: noTable })] as const),
    ])
    expect(started.code).toBe(1)
    expect(started.stderr).toContain(`The embedded database at ${noControl} is damaged: PostgreSQL could not start on it (`)
    expect(started.stderr).toContain(`mv ${noControl} ${noControl}.damaged-${today} && npm start`)
    expectNoStackTrace(started.stderr)
    expect(await snapshot(noControl)).toEqual(before)
    for (const out of [people, served]) {
      expect(out.code).toBe(1)
      expect(out.stderr).toContain(`The embedded database at ${noTable} is damaged: PostgreSQL could not read one of its files (could not open file "${rows[0]!.file}"`)
      expect(out.stderr).toContain(`mv ${noTable} ${noTable}.damaged-${today} && npm start`)
      expectNoStackTrace(out.stderr)
    }
  }, 150_000)
})

describe('explaining a failure (no process)', () => {
  const config = { DATABASE_URL: 'postgres://app:pw@db.internal:6543/agency', DATABASE_SERVICE_URL: undefined, WORKROOM_DATA_DIR: '.data/pglite', PORT: 80, HOST: '10.9.9.9' }
  const explain = (err: unknown, who = 'server') => explainFailure(err, { config, who })

  it('says what each database refusal means and what to check, never the password', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ code: 'ENOTFOUND', hostname: 'db.internal', message: 'getaddrinfo ENOTFOUND db.internal' }, 'the host name "db.internal" does not resolve. Check the host in DATABASE_URL'],
      [{ message: 'timeout expired' }, 'it did not answer within 5 s'],
      [{ code: '28P01', message: 'password authentication failed for user "app"' }, 'the password of user "app" was refused. Check the user and password in DATABASE_URL.'],
      [{ code: '28000', message: 'no pg_hba.conf entry for host "10.0.0.5"' }, "no pg_hba.conf entry for host \"10.0.0.5\". Check the user in DATABASE_URL, and that the server's pg_hba.conf lets it in"],
      [{ message: 'The server does not support SSL connections' }, 'add ?sslmode=require to DATABASE_URL, or remove it'],
    ]
    for (const [err, says] of cases) {
      const text = explain(Object.assign(new Error(String(err.message)), err))
      expect(text).toContain('Workroom cannot use the database at db.internal:6543 (database "agency"), from DATABASE_URL: ')
      expect(text).toContain(says)
      expect(text).not.toContain('pw@')
    }
  })

  it('leaves a network failure that went elsewhere (Slack, OpenAI) to its stack trace', () => {
    expect(explain(Object.assign(new Error('getaddrinfo ENOTFOUND slack.com'), { code: 'ENOTFOUND', hostname: 'slack.com' }))).toBeNull()
    expect(explain(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBeNull()
  })

  it('names a privileged port and a HOST that is not this machine', () => {
    expect(explain(Object.assign(new Error('listen EACCES'), { code: 'EACCES', syscall: 'listen' }))).toContain('Workroom may not listen on port 80 on 10.9.9.9: ports below 1024 need administrator rights')
    expect(explain(Object.assign(new Error('listen EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL', syscall: 'listen' }))).toContain('HOST=10.9.9.9 is not an address of this machine')
  })

  it('tells the server and a command apart when the data directory is held', () => {
    const byServer = new DataDirBusy('.data/pglite', { pid: 77, role: 'server', command: 'Workroom', hostname: 'h', since: '', url: 'http://127.0.0.1:3000' })
    const byChat = new DataDirBusy('.data/pglite', { pid: 78, role: 'command', command: 'workroom chat', hostname: 'h', since: '' })
    expect(explain(byServer)).toBe('Workroom is already running (pid 77, http://127.0.0.1:3000) and owns the embedded database at .data/pglite; only one process may have it open, or the two would overwrite each other\'s writes. Use that one, or stop it first (Ctrl-C where it runs, or kill 77), then start again.')
    expect(explain(byChat)).toContain('`workroom chat` (pid 78) has the embedded database at .data/pglite open, so Workroom cannot start on it')
    expect(explain(byChat, 'workroom seed')).toContain('so `workroom seed` cannot open it too')
  })
})
