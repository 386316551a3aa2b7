/**
 * Links to a cited passage for people in Slack and Teams, who have no Workroom login: the link
 * itself says who it was given to. `${PUBLIC_URL}/passages/<chunkId>?t=<token>#passage`, the token signed
 * with LINK_SECRET over the chunk id, the chat identity that asked (platform, workspace, Slack
 * Enterprise Grid org or '', user id) and an expiry.
 *
 * A link grants nothing by itself: the page resolves that identity again when it is opened
 * (resolveIdentity), so an unlinked person or an unbound workspace loses access at once, and reads
 * the passage as that person under row-level security (src/http/passages.ts). What a leaked link
 * gives is what its person may read, for at most PASSAGE_LINK_TTL_MS.
 */
import { isPlatformName } from '../chat/platforms.ts'
import type { ChatIdentity } from '../db/identity.ts'
import { mintSignedToken, verifySignedToken } from './signed-token.ts'

/**
 * How long a passage link works. A day: long enough to open a citation from yesterday's thread,
 * short enough that a link forwarded or left in a channel's history soon stops opening anything.
 */
export const PASSAGE_LINK_TTL_MS = 24 * 60 * 60 * 1000

const PURPOSE = 'workroom-passage'

export interface PassageLinks {
  /** PUBLIC_URL without a trailing slash. */
  publicUrl: string
  secret: string
}

/** The link to a passage for one chat identity, valid PASSAGE_LINK_TTL_MS from `now`. */
export function passageLink(links: PassageLinks, chunkId: string, who: ChatIdentity, now: Date): string {
  // Short claim names: the token rides in a URL inside Slack's 1,000-character link limit.
  const token = mintSignedToken(links.secret, PURPOSE, {
    c: chunkId, p: who.platform, w: who.workspaceId, e: who.enterpriseId ?? '', u: who.externalUserId,
  }, new Date(now.getTime() + PASSAGE_LINK_TTL_MS))
  // #passage: the browser scrolls to the cited passage (the page runs no script to do it).
  return `${links.publicUrl}/passages/${encodeURIComponent(chunkId)}?t=${token}#passage`
}

/**
 * The identity a token for this chunk was minted for; null when it is forged, expired, malformed
 * or minted for another chunk (a valid token pasted after another passage's id).
 */
export function verifyPassageToken(secret: string, chunkId: string, token: string | null | undefined, now: Date): ChatIdentity | null {
  const claims = verifySignedToken(secret, PURPOSE, token, now)
  if (!claims || claims.c !== chunkId) return null
  const { p, w, e, u } = claims
  if (!isPlatformName(p) || typeof w !== 'string' || typeof e !== 'string' || typeof u !== 'string') return null
  return { platform: p, workspaceId: w, enterpriseId: e === '' ? null : e, externalUserId: u }
}
