import { expect, it } from 'vitest'
import { withActor } from '../src/db/actor.ts'
import { lookupCampaign } from '../src/handlers/campaign.ts'
import { describeEachEngine } from './support/engines.ts'
import { PEOPLE, actorOf, useFixtureDatabase } from './support/fixture.ts'

const TODAY = '2026-11-25'

describeEachEngine('campaign lookup', (engine) => {
  const db = useFixtureDatabase(engine)

  it.each(PEOPLE.filter((p) => p !== 'outsider'))('shows %s Campaign cX with money only for finance and leadership', async (person) => {
    const result = await withActor(db.e.db, actorOf(db.fx, 'A', person), (trx) => lookupCampaign(trx, 'campaign cx', TODAY))
    expect(result.kind).toBe('found')
    if (result.kind !== 'found') return
    const c = result.campaign
    expect(c).toMatchObject({ name: 'Campaign cX A', clientName: 'Client X A', brandName: 'Brand X', durationWeeks: 11 })
    expect(c.phases).toEqual([{ name: 'Strategy', status: 'in_progress', progress: 0 }])
    if (person === 'finance' || person === 'leadership') {
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

  it('offers choices for an ambiguous name', async () => {
    const result = await withActor(db.e.db, actorOf(db.fx, 'A', 'pm'), (trx) => lookupCampaign(trx, 'campaign', TODAY))
    expect(result.kind).toBe('choose_campaign')
  })
})
