/**
 * Money only to its reader, without a bot: which replies are private (the handlers mark them),
 * and what each platform's delivery decision does with them (pure functions, no server).
 */
import { describe, expect, it } from 'vitest'
import { renderHtml } from '../src/bots/playground/render-html.ts'
import { renderBlocks, slackVisibility } from '../src/bots/slack/blocks.ts'
import { teamsDelivery, teamsPlace } from '../src/bots/teams/cards.ts'
import type { AskResult } from '../src/handlers/ask.ts'
import type { CampaignDetails } from '../src/handlers/campaign.ts'
import { digestReply, type DigestData } from '../src/handlers/digest-content.ts'
import { assertShareable, hasPrivate, PrivateContentInPublic, reply, type Reply } from '../src/handlers/reply.ts'
import { askReply, campaignReply, logReply, weekReply } from '../src/handlers/replies.ts'

const campaign = (money: CampaignDetails['money'], expenses: CampaignDetails['expenses'] = []): CampaignDetails => ({
  id: 'c1', name: 'Aurora Air Spring Launch', code: 'AUR-2026-01', status: 'active', clientName: 'Aurora Athletics', brandName: 'Aurora Air',
  startDate: '2026-03-01', endDate: '2026-05-24', durationWeeks: 12, phases: [{ name: 'Creative', status: 'in_progress', progress: 60 }],
  team: [{ name: 'Lucy Fernandes', role: 'Strategy' }], hoursThisWeek: 12.5, hoursToDate: 340, hoursOfEveryone: true, currency: 'GBP', recentArtifacts: [],
  money, expenses, equipmentOut: [],
})
const withMoney = campaignReply({ kind: 'found', campaign: campaign({ budget: 420000, costToDate: 150000, billedToDate: 210000, margin: 60000 }) })
const withoutMoney = campaignReply({ kind: 'found', campaign: campaign(null) })
/** What only finance and leadership may read. */
const FIGURES = /Budget|Cost to date|Margin|420,000|150,000|60,000/

const ask = (citations: Array<{ snippet: string; client_id: string | null }>, text: string): AskResult => ({
  messageId: '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', conversationId: 'conv1', followUp: false,
  answer: {
    text, model: 'extractive', found: true,
    citations: citations.map((c, i) => ({ n: i + 1, document_id: `d${i}`, chunk_id: `k${i}`, title: `Doc ${i}`, url: null, heading: null, score: 0.9, ...c })),
  },
})

const digest: DigestData = {
  tenant: { id: 't', slug: 'acme', name: 'Acme' }, postDate: '2026-11-26', reportDate: '2026-11-25', weekStart: '2026-11-23',
  team: { hoursOnDay: 14.5, hoursWeek: 40, capacityWeek: 60, billableUtilization: 0.6, people: 2 },
  people: [], notCounted: [], top: [], bottom: [], overAllocated: [], underAllocated: [], noTimeLogged: [],
  topCampaigns: [{ campaignId: 'c1', name: 'Aurora Air Spring Launch', hours: 22 }],
}

describe('which replies are private', () => {
  it("marks the campaign card's budget, cost to date and margin private, and flags the card", () => {
    const fields = withMoney.blocks.flatMap((b) => (b.type === 'fields' ? b.fields : []))
    expect(fields.filter((f) => f.private).map((f) => f.label)).toEqual(['Budget', 'Cost to date', 'Margin'])
    expect(fields.filter((f) => !f.private).map((f) => f.label)).toEqual(['Client', 'Brand', 'Status', 'Dates', "Everyone's hours"])
    expect(hasPrivate(withMoney)).toBe(true)
    expect(withMoney.subject).toBe('Aurora Air Spring Launch')
  })

  it('marks T&E expense totals private: they are costs', () => {
    const r = campaignReply({ kind: 'found', campaign: campaign(null, [{ category: 'Travel', currency: 'GBP', total: 1200 }]) })
    expect(r.blocks.find((b) => b.type === 'list' && b.title === 'Expenses')?.private).toBe(true)
    expect(hasPrivate(r)).toBe(true)
  })

  it('leaves a card without money (what account and creative roles get) public', () => {
    expect(hasPrivate(withoutMoney)).toBe(false)
    expect(withoutMoney.visibility).toBe('in_channel')
  })

  it('never makes the week view, a logged entry or the digest private: they carry hours, never money', () => {
    const entry = { id: 'e1', hours: 3, campaign: 'Aurora Air Spring Launch', billable: true, note: null }
    const week = weekReply({ kind: 'week', weekOf: '2026-11-23', days: [{ date: '2026-11-23', hours: 3, entries: [entry] }], total: 3, capacity: 37.5 })
    const aurora = { id: 'c1', name: 'Aurora Air Spring Launch', code: 'AUR-2026-01', status: 'active' as const, clientName: 'Aurora Athletics', brandName: null, startDate: null, endDate: null }
    const logged = logReply({ kind: 'logged', entryId: 'e1', hours: 3, date: '2026-11-24', campaign: aurora, phase: null, billable: true, dayTotal: 3 })
    for (const r of [week, logged, digestReply(digest)]) expect(hasPrivate(r)).toBe(false)
  })

  it("makes an answer private when it shows a sum from a client's document (a brief's budget, a SOW's fees)", () => {
    const r = askReply(ask([{ snippet: 'Total campaign budget: £420,000.', client_id: 'aurora' }], 'From the knowledge base:\n> Total campaign budget: £420,000. [1]'), 'in_channel')
    expect(hasPrivate(r)).toBe(true)
    expect(r.blocks.filter((b) => b.private).map((b) => b.type)).toEqual(['text', 'quote', 'citations'])
    // A model's sentence with the sum, citing a client document whose passage does not show it.
    expect(hasPrivate(askReply(ask([{ snippet: 'See the SOW for fees.', client_id: 'aurora' }], 'The agency fees are $147.5k [1].'), 'in_channel'))).toBe(true)
  })

  it('keeps an answer public when its sums come from tenant-wide documents, or a client document shows no sum', () => {
    expect(hasPrivate(askReply(ask([{ snippet: 'Over £10,000 — three competitive quotes', client_id: null }], '> Over £10,000 — three competitive quotes [1]'), 'in_channel'))).toBe(false)
    expect(hasPrivate(askReply(ask([{ snippet: 'Primary orange is #FF5A1F', client_id: 'aurora' }], '> Primary orange is #FF5A1F [1]'), 'in_channel'))).toBe(false)
  })
})

