/**
 * A Reply as HTML for the web playground: the same tree Slack gets as Block Kit and Teams as an
 * Adaptive Card. Every piece of text is escaped before the little formatting the handlers use
 * (*bold*, `code`, "> " quotes) is applied, so document or user text can never become markup.
 */
import { hasPrivate, type Block, type Citation, type Reply } from '../../handlers/reply.ts'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** Slack-style emphasis on already-escaped text. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,;:!?]|$)/g, '$1<strong>$2</strong>')
}

/** Paragraph text: "> " lines become one blockquote, other lines are joined with <br>. */
function paragraphs(text: string): string {
  const out: string[] = []
  let quote: string[] = []
  let plain: string[] = []
  const flush = () => {
    if (plain.length) out.push(`<p>${plain.map(inline).join('<br>')}</p>`)
    if (quote.length) out.push(`<blockquote>${quote.map(inline).join('<br>')}</blockquote>`)
    plain = []
    quote = []
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('> ')) {
      if (plain.length) flush()
      quote.push(line.slice(2))
    } else {
      if (quote.length) flush()
      plain.push(line)
    }
  }
  flush()
  return out.join('')
}

export interface HtmlOptions {
  /** Where a citation links to: the cited passage, shown to the same person. */
  citationHref(c: Citation): string | null
}

export function renderHtml(reply: Reply, options: HtmlOptions): string {
  const block = (b: Block): string => {
    switch (b.type) {
      case 'header':
        return `<h3>${inline(b.text)}</h3>`
      case 'text':
        return paragraphs(b.text)
      case 'fields':
        return `<dl class="fields">${b.fields.map((f) => `<div><dt>${inline(f.label)}</dt><dd>${inline(f.value)}</dd></div>`).join('')}</dl>`
      case 'list':
        return `${b.title ? `<p class="list-title">${inline(b.title)}</p>` : ''}<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`
      case 'buttons':
        return `<div class="buttons">${b.buttons.map((btn) =>
          `<button type="button" class="action${btn.style ? ` ${btn.style}` : ''}" data-action-id="${escapeHtml(btn.actionId)}" data-payload="${escapeHtml(btn.payload)}">${escapeHtml(btn.label)}</button>`).join('')}</div>`
      case 'citations':
        return `<ol class="citations">${b.citations.map((c) => {
          const href = options.citationHref(c)
          const title = href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(c.title)}</a>` : escapeHtml(c.title)
          return `<li value="${c.n}">${title}${c.heading ? ` <span class="heading">› ${escapeHtml(c.heading.split(' › ').at(-1)!)}</span>` : ''}${c.snippet ? `<q>${escapeHtml(c.snippet)}</q>` : ''}</li>`
        }).join('')}</ol>`
      case 'context':
        return `<p class="context">${inline(b.text)}</p>`
      case 'divider':
        return '<hr>'
      case 'mentions':
        return b.people.length === 0 ? '' : `<p class="mentions">${inline(b.label)} ${b.people.map((p) => `<strong>@${escapeHtml(p.name)}</strong>`).join(', ')}</p>`
    }
  }
  // The playground is the person's own screen, so everything is shown; figures are marked as
  // Slack would show them in a channel: only to the asker.
  const visibility = hasPrivate(reply) ? 'ephemeral' : reply.visibility
  const only = visibility === 'ephemeral' ? '<p class="visibility">Only visible to you</p>' : ''
  return `<div class="reply ${visibility}">${only}${reply.blocks.map(block).join('')}</div>`
}
