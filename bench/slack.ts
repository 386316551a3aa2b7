/**
 * Slash-command ack latency, `npm run bench -- slack [--runs N]`: signed POST /slack/events to
 * Slack's HTTP 200, through the real server, Bolt's HTTPReceiver and the Workroom Slack app, at
 * 1, 10 and 50 concurrent connections. Slack gives up after 3 s; targets: p99 under 100 ms at 50
 * connections on native PostgreSQL, and within 2× of a bare Bolt app at 1 and 10.
 *
 * The bare Bolt app is the floor: the same Bolt, the same HTTPReceiver options, mounted the same
 * way on the same kind of server (createApp, startServer), sent the same signed requests, with
 * one listener that only acks. Each level alternates rounds of the two (bare, Workroom, Workroom,
 * bare, …) in one process, so a change in the machine's load moves both.
 *
 * The load comes from autocannon in a child process (bench/slack-load.ts): in this process it
 * would take turns on the event loop with the server it measures. The Slack Web API stand-in
 * (the target of every response_url) does run here, because Workroom's own answers are part of
 * the load an ack competes with. After each level we wait until every acked command has been
 * answered through its response_url, so one level's answers do not slow the next level's acks.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { App, HTTPReceiver } from '@slack/bolt'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { Hono } from 'hono'
import pLimit from 'p-limit'
import { loadConfig } from '../src/config.ts'
import { createSlackBot } from '../src/bots/slack/app.ts'
import { startAnswerWorkers } from '../src/answer-workers.ts'
import { Inbox } from '../src/db/inbox.ts'
import { addDays, isoDow } from '../src/dates.ts'
import { listPeople } from '../src/db/directory.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import type { Role } from '../src/db/schema.ts'
import { createApp } from '../src/http/app.ts'
import { startServer, type RunningServer } from '../src/http/server.ts'
import { createLogger, type Logger } from '../src/log.ts'
import { startSlackStandin, type SlackStandin } from '../test/support/slack-standin.ts'
import { benchEngines, migrateAndSeedDemo } from './engines.ts'
import { judge, type BenchArgs, type Figure, type Section } from './report.ts'
import type { LoadResult } from './slack-load.ts'
import { latency, type Latency } from './stats.ts'

const SIGNING_SECRET = 'bench-signing-secret'
const TARGET_MS = 100
const TARGET_CONNECTIONS = 50
/** Workroom's ack against the bare Bolt app's, at 1 and 10 connections (p99 / p99). */
const TARGET_RATIO = 2
/** Rounds per level, each app measured in every one; a round is a fresh set of connections. */
const ROUNDS = 4
const SENDERS = 10
const WARMUP = 50
/** A level's answers must all arrive within this; a stuck handler shows as answered < requests. */
const DRAIN_TIMEOUT_MS = 60_000
/**
 * A request autocannon gave up on (no ack in 3 s) may still be answered later, or never if the
 * server did not get it whole: once every acked command is answered, stop waiting after this
 * long without a new answer.
 */
const DRAIN_IDLE_MS = 2_000
/** One autocannon run, process start included; bounds the whole bench if the server hangs. */
const LOAD_TIMEOUT_MS = 120_000
const LOAD_SCRIPT = fileURLToPath(new URL('./slack-load.ts', import.meta.url))

/** Why PGlite misses at 50 connections: by design, see docs/slack.md. */
const PGLITE_UNACKED = 'PGlite runs every query on the server\'s own thread, so new connections are accepted only between'
  + ' queries, and the last of 50 opened at once waits past 3 s. A workspace of that size needs a PostgreSQL server (docs/slack.md).'
type Row = Record<string, string | number>

