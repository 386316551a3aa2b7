import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Logger } from '../log.ts'

export interface RunningServer {
  port: number
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      }),
  }
}
