import { Command, InvalidArgumentError, Option } from 'commander'
import { ConfigError, loadConfig, timesheetSettings, type Config } from './config.ts'
import type { Engine } from './db/engine.ts'
import { migrateDown, migrateUp, migrationStatus, type MigrationResult } from './db/migrate.ts'
import { createLogger } from './log.ts'
import { explainFailure, startupProgress } from './startup.ts'
import { DataDirBusy, lockOwner } from './db/data-dir.ts'
import type { Platform } from './db/identity.ts'
import type { BoundPlatform } from './db/workspaces.ts'
import { installLink, mintInstallToken } from './bots/slack/install-link.ts'
import { BOUND_PLATFORMS, platformNamed } from './chat/platforms.ts'
import { renderText } from './handlers/render-text.ts'
import type { TerminalSession } from './bots/playground/terminal.ts'
import { findLocalServer, openRemoteSession } from './local/client.ts'
import type { Scale } from '../seeds/index.ts'

// Each command imports what it needs when it runs. Under tsx every module costs start-up time:
// the database's (PGlite, Kysely) over a second, the server's (main.ts: Slack, Teams, OpenAI,
// the HTTP app) several, and `workroom chat` beside a running server needs none of them.
const directory = () => import('./db/directory.ts')
const providers = async (cfg: Config) => (await import('./rag/providers.ts')).providersFromConfig(cfg)

const isIsoDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)

/** A failure the user can fix: printed as a message without a stack trace, exit code 1. */
class CliError extends Error {}

/** The command being run, e.g. "workroom people": who holds the embedded database, for a refusal elsewhere. */
let running = 'workroom'

/** --platform: one of the platforms whose workspaces an operator binds. */
const platformOption = () => new Option('--platform <platform>', 'chat platform').choices(BOUND_PLATFORMS.map((p) => p.name)).makeOptionMandatory()

function config(): Config {
  try {
    return loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message)
    throw err
  }
}

async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const cfg = config()
  // Refused before loading the database's modules; createEngine checks again, holding the lock.
  const owner = cfg.DATABASE_URL ? null : await lockOwner(cfg.WORKROOM_DATA_DIR)
  if (owner) throw new DataDirBusy(cfg.WORKROOM_DATA_DIR, owner)
  const { createEngine, engineOptionsFromConfig } = await import('./db/engine.ts')
  const engine = await createEngine(engineOptionsFromConfig(cfg), { role: 'command', command: running })
  try {
    return await fn(engine)
  } finally {
    await engine.close()
  }
}

/** Commands that read the schema refuse to run on a database that is behind, and say what to do. */
async function requireMigrated(engine: Engine): Promise<void> {
  const behind = (await migrationStatus(engine.pool)).filter((r) => r.state !== 'applied')
  if (behind.length > 0) {
    throw new CliError(`The database (${engine.description}) is not up to date: ${behind.map((r) => `${r.name} ${r.state}`).join(', ')}.\nRun \`workroom migrate\` first.`)
  }
}

function report(result: MigrationResult, verb: string): void {
  for (const name of result.ran) console.log(`${verb} ${name}`)
  if (result.error) throw new CliError(result.error.message)
  if (result.ran.length === 0) console.log('Nothing to do: the database is up to date.')
}

