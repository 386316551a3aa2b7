import { expect, it } from 'vitest'
import { withActor } from '../src/db/actor.ts'
import { lookupCampaign } from '../src/handlers/campaign.ts'
import { campaignReply } from '../src/handlers/replies.ts'
import type { Field, Reply } from '../src/handlers/reply.ts'
import { describeEachEngine } from './support/engines.ts'
import { PEOPLE, actorOf, useFixtureDatabase } from './support/fixture.ts'

const TODAY = '2026-11-25'
const fieldsOf = (r: Reply): Field[] => r.blocks.flatMap((b) => (b.type === 'fields' ? b.fields : []))

describeEachEngine('campaign lookup', (engine) => {
  const db = useFixtureDatabase(engine)

  it.each(PEOPLE.filter((p) => p !== 'outsider'))('shows %s Campaign cX with money only for finance and leadership', async (person) => {
    const result = await withActor(db.e.db, actorOf(db.fx, 'A', person), (trx) => lookupCampaign(trx, 'campaign cx', TODAY))
    expect(result.kind).toBe('found')
    if (result.kind !== 'found') return
    const c = result.campaign
    expect(c).toMatchObject({ name: 'Campaign cX A', clientName: 'Client X A', brandName: 'Brand X', durationWeeks: 11 })
    expect(c.phases).toEqual([{ name: 'Strategy', status: 'in_progress', progress: 0 }])
    // The label says whose hours these are, as the database decided what to count.
    const everyone = person === 'finance' || person === 'leadership' || person === 'pm'
    expect(c.hoursOfEveryone).toBe(everyone)
    expect(fieldsOf(campaignReply(result)).find((f) => f.label.endsWith('hours'))?.label).toBe(everyone ? "Everyone's hours" : 'Your hours')
    if (person === 'finance' || person === 'leadership') {
      // Money in the campaign's own currency.
      expect(fieldsOf(campaignReply(result)).find((f) => f.label === 'Budget')?.value).toBe(`${c.currency === 'GBP' ? '£' : c.currency === 'USD' ? 'US$' : c.currency}100,000`)
      // account and creative logged 2 h each at 50/150
      expect(c.money).toEqual({ budget: 100_000, costToDate: 200, billedToDate: 600, margin: 400 })
    } else {
      expect(c.money).toBeNull()
    }
  })

  it('finds nothing for the outsider, nor across tenants', async () => {
    const outsider = await withActor(db.e.db, actorOf(db.fx, 'A', 'outsider'), (trx) => lookupCampaign(trx, 'Campaign cX A', TODAY))
    expect(outsider.kind).toBe('unknown_campaign')
    const other = await withActor(db.e.db, actorOf(db.fx, 'B', 'leadership'), (trx) => lookupCampaign(trx, 'Campaign cX A', TODAY))
    expect(other.kind === 'found' ? other.campaign.name : null).not.toBe('Campaign cX A')
  })

  it('offers suggestions as buttons that open the campaign', async () => {
    const result = await withActor(db.e.db, actorOf(db.fx, 'A', 'pm'), (trx) => lookupCampaign(trx, 'campain cx a', TODAY))
    expect(result.kind).toBe('unknown_campaign')
    const buttons = campaignReply(result).blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
    expect(buttons.map((b) => [b.label, b.actionId, b.payload])).toEqual([
      ['Campaign cX A (A-cX)', 'campaign.show', db.fx.A.rows.get('campaign:cX')],
      ['Campaign cY A (A-cY)', 'campaign.show', db.fx.A.rows.get('campaign:cY')],
    ])
  })

  it('offers choices for an ambiguous name', async () => {
    const result = await withActor(db.e.db, actorOf(db.fx, 'A', 'pm'), (trx) => lookupCampaign(trx, 'campaign', TODAY))
    expect(result.kind).toBe('choose_campaign')
  })
})
