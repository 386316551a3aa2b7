/**
 * The web playground in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a real browser against the real server on 127.0.0.1 over the embedded database. Screenshots
 * of each scenario go to test-results/playground/.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/db/engine.ts'
import { createApp } from '../../src/http/app.ts'
import { startServer, type RunningServer } from '../../src/http/server.ts'
import { createLogger } from '../../src/log.ts'
import { seed } from '../../seeds/index.ts'
import { pglite } from '../support/engines.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SHOTS = path.resolve('test-results/playground')
const suite = existsSync(CHROMIUM) ? describe : describe.skip

suite(`web playground in headless Chromium${existsSync(CHROMIUM) ? '' : ` (skipped: no browser at ${CHROMIUM}; apt-get install chromium, as .ci/run does)`}`, () => {
  let engine: Engine
  let server: RunningServer
  let browser: Browser
  let base: string

  beforeAll(async () => {
    engine = await pglite.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    const logger = createLogger('silent')
    const router = { db: engine.db, now: () => new Date() }
    server = await startServer(createApp({ engine, logger, router, playground: true }), { port: 0, host: '127.0.0.1', logger })
    base = `http://127.0.0.1:${server.port}`
    // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    await mkdir(SHOTS, { recursive: true })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await engine?.close()
  })

  async function open(email: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport })
    await page.goto(base)
    await page.waitForSelector('body[data-ready="true"]')
    await page.selectOption('[data-testid=person]', email)
    return page
  }
  const say = async (page: Page, text: string) => {
    const before = await page.locator('[data-testid=bot-reply]').count()
    await page.fill('[data-testid=composer]', text)
    await page.press('[data-testid=composer]', 'Enter')
    await page.locator('[data-testid=bot-reply]').nth(before).waitFor()
    return page.locator('[data-testid=bot-reply]').nth(before)
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

  it('fits a phone: at 390 px nothing is cut off or scrolls sideways, and the composer and replies are on screen', async () => {
    const page = await open('lucy.fernandes@northwind.example', { width: 390, height: 844 })
    const card = await say(page, '/campaign aurora air spring launch')
    expect(await card.textContent()).toContain('Aurora Air Spring Launch')
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    for (const what of ['[data-testid=composer]', '[data-testid=bot-reply]']) {
      const box = (await page.locator(what).last().boundingBox())!
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(390)
      expect(box.width).toBeGreaterThan(250) // not squeezed beside a sidebar
    }
    const composer = (await page.locator('[data-testid=composer]').boundingBox())!
    expect(composer.y + composer.height).toBeLessThanOrEqual(844)
    await shot(page, 'phone-width')
    await page.close()
  })

  it('picks a choice by its number, as the terminal does', async () => {
    // A misspelt name: the closest campaigns are offered as choices.
    const page = await open('maya.chen@northwind.example')
    const choose = await say(page, '/timesheet 1h aurroa sprnig lanch - numbered pick')
    expect(await choose.textContent()).toContain('Did you mean')
    const first = choose.locator('button.action').first()
    const campaign = (await first.textContent())!.replace(/ \(.*$/, '')
    const picked = await say(page, '1')
    expect(await picked.textContent()).toContain(`Logged 1h to ${campaign}`)
    expect(await page.locator('[data-testid=user-message] .body').last().textContent()).toBe('1')
    await page.close()
  })

  it('logs time, shows it in the week, and undoes it with the button', async () => {
    const page = await open('lucy.fernandes@northwind.example')
    await expect.poll(() => page.textContent('[data-testid=whoami]')).toContain('Lucy Fernandes · creative')
    const logged = await say(page, '/timesheet 2h Aurora Air Spring Launch')
    expect(await logged.textContent()).toMatch(/Logged 2h to Aurora Air Spring Launch/)
    expect(await logged.textContent()).toContain('Only visible to you')
    const week = await say(page, '/timesheet')
    expect(await week.textContent()).toMatch(/Your week of[\s\S]*Aurora Air Spring Launch/)
    await shot(page, 'timesheet-week')
    const count = await page.locator('[data-testid=bot-reply]').count()
    await logged.getByRole('button', { name: 'Undo' }).click()
    await page.locator('[data-testid=bot-reply]').nth(count).waitFor()
    expect(await page.locator('[data-testid=bot-reply]').nth(count).textContent()).toMatch(/Removed 2h on Aurora Air Spring Launch/)
    await shot(page, 'timesheet-undo')
    await page.close()
  })

  it('answers a question with citation links that open the cited passage, follows up in the thread, takes feedback', async () => {
    const page = await open('sofia.alvarez@northwind.example')
    const answer = await say(page, '@workroom How many quotes do I need for a purchase order over 10k?')
    expect(await answer.textContent()).toContain('three competitive quotes')
    const link = answer.locator('ol.citations a').first()
    expect(await link.textContent()).toBe('Vendor Portal Tips (Supplier Hub)')
    const [passage] = await Promise.all([page.context().waitForEvent('page'), link.click()])
    await passage.waitForLoadState()
    expect(await passage.textContent('h1')).toBe('Vendor Portal Tips (Supplier Hub)')
    expect(await passage.textContent('#passage')).toContain('three competitive quotes')
    await passage.screenshot({ path: path.join(SHOTS, 'cited-passage.png'), fullPage: true })
    await passage.close()

    await answer.locator('[data-testid=reply-in-thread]').click()
    await expect.poll(() => page.isVisible('[data-testid=thread-banner]')).toBe(true)
    const follow = await say(page, 'and who approves it?')
    expect(await follow.textContent()).toContain('follow-up in this thread')
    await shot(page, 'answer-and-follow-up')

    const count = await page.locator('[data-testid=bot-reply]').count()
    await answer.getByRole('button', { name: '👍 Helpful' }).click()
    await page.locator('[data-testid=bot-reply]').nth(count).waitFor()
    expect(await page.locator('[data-testid=bot-reply]').nth(count).textContent()).toContain('Thanks for the feedback.')
    await page.close()
  })

  it("shows budgets to finance and not to a creative; the other tenant can't find the campaign at all", async () => {
    const page = await open('lucy.fernandes@northwind.example')
    const creative = await say(page, '/campaign aurora air spring launch')
    expect(await creative.textContent()).toContain('Aurora Air Spring Launch · AUR-2026-01')
    expect(await creative.textContent()).not.toMatch(/Budget|Margin|Cost to date/)
    await page.selectOption('[data-testid=person]', 'priya.raman@northwind.example')
    const finance = await say(page, '/campaign aurora air spring launch')
    expect(await finance.textContent()).toMatch(/Budget\s*£420,000/)
    await shot(page, 'campaign-creative-vs-finance')
    await page.selectOption('[data-testid=person]', 'dana.whitfield@southpaw.example')
    const other = await say(page, '/campaign aurora air spring launch')
    expect(await other.textContent()).toContain("I can't find a campaign called \"aurora air spring launch\"")
    await shot(page, 'campaign-other-tenant')
    await page.close()
  })

  it('renders document and user text as text, never as markup', async () => {
    const page = await open('maya.chen@northwind.example')
    await say(page, '<img src=x onerror="document.body.dataset.pwned=1"> *bold* `code`?')
    expect(await page.getAttribute('body', 'data-pwned')).toBeNull()
    expect(await page.locator('[data-testid=user-message] img').count()).toBe(0)
    await page.close()
  })
})
