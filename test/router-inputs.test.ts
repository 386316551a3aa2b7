/**
 * Inputs at the edge of what the database takes, through the router as the fixture's people:
 * each one gets a reply that says what happened, and writes nothing. Before these were caught,
 * each ended in a PostgreSQL error (22021 for a NUL, 22P02 for a malformed uuid, 23514 for hours
 * that numeric(5,2) rounds to 0, 42501 for another tenant's digest) and the person heard nothing.
 */
import { describe, expect, it } from 'vitest'
import type { Inbound } from '../src/handlers/inbound.ts'
import { MAX_TEXT_CHARS } from '../src/handlers/input-limits.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { converse } from '../src/chat/converse.ts'
import { describeEachEngine } from './support/engines.ts'
import { useFixtureDatabase } from './support/fixture.ts'

describeEachEngine('router: inputs the database would refuse', (engine) => {
  const db = useFixtureDatabase(engine)
  const now = () => new Date('2026-11-25T15:00:00Z')
  const inbound = (over: Partial<Inbound>): Inbound => ({
    platform: 'slack', workspaceId: 'TA', externalUserId: 'UAcreative', channelId: 'C1', threadId: null,
    input: { kind: 'command', command: '/timesheet', text: '' }, requestId: `r-${Math.random()}`, ...over,
  })
  const send = (over: Partial<Inbound>) => converse({ db: db.e.db, now }, inbound(over))

  /** Rows of every table a chat message can write, counted as the owner (RLS does not hide any). */
  const TABLES = ['agency.timesheet_entries', 'agency.ai_conversations', 'agency.ai_messages', 'workroom.digest_subscriptions', 'workroom.chat_identities'] as const
  const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) =>
    [t, Number((await db.e.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)])))

  /** The payload of the "which campaign?" button for this person, as the router built it. */
  const chooseButton = async (user: string) => {
    const asked = await send({ externalUserId: user, input: { kind: 'command', command: '/timesheet', text: '2h campaign' } })
    const buttons = asked.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
    expect(buttons.length).toBeGreaterThan(1)
    return buttons[0]!
  }

  describe('a NUL character (PostgreSQL text cannot hold one)', () => {
    it.each([
      ['a /timesheet note', { input: { kind: 'command', command: '/timesheet', text: '1h campaign cx - story\u0000boards' } }],
      ['a question in a mention', { input: { kind: 'message', text: '@workroom what is the rounding\u0000 rule?' } }],
      ['a /ask question', { input: { kind: 'command', command: '/ask', text: 'who approves\u0000 a PO?' } }],
      ['a /campaign lookup', { input: { kind: 'command', command: '/campaign', text: 'campaign\u0000 cx' } }],
      ['a thread id', { threadId: 'thread\u0000', input: { kind: 'message', text: 'what is the rounding rule?' } }],
    ] as Array<[string, Partial<Inbound>]>)('in %s: says so and writes nothing', async (_label, over) => {
      const before = await counts()
      const out = await send(over)
      expect(renderText(out)).toMatch(/NUL character.*Nothing was saved/)
      expect(await counts()).toEqual(before)
    })

    it('in a button payload (only a forged one can hold it): the choice has expired, and nothing is written', async () => {
      const button = await chooseButton('UAleadership')
      const before = await counts()
      const payload = JSON.stringify({ ...JSON.parse(button.payload), note: 'nul \u0000 here' })
      expect(payload).toContain('\\u0000')   // JSON escapes it; JSON.parse gives the NUL back
      const out = await send({ externalUserId: 'UAleadership', input: { kind: 'action', actionId: button.actionId, payload } })
      expect(renderText(out)).toBe('That choice has expired. Please send the message again.')
      expect(await counts()).toEqual(before)
    })
  })

  it('a 200 KB question is answered "too long" and nothing is stored', async () => {
    const before = await counts()
    const question = `${'how many quotes do I need for a purchase order over 10k '.repeat(3700)}?`
    expect(question.length).toBeGreaterThan(200_000)
    for (const input of [{ kind: 'command', command: '/ask', text: question }, { kind: 'message', text: `@workroom ${question}` }] as const) {
      const out = await send({ input })
      expect(renderText(out)).toMatch(/^That question is too long \([\d,]+ characters\)\. Workroom takes questions of up to [\d,]+ characters; ask it in fewer words\. Nothing was saved\.$/)
      expect(renderText(out)).toContain(`up to ${MAX_TEXT_CHARS.toLocaleString('en')} characters`)
    }
    expect(await counts()).toEqual(before)
  })

  it('a long timesheet line is answered "too long" and logs nothing', async () => {
    const before = await counts()
    const out = await send({ input: { kind: 'command', command: '/timesheet', text: `1h campaign cx - ${'notes '.repeat(2000)}` } })
    expect(renderText(out)).toMatch(/That message is too long/)
    expect(await counts()).toEqual(before)
  })

  it('a question at the limit is still answered', async () => {
    const question = `what is the rounding rule? ${'x'.repeat(MAX_TEXT_CHARS - 30)}`.slice(0, MAX_TEXT_CHARS)
    const out = await send({ input: { kind: 'command', command: '/ask', text: question } })
    expect(renderText(out)).not.toMatch(/too long/)
  })

  it.each([0.001, 0.004, 0.1, 0.3, -1, 24.25])('a "which campaign?" button forged to log %s h logs nothing', async (hours) => {
    const button = await chooseButton('UAleadership')
    const before = await counts()
    const payload = JSON.stringify({ ...JSON.parse(button.payload), hours })
    const out = await send({ externalUserId: 'UAleadership', input: { kind: 'action', actionId: button.actionId, payload } })
    expect(renderText(out)).toBe('That choice has expired. Please send the message again.')
    expect(await counts()).toEqual(before)
  })

  it('the same button with the hours the parser gave still logs', async () => {
    const button = await chooseButton('UAleadership')
    const out = await send({ externalUserId: 'UAleadership', input: { kind: 'action', actionId: button.actionId, payload: JSON.stringify({ ...JSON.parse(button.payload), hours: 0.25 }) } })
    expect(out.summary).toMatch(/^Logged 0\.25h to Campaign/)
  })

  it.each([
    ['timesheet.undo', 'not-a-uuid'],
    ['timesheet.undo', "'; DROP TABLE x; --"],
    ['timesheet.undo', ''],
    ['campaign.show', 'not-a-uuid'],
    ['campaign.show', '123'],
  ])('a %s button whose id is %j is a button it no longer knows', async (actionId, payload) => {
    const before = await counts()
    const out = await send({ input: { kind: 'action', actionId, payload } })
    expect(renderText(out)).toBe("I don't know that button any more. Please send the message again.")
    expect(await counts()).toEqual(before)
  })

  it("/digest in a channel another tenant subscribed: told it can't be changed, and nothing is written", async () => {
    // Tenant A's digest in a channel of the workspace tenant B's people chat in (written as the
    // owner, as if A's manager had subscribed it).
    const channel = { platform: 'slack' as const, workspace_id: 'TB', channel_id: 'C-shared' }
    const theirs = await db.e.db.insertInto('workroom.digest_subscriptions').values({
      tenant_id: db.fx.A.tenantId, ...channel, cadence: 'weekdays', post_at: '08:30', timezone: 'UTC', created_by: db.fx.A.people.pm,
    }).returningAll().executeTakeFirstOrThrow()
    const before = await counts()
    for (const text of ['daily 09:00', 'weekdays 10:00 Europe/London']) {
      const out = await send({ workspaceId: 'TB', externalUserId: 'UBpm', channelId: 'C-shared', input: { kind: 'command', command: '/digest', text } })
      expect(renderText(out)).toMatch(/This channel already gets a digest set up in another Workroom organisation; you can't change it\. Nothing was changed\./)
      expect(out.visibility).toBe('ephemeral')
    }
    expect(await counts()).toEqual(before)
    expect(await db.e.db.selectFrom('workroom.digest_subscriptions').selectAll().where('id', '=', theirs.id).executeTakeFirst()).toEqual(theirs)
    // Its own channels still subscribe and change as before.
    const mine = await send({ workspaceId: 'TB', externalUserId: 'UBpm', channelId: 'C-b-own', input: { kind: 'command', command: '/digest', text: 'daily 09:00 UTC' } })
    expect(mine.summary).toBe('Subscribed: this channel gets the utilization digest every day at 09:00 (UTC), starting with the next one.')
    const changed = await send({ workspaceId: 'TB', externalUserId: 'UBpm', channelId: 'C-b-own', input: { kind: 'command', command: '/digest', text: 'weekdays 10:00 UTC' } })
    expect(changed.summary).toBe('Changed: this channel gets the utilization digest on weekdays at 10:00 (UTC), starting with the next one.')
  })
})
