// Hand-written rather than a library splitter: we want each chunk's heading path and exact token
// budgets measured with the tokenizer the embedding model (text-embedding-3-small) uses.
import { createRequire } from 'node:module'
import { marked, type Token } from 'marked'
import TurndownService from 'turndown'

export type SourceFormat = 'markdown' | 'text' | 'html'

export interface Chunk {
  index: number
  heading: string | null
  content: string
  tokenCount: number
}

export interface ChunkOptions {
  maxTokens?: number
  targetTokens?: number
  overlapTokens?: number
}

// Text like "<|endoftext|>" in a document is plain text to the embeddings API; gpt-tokenizer
// throws on it unless told that no special token is disallowed.
const PLAIN = { disallowedSpecial: new Set<string>() }

// Loaded on the first count, as common-words.ts loads its lists: the tokenizer's 100k-token table
// is a third of a second and about 40 MB of a process that may never chunk anything (a server
// restarted on data already ingested, every command line but ingest and seed).
const require = createRequire(import.meta.url)
let encode: typeof import('gpt-tokenizer/encoding/cl100k_base').encode | undefined

/** Token count with the cl100k_base tokenizer (what text-embedding-3-small uses), via gpt-tokenizer. */
export function countTokens(text: string): number {
  encode ??= (require('gpt-tokenizer/encoding/cl100k_base') as typeof import('gpt-tokenizer/encoding/cl100k_base')).encode
  return encode(text, PLAIN).length
}

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' })
// The HTML parser drops <html>, <head> and <body> tags when turndown wraps the input in its
// root element, so the head's children must be removed by name too.
turndown.remove(['script', 'style', 'nav', 'head', 'title', 'noscript'])
// Turndown's core turns a <table> into one paragraph per cell; a GFM pipe table keeps each row
// together, and the table stays one block when chunked.
turndown.addRule('tableCell', {
  filter: ['th', 'td'],
  replacement: (content) => ` ${content.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim()} |`,
})
turndown.addRule('tableRow', {
  filter: 'tr',
  replacement: (content, node) => {
    const isHeader = node.closest('table')?.rows[0] === node
    return `|${content}\n` + (isHeader ? `|${' --- |'.repeat(node.cells.length)}\n` : '')
  },
})
turndown.addRule('tableSection', { filter: ['thead', 'tbody', 'tfoot'], replacement: (content) => content })
turndown.addRule('table', { filter: 'table', replacement: (content) => `\n\n${content.trim()}\n\n` })

/** HTML → Markdown with turndown (ATX headings, fenced code, '-' bullets); <script>, <style>, <nav>, <head> dropped. */
export function htmlToMarkdown(html: string): string {
  return turndown.turndown(html)
}

/** Guess the format from a file name: .md/.markdown → markdown, .html/.htm → html, else text. */
export function formatOf(fileName: string): SourceFormat {
  if (/\.(md|markdown)$/i.test(fileName)) return 'markdown'
  if (/\.html?$/i.test(fileName)) return 'html'
  return 'text'
}

/** The document as a flat stream: headings open sections, blocks carry the text. */
type Item = { kind: 'heading'; depth: number; title: string; raw: string } | { kind: 'block'; text: string }

/** Heading text without Markdown emphasis, code spans or link syntax. */
function plainText(tokens: Token[]): string {
  return tokens.map((t) => ('tokens' in t && t.tokens ? plainText(t.tokens) : 'text' in t ? String(t.text) : '')).join('')
}

function markdownItems(markdown: string): Item[] {
  const items: Item[] = []
  for (const token of marked.lexer(markdown)) {
    if (token.type === 'heading') {
      const title = plainText(token.tokens ?? []).trim()
      if (title) items.push({ kind: 'heading', depth: token.depth, title, raw: token.raw.trim() })
    } else if (token.type !== 'space' && token.type !== 'hr' && token.raw.trim()) {
      items.push({ kind: 'block', text: token.raw.trim() })
    }
  }
  return items
}

/** Paragraphs separated by blank lines; a short line underlined with === or --- is a heading. */
function textItems(text: string): Item[] {
  const items: Item[] = []
  for (const paragraph of text.split(/\n\s*\n/)) {
    const lines = paragraph.trim().split('\n')
    const [first, underline] = lines
    if (first && underline && first.trim().length <= 80 && /^\s*(={3,}|-{3,})\s*$/.test(underline)) {
      const depth = underline.includes('=') ? 1 : 2
      items.push({ kind: 'heading', depth, title: first.trim(), raw: `${first.trim()}\n${underline.trim()}` })
      lines.splice(0, 2)
    }
    const body = lines.join('\n').trim()
    if (body) items.push({ kind: 'block', text: body })
  }
  return items
}

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' })

/**
 * Cuts text into runs of at most maxTokens. The cut is found by binary search over characters
 * rather than by decoding token slices: gpt-tokenizer's decode shares one streaming TextDecoder,
 * so a slice ending inside a multi-byte character leaks its bytes into the next decode call.
 */
function splitByTokens(text: string, maxTokens: number): string[] {
  const pieces: string[] = []
  let rest = Array.from(text) // code points, so a cut never halves a surrogate pair
  while (countTokens(rest.join('')) > maxTokens) {
    let fits = 1 // a single character is always within budget; the whole rest is not
    let over = rest.length
    while (over - fits > 1) {
      const mid = (fits + over) >> 1
      if (countTokens(rest.slice(0, mid).join('')) <= maxTokens) fits = mid
      else over = mid
    }
    pieces.push(rest.slice(0, fits).join(''))
    rest = rest.slice(fits)
  }
  return [...pieces, rest.join('')]
}

