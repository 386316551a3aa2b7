import OpenAI, { APIConnectionError, APIConnectionTimeoutError, NotFoundError } from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { startOpenAIStandin, type OpenAIStandin } from './support/openai-standin.ts'

let standin: OpenAIStandin | undefined
afterEach(async () => {
  await standin?.close()
  standin = undefined
})

async function start(options?: Parameters<typeof startOpenAIStandin>[0]) {
  standin = await startOpenAIStandin(options)
  return standin
}

const clientFor = (s: OpenAIStandin, options: { maxRetries?: number; timeout?: number } = {}) =>
  new OpenAI({ apiKey: 'test', baseURL: s.url, maxRetries: 2, timeout: 500, ...options })

const ask = (client: OpenAI, content = 'How many hours on Nike Air?') =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })

describe('embeddings', () => {
  it('gives one unit vector of the default 1536 dimensions per input, the same for the same text', async () => {
    const s = await start()
    const res = await clientFor(s).embeddings.create({ model: 'text-embedding-3-small', input: ['brief', 'budget', 'brief'] })
    expect(res.object).toBe('list')
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2])
    const [brief, budget, again] = res.data.map((d) => d.embedding)
    expect(brief).toHaveLength(1536)
    expect(Math.hypot(...brief!)).toBeCloseTo(1, 5)
    expect(again).toEqual(brief)
    expect(budget).not.toEqual(brief)
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 })
  })

  it('answers in base64 when the SDK asks for it by default, and the SDK decodes the embed option vectors', async () => {
    const embed = (text: string) => [text.length, 0.1, -0.3]
    const s = await start({ embed })
    const res = await clientFor(s).embeddings.create({ model: 'text-embedding-3-small', input: ['four', 'seven!!'] })
    expect(s.requests[0]!.body.encoding_format).toBe('base64')
    // base64 carries float32, so the SDK hands back float32-rounded numbers.
    expect(res.data.map((d) => d.embedding)).toEqual(['four', 'seven!!'].map((t) => embed(t).map(Math.fround)))
  })

  it('answers plain float arrays when the caller asks for encoding_format float', async () => {
    const s = await start({ dimensions: 8 })
    const res = await clientFor(s).embeddings.create({ model: 'text-embedding-3-small', input: 'brief', encoding_format: 'float' })
    expect(res.data).toHaveLength(1)
    expect(res.data[0]!.embedding).toHaveLength(8)
    expect(s.requests[0]!.body).toMatchObject({ input: 'brief', encoding_format: 'float' })
  })
})

describe('chat completions', () => {
  it("answers 'OK [1]' in the real chat.completion shape by default", async () => {
    const s = await start()
    const res = await ask(clientFor(s))
    expect(res).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', usage: { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 } })
    expect(res.choices).toEqual([expect.objectContaining({ index: 0, message: expect.objectContaining({ role: 'assistant', content: 'OK [1]' }), finish_reason: 'stop' })])
  })

  it('lets onChat see the messages sent and choose the answer', async () => {
    const s = await start()
    let seen: unknown
    s.onChat((body) => {
      seen = body.messages
      return 'Nike Air: 3h [1]'
    })
    const messages = [
      { role: 'system' as const, content: 'Answer with citations.' },
      { role: 'user' as const, content: 'How many hours on Nike Air?' },
    ]
    const res = await clientFor(s).chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(seen).toEqual(messages)
    expect(res.choices[0]!.message.content).toBe('Nike Air: 3h [1]')
    expect(s.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer test' } })
  })

  it('returns the exact body of a json script', async () => {
    const s = await start()
    s.script('chat', { kind: 'json', body: { id: 'x', choices: [], custom: true } })
    expect(await ask(clientFor(s))).toEqual({ id: 'x', choices: [], custom: true })
  })

  it('answers with the default after a delay script', async () => {
    const s = await start()
    s.script('chat', { kind: 'delay', ms: 100 })
    const started = Date.now()
    expect((await ask(clientFor(s))).choices[0]!.message.content).toBe('OK [1]')
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)
  })
})

describe('failures the SDK must cope with', () => {
  it('succeeds after a 429 with retry-after-ms, and records both attempts', async () => {
    const s = await start()
    s.script('embeddings', { kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } })
    const res = await clientFor(s).embeddings.create({ model: 'text-embedding-3-small', input: 'brief' })
    expect(res.data[0]!.embedding).toHaveLength(1536)
    expect(s.requests.map((r) => r.path)).toEqual(['/v1/embeddings', '/v1/embeddings'])
  })

  it('succeeds after two 500s with maxRetries 2', async () => {
    const s = await start()
    const fail = { kind: 'status', status: 500, headers: { 'retry-after': '0' } } as const
    s.script('chat', fail, fail)
    const res = await ask(clientFor(s, { maxRetries: 2 }))
    expect(res.choices[0]!.message.content).toBe('OK [1]')
    expect(s.requests).toHaveLength(3)
  })

  it('rejects with APIConnectionTimeoutError within a second when the server hangs', async () => {
    const s = await start()
    s.script('chat', { kind: 'hang' })
    const started = Date.now()
    await expect(ask(clientFor(s, { timeout: 200, maxRetries: 0 }))).rejects.toBeInstanceOf(APIConnectionTimeoutError)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('releases a hanging request when closed, without waiting for it', async () => {
    const s = await start()
    s.script('chat', { kind: 'hang' })
    const pending = ask(clientFor(s, { timeout: 10_000, maxRetries: 0 }))
    await expect.poll(() => s.requests.length).toBe(1)
    const started = Date.now()
    await s.close()
    await expect(pending).rejects.toBeInstanceOf(APIConnectionError)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('rejects a malformed JSON body', async () => {
    const s = await start()
    s.script('chat', { kind: 'raw', body: '{"choices": [' })
    await expect(ask(clientFor(s))).rejects.toThrow(SyntaxError)
  })

  it('gives 404 NotFoundError with an OpenAI error body for an unknown path', async () => {
    const s = await start()
    const err = await clientFor(s).models.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err).toMatchObject({ status: 404, code: 'unknown_url', type: 'invalid_request_error' })
    expect(s.requests).toMatchObject([{ method: 'GET', path: '/v1/models' }])
  })
})
