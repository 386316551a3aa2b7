import { expect, it } from 'vitest'
import { renderBlocks } from '../src/bots/slack/blocks.ts'
import { converse } from '../src/chat/converse.ts'
import { plain } from '../src/chat/text.ts'
import { withActor } from '../src/db/actor.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import type { Reply } from '../src/handlers/reply.ts'
import { describeEachEngine } from './support/engines.ts'
import { actorOf, useFixtureDatabase, type PersonKey } from './support/fixture.ts'

// `/campaign list` pages through the campaigns a person may see, 100 at a time, each page after
// the last row of the one before. Tenant A gets 250 more campaigns; its creative leads 130 of them.
describeEachEngine('/campaign list', (engine) => {
  const db = useFixtureDatabase(engine)
  const now = () => new Date('2026-11-25T15:00:00Z')
  const inbound = (person: PersonKey, input: Inbound['input']): Inbound => ({
    platform: 'slack', workspaceId: 'TA', externalUserId: `UA${person}`, channelId: 'C1', threadId: null, input, requestId: `r-${Math.random()}`,
  })
  const items = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'list' ? b.items.map((i) => plain(i).split(' · ')[0]!) : []))
  const next = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : [])).find((b) => b.actionId === 'campaign.page')

  let seeded = false
  const seed = async () => {
    if (seeded) return
    seeded = true
    const tenantId = db.fx.A.tenantId
    const client = db.fx.A.rows.get('client:X')!
    const creative = db.fx.A.rows.get('person:creative')!
    await db.e.db.insertInto('agency.campaigns').values(Array.from({ length: 250 }, (_, i) => ({
      tenant_id: tenantId, client_id: client, name: `Paged ${String((i * 37) % 250).padStart(3, '0')}`, code: `PG-${i}`, status: 'active' as const,
      ...(i < 130 ? { creative_lead_id: creative } : {}),
    }))).execute()
  }

  /** Every page as the person reads them: the command, then "Next page" until there is none; the page after the first is changed by `between`. */
  async function readAll(person: PersonKey, between?: () => Promise<void>) {
    const pages: string[][] = []
    let r = await converse({ db: db.e.db, now }, inbound(person, { kind: 'command', command: '/campaign', text: 'list' }))
    for (;;) {
      pages.push(items(r))
      // Each page renders for Slack with its button, whose payload comes back on the click.
      expect(renderBlocks(r).blocks.length).toBeGreaterThan(0)
      const button = next(r)
      if (!button) break
      if (pages.length === 1) await between?.()
      r = await converse({ db: db.e.db, now }, inbound(person, { kind: 'action', actionId: button.actionId, payload: button.payload }))
    }
    return pages
  }

  const visible = (person: PersonKey) => withActor(db.e.db, actorOf(db.fx, 'A', person), (trx) =>
    trx.selectFrom('agency.campaigns as c').innerJoin('agency.clients as cl', 'cl.id', 'c.client_id').select('c.name').orderBy('c.name').orderBy('c.id').execute())

  it.each(['leadership', 'creative'] as const)('gives %s every campaign they may see, 100 a page, each page following the last with no overlap or gap', async (person) => {
    await seed()
    const pages = await readAll(person)
    const all = (await visible(person)).map((c) => c.name)
    expect(all.length).toBeGreaterThan(100)
    expect(pages.slice(0, -1).every((p) => p.length === 100)).toBe(true)
    expect(pages.flat()).toEqual(all)
    if (person === 'creative') {
      // Row security: the 120 campaigns the creative does not lead are not listed, nor tenant B's.
      expect(pages.flat().filter((n) => n.startsWith('Paged '))).toHaveLength(130)
      expect(pages.flat().some((n) => n.endsWith(' B'))).toBe(false)
    }
  })

  it('neither repeats nor skips a campaign when one is added before the page boundary while reading', async () => {
    await seed()
    const before = (await visible('leadership')).map((c) => c.name)
    const pages = await readAll('leadership', async () => {
      await db.e.db.insertInto('agency.campaigns').values({ tenant_id: db.fx.A.tenantId, client_id: db.fx.A.rows.get('client:X')!, name: 'Paged 000 (added)', code: 'PG-ADDED', status: 'active' }).execute()
    })
    // Page 2 starts right after page 1's last row: the campaign added above it is not shown, and nothing shifts.
    expect(pages.flat()).toEqual(before)
    expect(new Set(pages.flat()).size).toBe(pages.flat().length)
    await db.e.db.deleteFrom('agency.campaigns').where('code', '=', 'PG-ADDED').execute()
  })

  it("refuses a page after another tenant's campaign, as if it did not exist", async () => {
    await seed()
    const theirs = db.fx.B.rows.get('campaign:cX')!
    const r = await converse({ db: db.e.db, now }, inbound('leadership', { kind: 'action', actionId: 'campaign.page', payload: theirs }))
    expect(r.summary).toMatch(/That list has changed/)
  })
})
