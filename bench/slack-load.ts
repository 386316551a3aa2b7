/**
 * The load side of `npm run bench -- slack`, run as its own process so that generating and
 * signing requests never shares an event loop with the server it measures:
 *
 *   node --import tsx bench/slack-load.ts <url> <connections> <amount> <signingSecret> <responseUrlBase> <idPrefix> <senders> <days>
 *
 * senders and days are comma-separated (Slack user ids; recent 'YYYY-MM-DD' weekdays). Every
 * request is a distinct slash command (its own trigger_id and response_url), signed as Slack
 * signs it the moment autocannon builds it. Prints one JSON line: LoadResult.
 *
 * Latencies are split by whether the request was the first on its connection. autocannon opens
 * every connection at once, and Node accepts one pending connection per event-loop turn: while
 * the server is busy answering, the fiftieth new connection waits for fifty turns (measured: a
 * server whose turns take 20 ms accepts 50 simultaneous connections over one second). Those
 * first requests are then 5% of a 1,000-request run, enough to be its p99; they are reported on
 * their own instead of deciding the figure for requests on open connections.
 */
import autocannon from 'autocannon'
import { createHmac } from 'node:crypto'
import { latency, type Latency } from './stats.ts'

export interface LoadResult {
  /** Requests built and sent (setupRequest calls). */
  sent: number
  acked: number
  non2xx: number
  errors: number
  timeouts: number
  /** Ack latency in ms of requests on an open connection, i.e. not the first on theirs. */
  open: Latency
  /** Ack latency in ms of each connection's first request: connecting included. */
  firstOnConnection: Latency
  /** The samples behind open and firstOnConnection, in ms, for pooling several runs (bench/slack.ts's rounds). */
  samples: { open: number[]; firstOnConnection: number[] }
  /** Epoch milliseconds of the first request built and the last response, comparable with the stand-in's `at`. */
  startedAt: number
  finishedAt: number
}

const [url, connections, amount, signingSecret, responseUrlBase, idPrefix, senderList, dayList] = process.argv.slice(2)
if (!url || !connections || !amount || !signingSecret || !responseUrlBase || !idPrefix || !senderList || !dayList) {
  console.error('usage: slack-load.ts <url> <connections> <amount> <signingSecret> <responseUrlBase> <idPrefix> <senders> <days>')
  process.exit(2)
}
const senders = senderList.split(',')
const days = dayList.split(',')

/** Half week views, three in ten campaign look-ups, one in five a 15-minute entry (a write). */
const MIX: Array<(i: number) => { command: string; text: string }> = [
  ...Array(5).fill(() => ({ command: '/timesheet', text: '' })),
  ...Array(3).fill(() => ({ command: '/campaign', text: 'aurora air spring launch' })),
  ...Array(2).fill((i: number) => ({ command: '/timesheet', text: `15m ${days[i % days.length]} Aurora Air Spring Launch` })),
]

let sent = 0
// autocannon notices `amount` is reached on its 1-second sample tick, so its start and finish
// are up to a second apart from the requests; time the first send and the last ack here instead.
let firstSentAt = 0
let lastAckAt = 0
const slashCommand = (request: autocannon.Request): autocannon.Request => {
  if (sent === 0) firstSentAt = Date.now()
  const i = sent++
  const id = `${idPrefix}-${i}`
  // The commands interleave, and each round over the senders shifts them by one: every person
  // sends every kind of command, even in a short run.
  const { command, text } = MIX[(i + Math.floor(i / senders.length)) % MIX.length]!(i)
  const user = senders[i % senders.length]!
  const body = new URLSearchParams({
    token: 'legacy', team_id: 'TBENCH', team_domain: 'bench', channel_id: 'C0BENCH', channel_name: 'bench', user_id: user, user_name: user,
    command, text, api_app_id: 'A0BENCH', trigger_id: `trigger.${id}`, response_url: `${responseUrlBase}${encodeURIComponent(id)}`,
  }).toString()
  const timestamp = Math.floor(Date.now() / 1000)
  return {
    ...request,
    method: 'POST',
    path: '/slack/events',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    },
    body,
  }
}

const seen = new WeakSet<autocannon.Client>()
const open: number[] = []
const first: number[] = []
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon({
    url,
    connections: Number(connections),
    amount: Number(amount),
    // Slack gives up after 3 s; anything near that is a failure whatever the percentiles say.
    timeout: 3,
    requests: [{ setupRequest: slashCommand }],
  }, (err, done) => (err ? reject(err) : resolve(done)))
  instance.on('response', (client: autocannon.Client, _status: number, _bytes: number, responseTime: number) => {
    lastAckAt = Date.now()
    if (seen.has(client)) open.push(responseTime)
    else {
      seen.add(client)
      first.push(responseTime)
    }
  })
})
const out: LoadResult = {
  sent,
  acked: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  open: latency(open),
  firstOnConnection: latency(first),
  samples: { open, firstOnConnection: first },
  startedAt: firstSentAt,
  finishedAt: lastAckAt,
}
process.stdout.write(`${JSON.stringify(out)}\n`)
