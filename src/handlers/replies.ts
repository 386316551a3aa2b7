/** Handler results as Reply trees: what to say, and for mistakes what to type instead. */
import { code, strong, t, type Text } from '../chat/text.ts'
import type { AskResult } from './ask.ts'
import type { CampaignCandidate } from './campaign-match.ts'
import type { CampaignDetails, CampaignLookup, CampaignPage } from './campaign.ts'
import { MAX_BUTTON_PAYLOAD, reply, type Block, type Button, type Field, type Reply } from './reply.ts'
import type { EditResult, EntryToEdit, LogResult, UndoResult, WeekEntry, WeekResult } from './timesheet.ts'

export const h = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2).replace(/0$/, '')}h`
/** A sum in the campaign's currency (agency.campaigns.currency): £420,000, $5,000, CHF 1,200. */
export const money = (n: number, currency: string) => {
  try {
    return n.toLocaleString('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 })
  } catch (err) {
    if (!(err instanceof RangeError)) throw err
    return `${n.toLocaleString('en-GB', { maximumFractionDigits: 0 })} ${currency}` // a code Intl does not know
  }
}
const WEEKDAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
export const weekday = (date: string) => WEEKDAY.format(new Date(`${date}T00:00:00Z`))

/**
 * Buttons that carry what to do, or, when that would not fit on a button (a long note travels in
 * the payload), the same choices as words and what to send instead: nothing is lost or cut.
 */
function buttonsOrWords(buttons: Button[], instead: Text, numbered = false): Block[] {
  if (buttons.every((b) => b.payload.length <= MAX_BUTTON_PAYLOAD)) return [{ type: 'buttons', buttons, ...(numbered ? { numbered: true as const } : {}) }]
  return [
    ...(buttons.length > 1 ? [{ type: 'list', items: buttons.map((b) => b.label) } satisfies Block] : []),
    { type: 'context', text: t`Your note is too long to put on a button, so nothing is logged yet: ${instead}` },
  ]
}

const RESEND_WITH_NAME = t`send the message again with the campaign's full name or code, e.g. ${code('/timesheet 2h AUR-01 - your note')}.`

const chooseButtons = (campaigns: CampaignCandidate[], actionId: string, payload: (c: CampaignCandidate) => string): Block[] =>
  buttonsOrWords(campaigns.map((c) => ({ label: `${c.name} (${c.code})`, actionId, payload: payload(c) })), RESEND_WITH_NAME, true)

