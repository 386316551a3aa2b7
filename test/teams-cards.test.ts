import { code, strong, t } from '../src/chat/text.ts'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { marked } from 'marked'
import { describe, expect, it } from 'vitest'
import {
  CARD_BUDGET, escapeMarkdown, renderCard, replyActivity, submittedAction,
  type ActionSet, type AdaptiveCard, type CardElement, type ExecuteAction, type TextBlock,
} from '../src/bots/teams/cards.ts'
import type { AskResult } from '../src/handlers/ask.ts'
import type { CampaignDetails } from '../src/handlers/campaign.ts'
import type { CampaignCandidate } from '../src/handlers/campaign-match.ts'
import { reply, type Block, type Button, type Citation, type Reply } from '../src/handlers/reply.ts'
import { askReply, campaignReply, logReply, weekReply } from '../src/handlers/replies.ts'

// The package's lib/ entry is ESM that Node cannot resolve; its webpack bundle loads in Node as is, no DOM needed to parse.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards')

const TEAMS_LIMIT = 28 * 1024
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8')

/** What the adaptivecards parser (as 1.5) and its validator say about a card, and the card as it read it. */
function check(json: object) {
  const parsed = new AC.AdaptiveCard()
  const context = new AC.SerializationContext(AC.Versions.v1_5)
  parsed.parse(json, context)
  const problems = [
    ...Array.from({ length: context.eventCount }, (_, i) => `parse: ${context.getEventAt(i).message}`),
    ...parsed.validateProperties().validationEvents.map((e) => `validate: ${e.message}`),
  ]
  return { parsed, problems }
}

/** Valid 1.5, and every property written is one the schema knows: the parser ignores unknown ones, so read it back. */
function expectValid(card: AdaptiveCard) {
  const { parsed, problems } = check(card)
  expect(problems, problems.join('\n')).toEqual([])
  expect(parsed.version.toString()).toBe('1.5')
  const { msteams, body, ...known } = card // msteams: Teams' own extension, which the schema does not describe
  expect(msteams.width).toBe('Full')
  // A mention needs its <at> tag in the card's text, exactly as the entity has it.
  for (const e of msteams.entities ?? []) expect(markdownOf(body).some((m) => m.includes(e.text)), e.text).toBe(true)
  expect(parsed.toJSON(new AC.SerializationContext(AC.Versions.v1_5))).toEqual(body.length ? { ...known, body } : known) // an empty body is not written back
}

const render = (...blocks: Block[]) => renderCard(reply('summary', blocks)).body
const flat = (els: CardElement[]): CardElement[] => els.flatMap((e) => (e.type === 'Container' ? [e, ...flat(e.items)] : [e]))
const textBlocks = (els: CardElement[]) => flat(els).filter((e): e is TextBlock => e.type === 'TextBlock')
/** Every piece of Markdown in the card: TextBlocks and facts. */
const markdownOf = (els: CardElement[]) => [
  ...textBlocks(els).map((t) => t.text),
  ...flat(els).flatMap((e) => (e.type === 'FactSet' ? e.facts.flatMap((f) => [f.title, f.value]) : [])),
]
const actionsOf = (els: CardElement[]) => flat(els).filter((e): e is ActionSet => e.type === 'ActionSet').flatMap((s) => s.actions)
/** Teams delivers a click as a message activity whose value is the action's data, as JSON. */
const click = (a: ExecuteAction): unknown => JSON.parse(JSON.stringify(a.data))

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' }
const decode = (html: string) => html.replace(/&(lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e]!)

/**
 * Markdown through a CommonMark (GFM) renderer, as Teams' is meant to be: the paragraphs, what they say, and
 * any markup in them. Bare URLs are still linked (GFM autolinks; Teams does the same): such a link shows its URL.
 */
