import type { ActionsBlock, Button, ContextActionsBlock, ContextBlock, FeedbackButtons, HeaderBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types'
import { describe, expect, it } from 'vitest'
import { blockActionId, escapeMrkdwn, renderBlocks, replyActionId } from '../src/bots/slack/blocks.ts'
import type { AskResult } from '../src/handlers/ask.ts'
import type { CampaignCandidate } from '../src/handlers/campaign-match.ts'
import { reply, type Block } from '../src/handlers/reply.ts'
import { askReply, logReply } from '../src/handlers/replies.ts'

const render = (...blocks: Block[]) => renderBlocks(reply('summary', blocks)).blocks
const sectionText = (b: KnownBlock) => ((b as SectionBlock).text as MrkdwnElement).text
const contextText = (b: KnownBlock) => ((b as ContextBlock).elements[0] as MrkdwnElement).text
const buttonsOf = (blocks: KnownBlock[]) => blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[])

describe('Slack Block Kit renderer', () => {
  it('renders each block kind as its Block Kit counterpart', () => {
    const blocks = render(
      { type: 'header', text: 'Aurora Air Spring Launch' },
      { type: 'text', text: 'Logged 3h to *Aurora Air*.\n> quoted `code`' },
      { type: 'fields', fields: [{ label: 'Client', value: 'Aurora Athletics' }] },
      { type: 'list', title: 'Phases', items: ['Strategy', 'Creative (60%)'] },
      { type: 'buttons', buttons: [{ label: 'Undo', actionId: 'timesheet.undo', payload: 'e1', style: 'danger' }, { label: 'Keep', actionId: 'timesheet.keep', payload: 'e1' }] },
      { type: 'context', text: 'Logged from Slack' },
      { type: 'divider' },
    )
    expect(blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Aurora Air Spring Launch', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'Logged 3h to *Aurora Air*.\n&gt; quoted `code`' } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Client*\nAurora Athletics' }] },
      { type: 'section', text: { type: 'mrkdwn', text: '*Phases*\n• Strategy\n• Creative (60%)' } },
      { type: 'actions', elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Undo', emoji: true }, action_id: 'timesheet.undo#0', value: 'e1', style: 'danger' },
        { type: 'button', text: { type: 'plain_text', text: 'Keep', emoji: true }, action_id: 'timesheet.keep#1', value: 'e1' },
      ] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Logged from Slack' }] },
      { type: 'divider' },
    ])
  })

  it('shortens a header to 150 characters and a button label to 75, visibly', () => {
    const [header, actions] = render(
      { type: 'header', text: 'H'.repeat(400) },
      { type: 'buttons', buttons: [{ label: 'B'.repeat(100), actionId: 'x', payload: 'p' }] },
    )
    const text = (header as HeaderBlock).text.text
    expect(text).toHaveLength(150)
    expect(text.endsWith('…')).toBe(true)
    const label = ((actions as ActionsBlock).elements[0] as Button).text.text
    expect(label).toHaveLength(75)
    expect(label.endsWith('…')).toBe(true)
  })

  it('keeps a context within 3,000 characters and says it was cut', () => {
    const text = contextText(render({ type: 'context', text: 'c'.repeat(5000) })[0]!)
    expect(text).toHaveLength(3000)
    expect(text.endsWith('…')).toBe(true)
  })

  it('escapes document text so it cannot mention a channel or a person, or become a link', () => {
    const evil = 'Ping <!channel> and <@U123>: R&D says <http://evil|click>'
    const [section] = render({ type: 'text', text: evil })
    expect(sectionText(section!)).toBe('Ping &lt;!channel&gt; and &lt;@U123&gt;: R&amp;D says &lt;http://evil|click&gt;')
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d')
    const { text } = renderBlocks(reply('<!here> & you'))
    expect(text).toBe('&lt;!here&gt; &amp; you')
  })

  it('mentions people by their Slack user id, and shows the unlinked (or a forged id) by escaped name', () => {
    const [section] = render({ type: 'mentions', label: 'No time logged <yesterday>:', people: [
      { name: 'Dana', externalId: 'U0DANA' }, { name: 'Kel <b>', externalId: null }, { name: 'Eve', externalId: '!channel>' },
    ] })
    expect(sectionText(section!)).toBe('No time logged &lt;yesterday&gt;: <@U0DANA>, Kel &lt;b&gt;, Eve')
    expect(render({ type: 'mentions', label: 'Nobody:', people: [] })).toEqual([])
  })

  it('escapes fields, list items and context too', () => {
    const blocks = render(
      { type: 'fields', fields: [{ label: '<!channel>', value: '<@U123>' }] },
      { type: 'list', title: 'A&B', items: ['<http://evil|click>'] },
      { type: 'context', text: '<!everyone>' },
    )
    const json = JSON.stringify(blocks)
    expect(json).not.toMatch(/<[!@h]/)
    expect(contextText(blocks[2]!)).toBe('&lt;!everyone&gt;')
  })

  it('splits a 7,000-character text at line breaks into 3 sections, losing nothing', () => {
    const text = Array.from({ length: 70 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(97)}`).join('\n') + '!'
    expect(text).toHaveLength(7000)
    const blocks = render({ type: 'text', text })
    expect(blocks).toHaveLength(3)
    for (const b of blocks) expect(sectionText(b).length).toBeLessThanOrEqual(3000)
    expect(blocks.map(sectionText).join('\n')).toBe(text)
  })

  it('cuts a single 7,000-character line hard at 3,000, losing nothing', () => {
    const text = 'abcdefg'.repeat(1000)
    const blocks = render({ type: 'text', text })
    expect(blocks.map(sectionText).map((t) => t.length)).toEqual([3000, 3000, 1000])
    expect(blocks.map(sectionText).join('')).toBe(text)
  })

  it('never cuts an escape in half when splitting', () => {
    const text = '&'.repeat(1000) // 5,000 characters once escaped
    const pieces = render({ type: 'text', text }).map(sectionText)
    for (const p of pieces) expect(p).toMatch(/^(&amp;)+$/)
    expect(pieces.join('')).toBe(escapeMrkdwn(text))
  })

  it('puts 23 fields in 3 sections of at most 10, each field within 2,000 characters', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `Day ${i}`, value: i === 0 ? 'v'.repeat(2500) : `${i}h` }))
    const blocks = render({ type: 'fields', fields }) as SectionBlock[]
    expect(blocks.map((b) => b.fields!.length)).toEqual([10, 10, 3])
    expect(blocks.flatMap((b) => b.fields!).map((f) => f.text.split('\n')[0])).toEqual(fields.map((f) => `*${f.label}*`))
    expect(blocks[0]!.fields![0]!.text).toHaveLength(2000)
  })

  it('renders a 60-item list in full', () => {
    const items = Array.from({ length: 60 }, (_, i) => `Item ${i}`)
    const blocks = render({ type: 'list', title: 'Everything', items })
    const lines = blocks.map(sectionText).join('\n').split('\n')
    expect(lines).toEqual(['*Everything*', ...items.map((i) => `• ${i}`)])
  })

  it('splits a long list like text', () => {
    const items = Array.from({ length: 60 }, (_, i) => `${i} ${'y'.repeat(100)}`)
    const blocks = render({ type: 'list', items })
    expect(blocks.length).toBeGreaterThan(1)
    for (const b of blocks) expect(sectionText(b).length).toBeLessThanOrEqual(3000)
    expect(blocks.map(sectionText).join('\n')).toBe(items.map((i) => `• ${i}`).join('\n'))
  })

  it('puts 30 buttons in 2 actions blocks with action ids unique in the message', () => {
    const buttons = Array.from({ length: 30 }, (_, i) => ({ label: `Campaign ${i}`, actionId: 'timesheet.choose', payload: JSON.stringify({ campaignId: `c${i}` }) }))
    const blocks = render({ type: 'buttons', buttons }, { type: 'buttons', buttons: [{ label: 'Undo', actionId: 'timesheet.choose', payload: 'x' }] })
    expect(blocks.map((b) => (b as ActionsBlock).elements.length)).toEqual([25, 5, 1])
    const ids = buttonsOf(blocks).map((b) => b.action_id!)
    expect(new Set(ids).size).toBe(31)
    expect(ids.every((id) => replyActionId(id) === 'timesheet.choose')).toBe(true)
    expect(buttonsOf(blocks).map((b) => b.value)).toEqual([...buttons.map((b) => b.payload), 'x'])
  })

  it('round-trips action ids that contain "." and "#"', () => {
    for (const id of ['timesheet.choose', 'answer.feedback', 'a#b', 'x#3', 'weird.#.id#', '#']) {
      for (const index of [0, 2, 41]) expect(replyActionId(blockActionId(id, index))).toBe(id)
    }
    expect(blockActionId('timesheet.choose', 2)).toBe('timesheet.choose#2')
  })

  it('refuses a payload longer than Slack keeps, naming the action', () => {
    const buttons = [{ label: 'Pick', actionId: 'timesheet.choose', payload: 'p'.repeat(2001) }]
    expect(() => render({ type: 'buttons', buttons })).toThrow(/timesheet\.choose/)
    expect(() => render({ type: 'buttons', buttons: [{ ...buttons[0]!, payload: 'p'.repeat(2000) }] })).not.toThrow()
  })

  it('numbers citations, links http(s) sources and keeps link text from breaking the link', () => {
    const [section, ...rest] = render({ type: 'citations', citations: [
      { n: 1, title: 'Brand book | v2 > final', url: 'https://kb.example/brand?a=1&b=|x', snippet: 'Use #FF5A1F_orange\nfor <!channel>', heading: 'Brand › Colour › Primary' },
      { n: 2, title: 'Brief <@U1>', url: null, snippet: '' },
      { n: 3, title: 'Notes', url: 'javascript:alert(1)', snippet: 's'.repeat(500) },
    ] })
    expect(rest).toEqual([])
    const [one, two, three] = sectionText(section!).split('\n')
    expect(one).toBe('[1] <https://kb.example/brand?a=1&amp;b=%7Cx|Brand book ∣ v2 &gt; final> › Primary _Use #FF5A1F orange for &lt;!channel&gt;_')
    expect(two).toBe('[2] *Brief &lt;@U1&gt;*')
    expect(three!.startsWith('[3] *Notes* _sss')).toBe(true)
    expect(three!.length).toBeLessThan(200)
  })

  it('shows at most 50 blocks, the last saying how many were left out', () => {
    const blocks = render(...Array.from({ length: 60 }, (): Block => ({ type: 'divider' })))
    expect(blocks).toHaveLength(50)
    expect(blocks.slice(0, 49).every((b) => b.type === 'divider')).toBe(true)
    expect(blocks[49]!.type).toBe('context')
    expect(contextText(blocks[49]!)).toMatch(/11 more blocks not shown/)
  })

  it('keeps the notification text within 3,000 characters', () => {
    expect(renderBlocks(reply('s'.repeat(4000), [])).text).toHaveLength(3000)
  })

  it('renders a logged entry with an Undo button carrying the entry id', () => {
    const campaign: CampaignCandidate = {
      id: 'c1', name: 'Aurora <Air> & Co', code: 'AUR-01', status: 'active', clientName: 'Aurora Athletics', brandName: null, startDate: null, endDate: null,
    }
    const { text, blocks } = renderBlocks(logReply({
      kind: 'logged', entryId: 'entry-42', hours: 3, date: '2025-03-04', campaign, phase: 'Creative', billable: true, dayTotal: 5.5,
    }))
    expect(text).toContain('Logged 3h to Aurora &lt;Air&gt; &amp; Co')
    expect(sectionText(blocks[0]!)).toContain('*Aurora &lt;Air&gt; &amp; Co* / Creative')
    const [undo] = buttonsOf(blocks)
    expect(undo).toMatchObject({ value: 'entry-42', style: 'danger', text: { text: 'Undo' } })
    expect(replyActionId(undo!.action_id!)).toBe('timesheet.undo')
  })

  it('renders an answer with its citations and feedback buttons', () => {
    const result: AskResult = {
      messageId: 'm1', conversationId: 'conv1', followUp: false,
      answer: {
        text: 'From the knowledge base:\n> Primary orange is #FF5A1F [1].', model: 'extractive', found: true,
        citations: [{ n: 1, document_id: 'd1', chunk_id: 'k1', title: 'Brand book', url: 'https://kb.example/brand', heading: 'Brand › Colour', snippet: 'Primary orange', score: 0.9 }],
      },
    }
    const { text, blocks } = renderBlocks(askReply(result, 'in_channel'))
    expect(text).toBe('Primary orange is #FF5A1F [1].')
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'section', 'context', 'context_actions'])
    expect(sectionText(blocks[1]!)).toBe('&gt; Primary orange is #FF5A1F [1].')
    expect(sectionText(blocks[2]!)).toBe('[1] <https://kb.example/brand|Brand book> › Colour _Primary orange_')
    // Slack's own feedback buttons, each carrying the answer's ai_messages id as the plain buttons did.
    const [feedback] = (blocks.at(-1) as ContextActionsBlock).elements as FeedbackButtons[]
    expect(feedback).toMatchObject({ type: 'feedback_buttons', positive_button: { value: 'm1:1' }, negative_button: { value: 'm1:-1' } })
    expect(replyActionId(feedback!.action_id!)).toBe('answer.feedback')
  })
})