export async function benchSlack(args: BenchArgs): Promise<Section> {
  // --runs N: requests at 50 connections; 1 and 10 connections get a fifth and a half of that.
  const top = Math.max(TARGET_CONNECTIONS, args.runs ?? 1000)
  const levels = [
    { connections: 1, amount: Math.max(1, Math.round(top / 5)) },
    { connections: 10, amount: Math.max(10, Math.round(top / 2)) },
    { connections: TARGET_CONNECTIONS, amount: top },
  ]
  const engines = await benchEngines()

  const rows: Row[] = []
  const figures: Figure[] = []
  const problems: string[] = []
  const threads = new Map<string, number>()
  const logger = createLogger('silent')
  const bare = await startBareBolt(logger)
  try {
    for (const [name, make] of engines) {
      const engine = await make()
      const standin = await startSlackStandin()
      try {
        await migrateAndSeedDemo(engine)
        const senders = await linkSenders(engine)
        const settings = { signingSecret: SIGNING_SECRET, botToken: 'xoxb-bench', appToken: undefined, apiUrl: standin.apiUrl }
        // As `npm start` runs: answers on the main thread, or on a PostgreSQL server in ANSWER_WORKERS
        // threads (default 0; BENCH_ANSWER_WORKERS=1 measures one). BENCH_CHAT_CONCURRENCY sets CHAT_CONCURRENCY.
        const config = loadConfig({
          ...('url' in engine ? { DATABASE_URL: String(engine.url) } : {}),
          SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: settings.botToken, SLACK_API_URL: standin.apiUrl, LOG_LEVEL: 'silent',
          ...(process.env.BENCH_ANSWER_WORKERS ? { ANSWER_WORKERS: process.env.BENCH_ANSWER_WORKERS } : {}),
          ...(process.env.BENCH_CHAT_CONCURRENCY ? { CHAT_CONCURRENCY: process.env.BENCH_CHAT_CONCURRENCY } : {}),
          // The bench's senders send hundreds of commands a minute each.
          WRITE_RATE_LIMIT: '0', ASK_RATE_LIMIT: '0',
        })
        const inbox = new Inbox(engine.db)
        const workers = config.DATABASE_URL && config.ANSWER_WORKERS > 0
          ? await startAnswerWorkers({ config, count: config.ANSWER_WORKERS, owner: inbox.owner, passageLinks: null, logger })
          : null
        threads.set(name, workers?.size ?? 0)
        const router = { db: engine.db, now: () => new Date(), inFlight: pLimit(config.CHAT_CONCURRENCY) }
        const bot = createSlackBot(router, settings, logger, { inbox, ...(workers ? { answerElsewhere: workers.run } : {}) })
        const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
        try {
          const days = recentWeekdays()
          const load = loader(`http://127.0.0.1:${server.port}`, standin, senders, days)
          const loadBare = loader(`http://127.0.0.1:${bare.port}`, null, senders, days)
          await load('warmup', { connections: 10, amount: WARMUP })   // JIT, pools, plan caches
          await loadBare('warmup', { connections: 10, amount: WARMUP })
          for (const level of levels) {
            const perRound = { connections: level.connections, amount: Math.max(level.connections, Math.ceil(level.amount / ROUNDS)) }
            const workroomRuns: Loaded[] = []
            const bareRuns: Loaded[] = []
            for (let round = 0; round < ROUNDS; round++) {
              // bare first in rounds 0 and 3, Workroom first in 1 and 2: neither always goes first.
              const bareFirst = round % 4 === 0 || round % 4 === 3
              for (const which of bareFirst ? ['bare', 'workroom'] : ['workroom', 'bare']) {
                if (which === 'bare') bareRuns.push(await loadBare(`c${level.connections}r${round}b`, perRound))
                else workroomRuns.push(await load(`c${level.connections}r${round}w`, perRound))
              }
            }
            const w = pooled(workroomRuns)
            const b = pooled(bareRuns)
            const unacked = w.non2xx + w.errors
            const { open, first } = w
            const ratio = { p50: b.open.p50 > 0 ? open.p50 / b.open.p50 : NaN, p99: b.open.p99 > 0 ? open.p99 / b.open.p99 : NaN }
            const ratioText = `${ratio.p50.toFixed(1)}× / ${ratio.p99.toFixed(1)}×`
            const native = !name.startsWith('PGlite')
            const absolute = level.connections !== TARGET_CONNECTIONS ? ''
              : unacked > 0 ? `missed (${unacked} not acked)`
              : open.n === 0 ? 'none on open connections (raise --runs)'
              : open.p99 < TARGET_MS ? `met (p99 < ${TARGET_MS} ms)` : `missed (p99 ≥ ${TARGET_MS} ms)`
            const relative = level.connections === TARGET_CONNECTIONS || !native ? ''
              : unacked > 0 ? `missed (${unacked} not acked)`
              : ratio.p99 < TARGET_RATIO ? `met (p99 < ${TARGET_RATIO}× bare)` : `missed (p99 ≥ ${TARGET_RATIO}× bare)`
            rows.push({
              engine: name, connections: level.connections, requests: w.sent,
              'p50 ms': open.p50, 'p90 ms': open.p90, 'p99 ms': open.p99, 'max ms': open.max,
              'bare p50/p99': `${b.open.p50}/${b.open.p99}`, '× bare p50/p99': ratioText,
              'new conn p50/max': `${first.p50}/${first.max}`,
              'req/s': Math.round(w.sent / (w.seconds || 1)),
              'non-2xx': w.non2xx, timeouts: w.timeouts, answered: `${w.answered}/${w.sent - w.non2xx}`, 'drain ms': w.drainMs ?? '-',
              target: absolute || relative,
            })
            const connections = `${level.connections} connection${level.connections > 1 ? 's' : ''}`
            figures.push({
              engine: name, what: `ack, ${connections}`, median: open.p50, p99: open.p99, unit: 'ms', runs: open.n,
              ...(absolute ? { target: `p99 < ${TARGET_MS} ms` } : relative ? { target: `p99 < ${TARGET_RATIO}× bare Bolt` } : {}),
              verdict: absolute ? (unacked > 0 ? `missed: ${unacked} not acked` : open.n === 0 ? '—' : judge('p99', open.p99, TARGET_MS))
                : relative ? (unacked > 0 ? `missed: ${unacked} not acked` : ratio.p99 < TARGET_RATIO ? 'met' : `missed: p99 ${ratio.p99.toFixed(1)}× bare Bolt's ≥ ${TARGET_RATIO}×`)
                : '—',
              note: `${ratioText} the bare Bolt app's (p50 / p99), measured in the same rounds; ${w.sent} requests in ${ROUNDS} rounds, ${w.timeouts} timeouts, ${w.non2xx} non-2xx;`
                + ` first request of each connection p50/max ${first.p50}/${first.max} ms; answered ${w.answered}/${w.sent - w.non2xx}`
                + (name.startsWith('PGlite') && unacked > 0 ? `. ${PGLITE_UNACKED}` : ''),
            })
            figures.push({
              engine: name, what: `bare Bolt ack, ${connections}`, median: b.open.p50, p99: b.open.p99, unit: 'ms', runs: b.open.n, verdict: '—',
            })
            if (w.errors > w.timeouts) problems.push(`${name}, ${level.connections} connections: ${w.errors - w.timeouts} connection errors besides timeouts`)
            if (b.non2xx + b.errors > 0) problems.push(`${name}, ${level.connections} connections: the bare Bolt app left ${b.non2xx + b.errors} requests unacked`)
          }
        } finally {
          await server.close()
          await bot.stop()
          await bot.drain()
          await workers?.stop(10_000)
        }
      } finally {
        await standin.close()
        await engine.close()
      }
    }
  } finally {
    await bare.close()
  }
  console.log(`\nSlash-command ack latency: signed POST /slack/events to HTTP 200, autocannon in a child process`)
  console.log(`(target: p99 < ${TARGET_MS} ms at ${TARGET_CONNECTIONS} connections on native PostgreSQL; Slack's limit is 3 s;`)
  console.log(` p50–max: acked requests on open connections; new conn: the first request of each connection, all opened at once`)
  console.log(` (Node accepts one waiting connection per event-loop turn, see bench/slack-load.ts); timeouts = no ack within Slack's 3 s;`)
  console.log(` answered = response_url POSTs received / requests not refused; drain = last answer after the last ack, once all acked ones are answered;`)
  console.log(` bare = a Bolt app that only acks, same receiver and server, measured in alternating rounds with Workroom; × bare = Workroom's / bare's)`)
  console.table(rows)
  for (const p of problems) console.log(`! ${p}`)
  return {
    bench: 'slack', title: 'slash-command ack latency', figures,
    lines: [
      `Signed POST /slack/events to HTTP 200 through the real server, Bolt's receiver and the Workroom Slack app, load from`
        + ` autocannon in a child process, at 1, 10 and ${TARGET_CONNECTIONS} connections after ${WARMUP} warm-up requests.`
        + ` Median and p99 are of requests on open connections (runs = their number); each connection's first request waits`
        + ` for the connection to be accepted and is in the note. Slack gives up after 3 s.`,
      `The floor is a bare Bolt app: the same Bolt ${BOLT_VERSION}, the same HTTPReceiver options (processBeforeResponse, signature`
        + ` verification), mounted on the same Hono app and Node server, sent the same signed commands, with one listener that only`
        + ` acks. Each level runs ${ROUNDS} rounds of each app, alternating (bare first in the first and last round), in the same process,`
        + ` so a change in the machine's load moves both; Workroom's answers to one round are all delivered before the next round starts.`,
      `Workroom runs as \`npm start\` does: ${[...threads].map(([engine, n]) => `${engine}, ${n === 0 ? 'answers on the main thread' : `answers in ${n} answer thread${n === 1 ? '' : 's'} (ANSWER_WORKERS)`}`).join('; ')}.`,
      ...problems,
    ],
  }
}

