/**
 * Submit, approve, lock: a person hands in their week (`/timesheet submit`, or the week view's
 * button); each campaign's pm (its producer, else whoever created it; leadership where that
 * person is not a pm) gets a private card with the week on their campaigns, and Approve or
 * Reject. Who may decide is the database's rule (migration 026, agency.may_review_time_on, in
 * the review trigger): the queries below only pick the rows a reviewer may decide, and a write
 * the trigger refuses is refused whatever the handler thought. Approved entries are frozen for
 * their owner by the same trigger (015, WR002); a rejected week is theirs to fix and submit again.
 *
 * No money here: hours only, so a card may go to any approver.
 */
import { sql } from 'kysely'
import { code, t } from '../chat/text.ts'
import { mondayOf } from '../dates.ts'
import type { ActorTx } from '../db/actor.ts'
import type { LinkedActor } from '../db/identity.ts'
import { reply, type Block, type Reply } from './reply.ts'

const h = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2).replace(/0$/, '')}h`
const WEEKDAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
const weekday = (date: string) => WEEKDAY.format(new Date(`${date}T00:00:00Z`))

export interface CampaignWeek { campaignId: string; campaign: string; hours: number; days: Array<{ date: string; hours: number }> }
export interface Person { id: string; name: string; handle: string }
/** One approver's share of a submitted week: the campaigns they decide. */
export interface ApprovalRequest { approver: Person; owner: Person; weekOf: string; campaigns: CampaignWeek[] }

export type SubmitResult =
  | { kind: 'submitted'; weekOf: string; entries: number; hours: number; requests: ApprovalRequest[]; approvedAlready: number }
  | { kind: 'nothing'; weekOf: string; approvedAlready: number; waiting: number }

/** The start of an e-mail address: how a reviewer names someone in a typed command. */
const handleOf = (email: string) => email.split('@')[0]!.toLowerCase()

interface WeekRow { campaign_id: string; campaign: string; manager: string | null; entry_date: string; hours: number }

function byCampaign(rows: WeekRow[]): CampaignWeek[] {
  const out = new Map<string, CampaignWeek>()
  for (const r of rows) {
    const c = out.get(r.campaign_id) ?? { campaignId: r.campaign_id, campaign: r.campaign, hours: 0, days: [] }
    c.hours += Number(r.hours)
    c.days.push({ date: r.entry_date, hours: Number(r.hours) })
    out.set(r.campaign_id, c)
  }
  return [...out.values()].sort((a, b) => b.hours - a.hours || a.campaign.localeCompare(b.campaign))
}

/**
 * Marks the person's draft and rejected entries of the week submitted, and says who approves
 * what: the week's submitted entries grouped by approver.
 */
export async function submitWeek(trx: ActorTx, who: LinkedActor, weekOf: string): Promise<SubmitResult> {
  const week = mondayOf(weekOf)
  const changed = await trx.updateTable('agency.timesheet_entries').set({ status: 'submitted' })
    .where('user_id', '=', who.userId).where('week_start_date', '=', week).where('status', 'in', ['draft', 'rejected'])
    .returning(['id', 'hours']).execute()
  const counts = await trx.selectFrom('agency.timesheet_entries').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('user_id', '=', who.userId).where('week_start_date', '=', week).groupBy('status').execute()
  const count = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0)
  if (changed.length === 0) return { kind: 'nothing', weekOf: week, approvedAlready: count('approved'), waiting: count('submitted') }

  const { rows } = await sql<WeekRow>`
    SELECT e.campaign_id, c.name AS campaign, coalesce(c.producer_id, c.created_by) AS manager, e.entry_date, sum(e.hours) AS hours
      FROM agency.timesheet_entries e JOIN agency.campaigns c ON c.id = e.campaign_id
     WHERE e.user_id = ${who.userId} AND e.week_start_date = ${week} AND e.status = 'submitted'
     GROUP BY e.campaign_id, c.name, c.producer_id, c.created_by, e.entry_date
     ORDER BY e.entry_date`.execute(trx)
  const people = await trx.selectFrom('workroom.people').select(['id', 'display_name', 'email', 'role'])
    .where('is_active', '=', true)
    .where((eb) => eb.or([eb('role', '=', 'leadership'), eb('id', 'in', [...new Set(rows.map((r) => r.manager).filter((m): m is string => m !== null)), who.userId])]))
    .execute()
  const person = (p: { id: string; display_name: string; email: string }): Person => ({ id: p.id, name: p.display_name, handle: handleOf(p.email) })
  const owner = person(people.find((p) => p.id === who.userId)!)
  const leadership = people.filter((p) => p.role === 'leadership' && p.id !== who.userId)
  // The campaign's pm decides; where there is none (or it is the person themselves), leadership does.
  const approversOf = (manager: string | null) => {
    const m = people.find((p) => p.id === manager)
    return m && m.id !== who.userId && (m.role === 'pm' || m.role === 'leadership') ? [m] : leadership
  }
  const requests = new Map<string, ApprovalRequest>()
  for (const c of byCampaign(rows)) {
    const manager = rows.find((r) => r.campaign_id === c.campaignId)!.manager
    for (const a of approversOf(manager)) {
      const req = requests.get(a.id) ?? { approver: person(a), owner, weekOf: week, campaigns: [] }
      req.campaigns.push(c)
      requests.set(a.id, req)
    }
  }
  return {
    kind: 'submitted', weekOf: week, entries: changed.length, hours: changed.reduce((s, e) => s + Number(e.hours), 0),
    requests: [...requests.values()], approvedAlready: count('approved'),
  }
}

export interface Pending { owner: Person; weekOf: string; campaigns: Array<{ campaign: string; hours: number }>; hours: number }

/** Submitted weeks of others that the asker may decide (the database's rule, per campaign). */
export async function pendingApprovals(trx: ActorTx, who: LinkedActor): Promise<Pending[]> {
  const { rows } = await sql<{ user_id: string; display_name: string; email: string; week_start_date: string; campaign: string; hours: number }>`
    SELECT e.user_id, p.display_name, p.email, e.week_start_date, c.name AS campaign, sum(e.hours) AS hours
      FROM agency.timesheet_entries e
      JOIN agency.campaigns c ON c.id = e.campaign_id
      JOIN workroom.people p ON p.id = e.user_id
     WHERE e.status = 'submitted' AND e.user_id <> ${who.userId} AND agency.may_review_time_on(e.campaign_id)
     GROUP BY e.user_id, p.display_name, p.email, e.week_start_date, c.name
     ORDER BY e.week_start_date, p.display_name, c.name`.execute(trx)
  const out = new Map<string, Pending>()
  for (const r of rows) {
    const key = `${r.user_id}:${r.week_start_date}`
    const p = out.get(key) ?? { owner: { id: r.user_id, name: r.display_name, handle: handleOf(r.email) }, weekOf: r.week_start_date, campaigns: [], hours: 0 }
    p.campaigns.push({ campaign: r.campaign, hours: Number(r.hours) })
    p.hours += Number(r.hours)
    out.set(key, p)
  }
  return [...out.values()]
}

export type ReviewResult =
  | { kind: 'reviewed'; decision: 'approve' | 'reject'; owner: Person; reviewer: Person; weekOf: string; campaigns: Array<{ campaign: string; hours: number }>; hours: number; reason: string | null }
  | { kind: 'nothing'; owner: Person | null; weekOf: string | null }
  | { kind: 'unknown_person'; person: string; matches: Person[] }

/** Someone of the tenant by the start of their e-mail address, or else by first name; ambiguous names are not guessed. */
export async function personByHandle(trx: ActorTx, handle: string): Promise<Person[]> {
  const rows = await trx.selectFrom('workroom.people').select(['id', 'display_name', 'email']).where('is_active', '=', true).execute()
  const byEmail = rows.filter((r) => handleOf(r.email) === handle)
  const found = byEmail.length > 0 ? byEmail : rows.filter((r) => r.display_name.split(' ')[0]!.toLowerCase() === handle)
  return found.map((r) => ({ id: r.id, name: r.display_name, handle: handleOf(r.email) }))
}

/**
 * Approves or rejects someone's submitted week, on the campaigns the reviewer may decide. The
 * update names only those rows; the review trigger would refuse any other (and stamps who and when).
 */
export async function reviewWeek(trx: ActorTx, who: LinkedActor, target: { ownerId: string } | { handle: string }, weekOf: string | null, decision: 'approve' | 'reject', reason: string | null): Promise<ReviewResult> {
  let owner: Person
  if ('handle' in target) {
    const matches = await personByHandle(trx, target.handle)
    if (matches.length !== 1) return { kind: 'unknown_person', person: target.handle, matches }
    owner = matches[0]!
  } else {
    const row = await trx.selectFrom('workroom.people').select(['id', 'display_name', 'email']).where('id', '=', target.ownerId).executeTakeFirst()
    if (!row) return { kind: 'nothing', owner: null, weekOf }
    owner = { id: row.id, name: row.display_name, handle: handleOf(row.email) }
  }
  // No week named: the earliest one of theirs waiting for this reviewer.
  const week = weekOf ? mondayOf(weekOf) : (await sql<{ week: string }>`
    SELECT min(e.week_start_date) AS week FROM agency.timesheet_entries e
     WHERE e.user_id = ${owner.id} AND e.status = 'submitted' AND agency.may_review_time_on(e.campaign_id)`.execute(trx)).rows[0]?.week ?? null
  if (!week || owner.id === who.userId) return { kind: 'nothing', owner, weekOf: week }
  const { rows } = await sql<{ campaign: string; hours: number }>`
    WITH decided AS (
      UPDATE agency.timesheet_entries e SET status = ${decision === 'approve' ? 'approved' : 'rejected'}
       WHERE e.user_id = ${owner.id} AND e.week_start_date = ${week} AND e.status = 'submitted'
         AND agency.may_review_time_on(e.campaign_id)
      RETURNING e.campaign_id, e.hours)
    SELECT c.name AS campaign, sum(d.hours) AS hours FROM decided d JOIN agency.campaigns c ON c.id = d.campaign_id
     GROUP BY c.name ORDER BY sum(d.hours) DESC, c.name`.execute(trx)
  if (rows.length === 0) return { kind: 'nothing', owner, weekOf: week }
  const me = await trx.selectFrom('workroom.people').select(['id', 'display_name', 'email']).where('id', '=', who.userId).executeTakeFirstOrThrow()
  const campaigns = rows.map((r) => ({ campaign: r.campaign, hours: Number(r.hours) }))
  return {
    kind: 'reviewed', decision, owner, reviewer: { id: me.id, name: me.display_name, handle: handleOf(me.email) }, weekOf: week,
    campaigns, hours: campaigns.reduce((s, c) => s + c.hours, 0), reason,
  }
}

// Replies ------------------------------------------------------------------------------------------

/** The payload of an approval card's buttons: whose week. Short ids, well under a button's 2,000 characters. */
export const reviewPayload = (ownerId: string, weekOf: string) => JSON.stringify({ u: ownerId, w: weekOf })

/** The card an approver gets in private: the week per campaign, Approve and Reject. */
export function approvalCard(r: ApprovalRequest): Reply {
  const hours = r.campaigns.reduce((s, c) => s + c.hours, 0)
  const title = `${r.owner.name} submitted the week of ${weekday(r.weekOf)} for approval`
  const blocks: Block[] = [
    { type: 'header', text: title },
    { type: 'fields', fields: r.campaigns.map((c) => ({ label: c.campaign, value: `${h(c.hours)} · ${c.days.map((d) => `${weekday(d.date).split(' ')[0]} ${h(d.hours)}`).join(', ')}` })) },
    { type: 'context', text: `${h(hours)} on ${r.campaigns.length === 1 ? 'your campaign' : `${r.campaigns.length} of your campaigns`}. Approved time is locked: ${r.owner.name.split(' ')[0]} can no longer change it.` },
    { type: 'buttons', buttons: [
      { label: 'Approve', actionId: 'timesheet.approve', payload: reviewPayload(r.owner.id, r.weekOf), style: 'primary' },
      { label: 'Reject…', actionId: 'timesheet.reject', payload: reviewPayload(r.owner.id, r.weekOf), style: 'danger' },
    ] },
    { type: 'context', text: t`Or type ${code(`/timesheet approve ${r.owner.handle} ${r.weekOf}`)} · ${code(`/timesheet reject ${r.owner.handle} ${r.weekOf} what to fix`)}` },
  ]
  return { ...reply(title, blocks), subject: `${r.owner.name}'s week` }
}

