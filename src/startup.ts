/**
 * Starting up where a person can see it: a line per phase as it begins, and a failure to start
 * (or, from the command line, to open the database) as one paragraph saying what is wrong and
 * what to do, without a stack trace. A failure not recognised here is a bug and keeps its trace.
 */
import { createServer } from 'node:net'
import type { Config } from './config.ts'
import { DataDirBusy, DataDirDamaged } from './db/data-dir.ts'
import { isDatabaseUnavailable } from './db/errors.ts'

/** A failure its message fully explains: printed as it is. */
export class StartupError extends Error {
  override name = 'StartupError'
}

/** What start-up reports as it goes: one call per phase, as the phase begins. */
export interface StartupProgress {
  phase(text: string): void
}

/**
 * Phase lines on stderr, each with the seconds since the process began (module loading included,
 * which is seconds of it under tsx), so a slow start shows where the time goes. Progress bars
 * (seeding, ingesting) draw below them when stderr is a terminal.
 */
export function startupProgress(stream: NodeJS.WritableStream = process.stderr): StartupProgress {
  return { phase: (text) => stream.write(`[${process.uptime().toFixed(1).padStart(5)} s] ${text}\n`) }
}

/**
 * Fails at once, before the database is opened (and on a first start migrated and seeded, half
 * a minute), when the port is taken. The listen that follows can still lose a race; its error is
 * explained the same way.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()))
  })
}

export interface FailureContext {
  config: Pick<Config, 'DATABASE_URL' | 'DATABASE_SERVICE_URL' | 'WORKROOM_DATA_DIR' | 'PORT' | 'HOST'>
  /** Who failed: the server (`npm start`), or a command such as "workroom people". */
  who: 'server' | string
  /** For the date in a suggested file name. */
  now?: Date
}

