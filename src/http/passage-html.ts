/**
 * A cited document as an HTML page, the cited passage in <mark> under the anchor #passage.
 *
 * Documents are data written by other people, so the page is safe by construction rather than
 * cleaned afterwards: marked (already what chunking parses Markdown with) builds the HTML, and
 * this renderer prints every raw HTML block or tag in a document as text, links only http(s) and
 * mailto: URLs (a javascript: or data: link is its text alone) and shows an image as its
 * alt text. No sanitizer library is added for that reason: nothing of the document reaches the
 * page except through marked's escaping or these overrides. The page's Content-Security-Policy
 * (default-src 'none', no script) is the second wall (src/http/passages.ts).
 */
import { createHash } from 'node:crypto'
import { Marked, type RendererObject, type Tokens } from 'marked'
import type { CitedDocument } from '../rag/cited-document.ts'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** An http(s) or mailto: URL, normalised; null for anything else (javascript:, data:, relative paths that lead nowhere here). */
export function safeHref(href: string): string | null {
  if (!URL.canParse(href)) return null
  const url = new URL(href)
  return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null
}

const documentRenderer: RendererObject = {
  html: ({ text }) => escapeHtml(text),
  link({ href, title, tokens }) {
    const inner = this.parser.parseInline(tokens)
    const safe = safeHref(href)
    if (!safe) return inner
    return `<a href="${escapeHtml(safe)}"${title ? ` title="${escapeHtml(title)}"` : ''} rel="noopener noreferrer nofollow">${inner}</a>`
  },
  // The page loads nothing (default-src 'none'): say what the picture was.
  image: ({ text }) => (text ? `<span class="image">[${escapeHtml(text)}]</span>` : ''),
}

const plain = new Marked({ gfm: true, renderer: documentRenderer })
/** The cited chunk: every run of text inside <mark>, so the highlight follows lists, tables and emphasis and stays valid HTML. */
const cited = new Marked({
  gfm: true,
  renderer: {
    ...documentRenderer,
    text(token: Tokens.Text | Tokens.Escape) {
      if ('tokens' in token && token.tokens) return this.parser.parseInline(token.tokens)
      const text = 'escaped' in token && token.escaped ? token.text : escapeHtml(token.text)
      return text.trim() ? `<mark>${text}</mark>` : text
    },
  },
})

function markdownHtml(markdown: string, highlight: boolean): string {
  return (highlight ? cited : plain).parse(markdown, { async: false })
}

function textHtml(text: string, highlight: boolean): string {
  return text.split(/\n{2,}/).filter((p) => p.trim()).map((p) => `<p>${highlight ? `<mark>${escapeHtml(p)}</mark>` : escapeHtml(p)}</p>`).join('\n')
}

/**
 * How many leading characters of `next` repeat the end of `previous`: the chunker starts a chunk
 * that breaks a section with the last sentences of the one before (overlap, src/rag/chunk.ts),
 * which the page shows once. At most 1,000 characters (overlap is 80 tokens); at least 12, so a
 * short common word is not taken for overlap.
 */
export function overlapLength(previous: string, next: string): number {
  const prev = previous.trimEnd()
  for (let k = Math.min(1000, prev.length, next.length - 1); k >= 12; k--) {
    if (prev.endsWith(next.slice(0, k))) return k
  }
  return 0
}

/** The document's body: each chunk in order, its new headings before it, the cited one highlighted under #passage. */
export function documentBody(doc: CitedDocument): string {
  const render = doc.mimeType === 'text/plain' ? textHtml : markdownHtml
  const overlaps = doc.chunks.map((c, i) => (i === 0 ? 0 : overlapLength(doc.chunks[i - 1]!.content, c.content)))
  let path: string[] = []
  return doc.chunks.map((chunk, i) => {
    let text = chunk.content
    // Repeated text is dropped from the later chunk, except from the cited one, which stays whole:
    // its copy is dropped from the end of the chunk before it instead.
    if (i + 1 === doc.cited && overlaps[i + 1]! > 0) text = text.trimEnd().slice(0, -overlaps[i + 1]!)
    else if (i !== doc.cited) text = text.slice(overlaps[i]!)
    // A chunk's own opening headings are its heading path, not its content (src/rag/chunk.ts).
    const next = chunk.heading ? chunk.heading.split(' › ') : []
    const same = next.findIndex((h, d) => path[d] !== h)
    const opened = same === -1 ? [] : next.slice(same).map((h, d) => {
      const level = Math.max(2, Math.min(same + d + 1, 6))
      // A document's own "# Title" is the page's <h1> already.
      return same + d === 0 && h === doc.title ? '' : `<h${level}>${escapeHtml(h)}</h${level}>`
    })
    path = next
    const html = render(text, i === doc.cited)
    return `${opened.join('\n')}${i === doc.cited ? `<section id="passage" class="passage" aria-label="Cited passage">${html}</section>` : html}`
  }).join('\n')
}

const STYLE = `body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}
.meta{color:#616061}.passage{border-left:4px solid #e8a400;padding:0 1rem;margin:1rem -1rem;background:#fffbea}
mark{background:#ffe58a;color:inherit}pre{white-space:pre-wrap;background:#f6f6f6;padding:.75rem}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem}.image{color:#616061}`

/** For the page's Content-Security-Policy: the one inline style it has, by hash (no 'unsafe-inline'). */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Workroom</title>
<style>${STYLE}</style></head><body>${body}</body></html>`
}

export function documentPage(doc: CitedDocument): string {
  const source = doc.sourceUrl && safeHref(doc.sourceUrl)
  return page(doc.title, `<header><h1>${escapeHtml(doc.title)}</h1>
<p class="meta">${escapeHtml(doc.docType)} · passage ${doc.cited + 1} of ${doc.chunks.length} · <a href="#passage">go to the cited passage</a>${source ? ` · <a href="${escapeHtml(source)}" rel="noopener noreferrer">original</a>` : ''}</p></header>
<article>
${documentBody(doc)}
</article>`)
}
