import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderBlocks } from '../src/bots/slack/blocks.ts'
import type { ChatIdentity } from '../src/db/identity.ts'
import { unbindWorkspace } from '../src/db/workspaces.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import type { Citation, Reply } from '../src/handlers/reply.ts'
import { converse, type ConverseDeps } from '../src/chat/converse.ts'
import { overlapLength } from '../src/http/passage-html.ts'
import { createApp } from '../src/http/app.ts'
import { PASSAGE_LINK_TTL_MS, passageLink, verifyPassageToken } from '../src/links/passage-link.ts'
import { createLogger } from '../src/log.ts'
import { HashingEmbedder } from '../src/rag/embed.ts'
import { ingest, type IngestSource } from '../src/rag/ingest.ts'
import { readSources } from '../src/rag/sources.ts'
import { describeEachEngine } from './support/engines.ts'
import { useFixtureDatabase } from './support/fixture.ts'

const PUBLIC_URL = 'https://workroom.example'
const SECRET = 'passage-link-test-secret-0123456789abcdef'
const NOW = new Date('2026-11-25T10:00:00Z')
const links = { publicUrl: PUBLIC_URL, secret: SECRET }
const embedder = new HashingEmbedder()
const logger = createLogger('silent')

const slackUser = (tenant: 'A' | 'B', person: string): ChatIdentity => ({ platform: 'slack', workspaceId: `T${tenant}`, externalUserId: `U${tenant}${person}`, enterpriseId: null })
/** The path and query of a link under PUBLIC_URL, for app.request(). */
const local = (link: string) => {
  expect(link.startsWith(`${PUBLIC_URL}/passages/`)).toBe(true)
  const url = new URL(link)
  return `${url.pathname}${url.search}`
}
const citationsOf = (reply: Reply): Citation[] => reply.blocks.flatMap((b) => (b.type === 'citations' ? b.citations : []))

const source = (sourceId: string, text: string, extra: Partial<IngestSource> = {}): IngestSource =>
  ({ sourceId, title: sourceId, text, format: 'markdown', docType: 'policy', clientId: null, url: null, sourceType: 'file', ...extra })

describe('passage tokens', () => {
  it('name the identity they were minted for, for that chunk only, until they expire', () => {
    const chunk = '0b9c3f0e-6a41-4c38-9d1e-5f7a2b8c4d11'
    const who = { ...slackUser('A', 'creative'), enterpriseId: 'E1' }
    const token = new URL(passageLink(links, chunk, who, NOW)).searchParams.get('t')
    expect(verifyPassageToken(SECRET, chunk, token, NOW)).toEqual(who)
    expect(verifyPassageToken(SECRET, chunk, token, new Date(NOW.getTime() + PASSAGE_LINK_TTL_MS - 1000))).toEqual(who)
    expect(verifyPassageToken(SECRET, chunk, token, new Date(NOW.getTime() + PASSAGE_LINK_TTL_MS + 1000))).toBeNull()
    expect(verifyPassageToken(SECRET, '1b9c3f0e-6a41-4c38-9d1e-5f7a2b8c4d11', token, NOW)).toBeNull()
    expect(verifyPassageToken(`${SECRET}x`, chunk, token, NOW)).toBeNull()
    expect(verifyPassageToken(SECRET, chunk, `${token}x`, NOW)).toBeNull()
    expect(verifyPassageToken(SECRET, chunk, null, NOW)).toBeNull()
  })

  it('finds the sentences a chunk repeats from the one before it', () => {
    expect(overlapLength('First sentence here. The repeated sentence.', 'The repeated sentence.\n\nNew text follows.')).toBe('The repeated sentence.'.length)
    expect(overlapLength('Nothing shared at all.', 'Another chunk entirely.')).toBe(0)
  })
})

