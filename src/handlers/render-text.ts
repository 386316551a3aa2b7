import { linesOf, plain } from '../chat/text.ts'
import type { Block, Reply } from './reply.ts'

/** Plain text for the terminal and logs. Buttons become numbered choices the CLI can offer. */
export function renderText(r: Reply): string {
  let choice = 0
  const line = (b: Block): string => {
    switch (b.type) {
      case 'header':
        return `${b.text}\n${'─'.repeat(Math.min(60, b.text.length))}`
      case 'text':
        return plain(b.text)
      case 'quote':
        return linesOf(b.text).map((l) => `> ${plain(l)}`).join('\n')
      case 'fields': {
        const width = Math.max(...b.fields.map((f) => f.label.length))
        return b.fields.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`).join('\n')
      }
      case 'list':
        return [...(b.title ? [b.title] : []), ...b.items.map((i) => `  • ${plain(i)}`)].join('\n')
      case 'buttons':
        return b.buttons.map((btn) => `  [${++choice}] ${btn.label}`).join('\n')
      case 'citations':
        return b.citations.map((c) => `[${c.n}] ${c.title}${c.url ? ` <${c.url}>` : ''}`).join('\n')
      case 'context':
        return plain(b.text)
      case 'divider':
        return '—'
      case 'mentions':
        return b.people.length === 0 ? '' : `${b.label} ${b.people.map((p) => `@${p.name}`).join(', ')}`
    }
  }
  return r.blocks.map(line).join('\n\n')
}
