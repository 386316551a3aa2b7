/**
 * The command line's side of src/local/endpoint.ts: finds the server that owns the embedded
 * database and holds a terminal session through it. Loads nothing of the database's, so
 * `workroom chat` beside a running server is Node, commander, zod and one request.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { LinkedActor } from '../db/identity.ts'
import { ENDPOINT_FILE, lockOwner, type LockOwner } from '../db/data-dir.ts'
import type { Reply } from '../handlers/reply.ts'
import { StartupError } from '../startup.ts'
import type { EndpointFile } from './endpoint.ts'

export interface LocalServer {
  owner: LockOwner
  base: string
  token: string
}

export interface RemoteSession {
  actor: LinkedActor
  send(text: string): Promise<Reply>
  close(): Promise<void>
}

/**
 * The server that owns this data directory, once it answers here; null when no server owns it
 * (none runs, or a command holds it) or its endpoint file cannot be read. A server still
 * starting (seeding, on a first start) is waited for, up to waitMs, while its process lives.
 */
export async function findLocalServer(dataDir: string, options: { waitMs?: number; onWait?: (owner: LockOwner) => void } = {}): Promise<LocalServer | null> {
  const deadline = Date.now() + (options.waitMs ?? 180_000)
  let told = false
  for (;;) {
    const owner = await lockOwner(dataDir)
    if (owner?.role !== 'server') return null
    const endpoint = await readEndpoint(dataDir)
    if (endpoint === 'unreadable') return null
    // The lock again: it had the server's URL written into it just before the endpoint file.
    if (endpoint && endpoint.pid === owner.pid) return { owner: (await lockOwner(dataDir)) ?? owner, base: `http://127.0.0.1:${endpoint.port}`, token: endpoint.token }
    if (Date.now() > deadline) return null
    if (!told) options.onWait?.(owner)
    told = true
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** A session as the person with this e-mail; null when no active person has it. */
export async function openRemoteSession(server: LocalServer, email: string): Promise<RemoteSession | null> {
  const call = async (method: string, route: string, body?: unknown): Promise<Response> => {
    try {
      return await fetch(`${server.base}${route}`, {
        method,
        headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (err) {
      throw new StartupError(`Workroom (pid ${server.owner.pid}) stopped answering (${(err as Error).cause ?? (err as Error).message}). Start it again, or run this again once it has stopped.`)
    }
  }
  const failed = async (res: Response) => new StartupError(`Workroom (pid ${server.owner.pid}) could not take the message: ${res.status} ${await res.text()}. Its log says more.`)
  const opened = await call('POST', '/sessions', { as: email })
  if (opened.status === 404) return null
  if (!opened.ok) throw await failed(opened)
  const { id, actor } = await opened.json() as { id: string; actor: LinkedActor }
  return {
    actor,
    send: async (text) => {
      const res = await call('POST', `/sessions/${id}/messages`, { text })
      if (!res.ok) throw await failed(res)
      return ((await res.json()) as { reply: Reply }).reply
    },
    close: async () => {
      await call('DELETE', `/sessions/${id}`).catch(() => undefined)
    },
  }
}

async function readEndpoint(dataDir: string): Promise<EndpointFile | null | 'unreadable'> {
  try {
    const e = JSON.parse(await readFile(path.join(dataDir, ENDPOINT_FILE), 'utf8')) as Partial<EndpointFile>
    return typeof e.pid === 'number' && typeof e.port === 'number' && typeof e.token === 'string' ? (e as EndpointFile) : null
  } catch (err) {
    const code = (err as { code?: string }).code
    // EACCES: another account's server; the refusal that follows says whose.
    return code === 'ENOENT' || err instanceof SyntaxError ? null : 'unreadable'
  }
}