export function buildProgram(): Command {
  const program = new Command('workroom')
    .description('Workroom: the agency assistant for Slack and Microsoft Teams')
    .showHelpAfterError()
    .hook('preAction', (_, action) => {
      const names: string[] = []
      for (let c: Command | null = action; c; c = c.parent) names.unshift(c.name())
      running = names.join(' ')
    })

  const migrate = program
    .command('migrate')
    .description('apply pending migrations (embedded PGlite unless DATABASE_URL is set)')
    .action(async () => {
      await withEngine(async (engine) => {
        console.log(`Database: ${engine.description}`)
        report(await migrateUp(engine.pool), 'applied')
      })
    })
  migrate
    .command('down')
    .description('revert applied migrations newer than --to (0 reverts all)')
    .requiredOption('--to <name>', 'last migration to keep, or 0 for none')
    .action(async (opts: { to: string }) => {
      await withEngine(async (engine) => report(await migrateDown(engine.pool, { to: opts.to }), 'reverted'))
    })
  migrate
    .command('status')
    .description('list applied and pending migrations')
    .action(async () => {
      await withEngine(async (engine) => {
        console.log(`Database: ${engine.description}`)
        for (const row of await migrationStatus(engine.pool)) {
          console.log(`${row.state.padEnd(8)} ${row.name}${row.appliedAt ? `  (${row.appliedAt.toISOString()})` : ''}`)
        }
      })
    })

  program
    .command('seed')
    .description('write the demo agencies (northwind, southpaw) or the benchmark agency; existing tenants are kept unless --reset')
    .addOption(new Option('--scale <scale>', 'demo: two agencies for trying Workroom; bench: 1,000 campaigns, 100k+ entries').choices(['demo', 'bench']).default('demo'))
    .option('--reset', 'delete and rebuild the tenants of this scale')
    .option('--chunks <n>', 'bench scale: synthetic knowledge chunks', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('it must be a whole number of chunks, like 100000.')
      return n
    })
    .action(async (opts: { scale: Scale; reset?: boolean; chunks?: number }) => {
      await withEngine(async (engine) => {
        console.log(`Database: ${engine.description}`)
        const migrated = await migrateUp(engine.pool)
        if (migrated.error) throw new CliError(migrated.error.message)
        const { seed } = await import('../seeds/index.ts')
        const { embedder } = await providers(config())
        for (const r of await seed(engine, { scale: opts.scale, reset: opts.reset ?? false, embedder, ...(opts.chunks !== undefined ? { chunks: opts.chunks } : {}) })) {
          const total = Object.values(r.rows).reduce((a, b) => a + b, 0)
          const k = r.knowledge
          const knowledge = k.created + k.updated > 0 ? `; knowledge: ${k.created + k.updated} documents embedded with ${embedder.model} (${k.chunks} chunks)` : ''
            + (r.artifacts.embedded > 0 ? `; ${r.artifacts.embedded} artifacts embedded (${r.artifacts.chunks} chunks)` : '')
          console.log(r.status === 'skipped'
            ? `${r.name} (${r.slug}): already seeded, left as it is (--reset rebuilds it)${knowledge}`
            : `${r.name} (${r.slug}): ${r.status}, ${total} rows in ${(r.ms / 1000).toFixed(1)} s${knowledge}`)
        }
      })
    })

  program
    .command('ingest')
    .description('add or update knowledge documents (Markdown, text, HTML): unchanged files are skipped, changed ones re-chunked and re-embedded')
    .argument('<paths...>', 'files or folders (searched recursively)')
    .requiredOption('--tenant <slug>', 'the agency the documents belong to')
    .option('--client <name>', "only people working with this client (and managers) will see the documents")
    .option('--type <doc type>', "document type, e.g. brief, brand_guidelines, policy (default: the front matter's type, else other)")
    .action(async (paths: string[], opts: { tenant: string; client?: string; type?: string }) => {
      const cfg = config()
      const [{ findClient, ingest }, { readSources }, { default: cliProgress }] = await Promise.all([import('./rag/ingest.ts'), import('./rag/sources.ts'), import('cli-progress')])
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const tenants = await (await directory()).listTenants(engine.db)
        const tenant = tenants.find((t) => t.slug === opts.tenant)
        if (!tenant) {
          const known = tenants.map((t) => t.slug).sort()
          throw new CliError(`There is no tenant "${opts.tenant}". Tenants: ${known.join(', ') || 'none yet (run workroom seed)'}.`)
        }
        let clientId: string | null = null
        if (opts.client) {
          const client = await findClient(engine.db, tenant.id, opts.client)
          if ('candidates' in client) throw new CliError(`No single client of ${tenant.name} is called "${opts.client}". Clients: ${client.candidates.join(', ')}.`)
          clientId = client.id
        }
        const read = await readSources(paths, { tenantSlug: opts.tenant, clientId, ...(opts.type ? { docType: opts.type } : {}) }).catch((err: Error) => {
          throw new CliError(err.message)
        })
        for (const s of read.skipped) console.log(`skipped ${s.file}: ${s.reason}`)
        const { embedder } = await providers(cfg)
        const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: '  {bar} {value}/{total} documents  {file}', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined
        bar?.start(read.sources.length, 0, { file: '' })
        const started = performance.now()
        const results = await ingest(engine.db, tenant.id, read.sources, embedder, { onProgress: (done, _total, file) => bar?.update(done, { file }) })
          .finally(() => bar?.stop())
        const count = (status: string) => results.filter((r) => r.status === status).length
        console.log(`${results.length} documents for ${tenant.name} with ${embedder.model}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged; ${results.reduce((n, r) => n + (r.status === 'unchanged' ? 0 : r.chunks), 0)} chunks, ${results.reduce((n, r) => n + r.tokens, 0)} tokens embedded in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      })
    })

  program
    .command('people')
    .description('list the people directory: name, e-mail, role, tenant, weekly capacity')
    .option('--tenant <slug>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const people = await (await directory()).listPeople(engine.db, opts.tenant)
        if (opts.tenant && people.length === 0) throw new CliError(`no people in tenant "${opts.tenant}" (is it seeded? try \`workroom seed\`)`)
        if (opts.json) {
          console.log(JSON.stringify(people, null, 2))
          return
        }
        console.table(people.map((p) => ({ name: p.name, email: p.email, role: p.role, tenant: p.tenant, 'hours/week': p.weeklyCapacityHours })))
      })
    })

  program
    .command('link')
    .description('link a Slack or Teams user to a person of the directory, by e-mail (moves an existing link)')
    .addOption(platformOption())
    .requiredOption('--workspace <id>', BOUND_PLATFORMS.map((p) => `${p.label}: ${p.binding.workspaceHelp}`).join('; '))
    .requiredOption('--user <id>', BOUND_PLATFORMS.map((p) => `${p.label}: ${p.binding.userHelp}`).join('; '))
    .requiredOption('--email <email>', "the person's e-mail in the directory")
    .action(async (opts: { platform: Platform; workspace: string; user: string; email: string }) => {
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const { linkIdentity } = await import('./db/identity.ts')
        const actor = await linkIdentity(engine.db, { platform: opts.platform, workspaceId: opts.workspace, externalUserId: opts.user }, opts.email)
          .catch((err: unknown) => {
            if ((err as { code?: string }).code !== '22023') throw err
            throw new CliError(`The ${opts.platform} workspace ${opts.workspace} is not connected to the tenant of ${opts.email}. Connect it first: workroom workspaces bind --platform ${opts.platform} --workspace ${opts.workspace} --tenant <slug>`)
          })
        if (!actor) throw new CliError(`No active person has the e-mail "${opts.email}". \`workroom people\` lists the directory.`)
        console.log(`Linked ${opts.platform} user ${opts.user} in ${opts.workspace} to ${actor.displayName} <${actor.email}> (${actor.role}).`)
      })
    })

  const workspaces = program
    .command('workspaces')
    .description('which tenant each Slack workspace and Teams (Entra) tenant belongs to: requests from an unbound workspace touch no tenant data')
  workspaces
    .command('list', { isDefault: true })
    .description('list the bindings')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const bindings = await (await import('./db/workspaces.ts')).listBindings(engine.db)
        if (opts.json) return console.log(JSON.stringify(bindings, null, 2))
        if (bindings.length === 0) return console.log(`No workspace is bound yet: workroom workspaces bind --platform ${BOUND_PLATFORMS.map((p) => p.name).join('|')} --workspace <id> --tenant <slug>`)
        console.table(bindings.map((b) => ({ platform: b.platform, workspace: b.workspaceId, tenant: b.tenant, via: b.boundVia, since: b.createdAt.toISOString().slice(0, 10) })))
      })
    })
  workspaces
    .command('bind')
    .description('bind a Slack workspace (T…) or Grid org (E…), or a Teams/Entra tenant id, to a tenant')
    .addOption(platformOption())
    .requiredOption('--workspace <id>', BOUND_PLATFORMS.map((p) => `${p.label}: ${p.binding.workspaceHelp}`).join('; '))
    .requiredOption('--tenant <slug>', 'the Workroom tenant')
    .action(async (opts: { platform: BoundPlatform; workspace: string; tenant: string }) => {
      const wrong = platformNamed(opts.platform).binding?.checkWorkspace(opts.workspace)
      if (wrong) throw new CliError(wrong)
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const { bindWorkspace, BindingRefused } = await import('./db/workspaces.ts')
        const added = await bindWorkspace(engine.db, opts.platform, opts.workspace, opts.tenant, 'operator').catch((err: unknown) => {
          if (err instanceof BindingRefused) throw new CliError(`Not bound: ${err.message}.`)
          throw err
        })
        console.log(added ? `Bound ${opts.platform} workspace ${opts.workspace} to tenant "${opts.tenant}".` : `${opts.platform} workspace ${opts.workspace} was already bound to tenant "${opts.tenant}".`)
      })
    })
  workspaces
    .command('unbind')
    .description('disconnect a workspace: its people stop resolving at once (their links are kept for a rebind to the same tenant)')
    .addOption(platformOption())
    .requiredOption('--workspace <id>', BOUND_PLATFORMS.map((p) => `${p.label}: ${p.binding.workspaceHelp}`).join('; '))
    .action(async (opts: { platform: BoundPlatform; workspace: string }) => {
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        if (!(await (await import('./db/workspaces.ts')).unbindWorkspace(engine.db, opts.platform, opts.workspace))) throw new CliError(`${opts.platform} workspace ${opts.workspace} is not bound.`)
        console.log(`Unbound ${opts.platform} workspace ${opts.workspace}.`)
      })
    })
  workspaces
    .command('install-link')
    .description('a Slack OAuth install link for one tenant: the workspace that installs through it is bound to that tenant')
    .requiredOption('--tenant <slug>', 'the Workroom tenant')
    .option('--base-url <url>', "Workroom's public URL", 'http://127.0.0.1:3000')
    .option('--hours <n>', 'how long the link works', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1 || n > 168) throw new InvalidArgumentError('a whole number of hours from 1 to 168')
      return n
    }, 24)
    .action(async (opts: { tenant: string; baseUrl: string; hours: number }) => {
      const cfg = config()
      if (!cfg.SLACK_STATE_SECRET) throw new CliError('Install links are signed with SLACK_STATE_SECRET, which is not set (Slack OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET).')
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        if (!(await (await directory()).listTenants(engine.db)).some((t) => t.slug === opts.tenant)) throw new CliError(`there is no tenant "${opts.tenant}"`)
      })
      const expires = new Date(Date.now() + opts.hours * 3_600_000)
      console.log(installLink(opts.baseUrl, mintInstallToken(cfg.SLACK_STATE_SECRET, opts.tenant, expires)))
      console.error(`Valid until ${expires.toISOString()} for tenant "${opts.tenant}". Whoever opens it can install Workroom into their Slack workspace and bind it to that tenant: send it only to that agency's Slack admin.`)
    })

  const noPerson = (email: string) => new CliError(`No active person has the e-mail "${email}". \`workroom people\` lists the directory.`)
  /**
   * `as` and `chat`: through the server when one owns the embedded database (src/local/), else on
   * the database directly. Never both: a second process writing the same PGlite files loses writes.
   */
  const withSession = async <T>(email: string, fn: (session: TerminalSession) => Promise<T>, say?: (text: string) => void): Promise<T> => {
    const cfg = config()
    const server = cfg.DATABASE_URL ? null : await findLocalServer(cfg.WORKROOM_DATA_DIR, {
      onWait: (owner) => console.error(`Workroom (pid ${owner.pid}) is starting and owns the embedded database; waiting for it to be ready…`),
    })
    if (server) {
      say?.(`(through Workroom running at ${server.owner.url ?? 'this machine'}, pid ${server.owner.pid})`)
      const remote = await openRemoteSession(server, email)
      if (!remote) throw noPerson(email)
      try {
        return await fn(remote)
      } finally {
        await remote.close()
      }
    }
    return withEngine(async (engine) => {
      await requireMigrated(engine)
      const { openTerminalSession } = await import('./bots/playground/terminal.ts')
      const opened = await openTerminalSession(engine.db, email, { timesheet: timesheetSettings(cfg), knowledge: await providers(cfg), log: createLogger(cfg.LOG_LEVEL, process.stderr) })
      if (!opened) throw noPerson(email)
      return fn(opened)
    })
  }

  program
    .command('as')
    .description('run one message as a person of the directory and print the reply, e.g. workroom as maya.chen@northwind.example "/timesheet 2h Aurora Air"')
    .argument('<email>', "the person's e-mail")
    .argument('<message>', 'a slash command or a plain message')
    .option('--json', 'print the Reply tree as JSON')
    .action(async (email: string, message: string, opts: { json?: boolean }) => {
      await withSession(email, async (session) => {
        const out = await session.send(message)
        console.log(opts.json ? JSON.stringify(out, null, 2) : renderText(out))
      })
    })

  program
    .command('chat')
    .description('chat with Workroom in the terminal as a person of the directory; numbers pick from the choices offered')
    .requiredOption('--as <email>', "the person's e-mail")
    .action(async (opts: { as: string }) => {
      const { runTerminalChat } = await import('./bots/playground/terminal.ts')
      await withSession(opts.as, (session) => runTerminalChat(session, { input: process.stdin, output: process.stdout }), (text) => console.error(text))
    })

  const digest = program
    .command('digest')
    .description("print a tenant's utilization digest without posting it (run-due: one scheduler tick)")
    .option('--tenant <slug>', 'the tenant whose digest to print')
    .option('--date <YYYY-MM-DD>', "the day it would be posted (default: today in the tenant's time zone)")
    .option('--json', 'print the figures as JSON instead of the message')
    .action(async (opts: { tenant?: string; date?: string; json?: boolean }) => {
      if (!opts.tenant) throw new CliError('which tenant? `workroom digest --tenant <slug>` (`workroom people` lists them)')
      if (opts.date !== undefined && !isIsoDate(opts.date)) throw new CliError(`--date must be a calendar date like 2026-11-25, not "${opts.date}"`)
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const tenants = await (await directory()).listTenants(engine.db)
        const tenant = tenants.find((t) => t.slug === opts.tenant)
        if (!tenant) throw new CliError(`no tenant "${opts.tenant}"; there are: ${tenants.map((t) => t.slug).join(', ') || 'none (run `workroom seed`)'}`)
        const [{ buildDigest, digestReply }, { localDate }] = await Promise.all([import('./handlers/digest-content.ts'), import('./chat/converse.ts')])
        const data = await buildDigest(engine.db, tenant.id, opts.date ?? localDate(new Date(), tenant.timezone))
        console.log(opts.json ? JSON.stringify(data, null, 2) : renderText(digestReply(data)))
      })
    })
  digest
    .command('run-due')
    .description('claim and post the digests due now, once, as the scheduler does every minute')
    .option('--now <ISO time>', 'pretend it is this time, e.g. 2026-11-25T09:00:00Z')
    .action(async (opts: { now?: string }) => {
      const now = opts.now === undefined ? new Date() : new Date(opts.now)
      if (Number.isNaN(now.getTime())) throw new CliError(`--now must be an ISO time like 2026-11-25T09:00:00Z, not "${opts.now}"`)
      const cfg = config()
      const logger = createLogger(cfg.LOG_LEVEL)
      const [{ byName, startPlatforms }, { Inbox }, { runDueDigests }] = await Promise.all([import('./chat/platforms.ts'), import('./db/inbox.ts'), import('./scheduler.ts')])
      await withEngine(async (engine) => {
        await requireMigrated(engine)
        const router = { db: engine.db, now: () => now }
        const senders = byName(await startPlatforms({ config: cfg, router, logger, inbox: new Inbox(engine.service.db) }), 'postDigest')
        const result = await runDueDigests({ db: engine.db, now: () => now, senders, logger })
        console.log(`${result.claimed} due: ${result.sent} posted, ${result.failed} failed (retried on a later tick), ${result.gaveUp} given up`)
      })
    })

  program
    .command('serve')
    .description('migrate, then start the HTTP server (/healthz, /readyz and the chat adapters)')
    .addOption(new Option('--port <port>', 'port to listen on (default: PORT or 3000)').argParser((v) => Number(v)))
    .option('--no-migrate', 'do not apply pending migrations first')
    .action(async (opts: { port?: number; migrate: boolean }) => {
      const cfg = config()
      const logger = createLogger(cfg.LOG_LEVEL)
      const progress = startupProgress()
      progress.phase('loading the server')
      const { start, stopOnSignals } = await import('./main.ts')
      running = 'server'
      const effective = { ...cfg, ...(opts.port !== undefined ? { PORT: opts.port } : {}) }
      const server = await start(effective, logger, { migrate: opts.migrate, banner: (text) => console.log(text), progress }).catch((err: unknown) => {
        // Explained here, not below: --port is not in the environment.
        const explained = explainFailure(err, { config: effective, who: 'server' })
        throw explained === null ? err : new CliError(explained)
      })
      stopOnSignals(server, logger)
    })

  return program
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await buildProgram().parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CliError) {
      console.error(err.message)
      process.exit(1)
    }
    // An unreachable DATABASE_URL, a data directory in use or damaged, a port taken (serve).
    let cfg: Config | undefined
    try {
      cfg = loadConfig()
    } catch {
      // explained above, as a CliError, when it mattered
    }
    const explained = cfg ? explainFailure(err, { config: cfg, who: running }) : null
    if (explained !== null) {
      console.error(explained)
      process.exit(1)
    }
    throw err
  }
}
