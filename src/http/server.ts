import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Logger } from '../log.ts'

export interface RunningServer {
  port: number
  /**
   * Stops accepting connections and resolves when in-flight requests have finished, or after
   * deadlineMs, when the connections still open are closed (their requests are cut off).
   */
  close(deadlineMs?: number): Promise<void>
}

export async function startServer(app: Hono<any>, options: { port: number; host: string; logger: Logger }): Promise<RunningServer> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s))
    s.once('error', reject)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  options.logger.info({ port, host: options.host }, 'http server listening')
  return {
    port,
    close: (deadlineMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const late = setTimeout(() => {
          options.logger.warn({ deadlineMs }, 'requests still running at the shutdown deadline: closing their connections')
          if ('closeAllConnections' in server) server.closeAllConnections()
        }, deadlineMs)
        // Keep-alive sockets would hold close() open until their timeout: close each as soon as
        // its request is done (in-flight requests still finish).
        const sweep = setInterval(() => { if ('closeIdleConnections' in server) server.closeIdleConnections() }, 50)
        server.close((err) => {
          clearTimeout(late)
          clearInterval(sweep)
          if (err) reject(err)
          else resolve()
        })
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      }),
  }
}
