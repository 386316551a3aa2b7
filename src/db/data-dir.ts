/**
 * The embedded database's directory belongs to one process at a time.
 *
 * PGlite is PostgreSQL in single-user mode, and its own postmaster.pid always says -42 (the WASM
 * build's getpid), so PostgreSQL's lock never stops a second process: `npm run chat` beside
 * `npm start` opened the same files, the two overwrote each other's pages and WAL, and entries
 * one of them had acknowledged were gone once both stopped. Every process that opens a
 * data directory therefore first takes `workroom.lock` in it: a file made atomically (a hard link
 * of a finished temporary file, so nobody reads it half-written) naming its pid. A lock whose
 * process is gone is taken over; one whose process lives is refused with DataDirBusy, which names
 * it (src/startup-errors.ts turns that into a sentence, the CLI into a detour through the server).
 *
 * Not proper-lockfile: it marks a lock by a directory whose mtime the holder refreshes on a timer
 * and calls the lock stale once the mtime is `stale` ms old (at least 2 s). PGlite runs each
 * statement synchronously on the main thread, so a long one (an HNSW index build while seeding)
 * starves that timer: the lock is declared compromised while its holder is alive and writing, and
 * a second process may take it. It also records no pid for the refusal to name, and a crashed
 * holder would block a restart until `stale` passed. kill(pid, 0) needs no timer.
 *
 * A pid is only meaningful on this machine: the directory must not be shared between machines
 * (a network file system), which PGlite does not support anyway.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, unlinkSync } from 'node:fs'
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import path from 'node:path'

export const LOCK_FILE = 'workroom.lock'
/** Where a running server tells the command line how to reach it (src/local/). Mode 0600. */
export const ENDPOINT_FILE = 'workroom.endpoint'
/** Files of ours in the data directory; everything else is PostgreSQL's. */
const OWN_FILES = new Set([LOCK_FILE, `${LOCK_FILE}.takeover`, ENDPOINT_FILE])

export interface LockOwner {
  pid: number
  /** 'server': `npm start` or `workroom serve`; 'command': a CLI command. */
  role: 'server' | 'command'
  /** What it is, for a person: "workroom chat", "the server". */
  command: string
  hostname: string
  /** ISO time the lock was taken. */
  since: string
  /** Linux: the process's start time (clock ticks after boot), to tell a reused pid from the holder. */
  started?: number
  /** The server's address once it listens. */
  url?: string
}

/** Another live process holds the data directory. */
export class DataDirBusy extends Error {
  constructor(readonly dataDir: string, readonly owner: LockOwner) {
    super(`the embedded database at ${dataDir} is in use by ${owner.command} (pid ${owner.pid})`)
    this.name = 'DataDirBusy'
  }
}

/** The data directory is not a whole database: files are missing, or PostgreSQL cannot start on it. Nothing was changed. */
export class DataDirDamaged extends Error {
  constructor(readonly dataDir: string, readonly problem: string, options?: { cause?: unknown }) {
    super(`the embedded database at ${dataDir} is damaged: ${problem}`, options)
    this.name = 'DataDirDamaged'
  }
}

export interface DataDirLock {
  readonly dataDir: string
  readonly owner: LockOwner
  /** Rewrites the lock with what other processes should know, e.g. the server's URL once it listens. */
  update(fields: Pick<LockOwner, 'url'>): Promise<void>
  release(): Promise<void>
}

/** Lock files this process holds: a second open of the same directory in this process is refused too. */
const held = new Set<string>()

export async function lockDataDir(dataDir: string, who: Pick<LockOwner, 'role' | 'command'>): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true })
  const file = path.resolve(dataDir, LOCK_FILE)
  let owner: LockOwner = { pid: process.pid, ...who, hostname: hostname(), since: new Date().toISOString(), ...startTime(process.pid) }
  for (let attempt = 0; ; attempt++) {
    if (await create(file, owner)) break
    const seen = await readFile(file, 'utf8').catch(ifMissing(null))
    if (seen === null) continue   // released meanwhile: try again
    const other = parse(seen)
    if (other && isAlive(other, file)) throw new DataDirBusy(dataDir, other)
    // Dead, or not a lock of ours at all (unparsable): take it over, unless another process is doing so.
    if (attempt >= 50) throw new Error(`could not take over the stale lock ${file}`)
    await takeOver(file, seen)
  }
  if (held.size === 0) process.on('exit', releaseOnExit)
  held.add(file)
  const write = async (next: LockOwner) => {
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
    await writeFile(temp, `${JSON.stringify(next)}\n`)
    await rename(temp, file)   // atomic: a reader sees the old lock or the new one
    owner = next
  }
  return {
    dataDir,
    get owner() { return owner },
    update: (fields) => write({ ...owner, ...fields }),
    release: async () => {
      if (!held.delete(file)) return
      const now = parse((await readFile(file, 'utf8').catch(ifMissing(''))))
      if (now?.pid === process.pid && now.since === owner.since) await unlink(file).catch(ifMissing(undefined))
      if (held.size === 0) process.off('exit', releaseOnExit)
    },
  }
}

