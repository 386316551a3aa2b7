import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runAs, withActor } from '../src/db/actor.ts'
import type { Engine } from '../src/db/engine.ts'
import { resolveIdentity, type LinkedActor } from '../src/db/identity.ts'
import { ask } from '../src/handlers/ask.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { converse } from '../src/chat/converse.ts'
import type { CitationRecord } from '../src/rag/answer.ts'
import { HashingEmbedder } from '../src/rag/embed.ts'
import { ingest } from '../src/rag/ingest.ts'
import { OFFLINE_PROVIDERS } from '../src/rag/providers.ts'
import { knowledgeMentions, retrieve } from '../src/rag/retrieve.ts'
import { TENANTS } from '../seeds/catalog.ts'
import { seed } from '../seeds/index.ts'
import { generateTenant } from '../seeds/generate.ts'
import { readKnowledge } from '../seeds/knowledge.ts'
import { DEMO_SCALE } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { readQuestions } from './support/questions.ts'

const TODAY = '2026-11-25'
const QUESTIONS = readQuestions()
const embedder = new HashingEmbedder()
const fileOf = (url: string | null) => url?.replace('seeds/knowledge/', '') ?? ''

describeEachEngine('knowledge answers', (engine) => {
  let e: Engine
  /** The demo person with this key, as the bot would resolve them from the playground. */
  const person = async (tenant: string, key: string): Promise<LinkedActor> =>
    (await resolveIdentity(e.db, { platform: 'playground', workspaceId: tenant, externalUserId: key }))!
  const firstOfRole = async (tenant: string, role: string) => {
    const catalog = TENANTS.find((t) => t.slug === tenant)!
    return person(tenant, catalog.people.find((p) => p.role === role)!.key)
  }
  /** Client id of a seeded document, read as the owner (the test's independent view). */
  const documentOf = async (file: string) =>
    e.db.selectFrom('agency.knowledge_documents').select(['id', 'tenant_id', 'client_id', 'title']).where('source_id', '=', `seeds/knowledge/${file}`).executeTakeFirstOrThrow()
  /** The tenant of a cited document, or of a cited artifact (migration 019: its id is the document_id). */
  const tenantOf = async (c: CitationRecord) => c.source === 'artifact'
    ? (await e.db.selectFrom('agency.artifacts').select('tenant_id').where('id', '=', c.document_id).executeTakeFirstOrThrow()).tenant_id
    : (await documentOf(fileOf(c.url))).tenant_id
  const search = async (who: LinkedActor, text: string) => {
    const [v] = await embedder.embed([text])
    return withActor(e.db, who, (trx) => retrieve(trx, { text, embedding: v!, model: embedder.model }))
  }

  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', today: TODAY, progress: false })
  })
  afterAll(async () => {
    await e?.close()
  })

  it(`puts the right document in the top 3 for at least 90% of the ${QUESTIONS.length} questions in seeds/QUESTIONS.md`, async () => {
    let top1 = 0
    let top3 = 0
    const misses: string[] = []
    for (const q of QUESTIONS) {
      const files = [...new Set((await search(await firstOfRole(q.tenant, 'leadership'), q.question)).map((c) => fileOf(c.url)))]
      const rank = files.indexOf(q.file)
      if (rank === 0) top1++
      if (rank >= 0 && rank < 3) top3++
      else misses.push(`${q.question} → ${files.slice(0, 3).join(', ')}`)
    }
    console.info(`retrieval, offline: top-1 ${top1}/${QUESTIONS.length}, top-3 ${top3}/${QUESTIONS.length}; misses:\n  ${misses.join('\n  ')}`)
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(40)
    expect(top3 / QUESTIONS.length).toBeGreaterThanOrEqual(0.9)
  })

  it("weighs a question's rare word over its common ones: the passage that says 'probation' is among the five shown, not only those that say 'new starters'", async () => {
    const chunks = await search(await firstOfRole('northwind', 'creative'), 'how long is probation for new starters?')
    expect(chunks.slice(0, 5).some((c) => /probation period is \*\*six months/i.test(c.content))).toBe(true)
  })

  it('cites only chunks it retrieved for the asker, and stores each turn with its citations', async () => {
    let grounded = 0
    let declined = 0
    for (const [i, q] of QUESTIONS.entries()) {
      const who = await firstOfRole(q.tenant, 'leadership')
      const r = await ask(runAs(e.db, who), who, { platform: 'cli', channelId: 'eval', threadId: `q${i}` }, q.question, OFFLINE_PROVIDERS)
      const stored = await e.db.selectFrom('agency.ai_messages').select(['content', 'citations', 'metadata', 'model', 'latency_ms', 'tenant_id'])
        .where('id', '=', r.messageId).executeTakeFirstOrThrow()
      const retrieved = (stored.metadata as { retrieved: string[] }).retrieved
      // A decline quotes nothing; an answer cites at least one retrieved chunk.
      if (!r.answer.found) {
        expect(r.answer.citations).toEqual([])
        declined++
      } else expect(r.answer.citations.length).toBeGreaterThan(0)
      for (const c of r.answer.citations) {
        expect(retrieved).toContain(c.chunk_id)
        expect(await tenantOf(c)).toBe(who.tenantId)
      }
      expect(r.answer.citations.map((c) => c.n)).toEqual(r.answer.citations.map((_, j) => j + 1))
      expect(stored).toMatchObject({ content: r.answer.text, model: 'extractive', tenant_id: who.tenantId })
      expect(stored.citations).toEqual(r.answer.citations)
      if (r.answer.text.includes(q.fact)) grounded++
    }
    console.info(`extractive answers quoting the expected fact: ${grounded}/${QUESTIONS.length}, declined: ${declined}`)
    // Each of these has an answer; a floor under what the reader does (54 of 76 when it was set), so it never regresses.
    expect(grounded / QUESTIONS.length).toBeGreaterThanOrEqual(0.7)
  })

  it("never answers from another tenant's documents, nor names them", async () => {
    const southpawTitles = (await e.db.selectFrom('agency.knowledge_documents').innerJoin('workroom.tenants as t', 't.id', 'tenant_id')
      .select('title').where('t.slug', '=', 'southpaw').execute()).map((d) => d.title)
    const nw = await firstOfRole('northwind', 'leadership')
    for (const q of QUESTIONS.filter((q) => q.tenant === 'southpaw')) {
      const r = await ask(runAs(e.db, nw), nw, { platform: 'cli', channelId: null, threadId: null }, q.question, OFFLINE_PROVIDERS)
      for (const c of r.answer.citations) {
        expect(await tenantOf(c)).toBe(nw.tenantId)
        expect(southpawTitles).not.toContain(c.title)
      }
      // Facts both tenants share (a 0.25 h minimum entry) may be true in Northwind's documents too.
      if (!q.file.includes('timesheet')) expect(r.answer.text).not.toContain(q.fact)
    }
  })

  it("keeps a client's documents from people who don't work with that client", async () => {
    const creatives = TENANTS.find((t) => t.slug === 'northwind')!.people.filter((p) => p.role === 'creative')
    let checked = 0
    for (const q of QUESTIONS.filter((q) => q.tenant === 'northwind' && q.client)) {
      const doc = await documentOf(q.file)
      for (const c of creatives) {
        const who = await person('northwind', c.key)
        const clients = await withActor(e.db, who, async (trx) =>
          (await sql<{ ids: string[] }>`SELECT agency.current_user_client_ids()::text[] AS ids`.execute(trx)).rows[0]!.ids)
        if (clients.includes(doc.client_id!)) continue
        const chunks = await search(who, q.question)
        expect(chunks.every((ch) => ch.clientId === null || clients.includes(ch.clientId))).toBe(true)
        expect(chunks.map((ch) => ch.documentId)).not.toContain(doc.id)
        checked++
        break
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10)
    // The same question from a project manager (who sees every client) finds the document.
    const q = QUESTIONS.find((q) => q.tenant === 'northwind' && q.client)!
    expect((await search(await firstOfRole('northwind', 'pm'), q.question)).map((c) => fileOf(c.url))).toContain(q.file)
  })

  it('retrieval filters by client and document type', async () => {
    const who = await firstOfRole('northwind', 'leadership')
    const aurora = (await documentOf('northwind-brief-aurora-air-spring-launch.md')).client_id!
    const [v] = await embedder.embed(['brand colours and logo'])
    const only = await withActor(e.db, who, (trx) => retrieve(trx, {
      text: 'brand colours and logo', embedding: v!, model: embedder.model, filters: { clientId: aurora, includeTenantWide: false }, k: 20,
    }))
    expect(only.length).toBeGreaterThan(0)
    expect(only.every((c) => c.clientId === aurora)).toBe(true)
    const typed = await withActor(e.db, who, (trx) => retrieve(trx, {
      text: 'brand colours and logo', embedding: v!, model: embedder.model, filters: { docTypes: ['brand_guidelines'] }, k: 20,
    }))
    expect(typed.length).toBeGreaterThan(0)
    expect(new Set(typed.map((c) => c.docType))).toEqual(new Set(['brand_guidelines']))
    // Vectors of another model are never compared with this one's.
    const other = await withActor(e.db, who, (trx) => retrieve(trx, { text: 'zzzz', embedding: v!, model: 'text-embedding-3-small' }))
    expect(other).toEqual([])
  })

  it("says it couldn't find an answer to an off-topic question, and quotes nothing", async () => {
    const who = await firstOfRole('northwind', 'account')
    for (const question of ['Who won the 1998 football world cup?', 'Who is the CEO of Tesla?', 'Give me a recipe for banana bread']) {
      const r = await ask(runAs(e.db, who), who, { platform: 'cli', channelId: null, threadId: null }, question, OFFLINE_PROVIDERS)
      expect(r.answer).toMatchObject({ found: false, citations: [] })
      expect(r.answer.text).toMatch(/^I couldn't find (?:this|anything about "Tesla") in the knowledge base, so I won't guess\./)
    }
  })

  it('declines a question about a name nothing the asker may read mentions, and says which', async () => {
    const nw = await firstOfRole('northwind', 'leadership')
    const sp = await firstOfRole('southpaw', 'leadership')
    const place = { platform: 'cli', channelId: null, threadId: null } as const
    const kestrel = await ask(runAs(e.db, nw), nw, place, "what's the SMP on the kestrel brief?", OFFLINE_PROVIDERS)
    expect(kestrel.answer).toMatchObject({ found: false, citations: [], text: 'I couldn\'t find anything about "kestrel" in the knowledge base, so I won\'t guess.' })
    // Copperline is Southpaw's client: its people get the answer, Northwind's are told nothing of it.
    const question = "what's the copperline primary colour?"
    expect((await ask(runAs(e.db, sp), sp, place, question, OFFLINE_PROVIDERS)).answer).toMatchObject({ found: true })
    expect((await ask(runAs(e.db, nw), nw, place, question, OFFLINE_PROVIDERS)).answer).toMatchObject({ found: false, citations: [], text: expect.stringContaining('"copperline"') })
    expect(await withActor(e.db, sp, (trx) => knowledgeMentions(trx, 'copperline'))).toBe(true)
    expect(await withActor(e.db, nw, (trx) => knowledgeMentions(trx, 'copperline'))).toBe(false)
  })

  it('declines a question about a thing nothing the asker may read covers, and names it', async () => {
    const nw = await firstOfRole('northwind', 'leadership')
    const sp = await firstOfRole('southpaw', 'leadership')
    const place = { platform: 'cli', channelId: null, threadId: null } as const
    const sabbatical = await ask(runAs(e.db, nw), nw, place, 'do we get a sabbatical after 5 years?', OFFLINE_PROVIDERS)
    expect(sabbatical.answer).toMatchObject({ found: false, citations: [], text: 'I couldn\'t find anything about "sabbatical" in the knowledge base, so I won\'t guess.' })
    // Mileage is in Northwind's expenses policy: its people get the rate, Southpaw's (who may not read it) are told nothing of it.
    const question = "what's the mileage rate if i drive to a client?"
    const theirs = await ask(runAs(e.db, nw), nw, place, question, OFFLINE_PROVIDERS)
    expect(theirs.answer).toMatchObject({ found: true })
    expect(theirs.answer.text).toContain('45p per mile')
    expect((await ask(runAs(e.db, sp), sp, place, question, OFFLINE_PROVIDERS)).answer).toMatchObject({ found: false, citations: [], text: expect.stringContaining('"mileage rate"') })
    // A word of the question's focus the knowledge base has elsewhere is the reader's to weigh, not a refusal: "main" here.
    const colour = await ask(runAs(e.db, nw), nw, place, "whats aurora air's main brand colour? need the hex", OFFLINE_PROVIDERS)
    expect(colour.answer.text).toContain('#5B2EFF')
  })

  it('answers a follow-up in the same thread with the thread history, one conversation per person', async () => {
    const who = await firstOfRole('northwind', 'leadership')
    const other = await firstOfRole('northwind', 'pm')
    const thread = { platform: 'slack', channelId: 'C-launch', threadId: '1700000000.000100' }
    const first = await ask(runAs(e.db, who), who, thread, "What's the single-minded proposition for the Aurora Air launch?", OFFLINE_PROVIDERS)
    const follow = await ask(runAs(e.db, who), who, thread, 'and what about the budget?', OFFLINE_PROVIDERS)
    expect(follow.followUp).toBe(true)
    expect(follow.conversationId).toBe(first.conversationId)
    expect(follow.answer.citations.some((c) => /aurora-air-spring-launch/.test(c.url ?? ''))).toBe(true)
    const stored = await e.db.selectFrom('agency.ai_messages').select(['role', 'metadata']).where('conversation_id', '=', first.conversationId).orderBy('created_at').execute()
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect((stored[3]!.metadata as { retrieval_text?: string }).retrieval_text).toMatch(/Aurora Air launch\? and what about the budget/)
    // Someone else in the same thread starts their own conversation: no history of the first person's.
    const theirs = await ask(runAs(e.db, other), other, thread, 'and what about the budget?', OFFLINE_PROVIDERS)
    expect(theirs.followUp).toBe(false)
    expect(theirs.conversationId).not.toBe(first.conversationId)
    // RLS: the conversation is private to its owner.
    const seen = await withActor(e.db, other, (trx) => trx.selectFrom('agency.ai_messages').select('id').where('conversation_id', '=', first.conversationId).execute())
    expect(seen).toEqual([])
  })

  it('quotes a document that contains a prompt injection as data: the answer is the fact, with its citation', async () => {
    const who = await firstOfRole('northwind', 'pm')
    const r = await ask(runAs(e.db, who), who, { platform: 'cli', channelId: null, threadId: null }, 'How long does it take to set up a new supplier in Supplier Hub?', OFFLINE_PROVIDERS)
    expect(r.answer.found).toBe(true)
    expect(r.answer.text).toContain('7 working days')
    expect(r.answer.citations[0]!.url).toBe('seeds/knowledge/northwind-howto-vendor-portal-tips.md')
    expect(r.answer.text).not.toMatch(/PWNED/)
  })

  it('re-ingesting an unchanged corpus is a no-op; a changed document replaces its chunks in one go', async () => {
    const catalog = TENANTS.find((t) => t.slug === 'northwind')!
    const rows = generateTenant(catalog, { ...DEMO_SCALE, today: TODAY, documents: await readKnowledge('northwind') })
    const chunkIds = () => e.db.selectFrom('agency.knowledge_chunks').select(['id', 'document_id', 'client_id']).where('tenant_id', '=', rows.tenant.id).orderBy('id').execute()
    const before = await chunkIds()
    const again = await ingest(e.db, rows.tenant.id, rows.knowledge, embedder)
    expect(new Set(again.map((r) => r.status))).toEqual(new Set(['unchanged']))
    expect(await chunkIds()).toEqual(before)

    const source = rows.knowledge.find((s) => s.sourceId.endsWith('northwind-howto-vendor-portal-tips.md'))!
    const changed = { ...source, text: `${source.text}\n\n## Tip 9: Say thank you\n\nSuppliers who are thanked deliver on time.` }
    const [result] = await ingest(e.db, rows.tenant.id, [changed], embedder)
    expect(result).toMatchObject({ status: 'updated', documentId: source.id })
    const after = await chunkIds()
    const mine = (list: typeof before) => list.filter((c) => c.document_id === source.id).map((c) => c.id)
    expect(mine(after).length).toBe(result!.chunks)
    expect(mine(after).some((id) => mine(before).includes(id))).toBe(false)
    expect(after.filter((c) => c.document_id !== source.id)).toEqual(before.filter((c) => c.document_id !== source.id))
    const doc = await documentOf('northwind-howto-vendor-portal-tips.md')
    expect(await e.db.selectFrom('agency.knowledge_documents').select('chunk_count').where('id', '=', doc.id).executeTakeFirst()).toEqual({ chunk_count: result!.chunks })

    // Moving a document to a client re-labels its chunks without re-embedding (RLS reads chunk.client_id).
    const client = rows.clients[0]!.id
    const [moved] = await ingest(e.db, rows.tenant.id, [{ ...changed, clientId: client }], embedder)
    expect(moved).toMatchObject({ status: 'updated', tokens: 0 })
    expect(new Set((await chunkIds()).filter((c) => c.document_id === source.id).map((c) => c.client_id))).toEqual(new Set([client]))
    await ingest(e.db, rows.tenant.id, [source], embedder)
  })

  it("an ingest for one tenant cannot write into, or take over, another tenant's documents", async () => {
    const nw = TENANTS.find((t) => t.slug === 'northwind')!
    const sp = await e.db.selectFrom('workroom.tenants').select('id').where('slug', '=', 'southpaw').executeTakeFirstOrThrow()
    const rows = generateTenant(nw, { ...DEMO_SCALE, today: TODAY, documents: (await readKnowledge('northwind')).slice(0, 1) })
    const source = rows.knowledge[0]!
    const count = () => e.db.selectFrom('agency.knowledge_documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const before = await count()
    // Northwind's document id, or a Northwind client, under Southpaw's ingest: refused, nothing written.
    await expect(ingest(e.db, sp.id, [{ ...source, sourceId: 'attack/takeover.md', clientId: null }], embedder)).rejects.toThrow()
    // A client the ingest cannot see (migration 015's rule) is refused before the composite foreign key would be.
    await expect(ingest(e.db, sp.id, [{ ...source, sourceId: 'attack/client.md', id: undefined }], embedder)).rejects.toThrow(/policy "knowledge_documents_insert_rules"/)
    expect(await count()).toEqual(before)
    expect(await e.db.selectFrom('agency.knowledge_documents').select('tenant_id').where('id', '=', source.id!).executeTakeFirst()).toEqual({ tenant_id: rows.tenant.id })
    // Without those it lands in Southpaw, where Northwind people never see it.
    const [r] = await ingest(e.db, sp.id, [{ ...source, sourceId: 'attack/doc.md', id: undefined, clientId: null }], embedder)
    expect((await e.db.selectFrom('agency.knowledge_documents').select('tenant_id').where('id', '=', r!.documentId).executeTakeFirstOrThrow()).tenant_id).toBe(sp.id)
    const nwLeader = await firstOfRole('northwind', 'leadership')
    expect((await search(nwLeader, source.title)).map((c) => c.documentId)).not.toContain(r!.documentId)
    await e.db.deleteFrom('agency.knowledge_documents').where('id', '=', r!.documentId).execute()
  })

  it('/ask and mentions answer through the router with citations and feedback buttons that store feedback', async () => {
    const key = TENANTS.find((t) => t.slug === 'northwind')!.people.find((p) => p.role === 'pm')!.key
    const inbound = (input: Parameters<typeof converse>[1]['input'], externalUserId = key) => ({
      platform: 'playground' as const, workspaceId: 'northwind', externalUserId, channelId: 'web', threadId: 't-1', requestId: crypto.randomUUID(), input,
    })
    const deps = { db: e.db, now: () => new Date(`${TODAY}T10:00:00Z`) }
    const slash = await converse(deps, inbound({ kind: 'command', command: '/ask', text: 'How many quotes do I need for a purchase order over 10k?' }))
    expect(slash.visibility).toBe('ephemeral')
    expect(renderText(slash)).toMatch(/three competitive quotes[\s\S]*\[1\] Vendor Portal Tips/)
    const mention = await converse(deps, inbound({ kind: 'message', text: '@workroom what is the mileage rate when I drive to a shoot?' }))
    expect(mention.visibility).toBe('in_channel')
    const buttons = mention.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
    expect(buttons.map((b) => b.actionId)).toEqual(['answer.feedback', 'answer.feedback'])
    const down = buttons[1]!
    expect(renderText(await converse(deps, inbound({ kind: 'action', actionId: down.actionId, payload: down.payload })))).toBe('Thanks for the feedback.')
    const id = down.payload.split(':')[0]!
    expect(await e.db.selectFrom('agency.ai_messages').select('feedback').where('id', '=', id).executeTakeFirst()).toEqual({ feedback: -1 })
    // Someone else's click on the same button changes nothing: the answer is not theirs.
    const other = TENANTS.find((t) => t.slug === 'northwind')!.people.find((p) => p.role === 'creative')!.key
    const up = buttons[0]!
    expect(renderText(await converse(deps, inbound({ kind: 'action', actionId: up.actionId, payload: up.payload }, other)))).toBe("I can't find that answer any more.")
    expect(await e.db.selectFrom('agency.ai_messages').select('feedback').where('id', '=', id).executeTakeFirst()).toEqual({ feedback: -1 })
    // A forged payload is refused before it reaches the database.
    expect(renderText(await converse(deps, inbound({ kind: 'action', actionId: 'answer.feedback', payload: "x'; DROP TABLE x;--:1" })))).toMatch(/don't know that button/)
  })
})