/** A block too long for one chunk, as sentence pieces that concatenate back to the block. */
function splitBlock(text: string, maxTokens: number): string[] {
  if (countTokens(text) <= maxTokens) return [text]
  const pieces: string[] = []
  for (const { segment } of sentences.segment(text)) {
    if (!segment.trim() && pieces.length > 0) pieces[pieces.length - 1] += segment
    else pieces.push(...splitByTokens(segment, maxTokens))
  }
  return pieces
}

interface Unit {
  text: string
  /** Titles of the headings the unit sits under, outermost first. */
  path: string[]
  /** Raw heading lines met since the previous unit; non-empty means a section starts here. */
  headings: string[]
  /** True for the second and later pieces of a block split by splitBlock. */
  continues: boolean
}

function toUnits(items: Item[], maxTokens: number): Unit[] {
  const units: Unit[] = []
  let open: { depth: number; title: string }[] = []
  let headings: string[] = []
  for (const item of items) {
    if (item.kind === 'heading') {
      open = [...open.filter((h) => h.depth < item.depth), { depth: item.depth, title: item.title }]
      headings.push(item.raw)
      continue
    }
    const path = open.map((h) => h.title)
    splitBlock(item.text, maxTokens).forEach((text, i) => {
      units.push({ text, path, headings: i === 0 ? headings : [], continues: i > 0 })
    })
    headings = []
  }
  return units
}

/**
 * Adds a unit to chunk text. A piece of a split block is glued on as is (pieces keep their own
 * whitespace); a new block follows a blank line, preceded by its section's heading lines when
 * the chunk already has text, since the chunk's heading only names where it starts.
 */
function append(content: string, unit: Unit): string {
  if (!content.trim()) return unit.text
  if (unit.continues) return content + unit.text
  return [content.trimEnd(), ...unit.headings, unit.text].join('\n\n')
}

const size = (text: string) => countTokens(text.trim())

/** Tokens of the section starting at units[start] as it would appear inline in a chunk. */
function sectionTokens(units: Unit[], start: number): number {
  let end = start + 1
  while (end < units.length && units[end]!.headings.length === 0) end++
  return size([...units[start]!.headings, units.slice(start, end).reduce(append, '')].join('\n\n'))
}

/** Trailing whole sentences of `section` within overlapTokens, if they leave room for `unit`. */
function overlap(section: string, unit: Unit, o: Required<ChunkOptions>): string {
  const parts = Array.from(sentences.segment(section), (s) => s.segment)
  let lead = ''
  for (let i = parts.length - 1; i >= 0 && size(parts[i] + lead) <= o.overlapTokens; i--) lead = parts[i] + lead
  return size(append(lead, unit)) <= o.maxTokens ? lead : ''
}

interface Draft {
  path: string[]
  content: string
  /** The text of the chunk's last section, where overlap for the next chunk comes from. */
  section: string
}

/**
 * Packing rule: blocks are added greedily while the chunk stays within maxTokens. At a heading
 * the chunk is also closed if it already holds targetTokens, or if the whole new section would
 * not fit beside it; so sections start chunks unless they are small enough to share one, and a
 * long section is never begun at the tail of a chunk. A break inside a section carries overlap;
 * a break at a heading does not. A document that fits in maxTokens is one chunk.
 */
function pack(units: Unit[], o: Required<ChunkOptions>): Draft[] {
  if (units.length === 0) return []
  const whole = units.reduce(append, '')
  if (size(whole) <= o.maxTokens) return [{ path: units[0]!.path, content: whole, section: whole }]

  const drafts: Draft[] = []
  let draft: Draft | undefined
  units.forEach((unit, i) => {
    const startsSection = unit.headings.length > 0
    if (draft) {
      const used = size(draft.content)
      const full = size(append(draft.content, unit)) > o.maxTokens
      const closes = full || (startsSection && (used >= o.targetTokens || used + sectionTokens(units, i) > o.maxTokens))
      if (!closes) {
        draft.content = append(draft.content, unit)
        draft.section = startsSection ? unit.text : append(draft.section, unit)
        return
      }
      drafts.push(draft)
    }
    const lead = draft && !startsSection ? overlap(draft.section, unit, o) : ''
    draft = { path: unit.path, content: append(lead, unit), section: append(lead, unit) }
  })
  if (draft) drafts.push(draft)
  return drafts
}

export function chunkDocument(text: string, format: SourceFormat, options: ChunkOptions = {}): Chunk[] {
  const o = {
    maxTokens: options.maxTokens ?? 800,
    targetTokens: options.targetTokens ?? 600,
    overlapTokens: options.overlapTokens ?? 80,
  }
  const source = text.replace(/\r\n?/g, '\n')
  const items = format === 'text' ? textItems(source) : markdownItems(format === 'html' ? htmlToMarkdown(source) : source)
  return pack(toUnits(items, o.maxTokens), o)
    .map((d) => ({ heading: d.path.length > 0 ? d.path.join(' › ') : null, content: d.content.trim() }))
    .filter((c) => c.content)
    .map((c, index) => ({ index, heading: c.heading, content: c.content, tokenCount: countTokens(c.content) }))
}
