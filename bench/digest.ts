/**
 * Digest delivery, `npm run bench -- digest [--runs N]`: one scheduler tick (src/scheduler.ts,
 * runDueDigests) that claims, builds and posts the digests of 100 subscribed Slack channels,
 * through the real WebClient to the Slack Web API stand-in (test/support/slack-standin.ts).
 *
 * The channels subscribe as a real pm would, `/digest daily 09:00 UTC` through converse,
 * round-robin over the demo tenants, the day before the first digest (a subscription only counts
 * from its created time). Run r ticks once at 09:00:30 UTC on its own day, so every run is a new
 * digest for all 100 channels; the days end yesterday, so every digest reports on a working day
 * the demo seed has timesheets for. One tick on the day before the first run warms up JIT, the
 * WebClient's connections and plan caches, and is not counted.
 *
 * Inside a tick the scheduler works one digest after another; the sender is wrapped to see where
 * the time goes: "post" is the sender (chat.postMessage to the stand-in and back), "build" the
 * gap between one post's end and the next one's start (buildDigest and digestReply for this
 * digest, plus finishRun for the previous one).
 */
import { createSlackBot } from '../src/bots/slack/app.ts'
import { addDays } from '../src/dates.ts'
import { listPeople, listTenants } from '../src/db/directory.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { converse } from '../src/chat/converse.ts'
import { createLogger } from '../src/log.ts'
import { runDueDigests, type DigestSender } from '../src/scheduler.ts'
import { startSlackStandin, type SlackStandin } from '../test/support/slack-standin.ts'
import { benchEngines, migrateAndSeedDemo } from './engines.ts'
import type { BenchArgs, Figure, Section } from './report.ts'
import { summarize } from './stats.ts'

const CHANNELS = 100
const WORKSPACE = 'TBENCH'
const POST_AT = '09:00'
/** Thirty seconds after the post time, as the minute's tick would run. */
const TICK_AT = 'T09:00:30Z'
const logger = createLogger('silent')

type Row = Record<string, string | number>

export async function benchDigest(args: BenchArgs): Promise<Section> {
  const runs = Math.max(1, args.runs ?? 5)
  const started = performance.now()
  const engines = await benchEngines()

  // Post dates: a warm-up day, then one day a run, the last one yesterday.
  const today = new Date().toISOString().slice(0, 10)
  const days = Array.from({ length: runs + 1 }, (_, i) => addDays(today, i - (runs + 1)))
  const subscribedAt = new Date(`${addDays(days[0]!, -1)}T12:00:00Z`)

  const rows: Row[] = []
  const figures: Figure[] = []
  const problems: string[] = []
  for (const [name, make] of engines) {
    const engine = await make()
    const standin = await startSlackStandin()
    try {
      await migrateAndSeedDemo(engine)
      const managers = await linkManagers(engine)
      await subscribeChannels(engine, managers, subscribedAt)

      const bot = createSlackBot({ db: engine.db, now: () => new Date() }, { signingSecret: 'bench-signing-secret', botToken: 'xoxb-bench', appToken: undefined, apiUrl: standin.apiUrl }, logger)
      const post: DigestSender = (s, reply) => bot.postMessage(s.workspaceId, s.channelId, reply)
      try {
        const ticks: number[] = []
        const builds: number[] = []
        const posts: number[] = []
        for (const [i, day] of days.entries()) {
          const t = await tick(engine, standin, post, day)
          const label = i === 0 ? `${name}, warm-up ${day}` : `${name}, run ${i} (${day})`
          if (t.result.sent !== CHANNELS || t.posted !== CHANNELS) {
            problems.push(`${label}: sent ${t.result.sent} (claimed ${t.result.claimed}, failed ${t.result.failed}, gave up ${t.result.gaveUp}), stand-in recorded ${t.posted} chat.postMessage; expected ${CHANNELS}`)
          }
          if (i === 0) continue
          ticks.push(t.ms)
          builds.push(...t.builds)
          posts.push(...t.posts)
        }
        const tickStats = summarize(ticks)
        const perDigest = tickStats.median / CHANNELS
        const build = round(summarize(builds).median, 2)
        const postMs = round(summarize(posts).median, 2)
        rows.push({
          engine: name, channels: CHANNELS, runs: tickStats.runs,
          'tick median ms': round(tickStats.median), 'tick p99 ms': round(tickStats.p99),
          'per-digest ms': round(perDigest, 2), 'digests/s': Math.round(1000 / perDigest),
          'build median ms': build, 'post median ms': postMs,
        })
        figures.push({
          engine: name, what: `one tick: ${CHANNELS} digests claimed, built and posted`, median: tickStats.median, p99: tickStats.p99,
          unit: 'ms', runs: tickStats.runs, verdict: '—',
          note: `${round(perDigest, 2)} ms a digest (${Math.round(1000 / perDigest)}/s); medians over all digests: build ${build} ms, post ${postMs} ms`,
        })
      } finally {
        await bot.stop()
      }
    } finally {
      await standin.close()
      await engine.close()
    }
  }
  console.log(`\nDigest delivery: one scheduler tick claiming, building and posting ${CHANNELS} Slack digests (daily ${POST_AT} UTC,`)
  console.log(` round-robin over the demo tenants) through the WebClient to the Slack stand-in, one tick per run on its own day, after one warm-up tick;`)
  console.log(` p99 is nearest-rank over the runs (with 5 runs it is the max); per-digest = tick median / ${CHANNELS}; build = gap between posts`)
  console.log(` (buildDigest + digestReply, and finishRun of the previous digest), post = chat.postMessage round trip; build and post medians over all digests)`)
  console.table(rows)
  for (const p of problems) console.log(`! ${p}`)
  console.log(`(bench took ${((performance.now() - started) / 1000).toFixed(1)} s)`)
  return {
    bench: 'digest', title: 'digest delivery', figures,
    lines: [
      `One scheduler tick (runDueDigests) claiming, building and posting the daily digests of ${CHANNELS} Slack channels,`
        + ' round-robin over the demo tenants, through the real WebClient to the Slack Web API stand-in; one tick per run on'
        + ' its own day, after one warm-up tick. Build = the gap between one post and the next (buildDigest, digestReply and'
        + ' the previous finishRun), post = the chat.postMessage round trip.',
      ...problems.map((p) => `Problem: ${p}`),
    ],
  }
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits))