/**
 * Up to SENDERS people of Northwind, one role after another so every role sends commands,
 * linked as the owner does it (`workroom link`). Their Slack user id is their e-mail: unique,
 * and readable in a stand-in recording.
 */
async function linkSenders(engine: Engine): Promise<string[]> {
  const byRole = new Map<Role, string[]>()
  for (const p of await listPeople(engine.db, 'northwind')) byRole.set(p.role, [...(byRole.get(p.role) ?? []), p.email])
  const picked: string[] = []
  for (let round = 0; picked.length < SENDERS && [...byRole.values()].some((emails) => emails.length > round); round++) {
    for (const emails of byRole.values()) if (emails[round] && picked.length < SENDERS) picked.push(emails[round]!)
  }
  if (picked.length === 0) throw new Error('the demo seed has no Northwind people to send commands')
  await bindWorkspace(engine.db, 'slack', 'TBENCH', 'northwind', 'operator')
  for (const email of picked) await linkIdentity(engine.db, { platform: 'slack', workspaceId: 'TBENCH', externalUserId: email }, email)
  return picked
}

/**
 * Weekdays from yesterday back to 12 days ago: never "future" in any sender's time zone and well
 * inside the 14-day lock. At 15 minutes an entry, one in five requests, the default run adds
 * about 90 h over ~80 person-days, so no day nears 24 h; a refusal would still be an answer.
 */
