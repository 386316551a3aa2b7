/**
 * Slack's App Home tab (app_home_opened → views.publish): the person's week against their
 * capacity with a "Log time" button (log-time-modal.ts), the agency's dashboard tiles for the
 * roles that may read them, and recent activity; all read as the person (src/handlers/home.ts).
 * Someone not linked sees what every turn tells them, never data.
 */
import type { App } from '@slack/bolt'
import type { HomeView, KnownBlock } from '@slack/types'
import type { WebClient } from '@slack/web-api'
import { localDate } from '../../chat/converse.ts'
import { runAs } from '../../db/actor.ts'
import type { LinkedActor } from '../../db/identity.ts'
import { homeFor, type Home } from '../../handlers/home.ts'
import { h, weekday } from '../../handlers/replies.ts'
import type { Reply } from '../../handlers/reply.ts'
import { escapeMrkdwn, renderBlocks } from './blocks.ts'
import { LOG_TIME_BUTTON, slackAsker, type SurfaceDeps } from './log-time-modal.ts'

const plainText = (text: string) => ({ type: 'plain_text' as const, text, emoji: false })
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text })

/** A bar of ten cells for a day's hours against the person's usual day. */
const bar = (hours: number, usualDay: number) => {
  const filled = usualDay > 0 ? Math.min(10, Math.round((10 * hours) / usualDay)) : 0
  return `${'▰'.repeat(filled)}${'▱'.repeat(10 - filled)}`
}

const count = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })

export function homeView(home: Home, who: Pick<LinkedActor, 'displayName'>, today: string): HomeView {
  const { week, kpis, activity } = home
  const usualDay = week.capacity / 5
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`My week · ${weekday(week.weekOf)}`) },
    {
      type: 'section', block_id: 'week_total',
      text: mrkdwn(`*${escapeMrkdwn(who.displayName)}*, you have logged *${h(week.total)}* of your *${h(week.capacity)}* this week.`),
      accessory: { type: 'button', action_id: LOG_TIME_BUTTON, text: plainText('Log time'), style: 'primary', value: 'home' },
    },
    {
      type: 'section', block_id: 'week_days',
      text: mrkdwn(week.days.map((d) => {
        const line = `\`${bar(d.hours, usualDay)}\` ${weekday(d.date)} · ${d.hours ? h(d.hours) : '—'}`
        return d.date === today ? `*${line}* (today)` : line
      }).join('\n')),
    },
  ]
  if (kpis) {
    const tiles: Array<[string, string]> = [
      ['Active campaigns', count(kpis.activeCampaigns)],
      ['Ending in 14 days', count(kpis.campaignsEndingSoon)],
      ['Active clients', count(kpis.activeClients)],
      ['Artifacts in review', count(kpis.artifactsInReview)],
      ['Open comments', count(kpis.openComments)],
      ['Hours this week', h(kpis.hoursThisWeek)],
      ['Billable this week', kpis.billablePercentThisWeek === null ? h(kpis.billableHoursThisWeek) : `${h(kpis.billableHoursThisWeek)} (${count(kpis.billablePercentThisWeek)}%)`],
      // Budgets are in each campaign's own currency: the sum is a figure, not a sum of money in one currency.
      ...(kpis.activeBudget === null ? [] : [['Budget of active campaigns', count(kpis.activeBudget)] as [string, string]]),
    ]
    blocks.push({ type: 'divider' }, { type: 'header', text: plainText('Agency dashboard') })
    for (let i = 0; i < tiles.length; i += 10) {
      blocks.push({ type: 'section', block_id: `kpis_${i / 10}`, fields: tiles.slice(i, i + 10).map(([label, value]) => mrkdwn(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`)) })
    }
  }
  blocks.push({ type: 'divider' }, { type: 'header', text: plainText('Recent activity') })
  if (activity.length === 0) {
    blocks.push({ type: 'context', elements: [mrkdwn('Nothing yet.')] })
  } else {
    blocks.push({
      type: 'section', block_id: 'activity',
      text: mrkdwn(activity.map((a) => `• *${escapeMrkdwn(a.title)}*: ${escapeMrkdwn(a.detail)}${a.who ? ` · ${escapeMrkdwn(a.who)}` : ''} · <!date^${Math.floor(a.at.getTime() / 1000)}^{date_short_pretty}|${a.at.toISOString().slice(0, 10)}>`).join('\n').slice(0, 3000)),
    })
  }
  return { type: 'home', callback_id: 'workroom_home', blocks }
}

/** The Home tab of someone Workroom does not know (or whose workspace is not connected): why, and nothing else. */
export function refusedHomeView(reply: Reply): HomeView {
  return { type: 'home', callback_id: 'workroom_home', blocks: renderBlocks(reply).blocks.filter((b) => b.type !== 'actions') }
}

/** Publishes the Home tab for one Slack user, read as the person they are. */
export async function publishHome(deps: SurfaceDeps, client: WebClient, ids: { team: string; enterprise: string | null; user: string }): Promise<void> {
  const identified = await slackAsker(deps, client, ids)
  let view: HomeView
  if ('refused' in identified) {
    view = refusedHomeView(identified.refused)
  } else {
    const { who } = identified
    const now = deps.router.now()
    const today = localDate(now, who.timezone)
    const read = () => homeFor(runAs(deps.router.db, who), who, now, today, deps.router.timesheet)
    view = homeView(await (deps.router.inFlight ? deps.router.inFlight(read) : read()), who, today)
  }
  await client.views.publish({ user_id: ids.user, view })
}

export function registerHome(app: App, deps: SurfaceDeps): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    // The Messages tab opens the same event; only the Home tab is drawn.
    if (event.tab !== 'home') return
    const envelope = body as { team_id: string; enterprise_id?: string }
    deps.track(() => publishHome(deps, client, { team: envelope.team_id, enterprise: envelope.enterprise_id ?? null, user: event.user }))
  })
}