/** To the person who submitted: done, and who was asked (or that nobody could be reached). */
export function submitReply(r: SubmitResult, reached: string[]): Reply {
  if (r.kind === 'nothing') {
    const why = r.waiting > 0 ? `it is already submitted (${r.waiting} entr${r.waiting === 1 ? 'y waits' : 'ies wait'} for approval)`
      : r.approvedAlready > 0 ? 'it is approved already' : 'you have logged nothing that week'
    return reply(`Nothing to submit for the week of ${weekday(r.weekOf)}: ${why}.`)
  }
  const approvers = r.requests.map((q) => q.approver.name)
  const who = reached.length > 0 ? `Sent to ${reached.join(', ')} for approval.`
    : approvers.length > 0 ? `${approvers.join(', ')} will see it in ${'`/timesheet approvals`'} (I could not message them directly).` : 'Nobody approves time on these campaigns yet: ask leadership.'
  const text = `Submitted your week of ${weekday(r.weekOf)}: ${h(r.hours)} in ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}. ${who}`
  return reply(text)
}

export function pendingReply(pending: Pending[]): Reply {
  if (pending.length === 0) return reply('Nothing waits for your approval.')
  const blocks: Block[] = [{ type: 'header', text: `${pending.length} week${pending.length === 1 ? '' : 's'} to approve` }]
  for (const p of pending) {
    blocks.push(
      { type: 'list', title: `${p.owner.name} · week of ${weekday(p.weekOf)} · ${h(p.hours)}`, items: p.campaigns.map((c) => `${c.campaign}: ${h(c.hours)}`) },
      { type: 'buttons', buttons: [
        { label: `Approve ${p.owner.name.split(' ')[0]}`, actionId: 'timesheet.approve', payload: reviewPayload(p.owner.id, p.weekOf), style: 'primary' },
        { label: 'Reject…', actionId: 'timesheet.reject', payload: reviewPayload(p.owner.id, p.weekOf), style: 'danger' },
      ] },
    )
  }
  return reply(`${pending.length} week${pending.length === 1 ? '' : 's'} wait for your approval.`, blocks)
}

