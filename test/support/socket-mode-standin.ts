// A Slack Socket Mode server on 127.0.0.1 for tests. Script `apps.connections.open` on the Web
// API stand-in to answer `{ ok: true, url: standin.url }`, and Bolt's own SocketModeClient
// connects here: its retries, pings and reconnects are the SDK's own.
//
// @slack/socket-mode 3 (what Bolt 5 uses) POSTs apps.connections.open with the app-level token
// in `Authorization: Bearer` through a WebClient built from Bolt's `clientOptions` (so
// `slackApiUrl` applies), then opens an undici WebSocket to the returned url: a plain ws:// is
// fine. Its start() resolves on {type:'hello'}. Each envelope {envelope_id, type, payload, …} is
// answered with {envelope_id, payload}: `{}` for a bare ack(), the body of ack(body) otherwise.
// Events API envelopes are acked before the listener runs; commands and actions when it calls ack().
// The client pings every clientPingTimeout/3 (5 s default) and drops a connection that stops
// ponging (`ws` pongs by itself); {type:'disconnect'} or a dropped connection makes it call
// apps.connections.open again. Bolt's app.stop() calls disconnect() without awaiting it: the
// close handshake (code 1000) finishes after stop() has resolved.
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export interface SocketEnvelope {
  type: 'slash_commands' | 'events_api' | 'interactive'
  payload: Record<string, unknown>
  /** Made up when missing. */
  envelope_id?: string
  accepts_response_payload?: boolean
  retry_attempt?: number
  retry_reason?: string
}
export interface SocketAck { envelope_id: string; payload: Record<string, any> | undefined; at: number }
export interface SocketConnection { path: string; openedAt: number; closed: { code: number; reason: string; at: number } | null }
export interface SocketModeStandin {
  /** What apps.connections.open should answer with. */
  url: string
  connections: SocketConnection[]
  /** Everything the server sent, hellos included. */
  sent: Array<{ message: Record<string, unknown>; at: number }>
  /** Everything the client sent (acks), as parsed JSON, or the raw text if it was not JSON. */
  received: Array<{ message: any; at: number }>
  /** Sends an envelope on the newest open connection and resolves with the client's ack of it (or rejects after timeoutMs, default 5000). */
  send(envelope: SocketEnvelope, timeoutMs?: number): Promise<SocketAck>
  /** Resolves when every connection so far has been closed (by either side). */
  disconnected(timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startSocketModeStandin(options: { appId?: string } = {}): Promise<SocketModeStandin> {
  const appId = options.appId ?? 'A0APP'
  const connections: SocketConnection[] = []
  const sent: SocketModeStandin['sent'] = []
  const received: SocketModeStandin['received'] = []
  const open: WebSocket[] = []
  const waiters = new Set<{ check(): boolean; fail(err: Error): void }>()
  const notify = () => { for (const w of waiters) if (w.check()) waiters.delete(w) }

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve, reject) => wss.once('listening', resolve).once('error', reject))
  const port = (wss.address() as AddressInfo).port

  const sendOn = (ws: WebSocket, message: Record<string, unknown>) => {
    sent.push({ message, at: Date.now() })
    ws.send(JSON.stringify(message))
  }

  wss.on('connection', (ws, req) => {
    const connection: SocketConnection = { path: req.url ?? '/', openedAt: Date.now(), closed: null }
    connections.push(connection)
    open.push(ws)
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString()
      let message: unknown = text
      try { message = JSON.parse(text) } catch { /* recorded as sent, so a test can see what went wrong */ }
      received.push({ message, at: Date.now() })
      notify()
    })
    ws.on('close', (code, reason) => {
      connection.closed = { code, reason: reason.toString(), at: Date.now() }
      open.splice(open.indexOf(ws), 1)
      notify()
    })
    // What Slack sends first; debug_info varies there, the client only looks at `type`.
    sendOn(ws, { type: 'hello', num_connections: open.length, debug_info: { host: 'applink-standin', approximate_connection_time: 18060 }, connection_info: { app_id: appId } })
  })

  const wait = <T>(what: string, found: () => T | undefined, timeoutMs: number) => new Promise<T>((resolve, reject) => {
    const waiter = {
      check: () => {
        const value = found()
        if (value === undefined) return false
        clearTimeout(timer)
        resolve(value)
        return true
      },
      fail: (err: Error) => { clearTimeout(timer); waiters.delete(waiter); reject(err) },
    }
    const timer = setTimeout(() => waiter.fail(new Error(`Socket Mode stand-in: no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(received.map((r) => r.message)) }`)), timeoutMs)
    if (!waiter.check()) waiters.add(waiter)
  })

  let closing: Promise<void> | undefined
  return {
    url: `ws://127.0.0.1:${port}/link/?ticket=standin-ticket&app_id=${appId}`,
    connections,
    sent,
    received,
    send: async (envelope, timeoutMs = 5000) => {
      const ws = open.at(-1)
      if (!ws) throw new Error('Socket Mode stand-in: no client is connected')
      const envelopeId = envelope.envelope_id ?? randomUUID()
      sendOn(ws, { ...envelope, envelope_id: envelopeId })
      return wait(`ack for ${envelopeId}`, () => {
        const ack = received.find((r) => r.message?.envelope_id === envelopeId)
        return ack && { envelope_id: envelopeId, payload: ack.message.payload, at: ack.at }
      }, timeoutMs)
    },
    disconnected: (timeoutMs = 5000) => wait('close of every connection', () => (open.length === 0 ? true : undefined), timeoutMs).then(() => undefined),
    close: () => (closing ??= new Promise<void>((resolve, reject) => {
      for (const w of [...waiters]) w.fail(new Error('Socket Mode stand-in closed'))
      // wss.close() leaves open connections alone; end them, or the client keeps the process alive.
      for (const ws of [...open]) ws.terminate()
      wss.close((err) => (err ? reject(err) : resolve()))
    })),
  }
}
