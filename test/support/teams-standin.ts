// The Bot Framework as Workroom sees it, on 127.0.0.1 for tests:
//
// - the Bot Connector REST API at an activity's `serviceUrl`: botbuilder's ConnectorClient POSTs
//   replies to `/v3/conversations/{id}/activities[/{replyToId}]`, PUTs updates, and TeamsInfo
//   GETs `/v3/conversations/{id}/members/{userId}`. Recorded, with the Authorization header.
// - `POST /v3/conversations` (ConnectorClient's conversations.createConversation): a 1:1 chat with
//   one member, as Teams opens it: `{ isGroup: false, bot, members: [{ id: '29:…' }], tenantId,
//   channelData: { tenant: { id } } }` answered 201 `{ id: 'a:…' }`, the same id for the same
//   member each time (Teams returns the existing personal chat). Recorded in `created`.
// - the OpenID metadata the SDK validates incoming tokens against (`ToBotFromChannelOpenIdMetadataUrl`):
//   `/openid/.well-known/openidconfiguration` → `/openid/keys`, serving this stand-in's own RSA
//   key, endorsed for 'msteams' like Microsoft's keys are. `channelToken()` signs a token with it
//   (or with a key that is not published, for the attacker's side).
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT } from 'jose'

export interface ConnectorCall {
  method: 'POST' | 'PUT'
  conversationId: string
  /** The activity replied to (POST …/activities/{id}) or updated (PUT). */
  activityId: string | null
  /** The id answered: what Teams would call the posted activity (a feedback invoke's replyToId). */
  id: string
  activity: Record<string, any>
  authorization: string | null
  at: number
}
export type ConnectorScript = { status: number; retryAfterSeconds?: number }
export interface CreatedConversation {
  /** The ConversationParameters as sent. */
  parameters: Record<string, any>
  /** The id answered: later activity POSTs to it are the 1:1 messages. */
  conversationId: string
  authorization: string | null
  at: number
}
export interface TokenClaims { aud?: string; iss?: string; serviceUrl?: string; expiresIn?: number; signedWith?: 'published' | 'unpublished'; kid?: string }

