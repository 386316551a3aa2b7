// An OpenAI-compatible server on 127.0.0.1 for tests: the real `openai` client points at it
// with `baseURL`, so retries, timeouts and response parsing are the SDK's own.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: any; at: number }
/** One scripted response. Scripts are consumed in order per endpoint; when the queue is empty the default handler answers. */
export type Scripted =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'raw'; status?: number; body: string; contentType?: string }
  | { kind: 'json'; body: unknown }
  /** A streamed completion (stream: true) that reports a server error after this many content chunks, as OpenAI does mid-stream. */
  | { kind: 'stream_error'; after: number }
export interface OpenAIStandin {
  url: string
  requests: RecordedRequest[]
  script(endpoint: 'embeddings' | 'chat', ...responses: Scripted[]): void
  /** Replace the default chat answer: gets the parsed request body, returns the assistant message content. */
  onChat(fn: (body: any) => string): void
  close(): Promise<void>
}
type Endpoint = 'embeddings' | 'chat'

const ROUTES: Record<string, Endpoint> = { '/v1/embeddings': 'embeddings', '/v1/chat/completions': 'chat' }

export async function startOpenAIStandin(options: { embed?: (text: string) => number[]; dimensions?: number } = {}): Promise<OpenAIStandin> {
  const embed = options.embed ?? ((text: string) => hashVector(text, options.dimensions ?? 1536))
  const requests: RecordedRequest[] = []
  const queues: Record<Endpoint, Scripted[]> = { embeddings: [], chat: [] }
  const timers = new Set<NodeJS.Timeout>()
  let chat = (_body: any) => 'OK [1]'
  let completions = 0

  const answer = (endpoint: Endpoint, body: any, res: ServerResponse) => {
    try {
      if (endpoint === 'chat' && body.stream === true) return streamCompletion(body, res)
      sendJson(res, 200, endpoint === 'embeddings' ? embeddings(body) : completion(body))
    } catch (err) {
      // A throwing embed/onChat is a bug in the test: surface its message through the SDK's
      // error, and tell the SDK not to retry it.
      sendJson(res, 500, errorBody(500, `stand-in handler threw: ${(err as Error).message}`), { 'x-should-retry': 'false' })
    }
  }

  const embeddings = (body: any) => {
    const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input]
    // openai v6 asks for base64 unless the caller names a format, then decodes it as float32.
    const base64 = body.encoding_format === 'base64'
    const data = inputs.map((input, index) => {
      const vector = embed(String(input))
      return { object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector }
    })
    const tokens = inputs.reduce<number>((n, input) => n + words(String(input)), 0)
    return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }
  }

  const completion = (body: any) => {
    const content = chat(body)
    const messages: { content?: unknown }[] = body.messages ?? []
    const prompt = messages.reduce((n, m) => n + words(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')), 0)
    return {
      id: `chatcmpl-standin-${++completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: prompt, completion_tokens: words(content), total_tokens: prompt + words(content) },
    }
  }

  // `stream: true`: server-sent events as OpenAI sends them, one chat.completion.chunk per few
  // characters (a delta of content each), then the usage chunk when stream_options asks for it,
  // then [DONE]. https://platform.openai.com/docs/api-reference/chat-streaming
  const streamCompletion = (body: any, res: ServerResponse, cutAfter?: number) => {
    const whole = completion(body)
    const content = whole.choices[0]!.message.content
    const base = { id: whole.id, object: 'chat.completion.chunk', created: whole.created, model: body.model }
    const pieces = content.match(/[\s\S]{1,7}/g) ?? []
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const event = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`)
    event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })
    for (const [i, piece] of pieces.entries()) {
      if (i === cutAfter) {
        event({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })
        return void res.end()
      }
      event({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }] })
    }
    event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] })
    if (body.stream_options?.include_usage) event({ ...base, choices: [], usage: whole.usage })
    res.end('data: [DONE]\n\n')
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    requests.push({ method: req.method ?? '', path, headers: req.headers, body: parseJson(text), at: Date.now() })
    const endpoint = req.method === 'POST' ? ROUTES[path] : undefined
    if (!endpoint) return sendJson(res, 404, errorBody(404, `Unknown request URL: ${req.method} ${path}`))
    const body = requests.at(-1)!.body
    const next = queues[endpoint].shift()
    switch (next?.kind) {
      case undefined: return answer(endpoint, body, res)
      case 'status': return sendJson(res, next.status, next.body ?? errorBody(next.status), next.headers)
      case 'json': return sendJson(res, 200, next.body)
      case 'raw': return send(res, next.status ?? 200, next.body, { 'content-type': next.contentType ?? 'application/json' })
      case 'hang': return // close() destroys the socket
      case 'stream_error': return streamCompletion(body, res, next.after)
      case 'delay': {
        const timer = setTimeout(() => { timers.delete(timer); answer(endpoint, body, res) }, next.ms)
        timers.add(timer)
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    script: (endpoint, ...responses) => void queues[endpoint].push(...responses),
    onChat: (fn) => void (chat = fn),
    close: () => (closing ??= new Promise<void>((resolve, reject) => {
      for (const timer of timers) clearTimeout(timer)
      server.close((err) => (err ? reject(err) : resolve()))
      // server.close() alone waits for keep-alive and hung sockets; end them now.
      server.closeAllConnections()
    })),
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, headers).end(body)
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  send(res, status, JSON.stringify(body), { 'content-type': 'application/json', ...headers })
}

function errorBody(status: number, message = `Stand-in error ${status}`) {
  const [type, code] =
    status === 404 ? ['invalid_request_error', 'unknown_url']
    : status === 429 ? ['requests', 'rate_limit_exceeded']
    : status >= 500 ? ['server_error', null]
    : ['invalid_request_error', null]
  return { error: { message, type, param: null, code } }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch (err) {
    if (err instanceof SyntaxError) return text // recorded as sent, so a test can see what went wrong
    throw err
  }
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length

/** The encoding the API uses for `encoding_format: 'base64'`: little-endian float32. */
function float32Base64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4)
  vector.forEach((x, i) => buf.writeFloatLE(x, i * 4))
  return buf.toString('base64')
}

/** A unit vector that depends only on the text: mulberry32 seeded from its sha256. */
function hashVector(text: string, dimensions: number): number[] {
  let seed = createHash('sha256').update(text).digest().readUInt32LE(0)
  const raw = Array.from({ length: dimensions }, () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5
  })
  const norm = Math.hypot(...raw)
  return raw.map((x) => x / norm)
}
