import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { autoLinkIdentity, linkIdentity, resolveIdentity, type ChatIdentity } from '../../src/db/identity.ts'
import { describeEachEngine } from '../support/engines.ts'
import { useFixtureDatabase } from '../support/fixture.ts'

describeEachEngine('chat identity', (engine) => {
  const ctx = useFixtureDatabase(engine)
  const stranger = (n: number): ChatIdentity => ({ platform: 'slack', workspaceId: 'TNEW', externalUserId: `UNEW${n}` })

  it('resolves a linked Slack user to their person, tenant and role', async () => {
    const actor = await resolveIdentity(ctx.e.db, { platform: 'slack', workspaceId: 'TA', externalUserId: 'UAcreative' })
    expect(actor).toEqual({
      tenantId: ctx.fx.A.tenantId, userId: ctx.fx.A.people.creative, role: 'creative',
      displayName: 'creative A', email: 'creative@a.example', timezone: 'UTC',
    })
  })

  it('returns null for someone not linked, on another workspace or platform', async () => {
    expect(await resolveIdentity(ctx.e.db, stranger(1))).toBeNull()
    expect(await resolveIdentity(ctx.e.db, { platform: 'slack', workspaceId: 'TB', externalUserId: 'UAcreative' })).toBeNull()
    expect(await resolveIdentity(ctx.e.db, { platform: 'teams', workspaceId: 'TA', externalUserId: 'UAcreative' })).toBeNull()
  })

  it('auto-links by a verified e-mail, case-insensitively, and never moves an existing link', async () => {
    const linked = await autoLinkIdentity(ctx.e.db, stranger(2), '  PM@A.example ')
    expect(linked).toMatchObject({ tenantId: ctx.fx.A.tenantId, userId: ctx.fx.A.people.pm, role: 'pm' })
    const again = await autoLinkIdentity(ctx.e.db, stranger(2), 'leadership@a.example')
    expect(again?.userId).toBe(ctx.fx.A.people.pm)
    expect(await resolveIdentity(ctx.e.db, stranger(2))).toMatchObject({ userId: ctx.fx.A.people.pm })
  })

  it('links nobody for an unknown or inactive e-mail', async () => {
    expect(await autoLinkIdentity(ctx.e.db, stranger(3), 'nobody@a.example')).toBeNull()
    await ctx.e.db.updateTable('workroom.people').set({ is_active: false }).where('id', '=', ctx.fx.B.people.outsider).execute()
    expect(await autoLinkIdentity(ctx.e.db, stranger(3), 'outsider@b.example')).toBeNull()
    const rows = await ctx.e.db.selectFrom('workroom.chat_identities').select('id').where('external_user_id', '=', 'UNEW3').execute()
    expect(rows).toEqual([])
  })

  it('lets an operator move a link to another person, and only an operator', async () => {
    const moved = await linkIdentity(ctx.e.db, stranger(2), 'finance@b.example')
    expect(moved).toMatchObject({ tenantId: ctx.fx.B.tenantId, userId: ctx.fx.B.people.finance, role: 'finance' })
    const attempt = ctx.e.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', 'workroom_app', true)`.execute(trx)
      await sql`SELECT * FROM workroom.link_identity('slack', 'TNEW', 'UNEW2', 'leadership@a.example')`.execute(trx)
    })
    await expect(attempt).rejects.toMatchObject({ code: '42501' })
    expect(await resolveIdentity(ctx.e.db, stranger(2))).toMatchObject({ userId: ctx.fx.B.people.finance })
  })
})
