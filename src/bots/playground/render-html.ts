/**
 * A Reply as HTML for the web playground: the same tree Slack gets as Block Kit and Teams as an
 * Adaptive Card. Every piece of text is escaped; the reply's spans become <strong>, <code> and
 * links, so document or user text can never become markup.
 */
import { linesOf, writeSpans, type Text } from '../../chat/text.ts'
import { hasPrivate, type Block, type Citation, type Reply } from '../../handlers/reply.ts'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

const httpUrl = (url: string) => URL.canParse(url) && ['http:', 'https:'].includes(new URL(url).protocol)

/** Spans as inline HTML. */
export const inline = (text: Text): string => writeSpans(text, {
  plain: escapeHtml,
  strong: (s) => `<strong>${escapeHtml(s)}</strong>`,
  code: (s) => `<code>${escapeHtml(s)}</code>`,
  link: (s, url) => (httpUrl(url) ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(s)}</a>` : escapeHtml(s)),
})

/** Lines joined with <br>. */
const lines = (text: Text) => linesOf(text).map(inline).join('<br>')

export interface HtmlOptions {
  /** Where a citation links to: the cited passage, shown to the same person. */
  citationHref(c: Citation): string | null
}

export function renderHtml(reply: Reply, options: HtmlOptions): string {
  const block = (b: Block): string => {
    switch (b.type) {
      case 'header':
        return `<h3>${escapeHtml(b.text)}</h3>`
      case 'text':
        return `<p>${lines(b.text)}</p>`
      case 'quote':
        return `<blockquote>${lines(b.text)}</blockquote>`
      case 'fields':
        return `<dl class="fields">${b.fields.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd></div>`).join('')}</dl>`
      case 'list':
        return `${b.title ? `<p class="list-title">${escapeHtml(b.title)}</p>` : ''}<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`
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
        return `<p class="context">${lines(b.text)}</p>`
      case 'divider':
        return '<hr>'
      case 'mentions':
        return b.people.length === 0 ? '' : `<p class="mentions">${escapeHtml(b.label)} ${b.people.map((p) => `<strong>@${escapeHtml(p.name)}</strong>`).join(', ')}</p>`
    }
  }
  // The playground is the person's own screen, so everything is shown; figures are marked as
  // Slack would show them in a channel: only to the asker.
  const visibility = hasPrivate(reply) ? 'ephemeral' : reply.visibility
  const only = visibility === 'ephemeral' ? '<p class="visibility">Only visible to you</p>' : ''
  return `<div class="reply ${visibility}">${only}${reply.blocks.map(block).join('')}</div>`
}
