/**
 * Issue 19's data loss: `npm start` on the embedded database and `npm run chat -- --as …` beside
 * it (the README suggests both) each opened the same PGlite files, and entries the command line
 * reported "Logged" were gone once both had stopped. Now the server owns the directory and the
 * command line logs through it; a command that cannot go through it refuses. Real processes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createEngine } from '../src/db/engine.ts'
import { ENDPOINT_FILE, LOCK_FILE } from '../src/db/data-dir.ts'

const run = promisify(execFile)
const cli = path.resolve('bin/workroom.js')
const CAMPAIGN = 'Aurora Air Spring Launch'

interface Reply { summary: string; blocks: Array<{ type: string; buttons?: Array<{ actionId: string; payload: string }> }> }
/** The entry a "Logged …" reply acknowledges: its Undo button names it. */
const loggedEntry = (reply: Reply) => reply.summary.startsWith('Logged')
  ? reply.blocks.flatMap((b) => b.buttons ?? []).find((b) => b.actionId === 'timesheet.undo')?.payload ?? null
  : null

/** src/main.ts as `npm start` runs it (bin/start.js), resolved once it prints its URL; `exited` once it is gone. */
async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/start.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /Workroom is running at (http:\/\/\S+)/.exec(out)
      if (m) resolve(m[1]!)
    }
    child.stdout!.on('data', check)
    void exited.then((code) => reject(new Error(`the server exited with ${code} before it was ready:\n${out}`)))
  })
  return { child, url, output: () => out, exited }
}

describe('the embedded database has one owner', () => {
  let dir: string
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('logs time from `workroom as` and `workroom chat` through the running server, and every acknowledged entry is there after both stop', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workroom-owner-'))
    const dataDir = path.join(dir, 'pglite')
    // A migrated database to start from (initdb and migrating are not what this is about); the server seeds it.
    const migrated = await createEngine({ kind: 'pglite', dataDir, loadDataDir: new Blob([await readFile(inject('pgliteMigratedDump'))]) })
    await migrated.close()
    const env = { ...process.env, WORKROOM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', NODE_ENV: 'development' }
    const server = await startServer(env)
    let stopped = false
    try {
      expect(JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: server.child.pid, role: 'server', url: server.url })

      // The server's own entries (the playground) and the command line's, all at once.
      const playground = (text: string) => fetch(`${server.url}/playground/send`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as: 'lucy.fernandes@northwind.example', text }),
      }).then(async (res) => ((await res.json()) as { reply: Reply }).reply)
      const as = (text: string) => run(cli, ['as', 'maya.chen@northwind.example', text, '--json'], { env }).then(({ stdout }) => JSON.parse(stdout) as Reply)
      const chatted = new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        const child = execFile(cli, ['chat', '--as', 'sofia.alvarez@northwind.example'], { env }, (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })))
        child.stdin!.end(`/timesheet 45m ${CAMPAIGN}\n/timesheet 1h ${CAMPAIGN}\n/quit\n`)
      })
      const replies = await Promise.all([
        ...[1, 2, 3, 4].map((i) => playground(`/timesheet ${i * 15}m ${CAMPAIGN}`)),
        ...[1, 2, 3].map((i) => as(`/timesheet ${i * 10}m ${CAMPAIGN}`)),
      ])
      const chatOut = await chatted
      expect(chatOut.stderr).toContain(`(through Workroom running at ${server.url}, pid ${server.child.pid})`)
      const chatLogged = chatOut.stdout.match(/Logged [\d.]+h to Aurora Air Spring Launch/g) ?? []
      expect(chatLogged).toHaveLength(2)
      const acknowledged = replies.map(loggedEntry)
      expect(acknowledged.every((id) => id !== null), JSON.stringify(replies.map((r) => r.summary))).toBe(true)

      // A command that does not go through the server says so, in one paragraph, and leaves the data alone.
      const refused = await run(cli, ['people', '--tenant', 'southpaw'], { env }).then(() => null, (err: { code: number; stderr: string }) => err)
      expect(refused?.code).toBe(1)
      expect(refused?.stderr).toContain(`Workroom is running (pid ${server.child.pid}, ${server.url}) and owns the embedded database at ${dataDir}, so \`workroom people\` cannot open it too`)
      expect(refused?.stderr).toContain('npm run chat -- --as <email>')
      expect(refused?.stderr).not.toMatch(/\n\s+at /)

      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
      stopped = true
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false)
      expect(existsSync(path.join(dataDir, ENDPOINT_FILE))).toBe(false)

      const reopened = await createEngine({ kind: 'pglite', dataDir })
      try {
        const ids = acknowledged as string[]
        const found = await reopened.db.selectFrom('agency.timesheet_entries').select(['id', 'hours']).where('id', 'in', ids).execute()
        expect(found.map((r) => r.id).sort()).toEqual([...ids].sort())
        const sofia = await reopened.db.selectFrom('agency.timesheet_entries as t').innerJoin('workroom.people as p', 'p.id', 't.user_id')
          .select(['t.hours']).where('p.email', '=', 'sofia.alvarez@northwind.example').where('t.source', '=', 'cli').execute()
        expect(sofia.map((r) => r.hours).sort()).toEqual([0.75, 1])
      } finally {
        await reopened.close()
      }
    } finally {
      if (!stopped) server.child.kill('SIGKILL')
    }
  }, 150_000)
})