export function logReply(r: LogResult): Reply {
  switch (r.kind) {
    case 'logged':
      return reply(`Logged ${h(r.hours)} to ${r.campaign.name} on ${weekday(r.date)}.`, [
        { type: 'text', text: t`Logged ${h(r.hours)} to ${strong(r.campaign.name)}${r.phase ? ` / ${r.phase}` : ''} on ${weekday(r.date)}${r.billable ? '' : ' (non-billable)'}${r.note ? `: "${r.note}"` : ''}.` },
        { type: 'context', text: `${h(r.dayTotal)} logged that day · ${r.campaign.clientName} · ${r.campaign.code}` },
        { type: 'buttons', buttons: [{ label: 'Undo', actionId: 'timesheet.undo', payload: r.entryId, style: 'danger' }] },
      ])
    case 'logged_days': {
      const total = r.hours * r.entries.length
      const days = r.entries.map((e) => weekday(e.date)).join(', ')
      return reply(`Logged ${h(r.hours)} a day to ${r.campaign.name} on ${r.entries.length} days: ${days}.`, [
        { type: 'text', text: t`Logged ${h(r.hours)} a day to ${strong(r.campaign.name)}${r.phase ? ` / ${r.phase}` : ''}${r.billable ? '' : ' (non-billable)'}${r.note ? ` ("${r.note}")` : ''}, ${h(total)} in all, on:` },
        { type: 'list', items: r.entries.map((e) => `${weekday(e.date)} · ${h(e.dayTotal)} logged that day`) },
        { type: 'context', text: `${r.campaign.clientName} · ${r.campaign.code}` },
        // Undo removes every day of this request together, as it was logged.
        { type: 'buttons', buttons: [{ label: `Undo all ${r.entries.length}`, actionId: 'timesheet.undo', payload: r.entries[0]!.entryId, style: 'danger' }] },
      ])
    }
    case 'duplicate':
      // A redelivered message, or one resumed after the process that saved it died before answering.
      return reply('Already logged: I had saved this once already, and it stays saved once.')
    case 'choose_campaign':
      return reply(`"${r.request.campaignQuery}" fits more than one campaign. Which one?`, [
        { type: 'text', text: `"${r.request.campaignQuery}" fits more than one campaign. Which one?` },
        ...chooseButtons(r.campaigns, 'timesheet.choose', (c) => JSON.stringify({ ...r.request, campaignId: c.id })),
      ])
    case 'unknown_campaign':
      return reply(`I can't find a campaign called "${r.query}" that you can log time to.`, [
        { type: 'text', text: `I can't find a campaign called "${r.query}" that you can log time to.` },
        // Suggestions are buttons that log the same entry to the campaign picked.
        ...(r.suggestions.length && r.request
          ? [{ type: 'context', text: 'Did you mean one of these?' } satisfies Block, ...chooseButtons(r.suggestions, 'timesheet.choose', (c) => JSON.stringify({ ...r.request, campaignId: c.id }))]
          : [{ type: 'context', text: t`Try ${code('/campaign <name>')} to look a campaign up.` } satisfies Block]),
      ])
    case 'inactive_campaign':
      return reply(`${r.campaign.name} is ${r.campaign.status.replace('_', ' ')}: time can't be logged to it. Ask its producer if it should be reopened.`)
    case 'outside_campaign_dates':
      return reply(`${r.campaign.name} runs ${r.campaign.startDate} to ${r.campaign.endDate}; ${r.date} is outside it.`)
    case 'unknown_phase':
      return reply(`${r.campaign.name} has no phase "${r.phase}". Its phases are ${r.phases.join(', ') || 'not set up yet'}.`)
    case 'long_day': {
      const [first] = r.days
      const question = r.days.length === 1 && first
        ? `That would make ${h(first.total)} on ${weekday(first.date)}, well over your usual ${h(r.usualDay)} day. Log it anyway?`
        : `That would make more than ${h(r.limit)} on ${r.days.map((d) => `${weekday(d.date)} (${h(d.total)})`).join(', ')}, well over your usual ${h(r.usualDay)} day. Log it anyway?`
      return reply(question, [
        { type: 'text', text: question },
        { type: 'context', text: `${h(r.request.hours)} to ${r.campaign.name}. Nothing is logged until you confirm; if the hours are wrong, send the message again with the right ones.` },
        ...buttonsOrWords([{ label: 'Log it anyway', actionId: 'timesheet.confirm', payload: JSON.stringify(r.request), style: 'primary' }],
          'split the work into entries of a usual day, or shorten the note.'),
      ])
    }
    case 'not_your_confirmation':
      return reply(t`This button confirms the hours of the person who was asked, so nothing was logged for you. To log your own time, send ${code('/timesheet')} with it.`)
    case 'not_your_choice':
      return reply(t`These choices were offered to the person who asked, so nothing was logged for you. To log your own time, send ${code('/timesheet')} with it.`)
    case 'day_over_24':
      return reply(`That would make ${h(r.alreadyLogged + r.hours)} on ${weekday(r.date)}; a day holds 24h and you already have ${h(r.alreadyLogged)}. Nothing was logged.`)
    case 'locked_period':
      return reply(`${weekday(r.date)} is locked: entries older than ${r.lockDays} days need a Timesheet Amendment Request.`)
    case 'future_date':
      return reply(`${weekday(r.date)} hasn't happened yet. Log time for today or earlier.`)
  }
}

const entryLine = (e: WeekEntry) =>
  `${h(e.hours)} ${e.campaign}${e.phase ? ` / ${e.phase}` : ''}${e.billable ? '' : ' (non-billable)'}${e.note ? ` — "${e.note}"` : ''}`

/** The day totals, then each day's entries with an Edit button each, and Undo for those still in the undo window. */
export function weekReply(w: WeekResult): Reply {
  const days = w.days.filter((d) => d.entries.length > 0)
  return reply(`Week of ${weekday(w.weekOf)}: ${h(w.total)} of ${h(w.capacity)}.`, [
    { type: 'header', text: `Your week of ${weekday(w.weekOf)}` },
    { type: 'fields', fields: w.days.filter((d, i) => i < 5 || d.hours > 0).map((d) => ({ label: weekday(d.date), value: d.hours ? `${h(d.hours)} · ${d.entries.map((e) => e.campaign).filter((c, i, all) => all.indexOf(c) === i).join(', ')}` : '—' })) },
    ...days.flatMap((d): Block[] => {
      const buttons = d.entries.flatMap((e) => [
        { label: `Edit ${h(e.hours)} ${e.campaign}`, actionId: 'timesheet.edit', payload: e.id },
        ...(e.undoable ? [{ label: `Undo ${h(e.hours)} ${e.campaign}${e.inRange ? ', all its days' : ''}`, actionId: 'timesheet.undo', payload: e.id, style: 'danger' as const }] : []),
      ])
      return [{ type: 'list', title: `${weekday(d.date)} · ${h(d.hours)}`, items: d.entries.map(entryLine) }, { type: 'buttons', buttons }]
    }),
    { type: 'context', text: `${h(w.total)} of ${h(w.capacity)} capacity (${Math.round((100 * w.total) / w.capacity)}%)` },
    ...(days.length > 0 ? [{ type: 'buttons', buttons: [{ label: 'Submit this week for approval', actionId: 'timesheet.submit', payload: w.weekOf, style: 'primary' }] } satisfies Block] : []),
  ])
}