function rendered(markdown: string) {
  const html = marked.parse(markdown, { async: false })
  const paragraphs = [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => m[1]!)
  const outside = html.replace(/<p>[\s\S]*?<\/p>/g, '').trim()
  const links = paragraphs.flatMap((p) => [...p.matchAll(/<a href="([^"]*)">([\s\S]*?)<\/a>/g)].map((m) => ({ href: decode(m[1]!), text: decode(m[2]!) })))
  const markup = paragraphs.flatMap((p) => [...p.replace(/<\/?a\b[^>]*>/g, '').matchAll(/<\/?([a-z][a-z0-9]*)\b[^>]*>/g)].map((m) => m[1]!))
  return { outside, markup, links, text: paragraphs.map((p) => decode(p.replace(/<[^>]+>/g, ''))) }
}

const decodeUri = (s: string) => { try { return decodeURI(s) } catch { return s } }
/** Links whose text is not their target: the only kind a reader could be fooled by. Autolinks (<x:y>, bare URLs, emails) show their own. */
const disguised = (links: Array<{ href: string; text: string }>) =>
  links.filter((l) => ![l.href, decodeUri(l.href)].some((href) => [l.text, `http://${l.text}`, `mailto:${l.text}`].includes(href)))

const candidate = (i: number, name = `Aurora Air ${i}`): CampaignCandidate => ({
  id: `00000000-0000-4000-8000-00000000000${i}`, name, code: `AUR-0${i}`, status: 'active', clientName: 'Aurora Athletics', brandName: null, startDate: null, endDate: null,
})

const campaign: CampaignDetails = {
  id: 'c1', name: 'Aurora Air Spring Launch', code: 'AUR-01', status: 'active', clientName: 'Aurora Athletics', brandName: 'Aurora Air',
  startDate: '2025-03-01', endDate: '2025-06-30', durationWeeks: 17,
  phases: [{ name: 'Strategy', status: 'done', progress: 100 }, { name: 'Creative', status: 'in_progress', progress: 60 }],
  team: [{ name: 'Ana Díaz', role: 'Producer' }, { name: 'Ben Okafor', role: null }],
  hoursThisWeek: 12.5, hoursToDate: 340, hoursOfEveryone: true, currency: 'GBP', recentArtifacts: [{ title: 'Hero film v3', type: 'video', status: 'in_review' }],
  money: { budget: 120000, costToDate: 45000, billedToDate: 60000, margin: 15000 },
  expenses: [{ category: 'Travel', currency: 'GBP', total: 1200 }], equipmentOut: ['Camera kit B'],
}

const askResult = (citations: Array<{ title: string; url: string | null; snippet: string }>): AskResult => ({
  messageId: '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', conversationId: 'conv1', followUp: false,
  answer: {
    text: 'From the knowledge base:\n> Primary orange is #FF5A1F [1].\n> Use it sparingly [2].', model: 'extractive', found: true,
    citations: citations.map((c, i) => ({ n: i + 1, document_id: `d${i}`, chunk_id: `k${i}`, heading: i % 2 ? 'Brand › Colour' : null, score: 0.9, ...c })),
  },
})

const fiveSources = [
  { title: 'Brand book', url: 'https://kb.example/brand', snippet: 'Primary orange is #FF5A1F.' },
  { title: 'Tone of voice', url: null, snippet: 'Warm, direct, never shouty.' },
  { title: 'Logo usage (v2)', url: 'https://kb.example/logo_(v2)?a=1&b=[x]', snippet: 'Clear space equals the cap height.' },
  { title: 'Old intranet page', url: 'javascript:alert(1)', snippet: '' },
  { title: 'Campaign [draft] *notes*', url: 'ftp://files.example/notes', snippet: 's'.repeat(500) },
]

const HOSTILE = ['[click](http://evil)', '**x**', '<at>x</at>', '# h', '- item', '1. first', '> quote', '`code`', '~~gone~~', '_it_', '![img](http://evil/x.png)', '&lt;b&gt;', 'back\\slash\\*', '<https://evil>', '---'].join(' ¶ ')
const hostileLines = HOSTILE.split(' ¶ ').join('\n')

const button = (label: string, actionId: string, payload: string, style?: Button['style']): Button => ({ label, actionId, payload, ...(style ? { style } : {}) })

const SAMPLES: Record<string, Reply> = {
  'a header': reply('h', [{ type: 'header', text: 'Aurora Air Spring Launch' }]),
  'a text': reply('t', [{ type: 'text', text: 'Logged 3h to *Aurora Air*.\nSecond line.' }]),
  'fields': reply('f', [{ type: 'fields', fields: [{ label: 'Client', value: 'Aurora Athletics' }, { label: 'Brand', value: '—' }] }]),
  'a list with a title': reply('l', [{ type: 'list', title: 'Phases', items: ['Strategy', 'Creative (60%)'] }]),
  'a list without a title': reply('l', [{ type: 'list', items: ['One', 'Two'] }]),
  'buttons': reply('b', [{ type: 'buttons', buttons: [button('Undo', 'timesheet.undo', 'e1', 'danger'), button('Keep', 'timesheet.keep', 'e1', 'primary')] }]),
  'citations': reply('c', [{ type: 'citations', citations: [{ n: 1, title: 'Brand book', url: 'https://kb.example/brand', snippet: 'Orange' }] }]),
  'a context': reply('x', [{ type: 'context', text: 'Logged from Teams' }]),
  'a divider': reply('d', [{ type: 'text', text: 'above' }, { type: 'divider' }, { type: 'text', text: 'below' }]),
  'no blocks': reply('Nothing to undo.', []),
  'every kind together': reply('all', [
    { type: 'header', text: 'Everything' }, { type: 'text', text: 'Some *bold* text\n> a quote' }, { type: 'divider' },
    { type: 'fields', fields: [{ label: 'A', value: '1' }] }, { type: 'list', title: 'L', items: ['i'] },
    { type: 'citations', citations: [{ n: 1, title: 'T', url: null, snippet: 's' }] }, { type: 'context', text: 'c' },
    { type: 'buttons', buttons: [button('Go', 'campaign.show', 'c1')] },
  ]),
  'a campaign card': campaignReply({ kind: 'found', campaign }),
  'a logged entry': logReply({ kind: 'logged', entryId: 'entry-42', hours: 3, date: '2025-03-04', campaign: candidate(1), phase: 'Creative', billable: true, dayTotal: 5.5 }),
  'a week': weekReply({
    kind: 'week', weekOf: '2025-03-03', total: 30, capacity: 37.5,
    days: Array.from({ length: 7 }, (_, i) => ({ date: `2025-03-0${3 + i}`, hours: i < 5 ? 6 : 0, entries: i < 5 ? [{ id: `e${i}`, hours: 6, campaign: 'Aurora Air', billable: true, note: null }] : [] })),
  }),
  'an answer with 5 citations': askReply(askResult(fiveSources), 'in_channel'),
  'an answer with 5 citations, none linked': askReply(askResult(fiveSources.map((c) => ({ ...c, url: null }))), 'ephemeral'),
  'a 5-way disambiguation': logReply({
    kind: 'choose_campaign', campaigns: [1, 2, 3, 4, 5].map((i) => candidate(i)),
    request: { hours: 2, date: '2025-03-04', campaignQuery: 'aurora', phase: null, note: null, billable: true },
  }),
  'an unknown campaign': logReply({ kind: 'unknown_campaign', query: 'zzz', suggestions: [] }),
  'hostile text everywhere': reply(HOSTILE, [
    { type: 'header', text: HOSTILE }, { type: 'text', text: hostileLines }, { type: 'fields', fields: [{ label: HOSTILE, value: HOSTILE }] },
    { type: 'list', title: HOSTILE, items: HOSTILE.split(' ¶ ') }, { type: 'context', text: HOSTILE },
    { type: 'citations', citations: [{ n: 1, title: HOSTILE, url: null, snippet: HOSTILE }, { n: 2, title: HOSTILE, url: 'https://kb.example/x', snippet: '' }] },
    { type: 'buttons', buttons: [button(HOSTILE, 'campaign.show', HOSTILE)] },
  ]),
  'huge texts': reply('h'.repeat(10_000), [
    { type: 'header', text: 'H'.repeat(10_000) }, { type: 'text', text: 'a'.repeat(10_000) }, { type: 'text', text: '*'.repeat(10_000) },
    { type: 'text', text: 'é'.repeat(10_000) }, { type: 'context', text: 'c'.repeat(10_000) },
    { type: 'buttons', buttons: [button('B'.repeat(10_000), 'campaign.show', 'p'.repeat(2000))] },
  ]),
  'mentions': reply('No time logged yesterday', [{ type: 'mentions', label: 'No time logged yesterday:', people: [
    { name: 'Ana Díaz', externalId: '29:1ana' }, { name: 'Ben [x](http://evil) *B*', externalId: null }, { name: 'Cy_<at>O\'Neil</at>', externalId: '29:2cy' },
  ] }]),
  '300 list items': reply('l', [{ type: 'list', title: 'Everything', items: Array.from({ length: 300 }, (_, i) => `Item ${i} ${'y'.repeat(100)}`) }]),
}

describe('Teams Adaptive Card renderer', () => {
  it.each(Object.entries(SAMPLES))('%s: valid Adaptive Card 1.5, within the size budget', (_, r) => {
    const card = renderCard(r)
    expectValid(card)
    expect(bytes(card)).toBeLessThanOrEqual(CARD_BUDGET)
    expect(bytes(replyActivity(r))).toBeLessThan(TEAMS_LIMIT)
  })

  it('catches what is wrong: the validator reports an unknown element, a bad value, a 1.6 property and a bad version', () => {
    const broken = {
      type: 'AdaptiveCard', version: '1.5', body: [
        { type: 'Bogus', text: 'x' },
        { type: 'TextBlock', text: 'x', size: 'Huge' },
        { type: 'Image', url: 'https://example.com/x.png', forceLoad: true },
      ],
    }
    const { problems } = check(broken)
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/Unknown element type "Bogus"/),
      expect.stringMatching(/Invalid value "Huge" for property "size"/),
      expect.stringMatching(/forceLoad/),
    ]))
    expect(check({ type: 'AdaptiveCard', version: 'one', body: [] }).problems).not.toEqual([])
    // A misspelt property raises nothing, which is why expectValid reads the card back.
    const misspelt = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'x', isSubtel: true }] }
    expect(check(misspelt).problems).toEqual([])
    expect(check(misspelt).parsed.toJSON()).not.toEqual(misspelt)
  })

  it('renders each block kind as its Adaptive Card counterpart', () => {
    const card = renderCard(reply('Logged 3h', [
      { type: 'header', text: 'Aurora Air Spring Launch' },
      { type: 'text', text: t`Logged 3h to ${strong('Aurora Air')}.` },
      { type: 'quote', text: t`quoted ${code('code')}` },
      { type: 'divider' },
      { type: 'fields', fields: [{ label: 'Client', value: 'Aurora Athletics' }] },
      { type: 'list', title: 'Phases', items: ['Strategy', 'Creative (60%)'] },
      { type: 'citations', citations: [{ n: 1, title: 'Brand book', url: 'https://kb.example/brand', snippet: 'Orange', heading: 'Brand › Colour' }, { n: 2, title: 'Notes', url: null, snippet: '' }] },
      { type: 'context', text: 'Logged from Teams' },
      { type: 'buttons', buttons: [button('Undo', 'timesheet.undo', 'e1', 'danger'), button('Keep', 'timesheet.keep', 'e1', 'primary'), button('Later', 'timesheet.later', '')] },
    ]))
    expect(card).toEqual({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.5', msteams: { width: 'Full' },
      body: [
        { type: 'TextBlock', text: 'Aurora Air Spring Launch', wrap: true, size: 'Medium', weight: 'Bolder' },
        { type: 'TextBlock', text: 'Logged 3h to **Aurora Air**.', wrap: true },
        { type: 'Container', style: 'emphasis', items: [{ type: 'TextBlock', text: 'quoted "code"', wrap: true }] },
        { type: 'FactSet', facts: [{ title: 'Client', value: 'Aurora Athletics' }], separator: true },
        { type: 'TextBlock', text: 'Phases', wrap: true, weight: 'Bolder' },
        { type: 'TextBlock', text: '- Strategy\n- Creative (60%)', wrap: true, spacing: 'Small' },
        { type: 'TextBlock', text: 'Sources', wrap: true, weight: 'Bolder', size: 'Small' },
        { type: 'TextBlock', text: '\\[1\\] [Brand book](https://kb.example/brand) › Colour', wrap: true, spacing: 'Small' },
        { type: 'TextBlock', text: 'Orange', wrap: true, isSubtle: true, size: 'Small', spacing: 'None' },
        { type: 'TextBlock', text: '\\[2\\] Notes', wrap: true, spacing: 'Small' },
        { type: 'TextBlock', text: 'Logged from Teams', wrap: true, isSubtle: true, size: 'Small' },
        { type: 'ActionSet', actions: [
          { type: 'Action.Execute', title: 'Undo', verb: 'timesheet.undo', style: 'destructive', data: { workroom: { actionId: 'timesheet.undo', payload: 'e1' } } },
          { type: 'Action.Execute', title: 'Keep', verb: 'timesheet.keep', style: 'positive', data: { workroom: { actionId: 'timesheet.keep', payload: 'e1' } } },
          { type: 'Action.Execute', title: 'Later', verb: 'timesheet.later', data: { workroom: { actionId: 'timesheet.later', payload: '' } } },
        ] },
      ],
    })
  })

  it('turns a divider into a separator on what follows, and drops dividers with nothing to separate', () => {
    const body = render({ type: 'divider' }, { type: 'text', text: 'a' }, { type: 'divider' }, { type: 'divider' }, { type: 'header', text: ' ' }, { type: 'text', text: 'b' }, { type: 'divider' })
    expect(body).toEqual([{ type: 'TextBlock', text: 'a', wrap: true }, { type: 'TextBlock', text: 'b', wrap: true, separator: true }])
  })

  it('shows an empty reply as its summary rather than an empty card', () => {
    // The summary is plain words: its stars are shown as typed.
    expect(renderCard(reply('Nothing to *undo*.', [])).body).toEqual([{ type: 'TextBlock', text: 'Nothing to \\*undo\\*.', wrap: true }])
    expect(renderCard(reply('', [])).body).toEqual([])
  })

  it('renders a campaign card: header, facts, titled lists', () => {
    const body = renderCard(SAMPLES['a campaign card']!).body
    expect(body[0]).toEqual({ type: 'TextBlock', text: 'Aurora Air Spring Launch · AUR-01', wrap: true, size: 'Medium', weight: 'Bolder' })
    const facts = body.find((e) => e.type === 'FactSet')
    expect(facts).toMatchObject({ facts: expect.arrayContaining([{ title: 'Client', value: 'Aurora Athletics' }, { title: 'Margin', value: '£15,000 (25%)' }]) })
    const texts = textBlocks(body).map((t) => t.text)
    expect(texts).toEqual(expect.arrayContaining(['Phases', '- Strategy: done\n- Creative: in progress (60%)', 'Team', '- Ana Díaz — Producer\n- Ben Okafor']))
  })

  it('renders a logged entry with an Undo button carrying the entry id', () => {
    const body = renderCard(SAMPLES['a logged entry']!).body
    expect(textBlocks(body)[0]!.text).toBe('Logged 3h to **Aurora Air 1** / Creative on Tue 4 Mar.')
    const [undo] = actionsOf(body)
    expect(undo).toMatchObject({ title: 'Undo', style: 'destructive' })
    expect(submittedAction(click(undo!))).toEqual({ actionId: 'timesheet.undo', payload: 'entry-42' })
  })

  it('renders a 5-way disambiguation as one ActionSet of numbered choices whose clicks come back as the chosen log request', () => {
    const body = renderCard(SAMPLES['a 5-way disambiguation']!).body
    const sets = body.filter((e): e is ActionSet => e.type === 'ActionSet')
    expect(sets).toHaveLength(1)
    expect(sets[0]!.actions.map((a) => a.title)).toEqual([1, 2, 3, 4, 5].map((i) => `${i} · Aurora Air ${i} (AUR-0${i})`))
    const chosen = sets[0]!.actions.map((a) => submittedAction(click(a)))
    expect(chosen.map((c) => c!.actionId)).toEqual(Array(5).fill('timesheet.choose'))
    expect(chosen.map((c) => JSON.parse(c!.payload).campaignId)).toEqual([1, 2, 3, 4, 5].map((i) => candidate(i).id))
  })

  it('puts 12 buttons in ActionSets of at most 5, in order', () => {
    const buttons = Array.from({ length: 12 }, (_, i) => button(`Campaign ${i}`, 'campaign.show', `c${i}`))
    const body = render({ type: 'buttons', buttons })
    expect(body.map((e) => (e as ActionSet).actions.length)).toEqual([5, 5, 2])
    expect(actionsOf(body).map((a) => submittedAction(click(a))!.payload)).toEqual(buttons.map((b) => b.payload))
  })

  it('refuses a button that could not come back intact, naming it', () => {
    expect(() => render({ type: 'buttons', buttons: [button('Pick', 'timesheet.choose', 'p'.repeat(2001))] })).toThrow(/timesheet\.choose/)
    expect(() => render({ type: 'buttons', buttons: [button('Pick', 'timesheet.choose', 'p'.repeat(2000))] })).not.toThrow()
    for (const id of ['x', 'Timesheet.choose', 'timesheet.choose#2', 'a.b.c', '']) {
      expect(() => render({ type: 'buttons', buttons: [button('Pick', id, 'p')] }), id).toThrow(/action id/)
    }
  })

  it('reads back every button of every sample, and nothing else', () => {
    for (const r of Object.values(SAMPLES)) {
      const actions = actionsOf(renderCard(r).body)
      const buttons = r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
      expect(actions.map((a) => submittedAction(click(a)))).toEqual(buttons.map((b) => ({ actionId: b.actionId, payload: b.payload })))
    }
    const garbage: unknown[] = [
      null, undefined, 'timesheet.undo', 42, [], ['timesheet.undo', 'x'], {}, { workroom: null }, { workroom: 'timesheet.undo' },
      { workroom: { actionId: 1, payload: 'x' } }, { workroom: { actionId: 'timesheet.undo' } }, { workroom: { actionId: 'timesheet.undo', payload: 7 } },
      { workroom: { actionId: 'timesheet.undo', payload: null } }, { workroom: { actionId: 'TIMESHEET.undo', payload: 'x' } },
      { workroom: { actionId: 'timesheet', payload: 'x' } }, { workroom: { actionId: 'timesheet.undo; drop', payload: 'x' } },
      { workroom: { actionId: `a.${'b'.repeat(100)}`, payload: 'x' } }, { workroom: { actionId: 'timesheet.undo', payload: 'p'.repeat(2001) } },
      { workroom: [['actionId', 'timesheet.undo']] }, { actionId: 'timesheet.undo', payload: 'x' }, { msteams: { type: 'messageBack' } },
    ]
    for (const value of garbage) expect(submittedAction(value), JSON.stringify(value) ?? 'undefined').toBeNull()
    // What Teams adds beside our data does not matter.
    expect(submittedAction({ workroom: { actionId: 'answer.feedback', payload: 'm1:1' }, other: 1 })).toEqual({ actionId: 'answer.feedback', payload: 'm1:1' })
  })

  it('mentions linked people with <at> and a matching entity, and names the others', () => {
    const card = renderCard(SAMPLES['mentions']!)
    expect(card.body).toEqual([{ type: 'TextBlock', text: "No time logged yesterday: <at>Ana Díaz</at>, **Ben \\[x\\](http://evil) \\*B\\***, <at>Cy at O'Neil /at</at>", wrap: true }])
    expect(card.msteams.entities).toEqual([
      { type: 'mention', text: '<at>Ana Díaz</at>', mentioned: { id: '29:1ana', name: 'Ana Díaz' } },
      { type: 'mention', text: "<at>Cy at O'Neil /at</at>", mentioned: { id: '29:2cy', name: "Cy at O'Neil /at" } },
    ])
    const out = rendered((card.body[0] as TextBlock).text)
    expect(out.markup).toEqual(['at', 'at', 'strong', 'strong', 'at', 'at']) // each tag opens and closes
    expect(disguised(out.links)).toEqual([]) // only the bare URL, linked as itself
  })

  it('counts mention entities in the budget and keeps only those whose tag is still in the card', () => {
    const people = Array.from({ length: 30 }, (_, i) => ({ name: `Person ${i} ${'n'.repeat(150)}`, externalId: `29:${'x'.repeat(60)}${i}` }))
    const r = reply('digest', [{ type: 'text', text: 'y'.repeat(30_000) }, { type: 'mentions', label: 'Missing:', people }])
    const activity = replyActivity(r)
    const card = activity.attachments![0]!.content as AdaptiveCard
    expectValid(card)
    expect(bytes(card)).toBeLessThanOrEqual(CARD_BUDGET)
    expect(bytes(activity)).toBeLessThan(26_500)
    const kept = renderCard(reply('digest', [{ type: 'mentions', label: 'Missing:', people }]))
    expect(kept.msteams.entities).toHaveLength(20) // the rest by name
    expect(markdownOf(kept.body).join('\n')).toContain('**Person 20 ')
  })

  describe('escaping', () => {
    it('escapes hostile text so none of it becomes a link, emphasis, a list, a heading, a quote or a mention', () => {
      expect(escapeMarkdown('[click](http://evil)')).toBe('\\[click\\](http://evil)')
      expect(escapeMarkdown('**x**')).toBe('\\*\\*x\\*\\*')
      expect(escapeMarkdown('<at>x</at>')).toBe('\\<at>x\\</at>')
      expect(escapeMarkdown('# h')).toBe('\\# h')
      expect(escapeMarkdown('- a\n+ b\n1. c\n2) d\n> e\n---\n==')).toBe('\\- a\n\n\\+ b\n\n1\\. c\n\n2\\) d\n\n\\> e\n\n\\---\n\n\\==')
      expect(escapeMarkdown('`c` ~~s~~ _i_ ![i](u) a\\b &amp; &#91; R&D')).toBe('\\`c\\` \\~\\~s\\~\\~ \\_i\\_ !\\[i\\](u) a\\\\b \\&amp; \\&#91; R&D')
      expect(escapeMarkdown('    indented code')).toBe('indented code')
      // What Markdown leaves alone stays as typed.
      expect(escapeMarkdown('Creative (60%) - 3h | #FF5A1F! 1.5h -2h')).toBe('Creative (60%) - 3h | #FF5A1F! 1.5h -2h')
    })

    it('shows hostile text in every block as typed, through a CommonMark renderer', () => {
      const body = renderCard(SAMPLES['hostile text everywhere']!).body
      const markdown = markdownOf(body)
      expect(markdown.length).toBeGreaterThan(10)
      for (const m of markdown) {
        const out = rendered(m)
        const lists = m.startsWith('- ') // the list block is a real list, of escaped items
        expect(lists || out.outside === '', `${m}\n${out.outside}`).toBe(true)
        expect(out.markup, m).toEqual([])
        expect(disguised(out.links).filter((l) => l.href !== 'https://kb.example/x'), m).toEqual([])
      }
      // Link syntax survives only escaped, and citation 2 is the only real link.
      const joined = markdown.join('\n')
      expect(joined).not.toMatch(/(^|[^\\])\[click/)
      expect(joined).toContain('\\[click\\](http://evil)')
      expect(joined).toContain('\\<at>x\\</at>')
      expect(joined.match(/\]\(https:\/\/kb\.example\/x\)/g)).toHaveLength(1)
      expect(joined).toContain('\n\n\\# h\n\n')
      const list = textBlocks(body).find((t) => t.text.startsWith('- '))!
      expect(list.text.split('\n')).toEqual(['- \\[click\\](http://evil)', '- \\*\\*x\\*\\*', '- \\<at>x\\</at>', '- \\# h', '- \\- item', '- 1\\. first', '- \\> quote', '- \\`code\\`', '- \\~\\~gone\\~\\~', '- \\_it\\_', '- !\\[img\\](http://evil/x.png)', '- \\&lt;b\\&gt;', '- back\\\\slash\\\\\\*', '- \\<https://evil>', '- \\---'])
      const items = marked.parse(list.text, { async: false }).match(/<li>([\s\S]*?)<\/li>/g)!.map((li) => decode(li.replace(/<[^>]+>/g, '')))
      expect(items).toEqual(HOSTILE.split(' ¶ '))
      // A button title is plain text: Teams shows it as is.
      expect(actionsOf(body)[0]!.title).toBe(`${HOSTILE.slice(0, 74)}…`)
    })

    it('shows every line of arbitrary text as typed (property, against marked)', () => {
      // A bare URL stands apart, as people write them: one run into a character that needs escaping shows its backslash where renderers link bare URLs.
      const alphabet = [...'abc XYZ 019\t', ...'\\*_`~[]()<>!#-+=.|&;:/@"\'', 'é', '✓', '😀', '&amp;', ' http://x.y/a_b ', '\n', '\r\n']
      fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 60 }), (text) => {
        const out = rendered(escapeMarkdown(text))
        expect(out.outside).toBe('')
        expect(out.markup).toEqual([])
        expect(disguised(out.links)).toEqual([])
        expect(out.text.map((t) => t.trim())).toEqual(text.split(/\r\n|\r|\n/).map((l) => l.trim()).filter(Boolean))
      }), { numRuns: 500 })
    })

    it('leaves bare URLs alone, so the link Teams makes of one is whole', () => {
      const text = 'See https://kb.example/brand_book_v2?a=1&b=2 or www.example.com/a_b.'
      expect(escapeMarkdown(text)).toBe(text)
      expect(rendered(escapeMarkdown(text)).links).toEqual([
        { href: 'https://kb.example/brand_book_v2?a=1&b=2', text: 'https://kb.example/brand_book_v2?a=1&b=2' },
        { href: 'http://www.example.com/a_b', text: 'www.example.com/a_b' },
      ])
      // What could make a link or markup still is escaped, and ends the URL.
      expect(escapeMarkdown('https://evil.example/[x](https://evil) <at>')).toBe('https://evil.example/\\[x\\](https://evil) \\<at>')
      // GFM takes the backslash of an escape after a bare URL into its link: a '<' there is written as an entity instead.
      expect(escapeMarkdown('https://evil.example/x<b>bold</b> <i>')).toBe('https://evil.example/x&lt;b>bold&lt;/b> \\<i>')
      expect(rendered(escapeMarkdown('https://evil.example/x<b>bold</b> <i>')).markup).toEqual([])
    })

    it('writes strong spans as **bold** with what is inside escaped, and shows the stars of plain text as typed', () => {
      const [t] = textBlocks(render({ type: 'text', text: ['Logged 3h to ', strong('Aurora [x](http://evil) _Air_'), ' / Creative.\n(', strong('a'), ') ', strong('b'), ' c*d* * e* *'] }))
      expect(t!.text).toBe('Logged 3h to **Aurora \\[x\\](http://evil) \\_Air\\_** / Creative.\n\n(**a**) **b** c\\*d\\* \\* e\\* \\*')
      const out = rendered(t!.text)
      expect(out.markup).toEqual(['strong', 'strong', 'strong', 'strong', 'strong', 'strong'])
      expect(out.text).toEqual(['Logged 3h to Aurora [x](http://evil) _Air_ / Creative.', '(a) b c*d* * e* *'])
      // Markup-looking plain text is never read as markup.
      const [plainStars] = textBlocks(render({ type: 'text', text: '*not bold* `not code` [not](http://a.link)' }))
      expect(rendered(plainStars!.text).markup).toEqual([])
    })

    it('makes citation links real links to http(s) URLs only, and keeps their titles as text', () => {
      const body = renderCard(SAMPLES['an answer with 5 citations']!).body
      const lines = textBlocks(body).map((t) => t.text).filter((t) => t.startsWith('\\['))
      expect(lines).toEqual([
        '\\[1\\] [Brand book](https://kb.example/brand)',
        '\\[2\\] Tone of voice › Colour',
        '\\[3\\] [Logo usage (v2)](https://kb.example/logo_%28v2%29?a=1&b=%5Bx%5D)',
        '\\[4\\] Old intranet page › Colour',
        '\\[5\\] Campaign \\[draft\\] \\*notes\\*',
      ])
      const links = lines.flatMap((l) => rendered(l).links)
      expect(links).toEqual([
        { href: 'https://kb.example/brand', text: 'Brand book' },
        { href: 'https://kb.example/logo_%28v2%29?a=1&b=%5Bx%5D', text: 'Logo usage (v2)' },
      ])
      expect(rendered(lines[4]!).text).toEqual(['[5] Campaign [draft] *notes*'])
      const snippets = textBlocks(body).filter((t) => t.isSubtle && t.spacing === 'None').map((t) => t.text)
      expect(snippets.slice(0, 3)).toEqual(['Primary orange is #FF5A1F.', 'Warm, direct, never shouty.', 'Clear space equals the cap height.'])
      expect(snippets[3]).toHaveLength(200)
      expect(snippets[3]!.endsWith('…')).toBe(true)
      // A title with a URL in it would be linked on its own inside the link text: the link goes beside it.
      const [, withUrl] = textBlocks(render({ type: 'citations', citations: [{ n: 1, title: 'Mirror of https://kb.example/brand', url: 'https://kb.example/brand', snippet: '' }] }))
      expect(withUrl!.text).toBe('\\[1\\] Mirror of https://kb.example/brand · [link](https://kb.example/brand)')
      expect(rendered(withUrl!.text).links).toEqual([{ href: 'https://kb.example/brand', text: 'https://kb.example/brand' }, { href: 'https://kb.example/brand', text: 'link' }])
      const unlinked = textBlocks(renderCard(SAMPLES['an answer with 5 citations, none linked']!).body).map((t) => t.text).join('\n')
      expect(unlinked).not.toMatch(/\]\(/)
      expect(unlinked).toContain('\\[3\\] Logo usage (v2)')
    })

    it('sends the reply as one message: the card, with its summary as plain notification text and no text shown above it', () => {
      const activity = replyActivity(reply('Logged 3h to [click](http://evil) **x**', []))
      expect(activity).not.toHaveProperty('text')
      expect(activity).not.toHaveProperty('textFormat')
      expect(activity.summary).toBe('Logged 3h to [click](http://evil) **x**')
      expect(activity.attachments).toHaveLength(1)
    })
  })

  describe('limits', () => {
    it('builds a message activity with the card as an Adaptive Card attachment, whatever the visibility', () => {
      const r = SAMPLES['a logged entry']!
      const activity = replyActivity(r)
      expect(activity).toEqual({
        type: 'message', summary: r.summary,
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: renderCard(r) }],
      })
      expect(replyActivity({ ...r, visibility: 'in_channel' })).toEqual(activity)
    })

    it('keeps the summary within 500 bytes, visibly cut, on one line', () => {
      const activity = replyActivity(reply(`${'s'.repeat(5000)}\nsecond`, []))
      expect(bytes(activity.summary)).toBeLessThanOrEqual(500)
      expect(activity.summary!.endsWith('…')).toBe(true)
      expect(bytes(replyActivity(reply('😀'.repeat(5000), [])).summary)).toBeLessThanOrEqual(500)
      expect(replyActivity(reply('a\nb', [])).summary).toBe('a b')
    })

    it('shortens a header to 150 characters and a button label to 75, visibly', () => {
      const body = render({ type: 'header', text: 'H'.repeat(400) }, { type: 'buttons', buttons: [button('B'.repeat(100), 'campaign.show', 'p')] })
      expect((body[0] as TextBlock).text).toBe(`${'H'.repeat(149)}…`)
      expect(actionsOf(body)[0]!.title).toBe(`${'B'.repeat(74)}…`)
    })

    it('renders a 10,000-character text and 300 short list items in full', () => {
      const text = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(98)}`).join('\n')
      expect(text.length).toBeGreaterThan(10_000)
      const [t] = textBlocks(render({ type: 'text', text }))
      expect(t!.text.split('\n\n')).toEqual(text.split('\n'))
      const items = Array.from({ length: 300 }, (_, i) => `Item ${i}`)
      const [title, list] = textBlocks(render({ type: 'list', title: 'Everything', items }))
      expect(title!.text).toBe('Everything')
      expect(list!.text.split('\n')).toEqual(items.map((i) => `- ${i}`))
    })

    it('cuts 300 long list items to what fits and says how many are not shown', () => {
      const r = SAMPLES['300 list items']!
      const body = renderCard(r).body
      const [title, list, note] = textBlocks(body)
      expect(title!.text).toBe('Everything')
      const shown = list!.text.split('\n').length
      expect(shown).toBeGreaterThan(100)
      expect(shown).toBeLessThan(300)
      expect(note!.text).toBe(`…${300 - shown} more items not shown`)
      expect(bytes(replyActivity(r))).toBeLessThan(26_500)
    })

    it('cuts huge texts to fit under 28 KB, keeps the button, and says what was left out', () => {
      const r = SAMPLES['huge texts']!
      const card = renderCard(r)
      expect(bytes(card)).toBeLessThanOrEqual(CARD_BUDGET)
      expect(bytes(replyActivity(r))).toBeLessThan(26_500)
      const texts = textBlocks(card.body).map((t) => t.text)
      expect(texts[0]).toBe(`${'H'.repeat(149)}…`)
      expect(texts[1]).toBe('a'.repeat(10_000))
      expect(texts[2]!.endsWith('…')).toBe(true)
      expect(texts[3]).toMatch(/^…\d+ more characters not shown$/)
      expect(texts[4]).toBe('…2 more blocks not shown; ask in the Workroom playground or narrow the request.')
      expect(actionsOf(card.body).map((a) => submittedAction(click(a)))).toEqual([{ actionId: 'campaign.show', payload: 'p'.repeat(2000) }])
    })

    it('says how many blocks were dropped where they would have been, before later buttons', () => {
      const body = render(
        { type: 'text', text: 'x'.repeat(30_000) }, { type: 'context', text: 'gone' }, { type: 'list', items: ['gone'] },
        { type: 'buttons', buttons: [button('Undo', 'timesheet.undo', 'e1')] },
      )
      expect(body.map((e) => e.type)).toEqual(['TextBlock', 'TextBlock', 'TextBlock', 'ActionSet'])
      expect(textBlocks(body).map((t) => t.text.slice(0, 30))).toEqual(['x'.repeat(30), expect.stringMatching(/^…\d+ more characters not sho/), '…2 more blocks not shown; ask '])
      expect((body[1] as TextBlock).text).toMatch(/^…\d+ more characters not shown$/)
    })

    it('drops buttons last: when even they do not fit, shows as many as fit and says how many are not', () => {
      const buttons = Array.from({ length: 20 }, (_, i) => button(`Choice ${i}`, 'timesheet.choose', `${i}`.padEnd(2000, 'p')))
      const card = renderCard(reply('pick', [{ type: 'text', text: 'Which one?' }, { type: 'buttons', buttons }]))
      expectValid(card)
      expect(bytes(card)).toBeLessThanOrEqual(CARD_BUDGET)
      const shown = actionsOf(card.body).map((a) => submittedAction(click(a))!.payload)
      expect(shown.length).toBeGreaterThan(5)
      expect(shown).toEqual(buttons.slice(0, shown.length).map((b) => b.payload))
      const texts = textBlocks(card.body).map((t) => t.text)
      expect(texts).toEqual(['…1 more block not shown; ask in the Workroom playground or narrow the request.', `…${20 - shown.length} more choices not shown`])
    })

    it('keeps fields and citations that do not fit out visibly', () => {
      const fields = Array.from({ length: 40 }, (_, i) => ({ label: `Day ${i}`, value: 'v'.repeat(1500) }))
      const fieldBody = render({ type: 'fields', fields })
      const kept = (fieldBody[0] as { facts: unknown[] }).facts.length
      expect(kept).toBeLessThan(40)
      expect((fieldBody[1] as TextBlock).text).toBe(`…${40 - kept} more fields not shown`)
      const citations: Citation[] = Array.from({ length: 200 }, (_, i) => ({ n: i + 1, title: `Source ${i}`, url: `https://kb.example/${i}`, snippet: 'z'.repeat(300) }))
      const texts = textBlocks(render({ type: 'citations', citations })).map((t) => t.text)
      expect(texts.at(-1)).toMatch(/^…\d+ more sources not shown$/)
    })
  })

  describe('arbitrary replies (property)', () => {
    // size 'max': lengths up to the maximum, not fast-check's small default, so the budget is tested too.
    const text = (max: number) => fc.oneof(
      fc.string({ maxLength: max, size: 'max' }),
      fc.string({ unit: fc.constantFrom(...'ab *_[]()<>`~#-+>&\\\n'.split(''), 'http://evil', '😀', 'é'), maxLength: max, size: 'max' }),
      fc.string({ unit: 'binary', maxLength: max, size: 'max' }),
    )
    const actionId = fc.constantFrom('timesheet.choose', 'timesheet.undo', 'campaign.show', 'answer.feedback')
    // The renderer refuses longer payloads (tested above); a unit like 'http://evil' is several characters.
    const btn = fc.record({ label: text(120), actionId, payload: text(2000).map((p) => p.slice(0, 2000)), style: fc.option(fc.constantFrom('primary' as const, 'danger' as const), { nil: undefined }) })
      .map(({ style, ...b }) => (style ? { ...b, style } : b))
    const block: fc.Arbitrary<Block> = fc.oneof(
      fc.record({ type: fc.constant('header' as const), text: text(300) }),
      fc.record({ type: fc.constant('text' as const), text: fc.oneof(text(200), text(12_000)) }),
      fc.record({ type: fc.constant('context' as const), text: text(4000) }),
      fc.record({ type: fc.constant('divider' as const) }),
      fc.record({ type: fc.constant('fields' as const), fields: fc.array(fc.record({ label: text(300), value: text(3000) }), { maxLength: 30, size: 'max' }) }),
      fc.record({ type: fc.constant('list' as const), title: fc.option(text(100), { nil: undefined }), items: fc.array(text(200), { maxLength: 300, size: 'max' }) }),
      fc.record({ type: fc.constant('buttons' as const), buttons: fc.array(btn, { maxLength: 12 }) }),
      fc.record({ type: fc.constant('mentions' as const), label: text(100), people: fc.array(fc.record({ name: text(150), externalId: fc.option(fc.constantFrom('29:a', '29:b'), { nil: null }) }), { maxLength: 30, size: 'max' }) }),
      fc.record({ type: fc.constant('citations' as const), citations: fc.array(fc.record({
        n: fc.nat(99), title: text(300), snippet: text(600),
        url: fc.oneof(fc.constant(null), fc.webUrl({ withQueryParameters: true, withFragments: true }), text(50)),
      }), { maxLength: 20 }) }),
    )
    const replies = fc.record({ summary: text(800), blocks: fc.array(block, { maxLength: 12 }), visibility: fc.constantFrom('ephemeral' as const, 'in_channel' as const) })

    it('always render a valid card within the budget whose buttons all read back', () => {
      fc.assert(fc.property(replies, (r) => {
        const activity = replyActivity(r)
        const card = activity.attachments![0]!.content as AdaptiveCard
        expectValid(card)
        expect(bytes(card)).toBeLessThanOrEqual(CARD_BUDGET)
        expect(bytes(activity)).toBeLessThan(26_500)
        for (const a of actionsOf(card.body)) expect(submittedAction(click(a))).toEqual(a.data.workroom)
        // No link but a citation's: every Markdown link in the card points where a citation's URL does.
        const urls = new Set(r.blocks.flatMap((b) => (b.type === 'citations' ? b.citations.map((c) => c.url) : [])))
        for (const m of markdownOf(card.body)) {
          const out = rendered(m)
          // Only emphasis: the handlers' *bold* (which arbitrary text can spell too) and, in GFM, what a bare URL
          // frees by taking an escape's backslash into its link. No HTML, image, list or heading; no link but URLs.
          const cosmetic = [...(/https?:\/\/|www\./i.test(m) ? ['strong', 'em', 'del', 'code'] : ['strong']), ...(card.msteams.entities ? ['at'] : [])]
          expect(out.markup.filter((tag) => !cosmetic.includes(tag)), m).toEqual([])
          for (const link of disguised(out.links)) expect([...urls].some((u) => u && URL.canParse(u) && URL.canParse(link.href) && new URL(u).origin === new URL(link.href).origin), link.href).toBe(true)
        }
      }), { numRuns: 100, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true }) // shrinking big replies can take long
    })
  })
})