export interface TeamsStandin {
  /** Use as the activities' serviceUrl (ends with '/'). */
  serviceUrl: string
  openIdMetadataUrl: string
  tokenIssuer: string
  calls: ConnectorCall[]
  /** Activity POSTs received, scripted failures included. */
  attempts(): number
  /** TeamsInfo.getMember answers: member id (29:…) → profile. Others get 404 MemberNotFoundInConversation. */
  members: Map<string, { aadObjectId?: string; email?: string; userPrincipalName?: string; name?: string }>
  /** Scripted answers to activity POSTs, consumed in order before the default 201. */
  script(...responses: ConnectorScript[]): void
  /** 1:1 conversations created (POST /v3/conversations), in order; scripted failures are not in it. */
  created: CreatedConversation[]
  /** Scripted answers to POST /v3/conversations, e.g. 403 for a person who blocked the bot. */
  scriptCreate(...responses: ConnectorScript[]): void
  /** A Bot Framework channel token for `aud` (the bot's app id), signed as the test asks. */
  channelToken(claims: TokenClaims): Promise<string>
  waitForCalls(n: number, timeoutMs?: number): Promise<ConnectorCall[]>
  /** Resolves once `check` holds, asked again after every recorded activity (rejects after timeoutMs, default 10000). */
  until(check: () => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

const ISSUER = 'https://api.botframework.com'
const KID = 'workroom-test-key'

export async function startTeamsStandin(): Promise<TeamsStandin> {
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const unpublished = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...published.publicKey.export({ format: 'jwk' }), kid: KID, kty: 'RSA', use: 'sig', alg: 'RS256', endorsements: ['msteams'] }
  const calls: ConnectorCall[] = []
  const members = new Map<string, { aadObjectId?: string; email?: string; userPrincipalName?: string; name?: string }>()
  const scripted: ConnectorScript[] = []
  const created: CreatedConversation[] = []
  const scriptedCreates: ConnectorScript[] = []
  const personalChats = new Map<string, string>()
  const waiters = new Set<() => boolean>()
  let base = ''
  let attemptCount = 0

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  }
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    return text ? JSON.parse(text) : {}
  }

  const waitOn = (ok: () => boolean, timeoutMs: number, what: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!ok()) return false
      clearTimeout(timer)
      resolve()
      return true
    }
    const timer = setTimeout(() => {
      waiters.delete(check)
      reject(new Error(`waited ${timeoutMs} ms for ${what}, got ${calls.length} calls: ${JSON.stringify(calls.map((c) => c.activity.text ?? c.activity.type))}`))
    }, timeoutMs)
    if (!check()) waiters.add(check)
  })

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', base)
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
      if (req.method === 'GET' && url.pathname === '/openid/.well-known/openidconfiguration') {
        return json(res, 200, { issuer: ISSUER, authorization_endpoint: `${base}openid/authorize`, jwks_uri: `${base}openid/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] })
      }
      if (req.method === 'GET' && url.pathname === '/openid/keys') return json(res, 200, { keys: [jwk] })
      // POST /v3/conversations: createConversation. Teams opens 1:1 chats only (a group chat is 400
      // BadSyntax), needs the tenant, and answers with the person's one personal chat with the bot.
      if (req.method === 'POST' && parts.length === 2 && parts[0] === 'v3' && parts[1] === 'conversations') {
        const parameters = await readBody(req)
        const next = scriptedCreates.shift()
        if (next) return json(res, next.status, { error: { code: next.status === 403 ? 'Forbidden' : 'ServiceError', message: `scripted ${next.status}` } })
        const member = parameters.members?.[0]?.id
        if (parameters.isGroup !== false || parameters.members?.length !== 1 || typeof member !== 'string' || !(parameters.tenantId ?? parameters.channelData?.tenant?.id)) {
          return json(res, 400, { error: { code: 'BadSyntax', message: 'Incorrect conversation creation parameters' } })
        }
        if (!personalChats.has(member)) personalChats.set(member, `a:1${randomUUID().replace(/-/g, '')}`)
        const conversationId = personalChats.get(member)!
        created.push({ parameters, conversationId, authorization: req.headers.authorization ?? null, at: Date.now() })
        return json(res, 201, { id: conversationId })
      }
      // /v3/conversations/{conversationId}/members/{memberId}
      if (req.method === 'GET' && parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'members' && parts[4]) {
        const member = members.get(parts[4])
        if (!member) return json(res, 404, { error: { code: 'MemberNotFoundInConversation', message: 'The member was not found' } })
        return json(res, 200, { id: parts[4], name: member.name ?? 'Someone', givenName: null, surname: null, userRole: 'user', ...member })
      }
      // /v3/conversations/{conversationId}/activities[/{activityId}]
      if ((req.method === 'POST' || req.method === 'PUT') && parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'activities') {
        const activity = await readBody(req)
        if (req.method === 'POST') attemptCount++
        const next = req.method === 'POST' ? scripted.shift() : undefined
        if (next) {
          json(res, next.status, { error: { code: next.status === 429 ? 'TooManyRequests' : 'ServiceError', message: `scripted ${next.status}` } },
            next.retryAfterSeconds !== undefined ? { 'retry-after': String(next.retryAfterSeconds) } : {})
          return
        }
        const id = parts[4] && req.method === 'PUT' ? parts[4] : `activity-${randomUUID()}`
        calls.push({ method: req.method, conversationId: parts[2]!, activityId: parts[4] ?? null, id, activity, authorization: req.headers.authorization ?? null, at: Date.now() })
        for (const w of waiters) if (w()) waiters.delete(w)
        return json(res, req.method === 'POST' ? 201 : 200, { id })
      }
      json(res, 404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } })
    } catch (err) {
      json(res, 500, { error: { code: 'StandinError', message: String(err) } })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  const sign = (key: KeyObject, claims: TokenClaims) => new SignJWT({ serviceurl: claims.serviceUrl ?? base })
    .setProtectedHeader({ alg: 'RS256', kid: claims.kid ?? KID, typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? 'unset')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
    .setNotBefore(Math.floor(Date.now() / 1000) - 60)
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresIn ?? 3600))
    .sign(key)

  return {
    serviceUrl: base,
    openIdMetadataUrl: `${base}openid/.well-known/openidconfiguration`,
    tokenIssuer: ISSUER,
    calls,
    attempts: () => attemptCount,
    members,
    script: (...responses) => { scripted.push(...responses) },
    created,
    scriptCreate: (...responses) => { scriptedCreates.push(...responses) },
    channelToken: (claims) => sign(claims.signedWith === 'unpublished' ? unpublished.privateKey : published.privateKey, claims),
    waitForCalls: async (n, timeoutMs = 5000) => {
      await waitOn(() => calls.length >= n, timeoutMs, `${n} connector calls`)
      return calls.slice()
    },
    until: (check, timeoutMs = 10_000) => waitOn(check, timeoutMs, 'a recording that satisfies the check'),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
