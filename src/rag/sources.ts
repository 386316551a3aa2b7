/**
 * Files and folders → ingest sources, for `workroom ingest`. Markdown, plain text and HTML; a
 * Markdown file's front matter (title, type, url) and an HTML <title> are used when present. Front
 * matter is YAML only (frontMatter below): nothing in a document is ever run.
 *
 * A source's id is its path relative to the working directory (or absolute, outside it), so
 * ingesting seeds/knowledge from the repository root updates the documents the seed wrote
 * rather than adding copies.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import matter from 'gray-matter'
import { formatOf, type SourceFormat } from './chunk.ts'
import type { IngestSource } from './ingest.ts'

export const INGESTIBLE = ['.md', '.markdown', '.txt', '.text', '.html', '.htm']

export interface SourceOptions {
  tenantSlug: string
  clientId: string | null
  /** --type; else the front matter's `type`; else 'other'. */
  docType?: string
  cwd?: string
}

export interface ReadSources {
  sources: IngestSource[]
  /** Files passed over, with the reason (empty, another tenant's front matter, unsupported type). */
  skipped: Array<{ file: string; reason: string }>
}

export async function readSources(paths: string[], options: SourceOptions): Promise<ReadSources> {
  const cwd = options.cwd ?? process.cwd()
  const files: string[] = []
  const skipped: ReadSources['skipped'] = []
  for (const p of paths) {
    const abs = path.resolve(cwd, p)
    const info = await stat(abs).catch(() => null)
    if (!info) throw new Error(`${p}: no such file or folder`)
    if (info.isDirectory()) {
      const found = (await readdir(abs, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && INGESTIBLE.includes(path.extname(d.name).toLowerCase()))
        .map((d) => path.join(d.parentPath, d.name))
      if (found.length === 0) throw new Error(`${p}: no ${INGESTIBLE.join(' ')} files in this folder`)
      files.push(...found)
    } else if (INGESTIBLE.includes(path.extname(abs).toLowerCase())) {
      files.push(abs)
    } else {
      throw new Error(`${p}: can't ingest this kind of file; use ${INGESTIBLE.join(', ')}`)
    }
  }
  const sources: IngestSource[] = []
  for (const file of [...new Set(files)].sort()) {
    const rel = path.relative(cwd, file)
    const sourceId = (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/')
    const read = await fileSource(file, sourceId, options)
    if ('reason' in read) skipped.push({ file: sourceId, reason: read.reason })
    else sources.push(read)
  }
  return { sources, skipped }
}

async function fileSource(file: string, sourceId: string, options: SourceOptions): Promise<IngestSource | { reason: string }> {
  const format: SourceFormat = formatOf(file)
  const raw = await readFile(file, 'utf8')
  let text = raw
  let title: string | undefined
  let type: string | undefined
  let url: string | null = null
  if (format === 'markdown') {
    const parsed = frontMatter(raw, sourceId)
    text = parsed.content
    const data = parsed.data as Record<string, unknown>
    if (typeof data.tenant === 'string' && data.tenant !== options.tenantSlug) {
      return { reason: `its front matter says tenant "${data.tenant}", not "${options.tenantSlug}"` }
    }
    if (typeof data.title === 'string') title = data.title
    if (typeof data.type === 'string') type = data.type
    // Where people can read the document (its wiki page, its shared drive file): citations link
    // there. Only http(s); anything else is ignored and the citation gets a passage link instead.
    if (typeof data.url === 'string' && /^https?:$/.test(URL.canParse(data.url) ? new URL(data.url).protocol : '')) url = data.url
    title ??= text.match(/^#\s+(.+)$/m)?.[1]?.trim()
  } else if (format === 'html') {
    title = raw.match(/<title[^>]*>([^<]+)<\/title>/i)?.[1]?.trim() ?? raw.match(/<h1[^>]*>([^<]+)<\/h1>/i)?.[1]?.trim()
  }
  if (text.trim() === '') return { reason: 'it is empty' }
  return {
    // Not the file's path: a path on the machine that ran the ingest opens for nobody.
    sourceId, url, format, text, sourceType: 'file', clientId: options.clientId,
    title: title || path.basename(file, path.extname(file)).replace(/[-_]+/g, ' '),
    docType: options.docType ?? type ?? 'other',
  }
}

/**
 * A Markdown file's YAML front matter and the text after it. gray-matter picks its parser from the
 * word after the opening `---`, and its default `javascript` parser (`---js`) is eval(): a document
 * would run code with the server's environment and secrets. So any word other than yaml refuses
 * the file, before gray-matter parses anything, and its code-running parsers are replaced as well.
 * YAML is parsed by js-yaml's safeLoad, which knows no !!js/function or other code types.
 */
function frontMatter(raw: string, sourceId: string): { content: string; data: Record<string, unknown> } {
  // gray-matter's own test: a file opening with `---` not followed by another `-` has front matter.
  const opens = raw.startsWith('---') && raw.charAt(3) !== '-'
  const language = opens ? matter.language(raw).name.toLowerCase() : ''
  if (language !== '' && language !== 'yaml' && language !== 'yml') {
    throw new Error(`${sourceId}: its front matter is marked "${language}"; Workroom reads only YAML front matter (--- or ---yaml), and runs nothing in a document`)
  }
  const refuse = () => {
    throw new Error('only YAML front matter is read')
  }
  try {
    const parsed = matter(raw, { language: 'yaml', engines: { javascript: refuse, js: refuse, coffee: refuse, coffeescript: refuse, cson: refuse } })
    const data = parsed.data as unknown
    return { content: parsed.content, data: data && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : {} }
  } catch (err) {
    // js-yaml's YAMLException (a syntax error, an unknown tag such as !!js/function): the file's mistake.
    if (err instanceof Error && err.name === 'YAMLException') throw new Error(`${sourceId}: its front matter is not valid YAML (only YAML front matter is read): ${err.message.split('\n')[0]}`)
    throw err
  }
}
