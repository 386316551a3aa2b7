/**
 * `workroom ingest` reads files someone else wrote: nothing in a document is ever run. gray-matter,
 * which reads Markdown front matter, picks its parser from the word after the opening `---`, and
 * its `javascript` parser is eval(): a `---js` block ran with the server's environment. And what
 * a document says is quoted as data: its own "[2]" is not one of Workroom's citations.
 */
import { runAs } from '../src/db/actor.ts'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Engine } from '../src/db/engine.ts'
import type { LinkedActor } from '../src/db/identity.ts'
import { ask } from '../src/handlers/ask.ts'
import { sourcesPrompt } from '../src/rag/answer.ts'
import { HashingEmbedder } from '../src/rag/embed.ts'
import { ingest } from '../src/rag/ingest.ts'
import { OFFLINE_PROVIDERS } from '../src/rag/providers.ts'
import { readSources } from '../src/rag/sources.ts'
import { describeEachEngine } from './support/engines.ts'

const embedder = new HashingEmbedder()

describeEachEngine('ingesting Markdown front matter', (engine) => {
  let e: Engine
  let dir: string
  let tenantId: string

  beforeAll(async () => {
    e = await engine.migrated()
    tenantId = (await e.db.insertInto('workroom.tenants').values({ slug: 'acme', name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id
    dir = await mkdtemp(path.join(tmpdir(), 'workroom-front-matter-'))
  })
  afterAll(async () => {
    await e?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** What `workroom ingest <paths> --tenant acme` does: read the files, then ingest them. */
  const ingestPaths = async (...paths: string[]) => {
    const read = await readSources(paths, { tenantSlug: 'acme', clientId: null, cwd: dir })
    return ingest(e.db, tenantId, read.sources, embedder)
  }
  const documents = async () => Number((await e.db.selectFrom('agency.knowledge_documents').select((eb) => eb.fn.countAll().as('n'))
    .where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n)

  it.each(['js', 'javascript', 'JS', ' javascript ', 'coffee', 'json', 'toml'])('refuses a ---%s front matter naming the file, runs none of it, and writes no document', async (language) => {
    const name = `evil-${language.trim().toLowerCase()}-${engine.kind}`
    const trace = path.join(dir, `${name}.trace`)
    const flag = `__workroomFrontMatterRan_${name}`
    // Valid JavaScript that leaves two traces if it is ever evaluated: a global and a file.
    const block = `{ title: (globalThis[${JSON.stringify(flag)}] = true, require('node:fs').writeFileSync(${JSON.stringify(trace)}, 'ran'), 'Pwned') }`
    await writeFile(path.join(dir, `${name}.md`), `---${language}\n${block}\n---\n# Quarterly policy\n\nExpenses over 500 need a director's approval.\n`)
    await writeFile(path.join(dir, `fine-${name}.md`), '---\ntitle: Fine\n---\n# Fine\n\nA harmless document next to it.\n')
    const before = await documents()

    await expect(ingestPaths(`${name}.md`, `fine-${name}.md`)).rejects.toThrow(new RegExp(`^${name}\\.md: .*front matter.*only YAML`))

    expect((globalThis as Record<string, unknown>)[flag]).toBeUndefined()
    expect(existsSync(trace)).toBe(false)
    // The whole ingest is refused, so the harmless file beside it is not written either.
    expect(await documents()).toBe(before)
  })

  it('still reads YAML front matter, plain or named, and leaves a document that starts with a rule alone', async () => {
    await writeFile(path.join(dir, 'plain.md'), '---\ntitle: Travel policy\ntype: policy\n---\n# Travel\n\nBook trains for journeys under four hours.\n')
    await writeFile(path.join(dir, 'named.md'), '---yaml\ntitle: Leave policy\n---\n# Leave\n\nRequest leave two weeks ahead.\n')
    await writeFile(path.join(dir, 'rule.md'), '----\n# Not front matter\n\nA horizontal rule opens this file.\n')
    const read = await readSources(['plain.md', 'named.md', 'rule.md'], { tenantSlug: 'acme', clientId: null, cwd: dir })
    expect(read.sources.map((s) => [s.sourceId, s.title, s.docType])).toEqual([
      ['named.md', 'Leave policy', 'other'],
      ['plain.md', 'Travel policy', 'policy'],
      ['rule.md', 'Not front matter', 'other'],
    ])
    const before = await documents()
    expect((await ingest(e.db, tenantId, read.sources, embedder)).map((r) => r.status)).toEqual(['created', 'created', 'created'])
    expect(await documents()).toBe(before + 3)
  })

  it('refuses YAML front matter that asks for a JavaScript type', async () => {
    const trace = path.join(dir, `yaml-js-${engine.kind}.trace`)
    await writeFile(path.join(dir, `yaml-js-${engine.kind}.md`), `---\ntitle: !!js/function "function () { require('node:fs').writeFileSync(${JSON.stringify(trace)}, 'ran') }"\n---\nBody.\n`)
    const before = await documents()
    await expect(ingestPaths(`yaml-js-${engine.kind}.md`)).rejects.toThrow(new RegExp(`^yaml-js-${engine.kind}\\.md: `))
    expect(existsSync(trace)).toBe(false)
    expect(await documents()).toBe(before)
  })
})

describeEachEngine("a document's own bracketed numerals", (engine) => {
  let e: Engine
  let who: LinkedActor

  beforeAll(async () => {
    e = await engine.migrated()
    const tenantId = (await e.db.insertInto('workroom.tenants').values({ slug: 'acme', name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id
    const person = await e.db.insertInto('workroom.people').values({ tenant_id: tenantId, email: 'lead@acme.example', display_name: 'Lead Acme', role: 'leadership' })
      .returning('id').executeTakeFirstOrThrow()
    who = { tenantId, userId: person.id, role: 'leadership', displayName: 'Lead Acme', email: 'lead@acme.example', timezone: 'UTC', locale: 'en-GB' }
    await ingest(e.db, tenantId, [{
      sourceId: 'handbook/expenses.md', title: 'Expenses handbook', format: 'markdown', docType: 'policy', clientId: null, url: null, sourceType: 'file',
      text: '# Expenses\n\n## Approvals\n\nExpenses over 500 pounds need a director\'s approval, as the finance handbook explains [2].\n\n'
        + '## Receipts\n\nKeep every receipt for six years [3, 4] and scan it within a week [12-14].\n',
    }], embedder)
  })
  afterAll(async () => {
    await e?.close()
  })

  it.each([
    ['Who approves expenses over 500 pounds?', "need a director's approval, as the finance handbook explains (2)."],
    ['How many years do I keep a receipt?', 'Keep every receipt for six years (3, 4) and scan it within a week (12-14).'],
  ])('are not read as citations: asked %j, the quoted passage and its snippet carry them as (n)', async (question, quoted) => {
    const r = await ask(runAs(e.db, who), who, { platform: 'cli', channelId: null, threadId: null }, question, OFFLINE_PROVIDERS)
    expect(r.answer.found).toBe(true)
    expect(r.answer.text).toContain(quoted)
    // Every [n] left in the answer is one of Workroom's, naming a citation it lists.
    const marks = [...r.answer.text.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])
    expect(marks.length).toBeGreaterThan(0)
    for (const mark of marks) expect(r.answer.citations.map((c) => String(c.n))).toContain(mark)
    expect(r.answer.citations.map((c) => c.snippet).join('\n')).toContain(quoted)
    for (const c of r.answer.citations) expect(c.snippet).not.toMatch(/\[[\d\s,-]+\]/)
  })

  it("are not shown to a chat model as another source's number", () => {
    const prompt = sourcesPrompt('q', [{ chunkId: 'c', documentId: 'd', title: 'Handbook [2]', heading: 'Approvals [3]', content: 'as the handbook explains [2].', clientId: null, docType: 'policy', url: null, similarity: 1, textRank: null, score: 1 }])
    expect(prompt).toContain('as the handbook explains (2).')
    expect(prompt).not.toMatch(/\[\d+\]/)
  })
})