/** The week view's Edit button: how to change that entry, naming it by the start of its id. */
export function editHintReply(e: EntryToEdit | null): Reply {
  if (!e) return reply("That entry isn't yours, or it is gone. `/timesheet week` shows your entries.")
  const ref = e.id.slice(0, 8)
  return reply(t`To change ${h(e.hours)} on ${e.campaign} (${weekday(e.date)}), send ${code(`/timesheet edit #${ref}`)} with what changes: hours (${code(`/timesheet edit #${ref} 3h`)}), a day (${code('yesterday')}), a note (${code(`/timesheet edit #${ref} - new note`)}) or another campaign's name.`)
}

export function undoReply(u: UndoResult): Reply {
  return u.kind === 'undone'
    ? u.dates
      ? reply(`Removed ${h(u.hours)} a day on ${u.campaign} (${u.dates.map(weekday).join(', ')}).`)
      : reply(`Removed ${h(u.hours)} on ${u.campaign} (${weekday(u.date)}).`)
    // A button is in the message for everyone who sees it; it removes only its owner's entry.
    : u.entryNamed
      ? reply(`Nothing to undo there: this button removes only the entry of the person who logged it, within ${Math.round(u.windowMinutes / 60)} hours, and only once.`)
      : reply(`Nothing to undo: you have logged nothing in the last ${Math.round(u.windowMinutes / 60)} hours.`)
}

export function editReply(r: EditResult): Reply {
  switch (r.kind) {
    case 'edited': {
      const which = r.entryRef ? `your entry #${r.entryRef.slice(0, 8)}` : 'your last entry'
      const summary = r.movedFrom
        ? `Moved ${which} (${h(r.hours)} on ${weekday(r.date)}${r.note ? `, "${r.note}"` : ''}) from ${r.movedFrom} to ${r.campaign}.`
        : `Changed ${which} on ${r.campaign} to ${h(r.hours)} on ${weekday(r.date)}${r.note ? ` ("${r.note}")` : ''}.`
      if (!r.alsoFits) return reply(summary)
      return reply(summary, [
        { type: 'text', text: summary },
        { type: 'context', text: t`To move it to a campaign instead, type more of its name, e.g. ${code(`/timesheet edit ${r.alsoFits[0]}`)} (the words fit ${r.alsoFits.join(', ')}).` },
      ])
    }
    case 'long_day_edit': {
      const question = `That would make ${h(r.total)} on ${weekday(r.date)}, well over your usual ${h(r.usualDay)} day. Change it anyway?`
      return reply(question, [
        { type: 'text', text: question },
        { type: 'context', text: `Your entry on ${r.campaign}. Nothing is changed until you confirm; if the hours are wrong, send the edit again with the right ones.` },
        ...buttonsOrWords([{ label: 'Change it anyway', actionId: 'timesheet.confirm_edit', payload: JSON.stringify(r.change), style: 'primary' }],
          'shorten the note, or change the entry in two steps.'),
      ])
    }
    case 'not_your_confirmation':
      return reply(t`This button confirms a change to the entry of the person who was asked, so nothing was changed for you.`)
    case 'nothing_to_edit':
      return r.entryRef
        ? reply(t`I can't find one entry of yours whose id starts #${r.entryRef}. ${code('/timesheet week')} shows your entries, each with an Edit button.`)
        : reply(`Nothing to edit: you have logged nothing in the last ${Math.round(r.windowMinutes / 60)} hours.`)
    default:
      return logReply(r)
  }
}

export function campaignReply(r: CampaignLookup): Reply {
  if (r.kind === 'unknown_campaign') {
    return reply(`I can't find a campaign called "${r.query}" that you can see.`, [
      { type: 'text', text: `I can't find a campaign called "${r.query}" that you can see.` },
      ...(r.suggestions.length ? [{ type: 'context', text: 'Did you mean one of these?' } satisfies Block, ...chooseButtons(r.suggestions, 'campaign.show', (c) => c.id)] : []),
    ])
  }
  if (r.kind === 'choose_campaign') {
    return reply('Several campaigns match. Which one?', [
      { type: 'text', text: 'Several campaigns match. Which one?' },
      ...chooseButtons(r.campaigns, 'campaign.show', (c) => c.id),
    ])
  }
  return campaignCard(r.campaign)
}

/** One page of `/campaign list`, with a "Next page" button while more follow. */
export function campaignPageReply(r: CampaignPage): Reply {
  if (r.kind === 'page_gone') return reply('That list has changed since. Send /campaign list again to start over.')
  if (!r.campaigns.length) return reply(r.first === 1 ? "You can't see any campaigns yet." : 'No more campaigns.')
  const last = r.first + r.campaigns.length - 1
  const title = `Campaigns ${r.first}–${last}${r.next ? '' : ` of ${last}`}`
  return reply(title, [
    { type: 'list', title, items: r.campaigns.map((c) => t`${strong(c.name)} · ${code(c.code)} · ${c.status.replace('_', ' ')} · ${c.clientName}`) },
    ...(r.next ? [{ type: 'buttons', buttons: [{ label: 'Next page', actionId: 'campaign.page', payload: r.next }] } satisfies Block] : []),
  ])
}

function campaignCard(c: CampaignDetails): Reply {
  const fields = [
    { label: 'Client', value: c.clientName }, { label: 'Brand', value: c.brandName ?? '—' },
    { label: 'Status', value: c.status.replace('_', ' ') },
    { label: 'Dates', value: c.startDate ? `${c.startDate} → ${c.endDate ?? '?'}${c.durationWeeks ? ` (${c.durationWeeks} weeks)` : ''}` : 'not scheduled' },
    // Whose hours these are is what the database let the asker read (timesheet_entries_select).
    { label: c.hoursOfEveryone ? "Everyone's hours" : 'Your hours', value: `${h(c.hoursThisWeek)} this week · ${h(c.hoursToDate)} to date` },
    // Only finance and leadership get these (the database decides); they are theirs alone, so
    // private: a channel where they asked never sees them (hasPrivate, and each bot's delivery).
    ...(c.money ? [
      { label: 'Budget', value: money(c.money.budget, c.currency), private: true },
      { label: 'Cost to date', value: money(c.money.costToDate, c.currency), private: true },
      { label: 'Margin', value: `${money(c.money.margin, c.currency)}${c.money.billedToDate ? ` (${Math.round((100 * c.money.margin) / c.money.billedToDate)}%)` : ''}`, private: true },
    ] satisfies Field[] : []),
  ]
  const card = reply(`${c.name} (${c.code}): ${c.status}`, [
    { type: 'header', text: `${c.name} · ${c.code}` },
    { type: 'fields', fields },
    { type: 'list', title: 'Phases', items: c.phases.map((p) => `${p.name}: ${p.status.replace('_', ' ')}${p.status === 'in_progress' ? ` (${p.progress}%)` : ''}`) },
    ...(c.team.length ? [{ type: 'list', title: 'Team', items: c.team.map((t) => `${t.name}${t.role ? ` — ${t.role}` : ''}`) } satisfies Block] : []),
    ...(c.recentArtifacts.length ? [{ type: 'list', title: 'Recent work', items: c.recentArtifacts.map((a) => `${a.title} (${a.type}, ${a.status.replace('_', ' ')})`) } satisfies Block] : []),
    // Expense totals are costs too, whoever may read them in T&E.
    ...(c.expenses.length ? [{ type: 'list', title: 'Expenses', items: c.expenses.map((e) => `${e.category}: ${money(e.total, e.currency)}`), private: true } satisfies Block] : []),
    ...(c.equipmentOut.length ? [{ type: 'list', title: 'Equipment out', items: c.equipmentOut } satisfies Block] : []),
  ], 'in_channel')
  return { ...card, subject: c.name }
}

const FALLBACK_NOTE = {
  llm_unavailable: "The answer service didn't respond in time, so these are the best matching passages, quoted.",
  llm_malformed: 'The answer service sent back something unreadable, so these are the best matching passages, quoted.',
  llm_uncited: "The generated answer didn't cite its sources, so these are the best matching passages instead.",
} as const

/** A sum of money as documents write it: £420,000, $5k, €1.2m, 1,850 GBP. */
const MONEY = /[£$€]\s?\d|\b\d[\d,.]*\s?(?:k|m|bn)?\s?(?:GBP|USD|EUR)\b/i

/**
 * Whether an answer shows money from a client's documents: briefs and SOWs carry budgets, fees and
 * rates, and only managers and that client's team may read them (RLS), not everyone in a channel.
 * Sums from tenant-wide documents (a PO threshold, an expense limit) are for the whole agency and
 * do not make an answer private. A sum in the answer's own text counts when any client document
 * is cited: a model's sentence cannot be traced to one source.
 */
export function showsClientMoney(answer: AskResult['answer']): boolean {
  // An artifact is never tenant-wide: even one on no campaign is its owner's and the managers' only.
  const client = answer.citations.filter((c) => c.client_id || c.source === 'artifact')
  return client.some((c) => MONEY.test(c.snippet)) || (client.length > 0 && MONEY.test(answer.text))
}

/** A document's own address when people can open it (http or https); a file path or anything else is no link. */
export function openableUrl(url: string | null): string | null {
  if (!url || !URL.canParse(url)) return null
  return ['http:', 'https:'].includes(new URL(url).protocol) ? url : null
}

/**
 * An answer's text as blocks: runs of "> " lines (the passages the extractive reader quotes) as
 * quote blocks, the rest as text. Only the answer's own line layout is read: its words are plain.
 */
export function answerBlocks(text: string): Array<Extract<Block, { type: 'text' | 'quote' }>> {
  const out: Array<Extract<Block, { type: 'text' | 'quote' }>> = []
  for (const line of text.split('\n')) {
    const quoted = /^>(?:\s|$)/.test(line)
    const words = quoted ? line.replace(/^>\s?/, '') : line
    const last = out.at(-1)
    if (last && last.type === (quoted ? 'quote' : 'text')) last.text = `${last.text as string}\n${words}`
    else out.push({ type: quoted ? 'quote' : 'text', text: words })
  }
  return out.filter((b) => (b.text as string).trim() !== '')
}

/**
 * `linkFor` mints a passage link (src/links/passage-link.ts) for the person asking, for citations
 * whose document has no address of its own; without it such citations have no link.
 */
export function askReply(r: AskResult, visibility: Reply['visibility'], linkFor?: (chunkId: string) => string | null): Reply {
  const { answer } = r
  // The answer and the passages it shows; the rest (notes, buttons) says nothing of the documents.
  const figures = showsClientMoney(answer) ? { private: true as const } : {}
  // A passage link opens the whole document as the asker, for whoever holds it. Where the reply
  // is seen by others (a mention answered in a channel), only tenant-wide documents get one: the
  // asker's access to a client's documents must not pass to everyone in the channel.
  const askerOnly = visibility === 'ephemeral' || figures.private === true
  const url = (c: AskResult['answer']['citations'][number]) =>
    openableUrl(c.url) ?? (linkFor && (askerOnly || c.client_id === null) ? linkFor(c.chunk_id) : null)
  const citations: Block = {
    type: 'citations',
    citations: answer.citations.map((c) => ({ n: c.n, title: c.title, url: url(c), snippet: c.snippet, chunkId: c.chunk_id, heading: c.heading })),
    ...figures,
  }
  if (!answer.found) {
    return reply(answer.text, [
      { type: 'text', text: answer.text },
      ...(answer.citations.length ? [{ type: 'context', text: 'The closest documents I have, in case one of them helps:' } satisfies Block, citations] : []),
    ], visibility)
  }
  const how = answer.model === 'extractive' ? 'Quoted from the sources' : `Answered by ${answer.model} from the sources`
  return reply(answer.text.split('\n').find((l) => l.trim() && !l.startsWith('From the knowledge base'))?.replace(/^>\s*/, '') ?? answer.text, [
    ...answerBlocks(answer.text).map((b) => ({ ...b, ...figures })),
    citations,
    { type: 'context', text: [
      answer.fallback ? FALLBACK_NOTE[answer.fallback] : `${how}${r.followUp ? ' · follow-up in this thread' : ''}.`,
      ...(answer.keywordOnly ? ["The search service didn't respond, so the sources were found by keyword search alone."] : []),
    ].join(' ') },
    { type: 'buttons', buttons: [
      { label: '👍 Helpful', actionId: 'answer.feedback', payload: `${r.messageId}:1` },
      { label: '👎 Not helpful', actionId: 'answer.feedback', payload: `${r.messageId}:-1` },
    ] },
  ], visibility)
}
