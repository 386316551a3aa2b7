import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { autoLinkIdentity, linkIdentity, resolveIdentity, type ChatIdentity } from '../../src/db/identity.ts'
import { bindWorkspace, BindingRefused, listBindings, unbindWorkspace, workspaceTenant } from '../../src/db/workspaces.ts'
import { describeEachEngine } from '../support/engines.ts'
import { useFixtureDatabase } from '../support/fixture.ts'

describeEachEngine('chat identity', (engine) => {
  const ctx = useFixtureDatabase(engine)
  // TA is tenant A's bound Slack workspace (fixture); TFOREIGN is bound to nobody.
  const newcomer = (n: number): ChatIdentity => ({ platform: 'slack', workspaceId: 'TA', externalUserId: `UNEW${n}` })
  const foreigner = (n: number): ChatIdentity => ({ platform: 'slack', workspaceId: 'TFOREIGN', externalUserId: `UFOREIGN${n}` })
  const identityRows = (externalUserId: string) =>
    ctx.e.db.selectFrom('workroom.chat_identities').select(['workspace_id', 'person_id']).where('external_user_id', '=', externalUserId).execute()

  it('resolves a linked Slack user of a bound workspace to their person, tenant and role', async () => {
    const actor = await resolveIdentity(ctx.e.db, { platform: 'slack', workspaceId: 'TA', externalUserId: 'UAcreative' })
    expect(actor).toEqual({
      tenantId: ctx.fx.A.tenantId, userId: ctx.fx.A.people.creative, role: 'creative',
      displayName: 'creative A', email: 'creative@a.example', timezone: 'UTC', locale: 'en-GB',
    })
  })

  it('returns null for someone not linked, on another workspace or platform', async () => {
    expect(await resolveIdentity(ctx.e.db, newcomer(1))).toBeNull()
    expect(await resolveIdentity(ctx.e.db, { platform: 'slack', workspaceId: 'TB', externalUserId: 'UAcreative' })).toBeNull()
    expect(await resolveIdentity(ctx.e.db, { platform: 'teams', workspaceId: 'TA', externalUserId: 'UAcreative' })).toBeNull()
  })

  it('auto-links by a confirmed e-mail within the bound tenant, case-insensitively, and never moves an existing link', async () => {
    const linked = await autoLinkIdentity(ctx.e.db, newcomer(2), '  PM@A.example ')
    expect(linked).toMatchObject({ tenantId: ctx.fx.A.tenantId, userId: ctx.fx.A.people.pm, role: 'pm' })
    const again = await autoLinkIdentity(ctx.e.db, newcomer(2), 'leadership@a.example')
    expect(again?.userId).toBe(ctx.fx.A.people.pm)
    expect(await resolveIdentity(ctx.e.db, newcomer(2))).toMatchObject({ userId: ctx.fx.A.people.pm })
  })

  it('links nobody for an unknown or inactive e-mail', async () => {
    expect(await autoLinkIdentity(ctx.e.db, newcomer(3), 'nobody@a.example')).toBeNull()
    await ctx.e.db.updateTable('workroom.people').set({ is_active: false }).where('id', '=', ctx.fx.A.people.outsider).execute()
    expect(await autoLinkIdentity(ctx.e.db, newcomer(3), 'outsider@a.example')).toBeNull()
    await ctx.e.db.updateTable('workroom.people').set({ is_active: true }).where('id', '=', ctx.fx.A.people.outsider).execute()
    expect(await identityRows('UNEW3')).toEqual([])
  })

  it("never links a user of a foreign Slack workspace, whatever e-mail it reports: not even to tenant A's leadership", async () => {
    expect(await workspaceTenant(ctx.e.db, 'slack', 'TFOREIGN')).toBeNull()
    expect(await autoLinkIdentity(ctx.e.db, foreigner(1), 'leadership@a.example')).toBeNull()
    expect(await identityRows('UFOREIGN1')).toEqual([])
  })

  it("never links a user of tenant A's workspace to a person of tenant B, whose address it claims", async () => {
    expect(await autoLinkIdentity(ctx.e.db, newcomer(4), 'leadership@b.example')).toBeNull()
    expect(await identityRows('UNEW4')).toEqual([])
  })

  it('never links a user of a foreign Entra tenant through Teams', async () => {
    const teams: ChatIdentity = { platform: 'teams', workspaceId: '9b1c3a55-0000-4000-8000-00000000f0e1', externalUserId: 'aad-foreign' }
    expect(await autoLinkIdentity(ctx.e.db, teams, 'finance@a.example')).toBeNull()
    expect(await identityRows('aad-foreign')).toEqual([])
  })

  it('stops resolving a link once its workspace is unbound, and resolves it again when rebound to the same tenant', async () => {
    await ctx.e.db.insertInto('workroom.workspace_bindings').values({ platform: 'slack', workspace_id: 'TLATER', tenant_id: ctx.fx.A.tenantId, bound_via: 'operator' }).execute()
    const who: ChatIdentity = { platform: 'slack', workspaceId: 'TLATER', externalUserId: 'ULATER' }
    expect(await autoLinkIdentity(ctx.e.db, who, 'finance@a.example')).toMatchObject({ userId: ctx.fx.A.people.finance })
    expect(await unbindWorkspace(ctx.e.db, 'slack', 'TLATER')).toBe(true)
    expect(await resolveIdentity(ctx.e.db, who)).toBeNull()
    // Bound to another agency now: the old link (a person of A) must not come back as B's.
    expect(await bindWorkspace(ctx.e.db, 'slack', 'TLATER', 'tenant-b', 'operator')).toBe(true)
    expect(await resolveIdentity(ctx.e.db, who)).toBeNull()
    await unbindWorkspace(ctx.e.db, 'slack', 'TLATER')
    await bindWorkspace(ctx.e.db, 'slack', 'TLATER', 'tenant-a', 'operator')
    expect(await resolveIdentity(ctx.e.db, who)).toMatchObject({ userId: ctx.fx.A.people.finance })
  })

  it('lets a Grid org binding cover its teams, and a team binding win over its org', async () => {
    await bindWorkspace(ctx.e.db, 'slack', 'EORG', 'tenant-b', 'operator')
    expect(await workspaceTenant(ctx.e.db, 'slack', 'TGRIDTEAM', 'EORG')).toBe(ctx.fx.B.tenantId)
    expect(await workspaceTenant(ctx.e.db, 'slack', 'TGRIDTEAM')).toBeNull()
    expect(await workspaceTenant(ctx.e.db, 'slack', 'TA', 'EORG')).toBe(ctx.fx.A.tenantId)
    expect(await workspaceTenant(ctx.e.db, 'teams', 'TGRIDTEAM', 'EORG')).toBeNull()
    const grid: ChatIdentity = { platform: 'slack', workspaceId: 'TGRIDTEAM', externalUserId: 'UGRID', enterpriseId: 'EORG' }
    expect(await autoLinkIdentity(ctx.e.db, grid, 'pm@b.example')).toMatchObject({ tenantId: ctx.fx.B.tenantId })
    expect(await autoLinkIdentity(ctx.e.db, { ...grid, externalUserId: 'UGRID2' }, 'pm@a.example')).toBeNull()
  })

  it('refuses to bind a workspace that belongs to another tenant, or to a tenant that does not exist', async () => {
    await expect(bindWorkspace(ctx.e.db, 'slack', 'TA', 'tenant-b', 'operator')).rejects.toBeInstanceOf(BindingRefused)
    await expect(bindWorkspace(ctx.e.db, 'slack', 'TNOBODY', 'no-such-tenant', 'operator')).rejects.toThrow(/no tenant "no-such-tenant"/)
    expect(await bindWorkspace(ctx.e.db, 'slack', 'TA', 'tenant-a', 'operator')).toBe(false)
    expect((await listBindings(ctx.e.db)).find((b) => b.workspaceId === 'TA')).toMatchObject({ platform: 'slack', tenant: 'tenant-a', boundVia: 'operator' })
  })

  it('gives the application role no way to read or write bindings but the narrow function', async () => {
    const code = async (statement: ReturnType<typeof sql>) => ctx.e.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', 'workroom_app', true)`.execute(trx)
      await statement.execute(trx)
    }).then(() => undefined, (err: { code?: string }) => err.code)
    expect(await code(sql`SELECT * FROM workroom.workspace_bindings`)).toBe('42501')
    expect(await code(sql`INSERT INTO workroom.workspace_bindings (platform, workspace_id, tenant_id, bound_via) VALUES ('slack', 'TEVIL', ${ctx.fx.A.tenantId}, 'operator')`)).toBe('42501')
    expect(await code(sql`SELECT workroom.workspace_tenant('slack', 'TA')`)).toBeUndefined()
  })

  it('lets an operator move a link to another person of the bound tenant, and only an operator', async () => {
    const moved = await linkIdentity(ctx.e.db, newcomer(2), 'finance@a.example')
    expect(moved).toMatchObject({ tenantId: ctx.fx.A.tenantId, userId: ctx.fx.A.people.finance, role: 'finance' })
    await expect(linkIdentity(ctx.e.db, newcomer(2), 'finance@b.example')).rejects.toMatchObject({ code: '22023' })
    await expect(linkIdentity(ctx.e.db, foreigner(2), 'finance@a.example')).rejects.toMatchObject({ code: '22023' })
    const attempt = ctx.e.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', 'workroom_app', true)`.execute(trx)
      await sql`SELECT * FROM workroom.link_identity('slack', 'TA', 'UNEW2', 'leadership@a.example')`.execute(trx)
    })
    await expect(attempt).rejects.toMatchObject({ code: '42501' })
    expect(await resolveIdentity(ctx.e.db, newcomer(2))).toMatchObject({ userId: ctx.fx.A.people.finance })
  })
})
