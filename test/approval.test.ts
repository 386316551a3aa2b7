/**
 * Submit, approve, lock, through the router as the people do it, with the database deciding:
 * the campaign's pm (or leadership) approves, an approved entry is refused to its owner's own
 * SQL, a rejected week goes back with its reason. Private messages are captured by a stand-in
 * sendDirect (the platforms' own are tested in direct.test.ts and end to end).
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { limitFor } from '../src/handlers/router.ts'
import { parseTimesheet } from '../src/handlers/timesheet-parse.ts'
import { converse } from '../src/chat/converse.ts'
import type { DirectTarget } from '../src/chat/platform.ts'
import { withActor } from '../src/db/actor.ts'
import { addDays, mondayOf } from '../src/dates.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import type { Reply } from '../src/handlers/reply.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { describeEachEngine } from './support/engines.ts'
import { actorOf, sqlstate, useFixtureDatabase, type PersonKey } from './support/fixture.ts'

describe('reading submit, approvals, approve and reject', () => {
  const ctx = { today: '2026-11-25' }
  it.each([
    ['submit', { kind: 'submit', weekOf: '2026-11-23' }],
    ['submit last week', { kind: 'submit', weekOf: '2026-11-16' }],
    ['submit week of 2026-11-10', { kind: 'submit', weekOf: '2026-11-09' }],
    ['approvals', { kind: 'approvals' }],
    ['approve Lucy.Fernandes', { kind: 'review', decision: 'approve', person: 'lucy.fernandes', weekOf: null, reason: null }],
    ['approve lucy 2026-11-18', { kind: 'review', decision: 'approve', person: 'lucy', weekOf: '2026-11-16', reason: null }],
    ['reject lucy 2026-11-16 Aurora is doubled on Tuesday', { kind: 'review', decision: 'reject', person: 'lucy', weekOf: '2026-11-16', reason: 'Aurora is doubled on Tuesday' }],
    ['reject lucy wrong campaign', { kind: 'review', decision: 'reject', person: 'lucy', weekOf: null, reason: 'wrong campaign' }],
  ])('%s', (text, command) => {
    expect(parseTimesheet(text, ctx)).toEqual({ ok: true, command })
  })
  it('asks for the reason of a rejection, and for whose week', () => {
    expect(parseTimesheet('reject lucy 2026-11-16', ctx)).toMatchObject({ ok: false })
    expect(parseTimesheet('approve', ctx)).toMatchObject({ ok: false })
  })
  it('counts deciding and submitting as writes, listing as neither', () => {
    const command = (text: string) => ({ kind: 'command' as const, command: '/timesheet', text })
    expect(limitFor(command('submit'), ctx.today)).toBe('write')
    expect(limitFor(command('reject lucy 2026-11-16 why'), ctx.today)).toBe('write')
    expect(limitFor(command('approvals'), ctx.today)).toBeNull()
  })
})

describeEachEngine('timesheet approval', (engine) => {
  const db = useFixtureDatabase(engine)
  const now = () => new Date()
  const today = now().toISOString().slice(0, 10)
  const dms: Array<{ to: DirectTarget; reply: Reply }> = []
  const direct = { slack: async (to: DirectTarget, reply: Reply) => { dms.push({ to, reply }); return true } }
  const deps = () => ({ db: db.e.db, now, direct })
  const as = (person: PersonKey, input: Inbound['input']) => converse(deps(), {
    platform: 'slack', workspaceId: 'TA', externalUserId: `UA${person}`, channelId: 'C1', threadId: null, input, requestId: `r-${Math.random()}`,
  })
  const say = (person: PersonKey, text: string) => as(person, { kind: 'command', command: '/timesheet', text })
  const click = (person: PersonKey, button: { actionId: string; payload: string }) => as(person, { kind: 'action', actionId: button.actionId, payload: button.payload })
  const buttonsOf = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
  const dmsTo = (user: string) => dms.filter((d) => d.to.externalUserId === user)
  const entries = (person: PersonKey, week: string) => db.e.db.selectFrom('agency.timesheet_entries').select(['id', 'status', 'approved_by', 'hours'])
    .where('user_id', '=', db.fx.A.people[person]).where('week_start_date', '=', week).where('source', '=', 'slack').execute()
  /** Direct SQL as workroom_app under the person's own actor, as an attacker with a session would write. */
  const asSql = (person: PersonKey, fn: Parameters<typeof withActor>[2]) => sqlstate(withActor(db.e.db, actorOf(db.fx, 'A', person), fn))

  it('logs as a draft, submits the week, and the campaign\'s pm gets a private card with the week per campaign', async () => {
    expect((await say('creative', '2h campaign cx - storyboards')).summary).toMatch(/^Logged 2h/)
    const week = mondayOf(today)
    expect((await entries('creative', week)).map((e) => e.status)).toEqual(['draft'])
    // The week view offers the submit button.
    const view = await say('creative', 'week')
    expect(buttonsOf(view).map((b) => b.actionId)).toContain('timesheet.submit')

    const submitted = await click('creative', buttonsOf(view).find((b) => b.actionId === 'timesheet.submit')!)
    expect(submitted.summary).toMatch(/^Submitted your week of .*: 2h in 1 entry\. Sent to pm A for approval\.$/)
    expect((await entries('creative', week)).map((e) => e.status)).toEqual(['submitted'])
    const card = dmsTo('UApm').at(-1)!.reply
    const text = renderText(card)
    expect(text).toContain('creative A submitted the week of')
    expect(text).toContain('Campaign cX A')
    expect(text).not.toMatch(/£|\$|cost|budget/i)
    expect(buttonsOf(card).map((b) => b.actionId)).toEqual(['timesheet.approve', 'timesheet.reject'])
    // Nobody else was asked: cX's pm decides, not leadership.
    expect(dms.filter((d) => d.to.externalUserId !== 'UApm')).toEqual([])
    expect(renderText(await say('pm', 'approvals'))).toContain('creative A · week of')
    expect((await say('creative', 'approvals')).summary).toBe('Nothing waits for your approval.')
  })

  it('refuses, in the database, a creative approving their own week and an account lead approving it', async () => {
    const week = mondayOf(today)
    const approve = (trx: Parameters<Parameters<typeof withActor>[2]>[0]) => trx.updateTable('agency.timesheet_entries')
      .set({ status: 'approved' }).where('user_id', '=', db.fx.A.people.creative).where('week_start_date', '=', week).execute()
    expect(await asSql('creative', approve)).toBe('42501')
    // The account lead of cX is not its pm: row security gives them no one else's entry to update.
    const byAccount = await withActor(db.e.db, actorOf(db.fx, 'A', 'account'), approve)
    expect(byAccount.reduce((n, r) => n + Number(r.numUpdatedRows), 0)).toBe(0)
    // A pm on a campaign that is not theirs: cX given another producer.
    await db.e.db.updateTable('agency.campaigns').set({ producer_id: db.fx.A.people.leadership }).where('id', '=', db.fx.A.rows.get('campaign:cX')!).execute()
    try {
      expect(await asSql('pm', approve)).toBe('42501')
    } finally {
      await db.e.db.updateTable('agency.campaigns').set({ producer_id: null }).where('id', '=', db.fx.A.rows.get('campaign:cX')!).execute()
    }
    expect((await entries('creative', week)).map((e) => e.status)).toEqual(['submitted'])
  })

  it('acts on no one else\'s click of the card: the submitter, the account lead, a pm of another campaign, a person of another agency', async () => {
    const week = mondayOf(today)
    const card = dmsTo('UApm').at(-1)!.reply
    const approve = buttonsOf(card).find((b) => b.actionId === 'timesheet.approve')!
    const told = dmsTo('UAcreative').length
    // The button's payload, forwarded or replayed by someone who is not the campaign's pm.
    for (const person of ['creative', 'account'] as const) {
      expect((await click(person, approve)).summary).not.toMatch(/^Approved/)
    }
    const campaign = db.fx.A.rows.get('campaign:cX')!
    await db.e.db.updateTable('agency.campaigns').set({ producer_id: db.fx.A.people.leadership }).where('id', '=', campaign).execute()
    try {
      expect((await click('pm', approve)).summary).not.toMatch(/^Approved/)
    } finally {
      await db.e.db.updateTable('agency.campaigns').set({ producer_id: null }).where('id', '=', campaign).execute()
    }
    const foreign = await converse(deps(), {
      platform: 'slack', workspaceId: 'TB', externalUserId: 'UBpm', channelId: 'C1', threadId: null, requestId: `r-${Math.random()}`,
      input: { kind: 'action', actionId: approve.actionId, payload: approve.payload },
    })
    expect(foreign.summary).not.toMatch(/^Approved/)
    expect((await entries('creative', week)).map((e) => [e.status, e.approved_by])).toEqual([['submitted', null]])
    expect(dmsTo('UAcreative')).toHaveLength(told)
  })

  it('approves on the card\'s button: the person is told, and the entries are locked against their own SQL', async () => {
    const week = mondayOf(today)
    const card = dmsTo('UApm').at(-1)!.reply
    const approved = await click('pm', buttonsOf(card).find((b) => b.actionId === 'timesheet.approve')!)
    expect(approved.summary).toMatch(/^Approved creative A's week of .*: 2h on Campaign cX A\. It is locked now\. creative has been told\.$/)
    const rows = await entries('creative', week)
    expect(rows.map((e) => [e.status, e.approved_by])).toEqual([['approved', db.fx.A.people.pm]])
    expect(renderText(dmsTo('UAcreative').at(-1)!.reply)).toMatch(/pm A approved your week of .*Campaign cX A \(2h\)\. Those entries are locked now\./)

    const id = rows[0]!.id
    expect(await asSql('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ hours: 9 }).where('id', '=', id).execute())).toBe('WR002')
    expect(await asSql('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ status: 'draft' }).where('id', '=', id).execute())).toBe('WR002')
    expect(await asSql('creative', (trx) => trx.deleteFrom('agency.timesheet_entries').where('id', '=', id).execute())).toBe('WR002')
    expect(await asSql('creative', (trx) => sql`UPDATE agency.timesheet_entries SET description = 'changed' WHERE id = ${id}`.execute(trx))).toBe('WR002')
    expect((await entries('creative', week)).map((e) => [e.status, e.hours])).toEqual([['approved', 2]])
    // The bot says so too.
    expect((await say('creative', 'edit 3h')).summary).toMatch(/approved/)
    // A second click acts no more.
    expect((await click('pm', buttonsOf(card).find((b) => b.actionId === 'timesheet.approve')!)).summary).toMatch(/^Nothing of creative A .* waits for your decision/)
  })

  it('rejects with a reason: the reason reaches the person, and the week is theirs to fix and submit again', async () => {
    const lastWeek = mondayOf(addDays(today, -7))
    const day = addDays(lastWeek, 1)
    expect((await say('creative', `1h campaign cx ${day} - client call`)).summary).toMatch(/^Logged 1h/)
    expect((await say('creative', 'submit last week')).summary).toMatch(/^Submitted your week of/)
    const card = dmsTo('UApm').at(-1)!.reply
    // The Reject button asks for the reason, as a command to type.
    const hint = await click('pm', buttonsOf(card).find((b) => b.actionId === 'timesheet.reject')!)
    expect(renderText(hint)).toContain(`/timesheet reject creative ${lastWeek} <what to fix>`)
    const rejected = await say('pm', `reject creative ${lastWeek} the client call was on Campaign cY`)
    expect(rejected.summary).toMatch(/^Returned creative A's week of .* with your reason: "the client call was on Campaign cY"\. creative has been told\.$/)
    const notice = dmsTo('UAcreative').at(-1)!.reply
    expect(notice.blocks).toContainEqual({ type: 'quote', text: 'the client call was on Campaign cY' })
    const rows = await entries('creative', lastWeek)
    expect(rows.map((e) => e.status)).toEqual(['rejected'])
    // Unlocked: the owner's own SQL may change it now, and submit it again.
    expect(await asSql('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ hours: 1.5 }).where('id', '=', rows[0]!.id).execute())).toBeUndefined()
    expect((await say('creative', `submit week of ${day}`)).summary).toMatch(/^Submitted your week of .*: 1\.5h in 1 entry/)
    expect((await entries('creative', lastWeek)).map((e) => [e.status, e.approved_by])).toEqual([['submitted', null]])
  })

  it('without a way to message the approver, the submitter is told where it waits', async () => {
    const out = await converse({ db: db.e.db, now }, {
      platform: 'slack', workspaceId: 'TA', externalUserId: 'UAaccount', channelId: 'C1', threadId: null,
      input: { kind: 'command', command: '/timesheet', text: '1h campaign cx' }, requestId: `r-${Math.random()}`,
    })
    expect(out.summary).toMatch(/^Logged/)
    const submitted = await converse({ db: db.e.db, now }, {
      platform: 'slack', workspaceId: 'TA', externalUserId: 'UAaccount', channelId: 'C1', threadId: null,
      input: { kind: 'command', command: '/timesheet', text: 'submit' }, requestId: `r-${Math.random()}`,
    })
    expect(submitted.summary).toMatch(/pm A will see it in `\/timesheet approvals`/)
  })
})