/** The process that holds the data directory now, or null when none does (no lock, or a dead one's). */
export async function lockOwner(dataDir: string): Promise<LockOwner | null> {
  const file = path.resolve(dataDir, LOCK_FILE)
  const owner = parse(await readFile(file, 'utf8').catch(ifMissing('')))
  return owner && isAlive(owner, file) ? owner : null
}

/**
 * Before PGlite opens it: 'new' for a directory with nothing of PostgreSQL's in it (PGlite runs
 * initdb), 'existing' for a database. Anything else is refused with DataDirDamaged: PGlite would
 * run initdb over a directory without PG_VERSION, resetting its catalog (the demo data was then
 * seeded again and everything else was gone, silently).
 */
export async function checkDataDir(dataDir: string): Promise<'new' | 'existing'> {
  const entries = (await readdir(dataDir).catch(ifMissing([] as string[]))).filter((e) => !OWN_FILES.has(e))
  if (entries.length === 0) return 'new'
  const missing = ['PG_VERSION', 'global/pg_control', 'base'].filter((f) => !existsSync(path.join(dataDir, f)))
  if (missing.length === 0) return 'existing'
  const what = missing.length === 1 ? `${missing[0]} is missing` : `${missing.join(', ')} are missing`
  throw new DataDirDamaged(dataDir, `it holds ${entries.length} file${entries.length === 1 ? '' : 's'} but ${what}, so it is not a whole PostgreSQL data directory`)
}

/** Creates the lock with its content in one step; false when one exists. */
async function create(file: string, owner: LockOwner): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(temp, `${JSON.stringify(owner)}\n`)
  try {
    await link(temp, file)
    return true
  } catch (err) {
    if (code(err) === 'EEXIST') return false
    // A file system without hard links: create exclusively instead (a reader may then see it empty
    // for a moment, which parses as no lock of ours and is only taken over once its writer is dead).
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(err) ?? '')) throw err
    try {
      await writeFile(file, `${JSON.stringify(owner)}\n`, { flag: 'wx' })
      return true
    } catch (e) {
      if (code(e) === 'EEXIST') return false
      throw e
    }
  } finally {
    await unlink(temp).catch(ifMissing(undefined))
  }
}

/**
 * Removes a dead holder's lock, unless it changed since we read it. Two processes may find the
 * same dead lock: each removes it only while holding `<lock>.takeover` (made exclusively), and
 * only if it still reads what it judged dead, so the loser cannot remove the winner's new lock.
 */
async function takeOver(file: string, seen: string): Promise<void> {
  const guard = `${file}.takeover`
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' })
  } catch (err) {
    if (code(err) !== 'EEXIST') throw err
    // A takeover in progress, or one whose process died in those few statements: its guard is old.
    const age = Date.now() - ((await stat(guard).catch(ifMissing(null)))?.mtimeMs ?? Date.now())
    if (age > 10_000) await unlink(guard).catch(ifMissing(undefined))
    else await new Promise((resolve) => setTimeout(resolve, 20))
    return
  }
  try {
    if ((await readFile(file, 'utf8').catch(ifMissing(null))) === seen) await unlink(file).catch(ifMissing(undefined))
  } finally {
    await unlink(guard).catch(ifMissing(undefined))
  }
}

function isAlive(owner: LockOwner, file: string): boolean {
  // Our own pid: this process holds it, or a previous process had the same pid (pid 1 in a restarted container).
  if (owner.pid === process.pid) return held.has(file)
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    if (code(err) === 'ESRCH') return false
    // EPERM: it exists, under another user.
  }
  // Pids are reused: a live process that started at another time is not the holder.
  const now = startTime(owner.pid).started
  return owner.started === undefined || now === undefined || now === owner.started
}

/** Linux: field 22 of /proc/<pid>/stat, after the command name (which may hold spaces and parentheses). */
function startTime(pid: number): { started?: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
    return Number.isFinite(started) ? { started } : {}
  } catch {
    return {}
  }
}

function parse(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>
    return typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.command === 'string' ? (o as LockOwner) : null
  } catch {
    return null
  }
}

/** process.exit() and crashes skip release(): the lock goes with the process that held it. */
function releaseOnExit(): void {
  for (const file of held) {
    try {
      if (parse(readFileSync(file, 'utf8'))?.pid === process.pid) unlinkSync(file)
    } catch {
      // gone already
    }
  }
  held.clear()
}

const code = (err: unknown) => (err as { code?: string } | null)?.code

function ifMissing<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (code(err) === 'ENOENT') return value
    throw err
  }
}
