// A Slack Web API server on 127.0.0.1 for tests: the real `WebClient` points at it with
// `slackApiUrl: standin.apiUrl`, so serialization, retries and error classes are the SDK's own.
// It is also the target of `response_url`s.
//
// @slack/web-api 8 POSTs `<slackApiUrl><method>` (adding a missing '/'), the token in
// `Authorization: Bearer`, the args as x-www-form-urlencoded with objects and arrays (blocks,
// attachments) JSON-encoded into one field each; a per-call `token` is also a form field. Only
// Buffer args (uploads) make it multipart, which this stand-in does not parse.
//
// On a 429 with a numeric Retry-After it emits `rate_limited`, pauses its whole request queue
// for that many seconds (0: no pause) and lets p-retry try again on `retryConfig`'s schedule;
// out of retries, the caller gets a plain "A rate limit was exceeded" Error, not a coded one.
// `rejectRateLimitedCalls: true` throws WebAPIRateLimitedError (`retryAfter`) at once; a 429
// without a usable Retry-After is not retried. Other non-200s become WebAPIHTTPError and ARE
// retried, so script `retries + 1` of them. `ok: false` is never retried: WebAPIPlatformError.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SlackCall { method: string; args: Record<string, any>; token: string | null; at: number }
export interface ResponseUrlPost { path: string; body: any; at: number }
export type SlackScript =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'error'; error: string }
  | { kind: 'status'; status: number }
  | { kind: 'json'; body: Record<string, unknown> }        // exactly this body, HTTP 200 (e.g. oauth.v2.access)
/** A message streamed with chat.startStream / appendStream / stopStream: its text as the chunks built it. */
export interface SlackStream { channel: string; threadTs: string; text: string; state: 'streaming' | 'stopped'; blocks: unknown[] | null }
export interface SlackUser { email?: string; name?: string; confirmed?: boolean; teamId?: string; stranger?: boolean }

export interface SlackStandin {
  apiUrl: string
  calls: SlackCall[]
  responses: ResponseUrlPost[]
  /** Streamed messages by ts. */
  streams: Map<string, SlackStream>
  /** A response_url under this stand-in, e.g. for a slash command payload. */
  responseUrl(id: string): string
  /** Scripted answers for one method, consumed in order before the default. */
  script(method: string, ...responses: SlackScript[]): void
  /**
   * users.info profiles: user id → e-mail (missing users get {ok:false,error:'user_not_found'}).
   * `confirmed` is Slack's is_email_confirmed (default true); `teamId` the user's home team
   * (omitted when unset), e.g. another organisation's for a Slack Connect `stranger`.
   */
  users: Map<string, SlackUser>
  /** Resolves when `n` calls of `method` have been recorded (or rejects after timeoutMs, default 5000, listing what was recorded). */
  waitFor(method: string, n?: number, timeoutMs?: number): Promise<SlackCall[]>
  waitForResponses(n: number, timeoutMs?: number): Promise<ResponseUrlPost[]>
  /** Resolves once `check` holds, asked again after every recorded call and response_url POST (rejects after timeoutMs, default 10000). */
  until(check: () => boolean, timeoutMs?: number): Promise<void>
  /** Calls listener with every response_url POST as it arrives (load tests: no scanning of `responses`). */
  onResponse(listener: (post: ResponseUrlPost) => void): void
  close(): Promise<void>
}

interface Waiter { check(): boolean; fail(err: Error): void }