describeEachEngine('signed passage links', (engine) => {
  const ctx = useFixtureDatabase(engine)
  let dir: string
  /** Chunk ids of the documents ingested below, by source id. */
  const chunkOf = async (sourceId: string) => (await ctx.e.db.selectFrom('agency.knowledge_chunks as k')
    .innerJoin('agency.knowledge_documents as d', 'd.id', 'k.document_id')
    .select('k.id').where('d.source_id', '=', sourceId).orderBy('k.chunk_index').executeTakeFirstOrThrow()).id
  const app = (now: Date = NOW) => createApp({ engine: ctx.e, logger, passages: { db: ctx.e.db, secret: SECRET, now: () => now } })
  const open = (link: string, now?: Date) => app(now).request(local(link))
  const deps = (): ConverseDeps => ({ db: ctx.e.db, now: () => NOW, passageLinks: links })
  const inbound = (who: ChatIdentity, input: Inbound['input']): Inbound => ({ ...who, channelId: 'C1', threadId: null, requestId: crypto.randomUUID(), input })

  it('ingests the documents the cases read', async () => {
    const A = ctx.fx.A.tenantId
    await ingest(ctx.e.db, A, [
      source('policies/mileage.md', '# Travel policy\n\n## Mileage\n\nMileage is paid at 45p a mile for a drive to a shoot.\n\n## Trains\n\nBook trains for journeys under four hours.'),
      source('clients/y-brief.md', '# Launch brief\n\nThe launch hero colour for the sapphire campaign is ultramarine.', { clientId: ctx.fx.A.rows.get('client:Y')! }),
      source('policies/evil.md', '# Widgets\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click me](javascript:alert(3)) and [a safe one](https://example.com/ok)\n\nEvil widgets are stored in the blue cupboard.'),
      source('0123456789abcdef0123456789ABCDEF', '# Onboarding\n\nNew starters get a laptop on day one.', { sourceType: 'notion' }),
    ], embedder)
    dir = await mkdtemp(path.join(tmpdir(), 'workroom-passages-'))
    await writeFile(path.join(dir, 'leave.md'), '---\ntitle: Leave policy\nurl: https://wiki.example.com/leave\n---\n# Leave\n\nRequest annual leave two weeks ahead of the holiday.\n')
    await writeFile(path.join(dir, 'bad-url.md'), '---\ntitle: Parking\nurl: "javascript:alert(1)"\n---\n# Parking\n\nVisitors park in bay four.\n')
    const read = await readSources(['leave.md', 'bad-url.md'], { tenantSlug: 'tenant-a', clientId: null, cwd: dir })
    expect(read.sources.map((s) => [s.sourceId, s.url])).toEqual([['bad-url.md', null], ['leave.md', 'https://wiki.example.com/leave']])
    await ingest(ctx.e.db, A, read.sources, embedder)
    await rm(dir, { recursive: true, force: true })
  })

  it('opens the whole document for the person the link was minted for, the cited passage in <mark> under #passage', async () => {
    const chunk = await chunkOf('policies/mileage.md')
    const link = passageLink(links, chunk, slackUser('A', 'creative'), NOW)
    const res = await open(link)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<section id="passage"')
    expect(html).toContain('<mark>Mileage is paid at 45p a mile for a drive to a shoot.</mark>')
    expect(html).toContain('<mark>Book trains for journeys under four hours.</mark>')
    expect(html).toContain('<h1>policies/mileage.md</h1>')
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('refuses the link with 403 when its chunk id, identity or expiry is changed, and once it has expired', async () => {
    const chunk = await chunkOf('policies/mileage.md')
    const link = passageLink(links, chunk, slackUser('A', 'creative'), NOW)
    const other = await chunkOf('policies/evil.md')
    expect((await open(link.replace(chunk, other))).status).toBe(403)
    const token = new URL(link).searchParams.get('t')!
    const [body, mac] = token.split('.')
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, string | number>
    const forged = (change: Record<string, string | number>) =>
      `${PUBLIC_URL}/passages/${chunk}?t=${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${mac}`
    expect((await open(forged({}))).status).toBe(200) // the same claims, re-encoded: still the minted token
    expect((await open(forged({ u: 'UApm' }))).status).toBe(403)
    expect((await open(forged({ w: 'TB', u: 'UBcreative' }))).status).toBe(403)
    expect((await open(forged({ exp: Number(claims.exp) + 86_400 }))).status).toBe(403)
    expect((await open(`${PUBLIC_URL}/passages/${chunk}`)).status).toBe(403)
    const expired = await open(link, new Date(NOW.getTime() + PASSAGE_LINK_TTL_MS + 60_000))
    expect(expired.status).toBe(403)
    expect(await expired.text()).toContain('This link does not open')
    expect(expired.headers.get('cache-control')).toBe('no-store')
  })

  it("shows a creative who is not on the client's campaign a 404 for that client's document, the same page as a passage that does not exist", async () => {
    const chunk = await chunkOf('clients/y-brief.md')
    // pm is on campaign cY (client Y); creative only on cX.
    expect((await open(passageLink(links, chunk, slackUser('A', 'pm'), NOW))).status).toBe(200)
    const hidden = await open(passageLink(links, chunk, slackUser('A', 'creative'), NOW))
    expect(hidden.status).toBe(404)
    const page = await hidden.text()
    expect(page).not.toContain('ultramarine')
    expect(page).not.toContain('Launch brief')
    const missing = await open(passageLink(links, crypto.randomUUID(), slackUser('A', 'creative'), NOW))
    expect(missing.status).toBe(404)
    expect(await missing.text()).toBe(page)
    // Another tenant's person with a valid link of their own sees nothing of tenant A either.
    expect((await open(passageLink(links, chunk, slackUser('B', 'leadership'), NOW))).status).toBe(404)
  })

  it('renders a document with <script>, raw HTML and a javascript: link inert', async () => {
    const res = await open(passageLink(links, await chunkOf('policies/evil.md'), slackUser('A', 'creative'), NOW))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).not.toMatch(/<script|<img|javascript:/i)
    expect(html).not.toMatch(/<[^>]*\son\w+=/i)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('click me')
    expect(html).toContain('<a href="https://example.com/ok" rel="noopener noreferrer nofollow">')
    expect(html).toContain('<mark>Evil widgets are stored in the blue cupboard.</mark>')
  })

  it("links a citation to the document's own url (front matter, a Notion page) rather than minting one", async () => {
    const leave = await converse(deps(), inbound(slackUser('A', 'creative'), { kind: 'command', command: 'ask', text: 'How far ahead should I request annual leave?' }))
    const cited = citationsOf(leave).find((c) => c.title === 'Leave policy')
    expect(cited?.url).toBe('https://wiki.example.com/leave')
    const onboarding = await converse(deps(), inbound(slackUser('A', 'creative'), { kind: 'command', command: 'ask', text: 'When do new starters get a laptop?' }))
    expect(citationsOf(onboarding).find((c) => c.title === '0123456789abcdef0123456789ABCDEF')?.url).toBe('https://www.notion.so/0123456789abcdef0123456789abcdef')
    // The rest get a passage link; a file path is never a citation's link.
    expect(citationsOf(onboarding).filter((c) => !c.url?.startsWith('https://www.notion.so/')).every((c) => c.url?.startsWith(`${PUBLIC_URL}/passages/`))).toBe(true)
  })

  it('answers an @-mention in Slack with a passage link under PUBLIC_URL that opens for the asker', async () => {
    const reply = await converse(deps(), inbound(slackUser('A', 'creative'), { kind: 'message', text: '<@UBOT> what is the mileage rate for a drive to a shoot?' }))
    expect(reply.visibility).toBe('in_channel')
    const mrkdwn = JSON.stringify(renderBlocks(reply).blocks)
    const link = mrkdwn.match(/<(https:\/\/workroom\.example\/passages\/[^|>]+)\|/)?.[1]
    expect(link).toBeDefined()
    const res = await open(link!.replace(/&amp;/g, '&'))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<mark>Mileage is paid at 45p a mile for a drive to a shoot.</mark>')
    // Without PUBLIC_URL there is no link rather than a dead one.
    const unlinked = await converse({ db: ctx.e.db, now: () => NOW }, inbound(slackUser('A', 'creative'), { kind: 'message', text: '<@UBOT> what is the mileage rate for a drive to a shoot?' }))
    expect(citationsOf(unlinked).length).toBeGreaterThan(0)
    expect(citationsOf(unlinked).every((c) => c.url === null)).toBe(true)
  })

  it("links a client's document only in a reply the asker alone sees: a channel does not get the asker's access", async () => {
    const question = 'What is the launch hero colour for the sapphire campaign?'
    const inChannel = await converse(deps(), inbound(slackUser('A', 'pm'), { kind: 'message', text: `<@UBOT> ${question}` }))
    const brief = (r: Reply) => citationsOf(r).find((c) => c.title === 'clients/y-brief.md')
    expect(brief(inChannel)).toBeDefined()
    expect(brief(inChannel)!.url).toBeNull()
    const ephemeral = await converse(deps(), inbound(slackUser('A', 'pm'), { kind: 'command', command: 'ask', text: question }))
    expect(ephemeral.visibility).toBe('ephemeral')
    expect(brief(ephemeral)!.url).toMatch(new RegExp(`^${PUBLIC_URL}/passages/`))
  })

  it('stops opening once the person is no longer linked to that chat account', async () => {
    const link = passageLink(links, await chunkOf('policies/mileage.md'), slackUser('A', 'outsider'), NOW)
    expect((await open(link)).status).toBe(200)
    await ctx.e.db.deleteFrom('workroom.chat_identities').where('id', '=', ctx.fx.A.rows.get('identity:outsider')!).execute()
    const res = await open(link)
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain('Mileage')
  })

  it('stops opening once the workspace is unbound', async () => {
    const chunk = ctx.fx.B.rows.get('chunk:kWide')!
    const link = passageLink(links, chunk, slackUser('B', 'creative'), NOW)
    expect((await open(link)).status).toBe(200)
    expect(await unbindWorkspace(ctx.e.db, 'slack', 'TB')).toBe(true)
    const res = await open(link)
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain('facts of kWide')
  })
})