function recentWeekdays(): string[] {
  const today = new Date().toISOString().slice(0, 10)
  return Array.from({ length: 12 }, (_, i) => addDays(today, -(i + 1))).filter((d) => isoDow(d) <= 5)
}

interface Loaded { result: LoadResult; answered: number; drainMs: number | null }

/**
 * Runs one load level in a child process, then waits for that level's response_url answers;
 * without a stand-in (the bare app, which answers nothing), returns once the load has run.
 */
function loader(url: string, standin: SlackStandin | null, senders: string[], days: string[]) {
  // The bare app never posts to it; any URL will do.
  const responseUrlBase = standin ? standin.responseUrl('') : 'http://127.0.0.1:9/response/'
  return async (label: string, level: { connections: number; amount: number }): Promise<Loaded> => {
    const prefix = `${label}-${Date.now()}`
    const result = await runLoad([url, String(level.connections), String(level.amount), SIGNING_SECRET, responseUrlBase, prefix, senders.join(','), days.join(',')])
    if (!standin) return { result, answered: 0, drainMs: null }
    const mine = () => standin.responses.filter((r) => r.path.startsWith(`/response/${prefix}-`))
    const expected = result.sent - result.non2xx
    const deadline = Date.now() + DRAIN_TIMEOUT_MS
    let answers = mine()
    let lastSeen = { count: answers.length, at: Date.now() }
    while (answers.length < expected && Date.now() < deadline) {
      if (answers.length >= result.acked && Date.now() - lastSeen.at > DRAIN_IDLE_MS) break
      await new Promise((r) => setTimeout(r, 20))
      answers = mine()
      if (answers.length > lastSeen.count) lastSeen = { count: answers.length, at: Date.now() }
    }
    const lastAnswer = Math.max(result.finishedAt, ...answers.map((r) => r.at))
    return { result, answered: answers.length, drainMs: answers.length >= result.acked ? lastAnswer - result.finishedAt : null }
  }
}