export async function startSlackStandin(): Promise<SlackStandin> {
  const calls: SlackCall[] = []
  const responses: ResponseUrlPost[] = []
  const users = new Map<string, SlackUser>()
  const streams = new Map<string, SlackStream>()
  const queues = new Map<string, SlackScript[]>()
  const waiters = new Set<Waiter>()
  const responseListeners: Array<(post: ResponseUrlPost) => void> = []
  let messages = 0

  const notify = () => { for (const w of waiters) if (w.check()) waiters.delete(w) }

  // Slack's ts is seconds.microseconds and orders messages; tests may sort or thread on it.
  const nextTs = () => `1700000000.${String(++messages * 100).padStart(6, '0')}`
  const answer = (method: string, args: Record<string, any>): unknown => {
    switch (method) {
      case 'auth.test': return { ok: true, url: 'https://test-team.slack.com/', team: 'Test Team', team_id: 'T0TEST', user: 'workroom', user_id: 'U0BOT', bot_id: 'B0BOT' }
      case 'chat.postMessage': {
        const ts = nextTs()
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } }
      }
      case 'chat.update': return { ok: true, channel: args.channel, ts: args.ts }
      // https://docs.slack.dev/reference/methods/chat.startStream (and appendStream, stopStream):
      // text arrives as markdown_text or as chunks of type markdown_text; a stream is started in
      // a thread, appended to while it streams, and stopped once (with blocks for the finished message).
      case 'chat.startStream': {
        if (!args.channel || !args.thread_ts) return { ok: false, error: 'invalid_arguments' }
        const ts = nextTs()
        streams.set(ts, { channel: args.channel, threadTs: args.thread_ts, text: streamText(args), state: 'streaming', blocks: null })
        return { ok: true, channel: args.channel, ts }
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const stream = streams.get(args.ts)
        if (!stream || stream.channel !== args.channel) return { ok: false, error: 'message_not_found' }
        if (stream.state !== 'streaming') return { ok: false, error: 'message_not_in_streaming_state' }
        stream.text += streamText(args)
        if (method === 'chat.appendStream') return { ok: true, channel: args.channel, ts: args.ts }
        stream.state = 'stopped'
        stream.blocks = Array.isArray(args.blocks) ? args.blocks : null
        return { ok: true, channel: args.channel, ts: args.ts, message: { text: stream.text, ts: args.ts, ...(stream.blocks ? { blocks: stream.blocks } : {}) } }
      }
      case 'chat.postEphemeral': return { ok: true, message_ts: nextTs() }
      case 'users.info': {
        const user = users.get(args.user)
        return user
          ? { ok: true, user: {
            id: args.user, name: user.name, is_email_confirmed: user.confirmed ?? true, ...(user.teamId ? { team_id: user.teamId } : {}),
            ...(user.stranger ? { is_stranger: true } : {}), profile: { email: user.email },
          } }
          : { ok: false, error: 'user_not_found' }
      }
      case 'conversations.info': return { ok: true, channel: { id: args.channel, name: 'general' } }
      default: return { ok: true } // reactions.add, reactions.remove and everything else
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const post = { path, body: parseJson(text), at: Date.now() }
      responses.push(post)
      for (const listener of responseListeners) listener(post)
      notify()
      return send(res, 200, 'ok', 'text/plain') // Slack answers a response_url POST with plain "ok"
    }
    if (req.method !== 'POST' || !path.startsWith('/api/')) return send(res, 404, `Unknown request URL: ${req.method} ${path}`, 'text/plain')
    const method = path.slice('/api/'.length)
    const args = parseArgs(text, req.headers['content-type'])
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const token = bearer ?? (typeof args.token === 'string' ? args.token : null)
    delete args.token // recorded once, in `token`
    calls.push({ method, args, token, at: Date.now() })
    notify()
    const next = queues.get(method)?.shift()
    switch (next?.kind) {
      case undefined: return sendJson(res, 200, answer(method, args))
      case 'rate_limited': return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(next.retryAfterSeconds) })
      case 'error': return sendJson(res, 200, { ok: false, error: next.error })
      case 'status': return sendJson(res, next.status, { ok: false, error: `status_${next.status}` })
      case 'json': return sendJson(res, 200, next.body)
    }
  }

  const wait = <T>(what: string, pick: () => T[], n: number, timeoutMs: number, recorded: () => string) =>
    new Promise<T[]>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = pick()
          if (found.length < n) return false
          clearTimeout(timer)
          resolve(found)
          return true
        },
        fail: (err) => { clearTimeout(timer); waiters.delete(waiter); reject(err) },
      }
      const timer = setTimeout(() => waiter.fail(new Error(`Slack stand-in: expected ${n} ${what} within ${timeoutMs} ms, got ${pick().length}; recorded: ${recorded() || 'nothing'}`)), timeoutMs)
      if (!waiter.check()) waiters.add(waiter)
    })

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let closing: Promise<void> | undefined
  return {
    apiUrl: `${base}/api/`,
    calls,
    responses,
    streams,
    responseUrl: (id) => `${base}/response/${encodeURIComponent(id)}`,
    script: (method, ...scripted) => void queues.set(method, [...(queues.get(method) ?? []), ...scripted]),
    users,
    waitFor: (method, n = 1, timeoutMs = 5000) =>
      wait(`${method} call(s)`, () => calls.filter((c) => c.method === method), n, timeoutMs, () => calls.map((c) => c.method).join(', ')),
    waitForResponses: (n, timeoutMs = 5000) =>
      wait('response_url POST(s)', () => [...responses], n, timeoutMs, () => responses.map((r) => r.path).join(', ')),
    until: async (check, timeoutMs = 10_000) => {
      await wait('recording that satisfies the check', () => (check() ? [true] : []), 1, timeoutMs, () => `${calls.map((c) => c.method).join(', ')}; responses ${responses.map((r) => r.path).join(', ')}`)
    },
    onResponse: (listener) => void responseListeners.push(listener),
    close: () => (closing ??= new Promise<void>((resolve, reject) => {
      for (const w of [...waiters]) w.fail(new Error('Slack stand-in closed'))
      server.close((err) => (err ? reject(err) : resolve()))
      // server.close() alone waits for the client's keep-alive sockets; end them now.
      server.closeAllConnections()
    })),
  }
}

/** The text a stream call adds: its markdown_text, then its markdown_text chunks. */
function streamText(args: Record<string, any>): string {
  const chunks: Array<{ type?: string; text?: string }> = Array.isArray(args.chunks) ? args.chunks : []
  return `${typeof args.markdown_text === 'string' ? args.markdown_text : ''}${chunks.filter((c) => c.type === 'markdown_text').map((c) => c.text ?? '').join('')}`
}

/** Form fields as WebClient sends them, with its JSON-encoded objects decoded. `text` is left alone: message text may look like JSON. */
function parseArgs(text: string, contentType = ''): Record<string, any> {
  if (contentType.startsWith('application/json')) return (parseJson(text) as Record<string, any>) ?? {}
  const args: Record<string, any> = {}
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = key !== 'text' && key !== 'markdown_text' && /^\s*[[{]/.test(value) ? parseJson(value) : value
  }
  return args
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try { return JSON.parse(text) } catch (err) {
    if (err instanceof SyntaxError) return text // recorded as sent, so a test can see what went wrong
    throw err
  }
}

function send(res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': contentType, ...headers }).end(body)
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers)
}
