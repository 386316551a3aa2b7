import { describe, expect, it } from 'vitest'
import { renderHtml } from '../src/bots/playground/render-html.ts'
import { renderBlocks } from '../src/bots/slack/blocks.ts'
import { renderCard } from '../src/bots/teams/cards.ts'
import { code, link, strong, t, type Text } from '../src/chat/text.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { reply, type Block } from '../src/handlers/reply.ts'

/**
 * The four renderers as pure functions over the same Reply: each writes its own platform's
 * syntax and escaping for each kind of span, and none reads markup out of plain text.
 */
const slack = (b: Block) => {
  const [first] = renderBlocks(reply('s', [b])).blocks
  return first?.type === 'section' ? first.text!.text : first?.type === 'context' ? (first.elements[0] as { text: string }).text : JSON.stringify(first)
}
const teams = (b: Block) => {
  const [first] = renderCard(reply('s', [b])).body
  return first?.type === 'TextBlock' ? first.text : first?.type === 'Container' && first.items[0]?.type === 'TextBlock' ? `[quote] ${first.items[0].text}` : JSON.stringify(first)
}
const html = (b: Block) => renderHtml(reply('s', [b]), { citationHref: () => null }).replace(/^<div class="reply ephemeral"><p class="visibility">Only visible to you<\/p>|<\/div>$/g, '')
const text = (b: Block) => renderText(reply('s', [b]))

const rows: Array<[string, Text, { slack: string; teams: string; html: string; text: string }]> = [
  ['plain text that looks like markup',
    '*not bold* `not code` <@U123> [x](http://evil) &amp; _i_',
    {
      // Slack has no escape for * ` _: it may show them as formatting, but never as a mention or a link.
      slack: '*not bold* `not code` &lt;@U123&gt; [x](http://evil) &amp;amp; _i_',
      teams: '\\*not bold\\* \\`not code\\` \\<@U123> \\[x\\](http://evil) \\&amp; \\_i\\_',
      html: '<p>*not bold* `not code` &lt;@U123&gt; [x](http://evil) &amp;amp; _i_</p>',
      text: '*not bold* `not code` <@U123> [x](http://evil) &amp; _i_',
    }],
  ['strong', t`Logged 3h to ${strong('Aurora <Air>')}.`, {
    slack: 'Logged 3h to *Aurora &lt;Air&gt;*.',
    teams: 'Logged 3h to **Aurora \\<Air>**.',
    html: '<p>Logged 3h to <strong>Aurora &lt;Air&gt;</strong>.</p>',
    text: 'Logged 3h to Aurora <Air>.',
  }],
  ['code', t`Try ${code('/timesheet week')}.`, {
    slack: 'Try `/timesheet week`.',
    teams: 'Try "/timesheet week".',
    html: '<p>Try <code>/timesheet week</code>.</p>',
    text: 'Try /timesheet week.',
  }],
  ['a link', t`See ${link('the brief', 'https://kb.example/brief?a=1&b=2')}.`, {
    slack: 'See <https://kb.example/brief?a=1&amp;b=2|the brief>.',
    teams: 'See [the brief](https://kb.example/brief?a=1&b=2).',
    html: '<p>See <a href="https://kb.example/brief?a=1&amp;b=2" target="_blank" rel="noopener">the brief</a>.</p>',
    text: 'See the brief.',
  }],
  ['a link that is not http(s) is its text', t`See ${link('this', 'javascript:alert(1)')}.`, {
    slack: 'See this.', teams: 'See this.', html: '<p>See this.</p>', text: 'See this.',
  }],
  ['a strong span Slack could not bold stays plain', t`${strong('*starred*')} and ${code('a`b')}`, {
    slack: '*starred* and a`b',
    teams: '**\\*starred\\*** and "a\\`b"',
    html: '<p><strong>*starred*</strong> and <code>a`b</code></p>',
    text: '*starred* and a`b',
  }],
  ['lines', 'first\nsecond', {
    slack: 'first\nsecond', teams: 'first\n\nsecond', html: '<p>first<br>second</p>', text: 'first\nsecond',
  }],
]

describe('rendering spans, per platform', () => {
  it.each(rows)('%s', (_, words, expected) => {
    const b: Block = { type: 'text', text: words }
    expect({ slack: slack(b), teams: teams(b), html: html(b), text: text(b) }).toEqual(expected)
  })

  it('sets a quote apart on every platform', () => {
    const b: Block = { type: 'quote', text: 'Timesheets are due by 17:00 every Friday [1].\n> not a nested quote' }
    expect({ slack: slack(b), teams: teams(b), html: html(b), text: text(b) }).toEqual({
      slack: '&gt; Timesheets are due by 17:00 every Friday [1].\n&gt; &gt; not a nested quote',
      teams: '[quote] Timesheets are due by 17:00 every Friday \\[1\\].\n\n\\> not a nested quote',
      html: '<blockquote>Timesheets are due by 17:00 every Friday [1].<br>&gt; not a nested quote</blockquote>',
      text: '> Timesheets are due by 17:00 every Friday [1].\n> > not a nested quote',
    })
  })

  it('renders spans in list items and context lines too', () => {
    const items: Block = { type: 'list', items: [t`${code('/timesheet')} shows your week`] }
    expect({ slack: slack(items), html: html(items), text: text(items) }).toEqual({
      slack: '• `/timesheet` shows your week',
      html: '<ul><li><code>/timesheet</code> shows your week</li></ul>',
      text: '  • /timesheet shows your week',
    })
    expect(JSON.stringify(renderCard(reply('s', [items])).body)).toContain('- \\"/timesheet\\" shows your week')
    const context: Block = { type: 'context', text: t`Type ${code('help')}.` }
    expect({ slack: slack(context), teams: teams(context), html: html(context), text: text(context) })
      .toEqual({ slack: 'Type `help`.', teams: 'Type "help".', html: '<p class="context">Type <code>help</code>.</p>', text: 'Type help.' })
  })

  it('keeps the summary plain words, whatever spans the message has', () => {
    expect(reply(t`Logged ${strong('3h')} to ${code('AUR-01')}.`).summary).toBe('Logged 3h to AUR-01.')
  })
})
