/**
 * `npm start` as a newcomer runs it: an empty data directory, no settings. The first start
 * creates, migrates and seeds the embedded database; the second reuses it without reseeding.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

interface Started {
  child: ChildProcess; url: string; output: () => string; exited: Promise<{ code: number | null; signal: string | null }>
  /** npm's output pipes closed: every process that held them (the server, npm's grandchild, too) has exited. */
  closed: Promise<void>
}

/** `npm start` in its own process group (npm → sh → node), resolved once it prints its URL. */
async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { out += d })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL in 90 s:\n${out}`)), 90_000)
    const check = () => {
      const m = out.match(/Workroom is running at (http:\/\/\S+)/)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', check)
    void exited.then(({ code }) => reject(new Error(`npm start exited with ${code}:\n${out}`)))
  })
  return { child, url, output: () => out, exited, closed }
}

/**
 * SIGTERM to the group, as a terminal's Ctrl-C or a process manager would: npm itself dies of
 * the signal, the server drains and exits 0. Resolves true when the server is gone and the
 * process reported no error.
 */
async function stop(s: Started): Promise<boolean> {
  process.kill(-s.child.pid!, 'SIGTERM')
  const { code, signal } = await s.exited
  // npm dies of the signal at once; the server (its grandchild) drains and exits on its own
  // clock, later on a busy machine. It holds npm's output pipes until it exits: wait for them.
  await s.closed
  const refused = await fetch(`${s.url}/healthz`).then(() => false, () => true)
  return refused && (code === 0 || signal === 'SIGTERM') && !/shutdown failed|Error/.test(s.output())
}

describe('npm start on a fresh data directory', () => {
  let dir: string
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('creates, migrates and seeds the embedded database, answers /readyz, and reuses the data on the next start', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workroom-start-'))
    const env = { ...process.env, WORKROOM_DATA_DIR: path.join(dir, 'pglite'), PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', NODE_ENV: 'development' }

    const first = await npmStart(env)
    try {
      expect(first.output()).toMatch(/Database\s+PGlite .* \(demo agencies written\)/)
      expect(first.output()).toMatch(/Playground\s+http:\/\/127\.0\.0\.1:\d+\//)
      expect(first.output()).toMatch(/Knowledge\s+embeddings workroom-hashing-v1 \(offline\), answers extractive \(offline\)/)
      const ready = await fetch(`${first.url}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({ status: 'ready', engine: 'pglite', components: { slack: 'off', teams: 'off', digests: 'off', playground: 'on' } })
      const { tenants } = await (await fetch(`${first.url}/playground/people`)).json() as { tenants: Array<{ slug: string }> }
      expect(tenants.map((t) => t.slug).sort()).toEqual(['northwind', 'southpaw'])
      const page = await fetch(`${first.url}/`)
      expect(await page.text()).toContain('<title>Workroom playground</title>')
    } finally {
      expect(await stop(first), first.output()).toBe(true)
    }

    const second = await npmStart(env)
    try {
      expect(second.output()).toMatch(/Database\s+PGlite .* \(data already there, not reseeded\)/)
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200)
    } finally {
      expect(await stop(second), second.output()).toBe(true)
    }
  }, 240_000)

  it('turns the playground off under NODE_ENV=production unless asked for', async () => {
    dir ??= await mkdtemp(path.join(tmpdir(), 'workroom-start-'))
    const env = { ...process.env, WORKROOM_DATA_DIR: path.join(dir, 'pglite'), PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', NODE_ENV: 'production' }
    const s = await npmStart(env)
    try {
      expect(s.output()).toContain('Playground  off (NODE_ENV=production; PLAYGROUND_ENABLED=true turns it on)')
      expect((await fetch(`${s.url}/`)).status).toBe(404)
      expect((await fetch(`${s.url}/playground/send`, { method: 'POST', body: '{}' })).status).toBe(404)
    } finally {
      expect(await stop(s)).toBe(true)
    }
  }, 120_000)
})
