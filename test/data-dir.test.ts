/**
 * The embedded database's directory lock (src/db/data-dir.ts): one live process at a time, a dead
 * one's lock taken over, a damaged directory refused before PGlite can run initdb over it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkDataDir, DataDirBusy, DataDirDamaged, LOCK_FILE, lockDataDir, lockOwner } from '../src/db/data-dir.ts'
import { createEngine } from '../src/db/engine.ts'

let root: string
beforeAll(async () => { root = await mkdtemp(path.join(tmpdir(), 'workroom-datadir-')) })
afterAll(async () => { await rm(root, { recursive: true, force: true }) })
const fresh = async (name: string) => {
  const dir = path.join(root, name)
  await mkdir(dir, { recursive: true })
  return dir
}

/** A process that lives until killed, as a holder that is not this one. */
function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("up")'], { stdio: ['ignore', 'pipe', 'ignore'] })
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)))
}
const startedOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
}
const lockAs = (dir: string, owner: Record<string, unknown>) => writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ role: 'server', command: 'the server', hostname: 'here', since: new Date().toISOString(), ...owner }))

describe('the data directory lock', () => {
  it('refuses a second holder in the same process, naming who holds it, and is free again once released', async () => {
    const dir = await fresh('same-process')
    const lock = await lockDataDir(dir, { role: 'server', command: 'the server' })
    const refused = await lockDataDir(dir, { role: 'command', command: 'workroom people' }).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(DataDirBusy)
    expect((refused as DataDirBusy).owner).toMatchObject({ pid: process.pid, role: 'server', command: 'the server' })
    expect(await lockOwner(dir)).toMatchObject({ pid: process.pid })
    await lock.update({ url: 'http://127.0.0.1:3000' })
    expect(await lockOwner(dir)).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:3000' })
    await lock.release()
    expect(await readdir(dir)).toEqual([])
    await (await lockDataDir(dir, { role: 'command', command: 'workroom people' })).release()
  })

  it('refuses while another live process holds it, and takes the lock over once that process is dead', async () => {
    const dir = await fresh('other-process')
    const holder = await sleeper()
    try {
      await lockAs(dir, { pid: holder.pid, started: startedOf(holder.pid!) })
      const refused = await lockDataDir(dir, { role: 'command', command: 'workroom chat' }).catch((err: unknown) => err)
      expect(refused).toBeInstanceOf(DataDirBusy)
      expect((refused as DataDirBusy).owner.pid).toBe(holder.pid)
    } finally {
      const gone = new Promise((resolve) => holder.once('exit', resolve))
      holder.kill('SIGKILL')
      await gone
    }
    expect(await lockOwner(dir)).toBeNull()
    const lock = await lockDataDir(dir, { role: 'command', command: 'workroom chat' })
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, command: 'workroom chat' })
    await lock.release()
  })

  it('takes over a lock whose pid now belongs to a process that started later (a reused pid)', async () => {
    const dir = await fresh('reused-pid')
    const other = await sleeper()
    try {
      await lockAs(dir, { pid: other.pid, started: startedOf(other.pid!) - 1 })
      const lock = await lockDataDir(dir, { role: 'server', command: 'the server' })
      await lock.release()
    } finally {
      other.kill('SIGKILL')
    }
  })

  it('takes over a lock left by an earlier process with this pid, and one that is not a lock at all', async () => {
    const dir = await fresh('own-pid')
    await lockAs(dir, { pid: process.pid })
    await (await lockDataDir(dir, { role: 'server', command: 'the server' })).release()
    await writeFile(path.join(dir, LOCK_FILE), 'garbage')
    await (await lockDataDir(dir, { role: 'server', command: 'the server' })).release()
  })

  it('lets exactly one of many processes racing for a dead lock have it', async () => {
    const dir = await fresh('race')
    await lockAs(dir, { pid: 2 ** 22 + 1 })   // above Linux's pid_max: never alive
    // Each racer loads the module, says it is ready, and goes for the lock when told: all at once.
    const racer = `
      const { lockDataDir } = await import(${JSON.stringify(path.resolve('src/db/data-dir.ts'))})
      console.log('ready')
      process.stdin.once('data', async () => {
        try { await lockDataDir(process.argv[1], { role: 'command', command: 'racer' }); console.log('won'); setInterval(() => {}, 1000) }
        catch (err) { console.log(err.name) }
      })`
    // Every racer keeps running (a winner holds the lock) until all have answered.
    const children: ChildProcess[] = []
    const ready: Array<Promise<void>> = []
    const runs = Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', racer, dir], { stdio: ['pipe', 'pipe', 'inherit'] })
      children.push(child)
      let out = ''
      ready.push(new Promise((up) => child.stdout!.on('data', (d) => {
        out += d
        if (out.startsWith('ready\n')) up()
        const answer = out.split('\n')[1]
        if (answer) resolve(answer)
      })))
    }))
    await Promise.all(ready)
    for (const c of children) c.stdin!.write('go\n')
    const results = await Promise.all(runs).finally(() => { for (const c of children) c.kill('SIGKILL') })
    expect(results.filter((r) => r === 'won')).toHaveLength(1)
    expect(results.filter((r) => r === 'DataDirBusy')).toHaveLength(5)
  }, 30_000)
})

describe('checking a data directory before PGlite opens it', () => {
  it('calls an empty directory new, and one holding files but no PG_VERSION damaged, leaving its files alone', async () => {
    const dir = await fresh('check')
    expect(await checkDataDir(dir)).toBe('new')
    expect(await checkDataDir(path.join(root, 'does-not-exist'))).toBe('new')
    await mkdir(path.join(dir, 'base', '5'), { recursive: true })
    await writeFile(path.join(dir, 'base', '5', '1234'), 'pages')
    const err = await checkDataDir(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DataDirDamaged)
    expect((err as Error).message).toContain('PG_VERSION, global/pg_control are missing')
    const refused = await createEngine({ kind: 'pglite', dataDir: dir }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(DataDirDamaged)
    expect((await readdir(dir)).sort()).toEqual(['base'])
    expect(await readFile(path.join(dir, 'base', '5', '1234'), 'utf8')).toBe('pages')
  })
})