describe('Slack delivery decides who sees a reply', () => {
  it('makes a reply with figures ephemeral in a shared place, even when the handler asked for in_channel', () => {
    expect(withMoney.visibility).toBe('in_channel')
    expect(slackVisibility(withMoney, 'shared')).toBe('ephemeral')
  })

  it('posts it normally in the DM with the bot, where only the asker reads it', () => {
    expect(slackVisibility(withMoney, 'dm')).toBe('in_channel')
  })

  it('leaves replies without figures as the handler asked', () => {
    expect(slackVisibility(withoutMoney, 'shared')).toBe('in_channel')
    expect(slackVisibility(reply('Logged 3h.'), 'shared')).toBe('ephemeral')
  })

  it('still renders every field for the reader: privacy is where it goes, not what it shows', () => {
    expect(JSON.stringify(renderBlocks(withMoney).blocks)).toMatch(/\*Budget\*\\n£420,000/)
  })
})

describe('Teams delivery decides where a reply goes', () => {
  it('reads a channel, a group chat and an unknown conversation as shared, a personal chat as personal', () => {
    expect([teamsPlace('channel'), teamsPlace('groupChat'), teamsPlace(undefined), teamsPlace('personal')]).toEqual(['shared', 'shared', 'shared', 'personal'])
  })

  it('sends a reply with figures privately from a shared place, and posts only a notice without them there', () => {
    const d = teamsDelivery(withMoney, 'shared')
    expect(d.kind).toBe('privately')
    if (d.kind !== 'privately') return
    expect(JSON.stringify(d.activity)).toMatch(/Budget[\s\S]*420,000/)
    expect(d.notice.summary).toBe("I've sent the figures for Aurora Air Spring Launch to you in a private chat.")
    for (const shown of [d.notice, d.unreachable]) expect(JSON.stringify(shown)).not.toMatch(FIGURES)
    expect(d.unreachable.summary).toMatch(/couldn't open a private chat/)
  })

  it('names no subject it does not have: an answer with figures gets a general notice', () => {
    const d = teamsDelivery(askReply(ask([{ snippet: 'Total campaign budget: £420,000.', client_id: 'aurora' }], '> Total campaign budget: £420,000. [1]'), 'in_channel'), 'shared')
    expect(d.kind === 'privately' && d.notice.summary).toBe("I've sent my answer, which has figures only you may see, to you in a private chat.")
    expect(JSON.stringify(d.kind === 'privately' && d.notice)).not.toMatch(/420,000/)
  })

  it('answers in place in a personal chat, figures included, and anywhere when there are none', () => {
    const personal = teamsDelivery(withMoney, 'personal')
    expect(personal.kind === 'here' && JSON.stringify(personal.activity)).toMatch(/Budget[\s\S]*420,000/)
    expect(teamsDelivery(withoutMoney, 'shared').kind).toBe('here')
  })
})

describe('paths that can only post publicly', () => {
  it('refuse a reply with private content (a digest to a channel), naming the place', () => {
    expect(() => assertShareable(withMoney, 'Slack channel C0GENERAL')).toThrow(PrivateContentInPublic)
    expect(() => assertShareable(withMoney, 'Slack channel C0GENERAL')).toThrow(/C0GENERAL/)
    const d: Reply = digestReply(digest)
    expect(assertShareable(d, 'Slack channel C0GENERAL')).toBe(d)
  })
})

describe('the playground, the person’s own screen', () => {
  const html = (r: Reply) => renderHtml(r, { citationHref: () => null })

  it('shows the figures, marked "Only visible to you" as ephemeral replies are', () => {
    const out = html(withMoney)
    expect(out).toMatch(/Budget[\s\S]*420,000/)
    expect(out).toContain('Only visible to you')
    expect(out).toContain('class="reply ephemeral"')
  })

  it('leaves a card without figures as an in-channel reply', () => {
    expect(html(withoutMoney)).not.toContain('Only visible to you')
  })
})
