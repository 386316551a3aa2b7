/**
 * `workroom ingest` reads files someone else wrote: nothing in a document is ever run. gray-matter,
 * which reads Markdown front matter, picks its parser from the word after the opening `---`, and
 * its `javascript` parser is eval(): a `---js` block ran with the server's environment.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Engine } from '../src/db/engine.ts'
import { HashingEmbedder } from '../src/rag/embed.ts'
import { ingest } from '../src/rag/ingest.ts'
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