function runLoad(argv: string[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), LOAD_TIMEOUT_MS)
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`slack-load exited with ${code ?? signal}${signal === 'SIGKILL' ? ` (over ${LOAD_TIMEOUT_MS} ms)` : ''}: ${stderr.trim()}`))
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult)
    })
  })
}

/** The rounds of one app at one level as one sample: latencies pooled, counts summed. */
function pooled(runs: Loaded[]): {
  sent: number; non2xx: number; errors: number; timeouts: number; answered: number; drainMs: number | null; seconds: number; open: Latency; first: Latency
} {
  const sum = (f: (r: Loaded) => number) => runs.reduce((n, r) => n + f(r), 0)
  const drains = runs.map((r) => r.drainMs)
  return {
    sent: sum((r) => r.result.sent), non2xx: sum((r) => r.result.non2xx), errors: sum((r) => r.result.errors), timeouts: sum((r) => r.result.timeouts),
    answered: sum((r) => r.answered),
    drainMs: drains.some((d) => d === null) ? null : Math.max(...(drains as number[])),
    seconds: sum((r) => (r.result.finishedAt - r.result.startedAt) / 1000),
    open: latency(runs.flatMap((r) => r.result.samples.open)),
    first: latency(runs.flatMap((r) => r.result.samples.firstOnConnection)),
  }
}

const BOLT_VERSION: string = (await import('@slack/bolt/package.json', { with: { type: 'json' } })).default.version

/**
 * The floor: a Bolt app that acks every slash command and does nothing else, built as
 * createSlackBot builds Workroom's (HTTPReceiver with processBeforeResponse, the receiver's
 * requestListener behind a Hono route, createApp and startServer) and authorized without a
 * Web API call, as Workroom's single-workspace bot is after its first request.
 */
async function startBareBolt(logger: Logger): Promise<RunningServer> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', processBeforeResponse: true })
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-bare', botUserId: 'UBARE', botId: 'BBARE' }),
  })
  app.command(/.*/, async ({ ack }) => { await ack() })
  const routes = new Hono<{ Bindings: HttpBindings }>()
  routes.post('/slack/events', (c) => {
    receiver.requestListener(c.env.incoming, c.env.outgoing)
    return RESPONSE_ALREADY_SENT
  })
  // createApp wants an engine only for /readyz, which the bench never asks.
  const engine = null as unknown as Engine
  return startServer(createApp({ engine, logger, adapters: [routes] }), { port: 0, host: '127.0.0.1', logger })
}