/** One paragraph for a failure a person can fix; null for anything else (a bug: keep its stack). */
export function explainFailure(err: unknown, ctx: FailureContext): string | null {
  if (err instanceof StartupError) return err.message
  if (err instanceof DataDirBusy) return busy(err, ctx)
  if (err instanceof DataDirDamaged) return damaged(err.dataDir, err.problem, ctx)
  const e = (err ?? {}) as { code?: unknown; syscall?: unknown; message?: unknown; port?: unknown; address?: unknown; hostname?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(err)
  if (e.syscall === 'listen') return listen(code, ctx) ?? null
  if (!ctx.config.DATABASE_URL) {
    // The embedded database, past the checks at open: a relation's file missing or unreadable.
    if (['58P01', 'XX001', 'XX002'].includes(code)) return damaged(ctx.config.WORKROOM_DATA_DIR, `PostgreSQL could not read one of its files (${message})`, ctx)
    return null
  }
  return database(code, message, e, ctx)
}

function listen(code: string, { config }: FailureContext): string | undefined {
  const where = `port ${config.PORT} on ${config.HOST}`
  if (code === 'EADDRINUSE') {
    return `Workroom cannot listen on ${where}: another program is using it (another Workroom, perhaps). `
      + `Stop that program, or choose a free port with the PORT environment variable, e.g. PORT=${config.PORT === 3000 ? 3001 : 3000} npm start.`
  }
  if (code === 'EACCES') {
    return `Workroom may not listen on ${where}: ports below 1024 need administrator rights. Choose another with the PORT environment variable, e.g. PORT=3000 npm start.`
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `Workroom cannot listen on ${where}: HOST=${config.HOST} is not an address of this machine. Set HOST to one of its addresses, or leave it unset for 127.0.0.1.`
  }
  return undefined
}

function busy({ dataDir, owner }: DataDirBusy, { who }: FailureContext): string {
  const holder = owner.role === 'server'
    ? `Workroom is ${who === 'server' ? 'already ' : ''}running (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''}) and owns the embedded database at ${dataDir}`
    : `\`${owner.command}\` (pid ${owner.pid}) has the embedded database at ${dataDir} open`
  const only = 'only one process may have it open, or the two would overwrite each other\'s writes'
  if (who === 'server') {
    return owner.role === 'server'
      ? `${holder}; ${only}. Use that one, or stop it first (Ctrl-C where it runs, or kill ${owner.pid}), then start again.`
      : `${holder}, so Workroom cannot start on it: ${only}. Let that command finish (or quit it), then start again.`
  }
  return owner.role === 'server'
    ? `${holder}, so \`${who}\` cannot open it too: ${only}. Stop the server first (Ctrl-C where it runs, or kill ${owner.pid}) and run this again; `
      + `to chat meanwhile, use ${owner.url ? `${owner.url}/ or ` : ''}\`npm run chat -- --as <email>\`, which goes through the server.`
    : `${holder}, so \`${who}\` cannot open it too: ${only}. Let that command finish (or quit it), then run this again.`
}

function damaged(dataDir: string, problem: string, { now = new Date() }: FailureContext): string {
  const aside = `${dataDir.replace(/\/+$/, '')}.damaged-${now.toISOString().slice(0, 10)}`
  return `The embedded database at ${dataDir} is damaged: ${problem}. Workroom has not changed anything in it. `
    + `To set it aside (for recovery) and start again with a new database and the demo data, run: mv ${shellQuote(dataDir)} ${shellQuote(aside)} && npm start`
}

function database(code: string, message: string, e: { address?: unknown; port?: unknown; hostname?: unknown }, { config }: FailureContext): string | null {
  const url = safeUrl(config.DATABASE_URL!)
  // A network error names where it went: one that went elsewhere (Slack, OpenAI) is not the database's.
  const urls = [url, ...(config.DATABASE_SERVICE_URL ? [safeUrl(config.DATABASE_SERVICE_URL)] : [])]
  if (typeof e.hostname === 'string' && !urls.some((u) => u.host === e.hostname)) return null
  if (typeof e.port === 'number' && !urls.some((u) => u.port === String(e.port))) return null
  const target = typeof e.address === 'string' && typeof e.port === 'number' ? `${e.address}:${e.port}` : `${url.host}:${url.port}`
  const variables = config.DATABASE_SERVICE_URL ? 'DATABASE_URL and DATABASE_SERVICE_URL' : 'DATABASE_URL'
  const say = (what: string, check: string) => `Workroom cannot use the database at ${target}${url.database ? ` (database "${url.database}")` : ''}, from ${variables}: ${what}. ${check}`
  if (code === 'ECONNREFUSED') return say('the connection was refused, so nothing listens on that port', `Check that PostgreSQL is running there and that the host and port in ${variables} are right.`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return say(`the host name "${typeof e.hostname === 'string' ? e.hostname : url.host}" does not resolve`, `Check the host in ${variables}, and this machine's DNS.`)
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return say('it did not answer within 5 s', 'Check that the host is reachable from this machine (firewall, VPN, security group) and that PostgreSQL listens on that address (listen_addresses).')
  if (code === '28P01') return say(`the password of user "${url.user}" was refused`, `Check the user and password in ${variables}.`)
  if (code === '28000') return say(message, `Check the user in ${variables}, and that the server's pg_hba.conf lets it in from this machine.`)
  if (code === '3D000') return say(message, `Create it (createdb ${url.database || '<name>'}) or correct the database name at the end of ${variables}.`)
  if (/\bSSL\b/i.test(message)) return say(message, `Match the server: add ?sslmode=require to ${variables}, or remove it.`)
  if (isDatabaseUnavailable({ code, message })) return say(message, 'Check that PostgreSQL is running and accepting connections.')
  return null
}

/** Host, port, database and user of a postgres:// URL; never the password. */
function safeUrl(raw: string): { host: string; port: string; database: string; user: string } {
  try {
    const u = new URL(raw)
    return { host: u.hostname || 'localhost', port: u.port || '5432', database: decodeURIComponent(u.pathname.replace(/^\//, '')), user: decodeURIComponent(u.username) }
  } catch {
    return { host: '(unparsable URL)', port: '', database: '', user: '' }
  }
}

const shellQuote = (s: string) => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)
