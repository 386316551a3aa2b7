/**
 * Shutdown within a deadline: the HTTP server lets requests in flight finish, and cuts off the
 * ones still running when the deadline comes, so SIGTERM never hangs.
 */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { withDeadline } from '../src/main.ts'

const logger = createLogger('silent')

async function slowServer(ms: number) {
  const app = new Hono().get('/slow', async (c) => {
    await new Promise((r) => setTimeout(r, ms))
    return c.text('done')
  })
  return startServer(app, { port: 0, host: '127.0.0.1', logger })
}

describe('shutdown', () => {
  it('lets a request in flight finish before the server closes', async () => {
    const server = await slowServer(300)
    const response = fetch(`http://127.0.0.1:${server.port}/slow`).then((r) => r.text())
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await server.close(5_000)
    expect(await response).toBe('done')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('cuts off a request still running at the deadline, and closes', async () => {
    const server = await slowServer(60_000)
    const response = fetch(`http://127.0.0.1:${server.port}/slow`).then((r) => r.text(), (err: Error) => `failed: ${err.message}`)
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await server.close(200)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(180)
    expect(elapsed).toBeLessThan(5_000)
    expect(await response).toMatch(/^failed/)
  })

  it('withDeadline says whether work finished in time, without waiting longer', async () => {
    expect(await withDeadline(new Promise((r) => setTimeout(r, 10)), 1_000)).toBe(true)
    const started = Date.now()
    expect(await withDeadline(new Promise((r) => setTimeout(r, 5_000)), 100)).toBe(false)
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})
