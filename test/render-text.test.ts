import { describe, expect, it } from 'vitest'
import { renderText } from '../src/handlers/render-text.ts'
import { reply } from '../src/handlers/reply.ts'

describe('plain-text renderer', () => {
  it('renders every block kind, numbering buttons as choices across blocks', () => {
    const text = renderText(reply('Which campaign?', [
      { type: 'header', text: 'Aurora Air Spring Launch' },
      { type: 'fields', fields: [{ label: 'Client', value: 'Aurora Athletics' }, { label: 'Status', value: 'active' }] },
      { type: 'list', title: 'Phases', items: ['Strategy ✓', 'Creative (60%)'] },
      { type: 'buttons', buttons: [{ label: 'Aurora Air Spring Launch', actionId: 'timesheet.choose', payload: 'a' }] },
      { type: 'buttons', buttons: [{ label: 'Undo', actionId: 'timesheet.undo', payload: 'b', style: 'danger' }] },
      { type: 'citations', citations: [{ n: 1, title: 'Brand book', url: 'https://kb/1', snippet: '#FF5A1F' }, { n: 2, title: 'Brief', url: null, snippet: '' }] },
      { type: 'context', text: 'Logged from Slack' },
      { type: 'divider' },
    ]))
    expect(text).toBe([
      'Aurora Air Spring Launch\n────────────────────────',
      'Client: Aurora Athletics\nStatus: active',
      'Phases\n  • Strategy ✓\n  • Creative (60%)',
      '  [1] Aurora Air Spring Launch',
      '  [2] Undo',
      '[1] Brand book <https://kb/1>\n[2] Brief',
      'Logged from Slack',
      '—',
    ].join('\n\n'))
  })

  it('defaults to one text block with the summary, seen only by the asker', () => {
    const r = reply('Logged 3h')
    expect(r).toEqual({ summary: 'Logged 3h', blocks: [{ type: 'text', text: 'Logged 3h' }], visibility: 'ephemeral' })
    expect(renderText(r)).toBe('Logged 3h')
  })
})
