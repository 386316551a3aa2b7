/**
 * Choices picked by number on every platform: a reply that asks "which campaign?" offers numbered
 * buttons, and a message that is only a number picks one, as its button would. Through converse()
 * with Slack's and Teams' identities (the adapters' toInbound is tested on recorded payloads
 * elsewhere), rendered by each platform's own renderer; and from the attacker's side, as
 * workroom_app in SQL.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { renderBlocks } from '../src/bots/slack/blocks.ts'
import { renderCard } from '../src/bots/teams/cards.ts'
import { choiceNumber, converse } from '../src/chat/converse.ts'
import { withActor } from '../src/db/actor.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { NUMBERED_HINT } from '../src/handlers/reply.ts'
import { describeEachEngine } from './support/engines.ts'
import { actorOf, sqlstate, useFixtureDatabase } from './support/fixture.ts'

it.each([
  ['2', 2], [' 2. ', 2], ['#3', 3], ['option 1', 1], ['No. 4', 4], ['12', 12], ['1)', 1],
  ['0', null], ['2h', null], ['1 2', null], ['123', null], ['two', null], ['', null],
] as const)('"%s" picks choice %s', (text, n) => {
  expect(choiceNumber(text)).toBe(n)
})

describeEachEngine('numbered choices', (engine) => {
  const db = useFixtureDatabase(engine)
  let clock = new Date('2026-11-25T15:00:00Z')
  const now = () => clock
  const deps = () => ({ db: db.e.db, now })
  // leadership of tenant A sees both campaigns cX and cY: "campaign" fits both.
  const slack = (input: Inbound['input'], over: Partial<Inbound> = {}): Inbound => ({
    platform: 'slack', workspaceId: 'TA', externalUserId: 'UAleadership', channelId: 'D1', threadId: null, input, requestId: `r-${Math.random()}`, ...over,
  })
  const entriesOf = (person: string) => db.e.db.selectFrom('agency.timesheet_entries').select(['id', 'campaign_id'])
    .where('user_id', '=', person).where('source', 'in', ['slack', 'teams']).execute()

  it('offers the campaigns as numbered buttons on Slack, and "2" logs the second, once', async () => {
    const leader = db.fx.A.people.leadership
    const before = (await entriesOf(leader)).length
    const asked = await converse(deps(), slack({ kind: 'command', command: '/timesheet', text: '2h campaign' }))
    const shown = renderBlocks(asked)
    const labels = shown.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => (e.type === 'button' ? e.text.text : '')) : []))
    expect(labels).toHaveLength(2)
    expect(labels[0]).toMatch(/^1 · Campaign c[XY] A \(A-c[XY]\)$/)
    expect(labels[1]).toMatch(/^2 · Campaign c[XY] A \(A-c[XY]\)$/)
    expect(JSON.stringify(shown.blocks)).toContain(NUMBERED_HINT)

    const second = labels[1]!.slice(4)
    const picked = await converse(deps(), slack({ kind: 'message', text: '2' }))
    expect(picked.summary).toBe(`Logged 2h to ${second.replace(/ \(.*\)$/, '')} on Wed 25 Nov.`)
    // Picked once: the same number again (a redelivery, a double send) logs nothing more.
    const again = await converse(deps(), slack({ kind: 'message', text: '2' }))
    expect(again.summary).toMatch(/^I haven't offered you any choices here/)
    expect((await entriesOf(leader)).length).toBe(before + 1)
  })

  it('keeps an offer to the person it was made to, in the conversation it was made in, for 15 minutes', async () => {
    await converse(deps(), slack({ kind: 'command', command: '/timesheet', text: '1h campaign' }))
    // Someone else in the same conversation typing "1" picks nothing of it.
    await linkIdentity(db.e.db, { platform: 'slack', workspaceId: 'TA', externalUserId: 'UApm' }, 'pm@a.example')
    const other = await converse(deps(), slack({ kind: 'message', text: '1' }, { externalUserId: 'UApm' }))
    expect(other.summary).toMatch(/^I haven't offered you any choices here/)
    // Nor does the same person in another conversation.
    expect((await converse(deps(), slack({ kind: 'message', text: '1' }, { channelId: 'C-other' }))).summary).toMatch(/^I haven't offered/)
    // A number with no choice: said so, and the offer stays open.
    expect((await converse(deps(), slack({ kind: 'message', text: '7' }))).summary).toBe('Reply with a number from 1 to 2, or click one of the buttons.')
    clock = new Date(clock.getTime() + 16 * 60_000)
    try {
      expect((await converse(deps(), slack({ kind: 'message', text: '1' }))).summary).toMatch(/^I haven't offered you any choices here in the last 15 minutes/)
    } finally {
      clock = new Date('2026-11-25T15:00:00Z')
    }
  })

  it('picks by number in Teams too, and shows the numbers on the card', async () => {
    const entra = '6f2f1e4e-9d51-4c1a-a3a4-1b0f1c6a2b7d'
    await bindWorkspace(db.e.db, 'teams', entra, 'tenant-a', 'operator')
    await linkIdentity(db.e.db, { platform: 'teams', workspaceId: entra, externalUserId: 'aad-leader' }, 'leadership@a.example')
    const teams = (text: string): Inbound => ({
      platform: 'teams', workspaceId: entra, externalUserId: 'aad-leader', channelId: 'a:1personal', threadId: null, input: { kind: 'message', text }, requestId: `t-${Math.random()}`,
    })
    const asked = await converse(deps(), teams('timesheet 30m campaign'))
    const card = JSON.stringify(renderCard(asked))
    expect(card).toMatch(/"title":"1 · Campaign c[XY] A \(A-c[XY]\)"/)
    expect(card).toContain(NUMBERED_HINT)
    const first = card.match(/"title":"1 · (Campaign c[XY] A)/)![1]
    expect((await converse(deps(), teams('option 1'))).summary).toBe(`Logged 0.5h to ${first} on Wed 25 Nov.`)
  })

  it("lets no one read, write or take another person's offer, even in SQL as workroom_app", async () => {
    const leader = actorOf(db.fx, 'A', 'leadership')
    const pm = actorOf(db.fx, 'A', 'pm')
    const foreign = actorOf(db.fx, 'B', 'leadership')
    await converse(deps(), slack({ kind: 'command', command: '/timesheet', text: '1h campaign' }, { channelId: 'D-sql' }))
    const count = (who: typeof leader) => withActor(db.e.db, who, async (trx) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM workroom.offered_choices WHERE channel_id = 'D-sql'`.execute(trx)).rows[0]!.n)
    expect(await count(leader)).toBe(1)
    expect(await count(pm)).toBe(0)
    expect(await count(foreign)).toBe(0)
    // Planting an offer for someone else (a choice that would log time as them) is refused…
    const plant = (who: typeof leader, tenantId: string, personId: string) => withActor(db.e.db, who, (trx) => sql`
      INSERT INTO workroom.offered_choices (tenant_id, person_id, platform, channel_id, choices)
      VALUES (${tenantId}, ${personId}, 'slack', 'D-plant', '[{"label":"x","actionId":"timesheet.choose","payload":"{}"}]')`.execute(trx))
    expect(await sqlstate(plant(pm, db.fx.A.tenantId, db.fx.A.people.leadership))).toBe('42501')
    expect(await sqlstate(plant(foreign, db.fx.A.tenantId, db.fx.A.people.leadership))).toBe('42501')
    // …and so is rewriting or deleting theirs.
    const touched = await withActor(db.e.db, pm, async (trx) => [
      (await sql`UPDATE workroom.offered_choices SET choices = '[]' WHERE channel_id = 'D-sql'`.execute(trx)).numAffectedRows,
      (await sql`DELETE FROM workroom.offered_choices WHERE channel_id = 'D-sql'`.execute(trx)).numAffectedRows,
    ])
    expect(touched.map(Number)).toEqual([0, 0])
    expect(await count(leader)).toBe(1)
  })
})
