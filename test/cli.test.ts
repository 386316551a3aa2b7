import { execFile, execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const cli = path.resolve('bin/workroom.js')
import { verifyInstallToken } from '../src/bots/slack/install-link.ts'

// Each command is a process that opens the embedded database: seconds each, more on a busy machine.
describe('workroom command line (embedded database)', { timeout: 180_000 }, () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  const workroom = (...args: string[]) => run(cli, args, { env })
  const fails = async (...args: string[]) => {
    try {
      await workroom(...args)
    } catch (err) {
      return err as { code: number; stderr: string }
    }
    throw new Error(`workroom ${args.join(' ')} succeeded`)
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workroom-cli-'))
    env = { ...process.env, WORKROOM_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'silent' }
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses to list people from a database that is not migrated, saying what to run', async () => {
    const err = await fails('people')
    expect(err.code).toBe(1)
    expect(err.stderr).toContain('is not up to date')
    expect(err.stderr).toContain('Run `workroom migrate` first.')
  })

  it('migrates and seeds a new data directory, then leaves it alone on a second run', async () => {
    const first = await workroom('seed')
    expect(first.stdout).toMatch(/Northwind Creative \(northwind\): seeded, \d+ rows/)
    expect(first.stdout).toMatch(/Southpaw Studio \(southpaw\): seeded/)
    const second = await workroom('seed')
    expect(second.stdout).toContain('Northwind Creative (northwind): already seeded, left as it is (--reset rebuilds it)')
    const status = await workroom('migrate', 'status')
    expect(status.stdout).not.toMatch(/pending|changed/)
  })

  it('ingests a folder for one client of one tenant; a second run changes nothing; answers cite it for that tenant only', async () => {
    const docs = path.join(dir, 'docs')
    await mkdir(path.join(docs, 'sub'), { recursive: true })
    await writeFile(path.join(docs, 'kickoff.md'), '---\ntitle: Copperline Cold Brew Kickoff\ntype: meeting_notes\n---\n# Kickoff\n\n## Sampling\n\nThe cold brew sampling van visits 14 commuter stations in the first fortnight.\n')
    await writeFile(path.join(docs, 'sub', 'faq.html'), '<html><head><title>Ritual Rewards FAQ</title><script>alert("x")</script></head><body><h1>FAQ</h1><h2>Stamps</h2><p>Members earn a free drink after nine stamps on the card.</p></body></html>')
    await writeFile(path.join(docs, 'notes.txt'), 'Barista training\n\nEvery barista repeats the latte art course every 18 months.\n')
    await writeFile(path.join(docs, 'logo.png'), 'not text')
    await writeFile(path.join(docs, 'northwind-only.md'), '---\ntitle: Not ours\ntenant: northwind\n---\nSecret.\n')
    const first = await workroom('ingest', docs, '--tenant', 'southpaw', '--client', 'copperline coffee co.')
    expect(first.stdout).toMatch(/skipped .*northwind-only\.md: its front matter says tenant "northwind", not "southpaw"/)
    expect(first.stdout).toMatch(/3 documents for Southpaw Studio with workroom-hashing-v1: 3 created, 0 updated, 0 unchanged; \d+ chunks/)
    const second = await workroom('ingest', docs, '--tenant', 'southpaw', '--client', 'copperline coffee co.')
    expect(second.stdout).toContain('0 created, 0 updated, 3 unchanged; 0 chunks, 0 tokens embedded')
    const answer = await workroom('as', 'dana.whitfield@southpaw.example', 'How many stations does the cold brew sampling van visit?')
    expect(answer.stdout).toContain('14 commuter stations')
    expect(answer.stdout).toMatch(/\[1\] Copperline Cold Brew Kickoff/)
    const faq = await workroom('as', 'dana.whitfield@southpaw.example', '/ask how many stamps before a free drink?')
    expect(faq.stdout).toMatch(/nine stamps[\s\S]*Ritual Rewards FAQ/)
    expect(faq.stdout).not.toContain('alert')
    const northwind = await workroom('as', 'maya.chen@northwind.example', 'How many stations does the cold brew sampling van visit?')
    expect(northwind.stdout).not.toMatch(/14 commuter stations|Copperline Cold Brew Kickoff/)
  })

  it('refuses bad ingest input with a clear message', async () => {
    expect((await fails('ingest', path.join(dir, 'nothing-here'), '--tenant', 'southpaw')).stderr).toContain('nothing-here: no such file or folder')
    expect((await fails('ingest', path.join(dir, 'docs'), '--tenant', 'nowhere')).stderr).toContain('There is no tenant "nowhere". Tenants: northwind, southpaw.')
    expect((await fails('ingest', path.join(dir, 'docs'), '--tenant', 'southpaw', '--client', 'Nike')).stderr).toMatch(/No single client of Southpaw Studio is called "Nike". Clients: .*Copperline Coffee Co\./)
    expect((await fails('ingest', path.join(dir, 'docs', 'logo.png'), '--tenant', 'southpaw')).stderr).toMatch(/logo\.png: can't ingest this kind of file/)
    expect((await fails('ingest', path.join(dir, 'docs'))).stderr).toContain("required option '--tenant <slug>' not specified")
  })

  it('lists the people directory as JSON, filtered by tenant', async () => {
    const { stdout } = await workroom('people', '--tenant', 'southpaw', '--json')
    const people = JSON.parse(stdout) as Array<{ email: string; role: string; tenant: string }>
    expect(people).toHaveLength(10)
    expect(new Set(people.map((p) => p.role))).toEqual(new Set(['leadership', 'finance', 'pm', 'admin', 'account', 'creative']))
    expect(people.every((p) => p.tenant === 'southpaw' && p.email.endsWith('@southpaw.example'))).toBe(true)
  })

  it('links a Slack user to a person by e-mail once the workspace is bound, and refuses an unknown e-mail', async () => {
    const unbound = await fails('link', '--platform', 'slack', '--workspace', 'T0SOUTH', '--user', 'U123', '--email', 'paige.sullivan@southpaw.example')
    expect(unbound.stderr).toContain('The slack workspace T0SOUTH is not connected to the tenant of paige.sullivan@southpaw.example. Connect it first: workroom workspaces bind')
    expect((await workroom('workspaces', 'bind', '--platform', 'slack', '--workspace', 'T0SOUTH', '--tenant', 'southpaw')).stdout).toBe('Bound slack workspace T0SOUTH to tenant "southpaw".\n')
    const { stdout } = await workroom('link', '--platform', 'slack', '--workspace', 'T0SOUTH', '--user', 'U123', '--email', 'Paige.Sullivan@southpaw.example')
    expect(stdout).toBe('Linked slack user U123 in T0SOUTH to Paige Sullivan <paige.sullivan@southpaw.example> (creative).\n')
    const unknown = await fails('link', '--platform', 'slack', '--workspace', 'T0SOUTH', '--user', 'U124', '--email', 'ghost@southpaw.example')
    expect(unknown.stderr).toContain('No active person has the e-mail "ghost@southpaw.example"')
    const badPlatform = await fails('link', '--platform', 'discord', '--workspace', 'T', '--user', 'U', '--email', 'x@y.z')
    expect(badPlatform.stderr).toMatch(/--platform.*discord.*slack, teams/s)
  })

  it('lists workspace bindings and mints a Slack install link only for a tenant that exists, signed with the state secret', async () => {
    const listed = JSON.parse((await workroom('workspaces', 'list', '--json')).stdout) as Array<{ platform: string; workspaceId: string; tenant: string }>
    expect(listed).toContainEqual(expect.objectContaining({ platform: 'slack', workspaceId: 'T0SOUTH', tenant: 'southpaw' }))
    const secret = 'cli-state-secret-of-some-length'
    const withSecret = { ...env, SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'c', SLACK_STATE_SECRET: secret, SLACK_SIGNING_SECRET: 's' }
    const { stdout } = await run(cli, ['workspaces', 'install-link', '--tenant', 'southpaw', '--base-url', 'https://workroom.example.com/'], { env: withSecret })
    const link = new URL(stdout.trim())
    expect(link.origin + link.pathname).toBe('https://workroom.example.com/slack/install')
    expect(verifyInstallToken(secret, link.searchParams.get('link'))).toBe('southpaw')
    expect((await fails('workspaces', 'install-link', '--tenant', 'southpaw')).stderr).toMatch(/signed with SLACK_STATE_SECRET, which is not set/)
    const noTenant = await run(cli, ['workspaces', 'install-link', '--tenant', 'nowhere'], { env: withSecret }).then(() => null, (err: { stderr: string }) => err.stderr)
    expect(noTenant).toMatch(/there is no tenant "nowhere"/)
    expect((await fails('workspaces', 'bind', '--platform', 'teams', '--workspace', 'not-a-guid', '--tenant', 'southpaw')).stderr).toMatch(/is not an Entra tenant id/)
  })

  it('runs one message as a person, under their role: budget for leadership, not for a creative', async () => {
    const lead = await workroom('as', 'maya.chen@northwind.example', '/campaign aurora air spring launch')
    expect(lead.stdout).toContain('Aurora Air Spring Launch · AUR-2026-01')
    expect(lead.stdout).toMatch(/Budget:\s+£420,000/)
    const creative = await workroom('as', 'lucy.fernandes@northwind.example', '@workroom status of aurora air spring launch')
    expect(creative.stdout).toContain('Aurora Air Spring Launch · AUR-2026-01')
    expect(creative.stdout).not.toMatch(/Budget|Margin/)
    const json = JSON.parse((await workroom('as', 'lucy.fernandes@northwind.example', '/timesheet 1h aurora air spring launch', '--json')).stdout)
    expect(json.summary).toMatch(/^Logged 1h to Aurora Air Spring Launch on /)
    const southpaw = await workroom('as', 'dana.whitfield@southpaw.example', '/campaign aurora air spring launch')
    expect(southpaw.stdout).toContain("I can't find a campaign called")
    const locked = await run(cli, ['as', 'lucy.fernandes@northwind.example', '/timesheet 1h yesterday aurora air spring launch'], { env: { ...env, TIMESHEET_LOCK_DAYS: '0' } })
    expect(locked.stdout).toMatch(/is locked: entries older than 0 days need a Timesheet Amendment Request/)
    const nobody = await fails('as', 'ghost@northwind.example', '/timesheet')
    expect(nobody.stderr).toContain('No active person has the e-mail "ghost@northwind.example"')
  })

  it('chats in the terminal: numbers pick from the choices of the last reply', () => {
    const out = execFileSync(cli, ['chat', '--as', 'maya.chen@northwind.example'], {
      env, encoding: 'utf8',
      input: '/timesheet 1h aurora air spring launch\n1\n/timesheet undo\nHow many quotes do I need for a purchase order over 10k?\nand who approves it?\n/quit\n/timesheet 9h never sent\n',
    })
    const lines = out.split('\n')
    expect(lines[0]).toBe('Workroom as Maya Chen (leadership). Type /workroom help, a command, or a question; /quit to leave.')
    // Plain text: no platform's markup in a terminal.
    expect(out).toMatch(/Logged 1h to Aurora Air Spring Launch/)
    expect(out).not.toMatch(/[*`]/)
    expect(out).toContain('  [1] Undo')
    expect(out).toContain('Removed 1h on Aurora Air Spring Launch')
    expect(out).toContain('Nothing to undo')
    expect(out).toMatch(/three competitive quotes[\s\S]*\[1\] Vendor Portal Tips/)
    expect(out).toContain('follow-up in this thread')
    expect(out).not.toContain('never sent')
  })

  it("prints a tenant's digest without posting it, as text or JSON; run-due posts nothing with no subscription", async () => {
    const { stdout: json } = await workroom('digest', '--tenant', 'southpaw', '--date', '2026-11-25', '--json')
    const data = JSON.parse(json) as { tenant: { slug: string }; reportDate: string; people: unknown[]; notCounted: unknown[] }
    expect(data).toMatchObject({ tenant: { slug: 'southpaw' }, reportDate: '2026-11-24' })
    // Leadership, finance and admin on no campaign are not counted (docs/digests.md).
    expect([data.people.length, data.notCounted.length]).toEqual([7, 3])
    const { stdout: text } = await workroom('digest', '--tenant', 'southpaw', '--date', '2026-11-23')
    expect(text).toMatch(/^Team utilization · Fri 20 Nov/)
    expect((await fails('digest', '--tenant', 'nowhere')).stderr).toMatch(/no tenant "nowhere"; there are: .*southpaw/)
    expect((await fails('digest', '--tenant', 'southpaw', '--date', '2026-02-30')).stderr).toContain('--date must be a calendar date')
    expect((await fails('digest')).stderr).toContain('which tenant?')
    const { stdout: tick } = await workroom('digest', 'run-due', '--now', '2026-11-25T09:00:00Z')
    expect(tick).toBe('0 due: 0 posted, 0 failed (retried on a later tick), 0 given up\n')
  })

  it('says clearly what is wrong with bad input, and exits non-zero', async () => {
    const unknownTenant = await fails('people', '--tenant', 'nowhere')
    expect(unknownTenant.code).toBe(1)
    expect(unknownTenant.stderr).toContain('no people in tenant "nowhere"')
    const badScale = await fails('seed', '--scale', 'huge')
    expect(badScale.stderr).toMatch(/--scale.*huge.*demo, bench/s)
    const badChunks = await fails('seed', '--scale', 'bench', '--chunks', 'lots')
    expect(badChunks.stderr).toContain("argument 'lots' is invalid. it must be a whole number of chunks")
    const badDown = await fails('migrate', 'down', '--to', 'nope')
    expect(badDown.stderr).toContain('no migration named nope')
  })
})
