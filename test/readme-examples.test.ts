/**
 * The README's examples, run as the README's people, through the entry the README gives them:
 * `workroom as <email> "<message>"` (openTerminalSession, in-process, on the seeded demo data).
 *
 * Everything is read from README.md, so a person or an example added there is tried here:
 *  - "People to try" (section Demo data): the people, by tenant;
 *  - "Things to try" (section Demo data): each message, as every person of the tenant it names;
 *  - every other chat message quoted on the page (the intro, Quick start, Install in Teams): as
 *    every Northwind person of the table, since those examples name Northwind's campaigns and
 *    documents (Southpaw's people cannot see them, by design, and the README says so);
 *  - every `workroom as <email> "<message>"`: as that person.
 * What "works" means follows from what the message is (the router's own intentOf): time is
 * logged, a campaign card is shown (with money only for finance and leadership), a question is
 * answered with a citation.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTerminalSession } from '../src/bots/playground/terminal.ts'
import { plain } from '../src/chat/text.ts'
import type { Engine } from '../src/db/engine.ts'
import type { Reply } from '../src/handlers/reply.ts'
import { intentOf } from '../src/handlers/router.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
/** A Wednesday; the seed logs weekdays up to the day before. */
const TODAY = '2026-11-25'
const NOW = new Date(`${TODAY}T11:00:00Z`)

type Tenant = 'northwind' | 'southpaw'
const tenantOf = (email: string): Tenant => (email.endsWith('@southpaw.example') ? 'southpaw' : 'northwind')

/** The rows of the first Markdown table after `marker`, as cells (header and rule left out). */
function tableAfter(text: string, marker: string): string[][] {
  const at = text.indexOf(marker)
  if (at < 0) throw new Error(`README.md has no "${marker}"`)
  const lines = text.slice(at).split('\n')
  const start = lines.findIndex((l) => l.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.slice(1, -1).split('|').map((c) => c.trim()))
  }
  return rows
}

/** Inline code spans, fenced blocks left out (their backticks would pair with the wrong ones). */
const quoted = (text: string) => [...text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!)

/** "People to try": `maya.chen` is @northwind.example, others carry their domain. */
function readmePeople(text = README): string[] {
  return tableAfter(text, 'People to try').flatMap(([, people]) => quoted(people!))
    .map((p) => (p.includes('@') ? p : `${p}@northwind.example`))
}

/** "Things to try": each message with the tenant whose people run it. */
function readmeThingsToTry(text = README): Array<{ message: string; tenant: Tenant }> {
  return tableAfter(text, 'Things to try').flatMap(([messages, who]) => {
    const tenant = who!.toLowerCase().includes('southpaw') ? 'southpaw' : 'northwind'
    return quoted(messages!).map((message) => ({ message, tenant }))
  })
}

/** A chat message quoted anywhere on the page: a command or a mention with something after it, no placeholder. */
const CHAT = /^(?:\/(?:timesheet|campaign|ask)|@workroom|timesheet|campaign|ask)\s+\S/i
function readmeChatExamples(text = README): string[] {
  return [...new Set(quoted(text).filter((q) => CHAT.test(q) && !q.includes('<') && !/^\/timesheet undo$/.test(q)))]
}

function readmeWorkroomAs(text = README): Array<{ email: string; message: string }> {
  return [...text.matchAll(/workroom as ([\w.]+@[\w.]+) "([^"]+)"/g)].map((m) => ({ email: m[1]!, message: m[2]! }))
}

/** What the terminal session sends: a slash command, else a message (as openTerminalSession reads it). */
function intent(message: string) {
  const slash = message.trim().match(/^\/(\w+)\s*([\s\S]*)$/)
  return intentOf(slash ? { kind: 'command', command: slash[1]!, text: slash[2]! } : { kind: 'message', text: message })
}

const textOf = (r: Reply) => [r.summary, ...r.blocks.map((b) => JSON.stringify(b))].join('\n')

describe('the README, as this test reads it', () => {
  it('names people of every role in both agencies, and things to try in both', () => {
    const people = readmePeople()
    expect(people).toContain('arjun.mehta@northwind.example')
    expect(people).toContain('paige.sullivan@southpaw.example')
    const things = readmeThingsToTry()
    expect(new Set(things.map((t) => t.tenant))).toEqual(new Set(['northwind', 'southpaw']))
    expect(readmeChatExamples()).toContain('/campaign aurora air')
    expect(readmeWorkroomAs().length).toBeGreaterThanOrEqual(2)
  })

  it('lists the Quick start examples under Things to try, with who may run them', () => {
    const quickStart = README.slice(README.indexOf('## Quick start'), README.indexOf('## Commands'))
    const listed = new Set(readmeThingsToTry().map((t) => t.message))
    for (const message of readmeChatExamples(quickStart)) expect(listed, message).toContain(message)
  })
})

describeEachEngine('the README examples, as the README people', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', today: TODAY, progress: false })
  })
  afterAll(async () => {
    await e?.close()
  })

  /** Runs one message as one person and checks that it did what the README says it does. */
  async function works(email: string, message: string): Promise<void> {
    const session = await openTerminalSession(e.db, email, { now: () => NOW })
    expect(session, `${email} is a person of the demo data`).not.toBeNull()
    const r = await session!.send(message)
    const what = `${email}: ${message}\n${textOf(r)}`
    const kind = intent(message).kind
    if (kind === 'timesheet') {
      expect(r.summary, what).toMatch(/^Logged /)
      // Taken back at once, so one person's examples do not add up to a long day.
      expect((await session!.send('/timesheet undo')).summary, what).toMatch(/^Removed /)
    } else if (kind === 'campaign') {
      const header = r.blocks.find((b) => b.type === 'header')
      expect(header, what).toBeDefined()
      const money = r.blocks.some((b) => b.type === 'fields' && b.fields.some((f) => f.label === 'Budget'))
      expect(money, what).toBe(['leadership', 'finance'].includes(session!.actor.role))
    } else if (kind === 'ask') {
      const cited = r.blocks.flatMap((b) => (b.type === 'citations' ? b.citations : []))
      expect(cited.length, what).toBeGreaterThan(0)
      expect(plain(r.summary), what).not.toMatch(/I couldn't find|I can't find|don't know/i)
    } else {
      throw new Error(`The README example "${message}" is neither time, a campaign nor a question (${kind})`)
    }
  }

  const people = readmePeople()
  const table = readmeThingsToTry()
  const listed = new Set(table.map((t) => t.message))
  for (const email of people) {
    const mine = [
      ...table.filter((t) => t.tenant === tenantOf(email)).map((t) => t.message),
      ...(tenantOf(email) === 'northwind' ? readmeChatExamples().filter((m) => !listed.has(m)) : []),
    ]
    it(`runs ${mine.length} examples as ${email}`, async () => {
      for (const message of mine) await works(email, message)
    })
  }

  it('runs each `workroom as` example of the README as the person it names', async () => {
    for (const { email, message } of readmeWorkroomAs()) await works(email, message)
  })
})