/**
 * The AI label and citations as Microsoft documents them for bot messages ("Enhance AI-generated
 * bot messages"; the Agents SDK's AIEntity and ClientCitation): one schema.org Message entity,
 * additionalType AIGeneratedContent, each citation a Claim at its [n] with a DigitalDocument
 * appearance (name ≤ 80, abstract ≤ 160, url optional).
 */
describe('Teams AI label and citation entities', () => {
  const entityOf = (r: Reply) => (replyActivity(r).entities ?? []) as Array<Record<string, any>>

  it('marks a knowledge-base answer as AI generated, with one Claim per source at the number the card shows', () => {
    const r = askReply(askResult(fiveSources), 'in_channel')
    const entities = entityOf(r)
    expect(entities).toHaveLength(1)
    const [e] = entities
    expect(e).toMatchObject({ type: 'https://schema.org/Message', '@type': 'Message', '@context': 'https://schema.org', '@id': '', additionalType: ['AIGeneratedContent'] })
    expect(e!.citation.map((c: any) => c.position)).toEqual([1, 2, 3, 4, 5])
    const cardText = JSON.stringify(renderCard(r))
    for (const c of e!.citation) {
      expect(c['@type']).toBe('Claim')
      expect(Number.isInteger(c.position) && c.position >= 1).toBe(true)
      expect(cardText).toContain(`[${c.position}\\\\]`)
      expect(c.appearance['@type']).toBe('DigitalDocument')
      expect(c.appearance.name.length).toBeGreaterThan(0)
      expect(c.appearance.name.length).toBeLessThanOrEqual(80)
      expect(c.appearance.abstract.length).toBeLessThanOrEqual(160)
      if ('url' in c.appearance) expect(c.appearance.url).toMatch(/^https?:\/\//)
      expect(Object.keys(c.appearance).every((k) => ['@type', 'name', 'abstract', 'url'].includes(k))).toBe(true)
    }
    // Only http(s) links: javascript: and ftp: sources are named, not linked.
    expect(e!.citation[3].appearance.url).toBeUndefined()
    expect(e!.citation[4].appearance.url).toBeUndefined()
    expect(e!.citation[4].appearance.abstract.length).toBe(160)
  })

  it('keeps at most 20 citations, and labels nothing that is not an answer', () => {
    const many: Citation[] = Array.from({ length: 25 }, (_, i) => ({ n: i + 1, title: `Doc ${i + 1}`, url: null, snippet: 'x' }))
    expect(entityOf(reply('c', [{ type: 'citations', citations: many }]))[0]!.citation).toHaveLength(20)
    for (const r of Object.values(SAMPLES).filter((r) => !r.blocks.some((b) => b.type === 'citations'))) expect(entityOf(r)).toEqual([])
  })
})
