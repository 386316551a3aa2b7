/**
 * Slack's assistant view end to end: the real server with the Bolt app mounted, events signed as
 * Slack signs them in the shapes Slack documents (assistant_thread_started, a message.im in the
 * assistant thread, a feedback_buttons block action), and the Web API stand-in recording
 * assistant.threads.* and chat.* calls.
 * https://docs.slack.dev/reference/events/assistant_thread_started
 * https://docs.slack.dev/reference/block-kit/block-elements/feedback-buttons-element
 */
import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSlackBot, type SlackBot } from '../src/bots/slack/app.ts'
import { withActor } from '../src/db/actor.ts'
import type { Engine } from '../src/db/engine.ts'
import { resolveIdentity, type LinkedActor } from '../src/db/identity.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startSlackStandin, type SlackCall, type SlackStandin } from './support/slack-standin.ts'
import { startOpenAIStandin, type OpenAIStandin } from './support/openai-standin.ts'
import { escapeMrkdwn } from '../src/bots/slack/blocks.ts'
import { openaiChat, renumberCitations } from '../src/rag/answer.ts'
import { HashingEmbedder, openaiClient } from '../src/rag/embed.ts'
import type { ConverseDeps } from '../src/chat/converse.ts'

const SECRET = 'test-signing-secret'
const TEAM = 'T0TEST'
const QUESTION = 'How many quotes do I need for a purchase order over 10k?'

const sign = (body: string, timestamp = Math.floor(Date.now() / 1000)) => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
})

/** The demo agencies, the Web API stand-in and the real server with the Slack app; `knowledge` as the process would have it. */
async function startServerWith(testEngine: Parameters<Parameters<typeof describeEachEngine>[1]>[0], knowledge?: ConverseDeps['knowledge']) {
  const slack = await startSlackStandin()
  for (const [id, email] of Object.entries({ U0LUCY: 'lucy.fernandes', U0PRIYA: 'priya.raman', U0SOFIA: 'sofia.alvarez' })) slack.users.set(id, { email: `${email}@northwind.example` })
  const engine = await testEngine.migrated()
  await seed(engine, { scale: 'demo', progress: false })
  const logger = createLogger('silent')
  const router: ConverseDeps = { db: engine.db, now: () => new Date(), ...(knowledge ? { knowledge } : {}) }
  const bot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl, tenant: 'northwind' }, logger)
  const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
  return {
    slack, engine, bot, url: `http://127.0.0.1:${server.port}`,
    close: async () => {
      await server.close()
      await engine.close()
      await slack.close()
    },
  }
}

