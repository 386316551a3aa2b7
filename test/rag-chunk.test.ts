import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import matter from 'gray-matter'
import { describe, expect, it } from 'vitest'
import { chunkDocument, countTokens, formatOf, htmlToMarkdown, type Chunk } from '../src/rag/chunk.ts'

const KNOWLEDGE = path.resolve(import.meta.dirname, '../seeds/knowledge')
const seeds = readdirSync(KNOWLEDGE).filter((f) => f.endsWith('.md')).sort()
  .map((file) => ({ file, body: matter(readFileSync(path.join(KNOWLEDGE, file), 'utf8')).content }))

const WORDS = ['budget', 'campaign', 'producer', 'invoice', 'supplier', 'timesheet', 'approval', 'brief', 'studio', 'client']

/** A distinct, readable sentence of about 20 tokens. */
const sentence = (tag: string, n: number) =>
  `Sentence ${tag}-${n} says the ${WORDS[n % 10]} and the ${WORDS[(n * 3 + 1) % 10]} need sign-off from the ${WORDS[(n * 7 + 2) % 10]} team before Friday.`
const paragraph = (tag: string, n: number, sentences = 4) =>
  Array.from({ length: sentences }, (_, i) => sentence(`${tag}${n}`, i)).join(' ')
const paragraphs = (tag: string, count: number) => Array.from({ length: count }, (_, n) => paragraph(tag, n)).join('\n\n')

/** The longest start of `next` that is also the end of `prev`: the overlap carried over. */
function carriedOver(prev: Chunk, next: Chunk): string {
  for (let len = Math.min(prev.content.length, next.content.length); len > 0; len--) {
    if (prev.content.endsWith(next.content.slice(0, len))) return next.content.slice(0, len)
  }
  return ''
}

function expectWellFormed(chunks: Chunk[], maxTokens = 800) {
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i)
    expect(c.content.trim()).toBe(c.content)
    expect(c.content).not.toBe('')
    expect(c.tokenCount).toBe(countTokens(c.content))
    expect(c.tokenCount).toBeLessThanOrEqual(maxTokens)
  })
}

describe('countTokens', () => {
  it('counts cl100k_base tokens and treats special-token text as plain text', () => {
    expect(countTokens('hello world')).toBe(2)
    expect(countTokens('')).toBe(0)
    expect(countTokens('see <|endoftext|> here')).toBeGreaterThan(3)
  })
})

