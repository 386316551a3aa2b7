/**
 * Budget-burn alerts: the database records each threshold a campaign's cost crosses once, at write
 * time, however the writes interleave; the job sends each once, across two schedulers at once, to
 * finance and to a pm only where their role may read money, privately.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { budgetAlertReply, runBudgetAlerts } from '../src/alerts.ts'
import type { DirectTarget } from '../src/chat/platform.ts'
import { withActor } from '../src/db/actor.ts'
import { assertShareable, hasPrivate, type Reply } from '../src/handlers/reply.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { createLogger } from '../src/log.ts'
import { describeEachEngine } from './support/engines.ts'
import { actorOf, useFixtureDatabase } from './support/fixture.ts'

describeEachEngine('budget-burn alerts', (engine) => {
  const db = useFixtureDatabase(engine)
  const today = new Date().toISOString().slice(0, 10)
  const cX = () => db.fx.A.rows.get('campaign:cX')!
  const alerts = () => db.e.db.selectFrom('workroom.budget_alerts').select(['threshold', 'sent_at', 'attempts']).where('campaign_id', '=', cX()).orderBy('threshold').execute()
  const thresholds = async () => (await alerts()).map((a) => a.threshold)
  /** Time logged by the creative as the app writes it (their own actor, as workroom_app). */
  const log = (hours: number) => withActor(db.e.db, actorOf(db.fx, 'A', 'creative'), (trx) => trx.insertInto('agency.timesheet_entries')
    .values({ tenant_id: db.fx.A.tenantId, user_id: db.fx.A.people.creative, campaign_id: cX(), phase_id: db.fx.A.rows.get('phase:cX')!, entry_date: today, hours, status: 'draft' })
    .returning('id').executeTakeFirstOrThrow())
  const dms: Array<{ to: DirectTarget; reply: Reply }> = []
  const deps = () => ({
    db: db.e.db, now: () => new Date(), logger: createLogger('silent'),
    senders: { slack: async (to: DirectTarget, reply: Reply) => { dms.push({ to, reply }); return true } },
  })

  it('records nothing for what the owner writes (seed, import), then 50 % once when the app\'s write crosses it', async () => {
    // £1,000 budget at £50 an hour: each hour is 5 %; the fixture's 4h are 20 %. Set as the owner: no alert.
    await sql`UPDATE agency.campaigns SET budget = 1000 WHERE id = ${cX()}`.execute(db.e.db)
    expect(await thresholds()).toEqual([])
    await log(5)   // 45 %
    expect(await thresholds()).toEqual([])
    await log(1)   // 50 %
    expect(await thresholds()).toEqual([50])
  })

  it('crosses 75 % once when two people\'s writes cross it together', async () => {
    await Promise.all([log(3), log(3)])   // 50 → 80 %, whichever commits first
    expect(await thresholds()).toEqual([50, 75])
    const { rows } = await sql<{ cost: number }>`SELECT cost_amount AS cost FROM workroom.campaign_money WHERE campaign_id = ${cX()}`.execute(db.e.db)
    expect(Number(rows[0]!.cost)).toBe(800)
  })

  it('sends each alert once across two schedulers ticking together, to finance only (the pm of cX may not read money)', async () => {
    const [a, b] = await Promise.all([runBudgetAlerts(deps()), runBudgetAlerts(deps())])
    expect(a.claimed + b.claimed).toBe(2)
    expect(a.sent + b.sent).toBe(2)
    expect(dms.map((d) => d.to.externalUserId)).toEqual(['UAfinance', 'UAfinance'])
    expect((await alerts()).every((x) => x.sent_at !== null && x.attempts === 1)).toBe(true)
    expect(await runBudgetAlerts(deps())).toEqual({ claimed: 0, sent: 0, gaveUp: 0 })
    const text = renderText(dms.find((d) => d.reply.summary.includes('75%'))!.reply)
    expect(text).toContain('Campaign cX A (A-cX) has passed 75% of its budget')
    expect(text).toMatch(/Cost to date.*800/s)
    expect(text).toContain('Hours by phase')
    expect(text).toContain('Strategy: 12h')
    expect(text).toMatch(/Top contributors[\s\S]*creative A: 14h/)
  })

  it('is private throughout: no renderer may post it to a channel', () => {
    const reply = dms[0]!.reply
    expect(hasPrivate(reply)).toBe(true)
    expect(() => assertShareable(reply, 'a channel')).toThrow(/private content/)
  })

  it('crosses 90 and 100 % in one write, and a campaign that dips and crosses again is not alerted again', async () => {
    await log(6)   // 80 → 110 %
    expect(await thresholds()).toEqual([50, 75, 90, 100])
    const extra = await log(1)
    await withActor(db.e.db, actorOf(db.fx, 'A', 'creative'), (trx) => trx.deleteFrom('agency.timesheet_entries').where('id', '=', extra.id).execute())
    await log(1)
    expect(await thresholds()).toEqual([50, 75, 90, 100])
  })

  it('goes to the campaign\'s pm when their role may read money, and never to one that may not', async () => {
    // cX's pm becomes someone in leadership.
    await db.e.db.updateTable('agency.campaigns').set({ producer_id: db.fx.A.people.leadership }).where('id', '=', cX()).execute()
    dms.length = 0
    await runBudgetAlerts(deps())
    expect(dms.map((d) => d.to.externalUserId).sort()).toEqual(['UAfinance', 'UAfinance', 'UAleadership', 'UAleadership'])
    const roles = await db.e.db.selectFrom('workroom.chat_identities as i').innerJoin('workroom.people as p', 'p.id', 'i.person_id')
      .select('p.role').where('i.external_user_id', 'in', dms.map((d) => d.to.externalUserId)).execute()
    expect(roles.every((r) => r.role === 'finance' || r.role === 'leadership')).toBe(true)
  })

  it('is not readable by the app at all: money stays behind the service role', async () => {
    for (const person of ['finance', 'leadership', 'creative'] as const) {
      const code = await withActor(db.e.db, actorOf(db.fx, 'A', person), (trx) => trx.selectFrom('workroom.budget_alerts').selectAll().execute()).then(() => 'read', (err: { code?: string }) => err.code)
      expect(code, person).toBe('42501')
    }
  })

  it('renders a whole-budget alert', () => {
    expect(budgetAlertReply(100, { campaign: 'Aurora Air', code: 'AUR-01', currency: 'GBP', budget: 1000, cost: 1000, phases: [], contributors: [], recipients: [] }).summary)
      .toBe('Aurora Air (AUR-01) has used its whole budget')
  })
})