describeEachEngine("Slack's assistant view (signed events, Web API stand-in)", (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let bot: SlackBot
  let url: string
  let close: () => Promise<void>
  let seq = 0

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...sign(body) }, body })
  const event = (inner: Record<string, unknown>) => JSON.stringify({
    token: 'legacy', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev0ASSIST${++seq}`, event_time: 1700000500 + seq, event: inner,
  })
  const threadStarted = (user: string, dm: string, threadTs: string) => event({
    type: 'assistant_thread_started',
    assistant_thread: { user_id: user, context: { channel_id: 'C0GENERAL', team_id: TEAM, enterprise_id: null }, channel_id: dm, thread_ts: threadTs },
    event_ts: threadTs,
  })
  const inThread = (call: SlackCall, dm: string, threadTs: string) => (call.args.channel ?? call.args.channel_id) === dm && call.args.thread_ts === threadTs
  const callsIn = (method: string, dm: string, threadTs: string) => slack.calls.filter((c) => c.method === method && inThread(c, dm, threadTs))
  const person = async (key: string): Promise<LinkedActor> =>
    (await resolveIdentity(engine.db, { platform: 'playground', workspaceId: 'northwind', externalUserId: key }))!

  beforeAll(async () => {
    ;({ slack, engine, bot, url, close } = await startServerWith(testEngine))
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  /** The campaign a person logged most hours to in the last 60 days, read as the database owner (not through Workroom). */
  const usualCampaignOf = async (email: string) => {
    const { rows } = await sql<{ name: string }>`
      SELECT c.name FROM agency.timesheet_entries e JOIN agency.campaigns c ON c.id = e.campaign_id JOIN workroom.people p ON p.id = e.user_id
      WHERE p.email = ${email} AND e.entry_date >= current_date - 60 AND c.status IN ('active', 'planning')
      GROUP BY c.id, c.name ORDER BY sum(e.hours) DESC, c.name LIMIT 1`.execute(engine.db)
    return rows[0]?.name
  }

  it('a thread started by a creative gets a greeting and "Log 2h to" their usual campaign; finance gets "Budget burn on"; someone unknown gets only help', async () => {
    expect((await post(threadStarted('U0LUCY', 'D0LUCY', '1700000600.000100'))).status).toBe(200)
    const [lucyPrompts] = await slack.until(() => callsIn('assistant.threads.setSuggestedPrompts', 'D0LUCY', '1700000600.000100').length === 1)
      .then(() => callsIn('assistant.threads.setSuggestedPrompts', 'D0LUCY', '1700000600.000100'))
    const usual = await usualCampaignOf('lucy.fernandes@northwind.example')
    expect(usual).toBeTruthy()
    expect(lucyPrompts!.args.prompts[0]).toEqual({ title: `Log 2h to ${usual}`, message: `2h ${usual}` })
    expect(lucyPrompts!.args.prompts.length).toBeLessThanOrEqual(4)
    // She can open that campaign under her own RLS.
    const lucy = await person('lucy.fernandes')
    expect(await withActor(engine.db, lucy, (trx) => trx.selectFrom('agency.campaigns').select('id').where('name', '=', usual!).execute())).toHaveLength(1)
    expect(callsIn('chat.postMessage', 'D0LUCY', '1700000600.000100').map((c) => c.args.text)).toEqual([expect.stringMatching(/^Hi! I'm Workroom/)])

    await post(threadStarted('U0PRIYA', 'D0PRIYA', '1700000600.000200'))
    await slack.until(() => callsIn('assistant.threads.setSuggestedPrompts', 'D0PRIYA', '1700000600.000200').length === 1)
    const [finance] = callsIn('assistant.threads.setSuggestedPrompts', 'D0PRIYA', '1700000600.000200')
    expect(finance!.args.prompts[0].title).toMatch(/^Budget burn on \S/)
    expect(finance!.args.prompts[0].message).toBe(`campaign ${finance!.args.prompts[0].title.replace('Budget burn on ', '')}`)

    await post(threadStarted('U0NOBODY', 'D0NOBODY', '1700000600.000300'))
    await slack.until(() => callsIn('assistant.threads.setSuggestedPrompts', 'D0NOBODY', '1700000600.000300').length === 1)
    expect(callsIn('assistant.threads.setSuggestedPrompts', 'D0NOBODY', '1700000600.000300')[0]!.args.prompts).toEqual([{ title: 'What can you do?', message: 'help' }])
  })

  let answerId: string
  it('a question in the thread sets the status and the title, then the answer arrives in the thread with citations and feedback buttons; Workroom\'s own post is not answered', async () => {
    const thread = '1700000700.000100'
    const ts = '1700000701.000100'
    expect((await post(event({ type: 'message', channel: 'D0LUCY', channel_type: 'im', user: 'U0LUCY', text: QUESTION, ts, thread_ts: thread, event_ts: ts }))).status).toBe(200)
    await slack.until(() => callsIn('chat.postMessage', 'D0LUCY', thread).length === 1)
    const [status] = callsIn('assistant.threads.setStatus', 'D0LUCY', thread)
    expect(status!.args).toMatchObject({ channel_id: 'D0LUCY', thread_ts: thread, status: 'is looking that up…' })
    expect(callsIn('assistant.threads.setTitle', 'D0LUCY', thread)[0]!.args.title).toBe(QUESTION)
    const [answer] = callsIn('chat.postMessage', 'D0LUCY', thread)
    expect(status!.at).toBeLessThanOrEqual(answer!.at)
    expect(JSON.stringify(answer!.args.blocks)).toMatch(/three competitive quotes/)
    // No "Looking that up…" note and no edit: the status line is the progress.
    expect(slack.calls.filter((c) => c.method === 'chat.update' && c.args.channel === 'D0LUCY')).toHaveLength(0)
    // Offline (no chat model) the answer is posted once: nothing streams.
    expect(slack.calls.filter((c) => c.method.endsWith('Stream'))).toEqual([])
    const feedback = (answer!.args.blocks as Array<{ type: string; elements?: any[] }>).find((b) => b.type === 'context_actions')!.elements![0]
    expect(feedback.type).toBe('feedback_buttons')
    answerId = feedback.positive_button.value.split(':')[0]
    expect(feedback.negative_button.value).toBe(`${answerId}:-1`)
    const stored = await engine.db.selectFrom('agency.ai_messages').select(['role', 'content']).where('id', '=', answerId).executeTakeFirstOrThrow()
    expect(stored.role).toBe('assistant')

    // Slack sends the app's own post back as a message.im in the thread: set aside.
    const posted = slack.calls.length
    const own = '1700000702.000100'
    expect((await post(event({ type: 'message', channel: 'D0LUCY', channel_type: 'im', user: 'U0BOT', bot_id: 'B0BOT', text: 'the answer', ts: own, thread_ts: thread, event_ts: own }))).status).toBe(200)
    await bot.drain()
    expect(slack.calls.slice(posted).filter((c) => c.method.startsWith('chat.') || c.method.startsWith('assistant.'))).toEqual([])
  })

  /** A click on the answer's feedback buttons, as Slack sends a feedback_buttons block action. */
  const feedbackClick = (user: string, value: string, answerAt: string) => {
    const payload = JSON.stringify({
      type: 'block_actions', team: { id: TEAM, domain: 'test' }, user: { id: user, team_id: TEAM }, api_app_id: 'A0APP',
      container: { type: 'message', message_ts: '1700000703.000100', channel_id: 'D0LUCY', is_ephemeral: false, thread_ts: '1700000700.000100' },
      channel: { id: 'D0LUCY', name: 'directmessage' }, message: { ts: '1700000703.000100', thread_ts: '1700000700.000100', text: 'answer' },
      trigger_id: `trigger.feedback.${++seq}`, response_url: slack.responseUrl(answerAt),
      actions: [{ type: 'feedback_buttons', action_id: 'answer.feedback#0', block_id: 'fb', value, text: { type: 'plain_text', text: value.endsWith(':-1') ? '👎' : '👍' }, action_ts: String(Date.now() / 1000) }],
    })
    return post(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')
  }
  const feedbackOf = async () => (await engine.db.selectFrom('agency.ai_messages').select('feedback').where('id', '=', answerId).executeTakeFirstOrThrow()).feedback

  it("a 👍 on Slack's feedback buttons is stored on the answer as the person who asked; someone else's 👎 changes nothing", async () => {
    expect(await feedbackOf()).toBeNull()
    expect((await feedbackClick('U0LUCY', `${answerId}:1`, 'fb-lucy')).status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path.endsWith('/fb-lucy')))
    expect(await feedbackOf()).toBe(1)
    expect(JSON.stringify(slack.responses.find((r) => r.path.endsWith('/fb-lucy'))!.body)).toMatch(/Thanks for the feedback/)

    // Sofia got hold of the button's value (a shared screenshot, a forged payload): her click is
    // hers, and RLS shows her no answer of Lucy's to change.
    expect((await feedbackClick('U0SOFIA', `${answerId}:-1`, 'fb-sofia')).status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path.endsWith('/fb-sofia')))
    expect(JSON.stringify(slack.responses.find((r) => r.path.endsWith('/fb-sofia'))!.body)).toMatch(/can't find that answer/)
    expect(await feedbackOf()).toBe(1)
  })

  it('the attacker\'s side: as workroom_app under another person\'s actor, SQL can neither see nor change the answer\'s feedback', async () => {
    const sofia = await person('sofia.alvarez')
    const changed = await withActor(engine.db, sofia, async (trx) => {
      const seen = await trx.selectFrom('agency.ai_messages').select('id').where('id', '=', answerId).execute()
      const updated = await sql`UPDATE agency.ai_messages SET feedback = -1 WHERE id = ${answerId}`.execute(trx)
      return { seen: seen.length, updated: Number(updated.numAffectedRows ?? 0n) }
    })
    expect(changed).toEqual({ seen: 0, updated: 0 })
    // Leadership sees everything else in the tenant, not other people's conversations.
    const maya = await person('maya.chen')
    const byLeader = await withActor(engine.db, maya, (trx) => sql`UPDATE agency.ai_messages SET feedback = -1 WHERE id = ${answerId}`.execute(trx))
    expect(Number(byLeader.numAffectedRows ?? 0n)).toBe(0)
    expect(await feedbackOf()).toBe(1)
  })
})

describeEachEngine('Slack assistant threads with a chat model: the answer streams (OpenAI stand-in, Web API stand-in)', (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let openai: OpenAIStandin
  let url: string
  let close: () => Promise<void>
  let seq = 100

  const post = (body: string) => fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body })
  const event = (inner: Record<string, unknown>) => JSON.stringify({
    token: 'legacy', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev0STREAM${++seq}`, event_time: 1700000900 + seq, event: inner,
  })
  // What the model writes: cites two sources, one marker out of range (dropped), long enough for several stream calls.
  const MODEL = 'A purchase order over 10k needs three competitive quotes [1]. Attach them to the request before it goes for approval , and keep the ones you turned down with it for the audit trail [1, 9]. The approver checks them against the threshold [2].'

  beforeAll(async () => {
    openai = await startOpenAIStandin({ embed: (t) => new HashingEmbedder().vector(t) })
    openai.onChat(() => MODEL)
    const client = openaiClient({ apiKey: 'sk-test', baseURL: openai.url, timeoutMs: 5000, maxRetries: 0 })
    let server: Awaited<ReturnType<typeof startServerWith>>
    ;({ slack, engine, url, close } = server = await startServerWith(testEngine, { embedder: new HashingEmbedder(), chat: openaiChat(client, 'gpt-test') }))
    close = async () => {
      await server.close()
      await openai.close()
    }
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  it('streams the answer as chat.startStream, appendStream and stopStream; the finished message is the answer a mention gets', async () => {
    const thread = '1700000950.000100'
    const ts = '1700000951.000100'
    expect((await post(event({ type: 'message', channel: 'D0LUCY', channel_type: 'im', user: 'U0LUCY', text: QUESTION, ts, thread_ts: thread, event_ts: ts }))).status).toBe(200)
    await slack.until(() => slack.calls.some((c) => c.method === 'chat.stopStream'))
    // The model was asked to stream.
    expect(openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    const streamCalls = slack.calls.filter((c) => c.method.endsWith('Stream') || c.method === 'chat.postMessage' || c.method.startsWith('assistant.'))
    const methods = streamCalls.map((c) => c.method)
    expect(methods[0]).toBe('assistant.threads.setStatus')
    expect(methods.filter((m) => m === 'chat.startStream')).toHaveLength(1)
    expect(methods.filter((m) => m === 'chat.appendStream').length).toBeGreaterThanOrEqual(1)
    expect(methods.at(-1)).toBe('chat.stopStream')
    expect(methods.indexOf('chat.startStream')).toBeLessThan(methods.indexOf('chat.appendStream'))
    expect(methods).not.toContain('chat.postMessage')   // streamed, not posted again
    const start = streamCalls.find((c) => c.method === 'chat.startStream')!
    expect(start.args).toMatchObject({ channel: 'D0LUCY', thread_ts: thread, recipient_team_id: TEAM, recipient_user_id: 'U0LUCY' })

    // The streamed text is the stored answer: citations checked against the retrieved chunks and renumbered.
    const [streamTs, streamed] = [...slack.streams.entries()].find(([, s]) => s.threadTs === thread)!
    expect(streamed.state).toBe('stopped')
    const stored = await engine.db.selectFrom('agency.ai_messages').select(['id', 'content', 'model']).where('role', '=', 'assistant').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    expect(stored.model).toBe('gpt-test')
    expect(stored.content).toBe(renumberCitations(MODEL, 5).text)
    expect(stored.content).not.toMatch(/\[9\]|\[1, 9\]/)
    expect(streamed.text).toBe(escapeMrkdwn(stored.content))
    expect(streamTs).toBeTruthy()

    // The same question as a mention (answered whole, with chat.update): its blocks after the
    // answer's text are what stopStream finished the streamed message with.
    const mentionTs = '1700000960.000100'
    await post(event({ type: 'app_mention', user: 'U0LUCY', text: `<@U0BOT> ${QUESTION}`, ts: mentionTs, channel: 'C0GENERAL', event_ts: mentionTs }))
    await slack.until(() => slack.calls.some((c) => c.method === 'chat.update' && c.args.channel === 'C0GENERAL'))
    const whole = slack.calls.find((c) => c.method === 'chat.update' && c.args.channel === 'C0GENERAL')!.args.blocks as any[]
    const ids = (blocks: any[]) => JSON.parse(JSON.stringify(blocks).replace(/[0-9a-f-]{36}(?=:-?1")/g, '<answer id>'))
    expect(whole[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: streamed.text } })
    expect(ids(streamed.blocks!)).toEqual(ids(whole.slice(1)))
    const feedback = (streamed.blocks as any[]).find((b) => b.type === 'context_actions').elements[0]
    expect(feedback.positive_button.value).toBe(`${stored.id}:1`)
  })

  it('a model that fails half way through: the streamed message is stopped and replaced by the whole answer from the passages', async () => {
    // 20 chunks of 7 characters: past the first citation and one flush of the stream, then a server error.
    openai.script('chat', { kind: 'stream_error', after: 20 })
    const thread = '1700000970.000100'
    const ts = '1700000971.000100'
    await post(event({ type: 'message', channel: 'D0LUCY', channel_type: 'im', user: 'U0LUCY', text: QUESTION, ts, thread_ts: thread, event_ts: ts }))
    await slack.until(() => slack.calls.some((c) => c.method === 'chat.update' && c.args.channel === 'D0LUCY'))
    const [streamTs, streamed] = [...slack.streams.entries()].find(([, s]) => s.threadTs === thread)!
    expect(streamed.state).toBe('stopped')
    expect(streamed.text.length).toBeGreaterThan(0)
    const update = slack.calls.find((c) => c.method === 'chat.update' && c.args.channel === 'D0LUCY')!
    expect(update.args.ts).toBe(streamTs)
    const stored = await engine.db.selectFrom('agency.ai_messages').select(['content', 'model', 'metadata']).where('role', '=', 'assistant').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    expect(stored.model).toBe('extractive')
    expect(stored.metadata).toMatchObject({ fallback: 'llm_unavailable' })
    // The message now says what the answer is, not what the model had begun to write.
    const shown = JSON.stringify(update.args.blocks)
    expect(shown).toContain(JSON.stringify(escapeMrkdwn(stored.content.split('\n')[0]!)).slice(1, -1))
    expect(shown).not.toContain(streamed.text.slice(0, 40))
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === thread)).toHaveLength(0)
  })
})
