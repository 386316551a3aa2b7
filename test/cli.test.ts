import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const cli = path.resolve('bin/workroom.js')

describe('workroom command line (embedded database)', () => {
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

  it('lists the people directory as JSON, filtered by tenant', async () => {
    const { stdout } = await workroom('people', '--tenant', 'southpaw', '--json')
    const people = JSON.parse(stdout) as Array<{ email: string; role: string; tenant: string }>
    expect(people).toHaveLength(10)
    expect(new Set(people.map((p) => p.role))).toEqual(new Set(['leadership', 'finance', 'pm', 'admin', 'account', 'creative']))
    expect(people.every((p) => p.tenant === 'southpaw' && p.email.endsWith('@southpaw.example'))).toBe(true)
  })

  it('links a Slack user to a person by e-mail, and refuses an unknown e-mail', async () => {
    const { stdout } = await workroom('link', '--platform', 'slack', '--workspace', 'T0SOUTH', '--user', 'U123', '--email', 'Paige.Sullivan@southpaw.example')
    expect(stdout).toBe('Linked slack user U123 in T0SOUTH to Paige Sullivan <paige.sullivan@southpaw.example> (creative).\n')
    const unknown = await fails('link', '--platform', 'slack', '--workspace', 'T0SOUTH', '--user', 'U124', '--email', 'ghost@southpaw.example')
    expect(unknown.stderr).toContain('No active person has the e-mail "ghost@southpaw.example"')
    const badPlatform = await fails('link', '--platform', 'discord', '--workspace', 'T', '--user', 'U', '--email', 'x@y.z')
    expect(badPlatform.stderr).toMatch(/--platform.*discord.*slack, teams/s)
  })

  it('runs one message as a person, under their role: budget for leadership, not for a creative', async () => {
    const lead = await workroom('as', 'maya.chen@northwind.example', '/campaign aurora air spring launch')
    expect(lead.stdout).toContain('Aurora Air Spring Launch · AUR-2026-01')
    expect(lead.stdout).toMatch(/Budget:\s+420,000/)
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
      env, encoding: 'utf8', input: '/timesheet 1h aurora air spring launch\n1\n/timesheet undo\n/quit\n/timesheet 9h never sent\n',
    })
    const lines = out.split('\n')
    expect(lines[0]).toBe('Workroom as Maya Chen (leadership). Type /workroom help, a command, or a question; /quit to leave.')
    expect(out).toMatch(/Logged 1h to \*Aurora Air Spring Launch\*/)
    expect(out).toContain('  [1] Undo')
    expect(out).toContain('Removed 1h on Aurora Air Spring Launch')
    expect(out).toContain('Nothing to undo')
    expect(out).not.toContain('never sent')
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