/** To the reviewer. */
export function reviewReply(r: ReviewResult, ownerReached: boolean): Reply {
  if (r.kind === 'unknown_person') {
    return r.matches.length === 0
      ? reply(t`I don't know anyone called "${r.person}". Use the start of their e-mail address, e.g. ${code('/timesheet approve lucy.fernandes')}.`)
      : reply(`"${r.person}" could be ${r.matches.map((m) => `${m.name} (${m.handle})`).join(' or ')}: use the start of their e-mail address.`)
  }
  if (r.kind === 'nothing') {
    return reply(`Nothing of ${r.owner?.name ?? 'theirs'}${r.weekOf ? ` for the week of ${weekday(r.weekOf)}` : ''} waits for your decision: it was decided already, withdrawn, or is on campaigns that are not yours to approve.`)
  }
  const first = r.owner.name.split(' ')[0]
  const told = ownerReached ? ` ${first} has been told.` : ` I could not message ${first}; tell them.`
  return r.decision === 'approve'
    ? reply(`Approved ${r.owner.name}'s week of ${weekday(r.weekOf)}: ${h(r.hours)} on ${r.campaigns.map((c) => c.campaign).join(', ')}. It is locked now.${told}`)
    : reply(`Returned ${r.owner.name}'s week of ${weekday(r.weekOf)} (${h(r.hours)}) with your reason: "${r.reason}".${told}`)
}

/** To the person whose week was decided, in private. */
export function decisionNotice(r: Extract<ReviewResult, { kind: 'reviewed' }>): Reply {
  const where = r.campaigns.map((c) => `${c.campaign} (${h(c.hours)})`).join(', ')
  if (r.decision === 'approve') {
    return reply(`${r.reviewer.name} approved your week of ${weekday(r.weekOf)}: ${where}. Those entries are locked now.`)
  }
  const text = `${r.reviewer.name} sent back your week of ${weekday(r.weekOf)}: ${where}.`
  return reply(text, [
    { type: 'text', text },
    { type: 'quote', text: r.reason ?? '' },
    { type: 'context', text: t`Fix what they ask (${code('/timesheet edit')}), then ${code('/timesheet submit')} again.` },
  ])
}

/** The Reject button: a reason is needed, typed (a button carries none). */
export function rejectHintReply(owner: Person | null, weekOf: string): Reply {
  if (!owner) return reply("I can't find whose week that was any more.")
  return reply(t`Say what ${owner.name.split(' ')[0]!} should fix, and the week goes back to them: ${code(`/timesheet reject ${owner.handle} ${weekOf} <what to fix>`)}`)
}