describe('chunking the seed knowledge base', () => {
  it.each(seeds)('keeps every chunk of $file within 800 tokens', ({ body }) => {
    const chunks = chunkDocument(body, 'markdown')
    expect(chunks.length).toBeGreaterThan(0)
    expectWellFormed(chunks)
  })

  it.each(seeds)('keeps every number and £ figure of $file', ({ body }) => {
    const text = chunkDocument(body, 'markdown').map((c) => c.content).join('\n')
    const prose = body.split('\n').filter((line) => !/^#{1,6}\s/.test(line)).join('\n')
    for (const figure of prose.match(/£?\d[\d,.:%]*/g) ?? []) expect(text).toContain(figure)
  })

  it('makes a document shorter than maxTokens a single chunk', () => {
    const short = seeds.filter(({ body }) => countTokens(body) <= 800)
    expect(short.length).toBeGreaterThan(0)
    for (const { body } of short) expect(chunkDocument(body, 'markdown')).toHaveLength(1)
  })

  it('starts the vendor portal tips under the document title and names later sections inline', () => {
    const doc = seeds.find((s) => s.file === 'northwind-howto-vendor-portal-tips.md')!
    const [first] = chunkDocument(doc.body, 'markdown')
    expect(first!.heading).toBe('Vendor portal tips: getting the most out of Supplier Hub')
    expect(first!.content.startsWith('Supplier Hub is where we raise')).toBe(true)
    expect(first!.content).toContain('## Tip 2: Know your approval limits\n\n| PO value | Approval needed |')
  })

  it('is deterministic', () => {
    for (const { body } of seeds.slice(0, 5)) expect(chunkDocument(body, 'markdown')).toEqual(chunkDocument(body, 'markdown'))
  })
})

describe('chunkDocument on Markdown', () => {
  it('returns no chunks for empty or blank input', () => {
    for (const format of ['markdown', 'text', 'html'] as const) {
      expect(chunkDocument('', format)).toEqual([])
      expect(chunkDocument('  \n\n\t \n', format)).toEqual([])
    }
  })

  it('splits a long section into chunks that begin with the end of the previous one', () => {
    const md = `# Guide\n\n## Long section\n\n${paragraphs('p', 40)}`
    const chunks = chunkDocument(md, 'markdown')
    expect(chunks.length).toBeGreaterThanOrEqual(4)
    expectWellFormed(chunks)
    for (const c of chunks) expect(c.heading).toBe('Guide › Long section')
    for (const [i, c] of chunks.entries()) {
      if (i === 0) continue
      const lead = carriedOver(chunks[i - 1]!, c)
      expect(lead).toMatch(/^Sentence .*\.$/s) // whole sentences
      expect(countTokens(lead)).toBeLessThanOrEqual(80)
    }
    for (let n = 0; n < 40; n++) expect(chunks.some((c) => c.content.includes(paragraph('p', n)))).toBe(true)
  })

  it('carries no overlap across a heading', () => {
    const md = `## Alpha\n\n${paragraphs('a', 12)}\n\n## Beta\n\n${paragraphs('b', 12)}`
    const chunks = chunkDocument(md, 'markdown')
    expectWellFormed(chunks)
    const firstBeta = chunks.findIndex((c) => c.heading === 'Beta')
    expect(firstBeta).toBeGreaterThan(0)
    expect(chunks[firstBeta]!.content.startsWith(paragraph('b', 0))).toBe(true)
    expect(chunks.filter((c) => c.heading === 'Beta').every((c) => !c.content.includes('Sentence a'))).toBe(true)
    expect(chunks.filter((c) => c.heading === 'Alpha').every((c) => !c.content.includes('Sentence b'))).toBe(true)
  })

  it('nests heading paths and pops them when a shallower heading follows', () => {
    const section = (tag: string) => paragraphs(tag, 6) // ~500 tokens: no two share a chunk
    const md = [
      '# Handbook', section('h'), '## *Travel* and `expenses`', section('t'), '### Per diems', section('d'),
      '## Leave', section('l'), '# Appendix', section('x'), '### Deep note', section('n'),
    ].join('\n\n')
    const chunks = chunkDocument(md, 'markdown')
    expectWellFormed(chunks)
    expect(chunks.map((c) => c.heading)).toEqual([
      'Handbook', 'Handbook › Travel and expenses', 'Handbook › Travel and expenses › Per diems',
      'Handbook › Leave', 'Appendix', 'Appendix › Deep note',
    ])
    expect(chunks.every((c) => !c.content.includes('# '))).toBe(true)
  })

  it('writes the heading of a later section inline when sections share a chunk', () => {
    const chunks = chunkDocument('Preamble.\n\n# Doc\n\nIntro.\n\n## A\n\nAlpha.\n\n## **B**\n\n### B1\n\nBeta.', 'markdown')
    expect(chunks).toHaveLength(1)
    expect(chunks[0]!.heading).toBeNull()
    expect(chunks[0]!.content).toBe('Preamble.\n\n# Doc\n\nIntro.\n\n## A\n\nAlpha.\n\n## **B**\n\n### B1\n\nBeta.')
    expect(chunkDocument('# Doc\n\nIntro.\n\n## A\n\nAlpha.', 'markdown')[0]).toEqual(
      { index: 0, heading: 'Doc', content: 'Intro.\n\n## A\n\nAlpha.', tokenCount: countTokens('Intro.\n\n## A\n\nAlpha.') })
  })

  it('keeps a table whole, moving it to the next chunk rather than cutting it', () => {
    const table = ['| Band | Day rate | Approver |', '|---|---|---|',
      ...Array.from({ length: 12 }, (_, i) => `| Band ${i} | £${400 + i * 25} | ${WORDS[i % 10]} lead |`)].join('\n')
    const md = `## Rates\n\n${paragraphs('r', 8)}\n\n${table}\n\nAfter the table.`
    const chunks = chunkDocument(md, 'markdown')
    expect(chunks.length).toBeGreaterThan(1)
    expectWellFormed(chunks)
    expect(chunks.filter((c) => c.content.includes(table))).toHaveLength(1)
  })

  it('splits a huge single paragraph between sentences', () => {
    const huge = Array.from({ length: 150 }, (_, i) => sentence('s', i)).join(' ')
    expect(countTokens(huge)).toBeGreaterThan(2500)
    const chunks = chunkDocument(`## Policy\n\n${huge}`, 'markdown')
    expect(chunks.length).toBeGreaterThanOrEqual(4)
    expectWellFormed(chunks)
    for (const c of chunks) expect(c.content).toMatch(/^Sentence s-\d+ .*\.$/s)
    for (let i = 0; i < 150; i++) expect(chunks.some((c) => c.content.includes(sentence('s', i)))).toBe(true)
  })

  it('splits a 3000-token sentence by tokens without losing or mangling characters', () => {
    const words = Array.from({ length: 1800 }, (_, i) => `${WORDS[i % 10]}${i % 7 === 0 ? '£' : ''}${i % 11 === 0 ? '漢字🎉' : ''}`)
    const long = words.join(' ')
    expect(countTokens(long)).toBeGreaterThan(3000)
    const chunks = chunkDocument(long, 'text')
    expect(chunks.length).toBeGreaterThanOrEqual(4)
    expectWellFormed(chunks)
    expect(chunks.map((c) => c.content).join('').replace(/\s+/g, '')).toBe(long.replace(/\s+/g, ''))
  })

  it('respects smaller budgets passed as options', () => {
    const chunks = chunkDocument(`# T\n\n${paragraphs('o', 10)}`, 'markdown', { maxTokens: 200, targetTokens: 150, overlapTokens: 30 })
    expect(chunks.length).toBeGreaterThanOrEqual(5)
    expectWellFormed(chunks, 200)
  })
})

describe('chunkDocument on HTML', () => {
  const html = `<html><head><title>Old site</title><style>.x { color: red }</style></head><body>
    <nav><a href="/">Home</a> | <a href="/about">About</a></nav>
    <h1>Staff <em>handbook</em></h1><p>Welcome to the studio.</p>
    <h2>Expenses</h2><script>alert("steal cookies")</script>
    <ul><li>Submit receipts within 30 days.</li><li>Taxis over £50 need approval.</li></ul>
    <table><thead><tr><th>Band</th><th>Meal limit</th></tr></thead><tbody><tr><td>Junior</td><td>£25</td></tr><tr><td>Senior</td><td>£40</td></tr></tbody></table>
  </body></html>`

  it('converts to Markdown with ATX headings, dash bullets and pipe tables, dropping page furniture', () => {
    const md = htmlToMarkdown(html)
    expect(md).toContain('# Staff _handbook_')
    expect(md).toContain('## Expenses')
    expect(md).toMatch(/^- +Submit receipts within 30 days\.$/m)
    expect(md).toContain('| Band | Meal limit |\n| --- | --- |\n| Junior | £25 |\n| Senior | £40 |')
    for (const dropped of ['alert', 'color', 'Old site', 'Home', 'About']) expect(md).not.toContain(dropped)
  })

  it('gives chunks heading paths and no script text', () => {
    const chunks = chunkDocument(html, 'html', { maxTokens: 40, targetTokens: 30, overlapTokens: 10 })
    expectWellFormed(chunks, 40)
    expect(chunks.map((c) => c.heading)).toEqual(['Staff handbook', 'Staff handbook › Expenses', 'Staff handbook › Expenses'])
    expect(chunks[2]!.content).toContain('| Senior | £40 |')
    expect(chunks.some((c) => c.content.includes('alert'))).toBe(false)
  })
})

describe('chunkDocument on plain text', () => {
  it('packs paragraphs with no heading, and keeps Markdown-looking lines as text', () => {
    const text = '# not a heading\n\nFirst paragraph.\r\n\r\nSecond paragraph.'
    const [chunk, ...rest] = chunkDocument(text, 'text')
    expect(rest).toEqual([])
    expect(chunk!.heading).toBeNull()
    expect(chunk!.content).toBe('# not a heading\n\nFirst paragraph.\n\nSecond paragraph.')
  })

  it('treats a short line underlined with === or --- as a heading', () => {
    const text = `Leave policy\n============\n\n${paragraph('l', 0)}\n\nCarry-over\n----------\n${paragraph('c', 0)}`
    const chunks = chunkDocument(text, 'text', { maxTokens: 100, targetTokens: 60, overlapTokens: 0 })
    expect(chunks.map((c) => [c.heading, c.content])).toEqual([
      ['Leave policy', paragraph('l', 0)],
      ['Leave policy › Carry-over', paragraph('c', 0)],
    ])
  })
})

describe('formatOf', () => {
  it('guesses the format from the file extension', () => {
    expect(formatOf('guide.md')).toBe('markdown')
    expect(formatOf('notes/Guide.MARKDOWN')).toBe('markdown')
    expect(formatOf('page.html')).toBe('html')
    expect(formatOf('page.HTM')).toBe('html')
    expect(formatOf('minutes.txt')).toBe('text')
    expect(formatOf('README')).toBe('text')
    expect(formatOf('md')).toBe('text')
  })
})

describe('chunkDocument properties', () => {
  const word = fc.constantFrom(...WORDS, 'a', 'to', 'of', 'quarterly', 'retainer', 'deliverable')
  const sentenceArb = fc.array(word, { minLength: 1, maxLength: 15 })
    .map((ws) => `${ws.join(' ').replace(/^./, (c) => c.toUpperCase())}.`)
  const element = fc.oneof(
    fc.record({ depth: fc.integer({ min: 1, max: 4 }), title: fc.array(word, { minLength: 1, maxLength: 4 }) })
      .map(({ depth, title }) => ({ heading: `${'#'.repeat(depth)} ${title.join(' ')}`, sentences: [] as string[] })),
    fc.array(sentenceArb, { minLength: 1, maxLength: 30 }).map((sentences) => ({ heading: null, sentences })),
  )
  const budget = fc.integer({ min: 60, max: 400 }).chain((maxTokens) => fc.record({
    maxTokens: fc.constant(maxTokens),
    targetTokens: fc.integer({ min: Math.floor(maxTokens / 2), max: maxTokens }),
    overlapTokens: fc.integer({ min: 0, max: Math.floor(maxTokens / 3) }),
  }))

  it('keeps every chunk within maxTokens and every sentence whole in some chunk', () => {
    fc.assert(fc.property(fc.array(element, { maxLength: 25 }), budget, (elements, options) => {
      const md = elements.map((e) => e.heading ?? e.sentences.join(' ')).join('\n\n')
      const chunks = chunkDocument(md, 'markdown', options)
      expectWellFormed(chunks, options.maxTokens)
      for (const s of elements.flatMap((e) => e.sentences)) expect(chunks.some((c) => c.content.includes(s))).toBe(true)
    }), { numRuns: 60 })
  })
})