/**
 * One pm of each demo tenant (leadership where there is no pm), linked as the owner does it, in
 * a Slack workspace of their own bound to their tenant. Their Slack user id is their e-mail.
 */
async function linkManagers(engine: Engine): Promise<Array<{ email: string; workspace: string }>> {
  const linked: Array<{ email: string; workspace: string }> = []
  for (const tenant of await listTenants(engine.db)) {
    const people = await listPeople(engine.db, tenant.slug)
    const manager = people.find((p) => p.role === 'pm') ?? people.find((p) => p.role === 'leadership')
    if (!manager) throw new Error(`demo tenant ${tenant.slug} has no pm or leadership to subscribe channels`)
    const workspace = `${WORKSPACE}-${tenant.slug.toUpperCase()}`
    await bindWorkspace(engine.db, 'slack', workspace, tenant.slug, 'operator')
    if (!(await linkIdentity(engine.db, { platform: 'slack', workspaceId: workspace, externalUserId: manager.email }, manager.email))) {
      throw new Error(`could not link ${manager.email}`)
    }
    linked.push({ email: manager.email, workspace })
  }
  if (linked.length === 0) throw new Error('the demo seed has no tenants')
  return linked
}

/** `/digest daily 09:00 UTC` in CHANNELS channels, round-robin over the managers, at `now`. */
async function subscribeChannels(engine: Engine, managers: Array<{ email: string; workspace: string }>, now: Date): Promise<void> {
  for (let i = 0; i < CHANNELS; i++) {
    const channelId = `CDIGEST${String(i).padStart(3, '0')}`
    const manager = managers[i % managers.length]!
    const answer = await converse({ db: engine.db, now: () => now }, {
      platform: 'slack', workspaceId: manager.workspace, externalUserId: manager.email, channelId, threadId: null,
      input: { kind: 'command', command: '/digest', text: `daily ${POST_AT} UTC` }, requestId: `bench-digest-${i}`,
    })
    const text = renderText(answer)
    if (!/^Subscribed/.test(text)) throw new Error(`subscribing ${channelId} failed: ${text}`)
  }
}

/** One timed tick on `day` at 09:00:30 UTC, with each digest's build and post timed through the sender. */
async function tick(engine: Engine, standin: SlackStandin, post: DigestSender, day: string) {
  const now = new Date(`${day}${TICK_AT}`)
  const postedBefore = standin.calls.filter((c) => c.method === 'chat.postMessage').length
  const builds: number[] = []
  const posts: number[] = []
  let lastPostEnd: number | null = null
  const timed: DigestSender = async (s, reply) => {
    const start = performance.now()
    if (lastPostEnd !== null) builds.push(start - lastPostEnd)
    try {
      await post(s, reply)
    } finally {
      lastPostEnd = performance.now()
      posts.push(lastPostEnd - start)
    }
  }
  const started = performance.now()
  const result = await runDueDigests({ db: engine.db, now: () => now, senders: { slack: timed }, logger })
  const ms = performance.now() - started
  const posted = standin.calls.filter((c) => c.method === 'chat.postMessage').length - postedBefore
  return { ms, result, posted, builds, posts }
}
