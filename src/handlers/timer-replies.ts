/** Timer and reminder results as Reply trees. */
import { code, strong, t } from '../chat/text.ts'
import type { CampaignCandidate } from './campaign-match.ts'
import { logReply } from './replies.ts'
import { reply, type Block, type Button, type Reply } from './reply.ts'
import type { ReminderSetting } from './reminders.ts'
import type { RoundingRule, RunningTimer, StartRequest, StartResult, StopResult } from './timer.ts'

const h = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2).replace(/0$/, '')}h`
const WEEKDAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
const weekday = (date: string) => WEEKDAY.format(new Date(`${date}T00:00:00Z`))

/** "09:12" in the person's zone. */
export const clock = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(at)

/** "1h 05m", "12m": a running time as people read it (not rounded: that happens at stop). */
export function elapsed(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  const hours = Math.floor(minutes / 60)
  return hours > 0 ? `${hours}h ${String(minutes % 60).padStart(2, '0')}m` : `${minutes}m`
}

const ruleText = (rule: RoundingRule) => `${rule.up ? 'rounded up' : 'rounded'} to ${rule.minutes === 6 ? 'tenths of an hour' : `${rule.minutes} minutes`}`

export const stopButton = (timer: { id: string }): Button => ({ label: 'Stop timer', actionId: 'timesheet.timer_stop', payload: JSON.stringify({ timerId: timer.id }) })
const discardButton = (timer: RunningTimer): Button =>
  ({ label: 'Discard timer', actionId: 'timesheet.timer_stop', payload: JSON.stringify({ timerId: timer.id, pastMidnight: 'discard' }), style: 'danger' })

/** The week view's line for a running timer. */
export function timerBlocks(timer: RunningTimer, now: Date, timeZone: string): Block[] {
  return [
    { type: 'text', text: t`⏱ Timer running on ${strong(timer.campaign ?? 'a campaign you no longer see')} since ${clock(timer.startedAt, timeZone)} (${weekday(timer.startedOn)}): ${elapsed(now.getTime() - timer.startedAt.getTime())} so far.` },
    { type: 'buttons', buttons: [stopButton(timer)] },
  ]
}

export function stopReply(r: StopResult, timeZone: string): Reply {
  switch (r.kind) {
    case 'no_timer':
      return r.named
        ? reply('That timer has already been stopped. Nothing more was logged.')
        : reply(t`No timer is running. Start one with ${code('/timesheet start Aurora Air')}.`)
    case 'discarded':
      return reply(`Discarded the timer on ${r.timer.campaign ?? 'that campaign'}. Nothing was logged.`)
    case 'too_short':
      return reply(`Stopped the timer on ${r.timer.campaign ?? 'that campaign'} after ${elapsed(r.elapsedMs)}: that rounds to nothing (${ruleText(r.rule)}), so nothing was logged.`)
    case 'past_midnight': {
      const question = `Your timer on ${r.timer.campaign ?? 'a campaign'} has been running since ${weekday(r.timer.startedOn)} ${clock(r.timer.startedAt, timeZone)} (${elapsed(r.elapsedMs)}). Log it up to midnight, ${h(r.untilMidnight)} on ${weekday(r.timer.startedOn)}?`
      return reply(question, [
        { type: 'text', text: question },
        { type: 'context', text: t`Nothing is logged until you choose. If you worked past midnight, log the rest yourself, e.g. ${code(`/timesheet 1h ${r.timer.campaign ?? 'Aurora Air'}`)}.` },
        { type: 'buttons', buttons: [
          { label: `Log ${h(r.untilMidnight)} on ${weekday(r.timer.startedOn)}`, actionId: 'timesheet.timer_stop', payload: JSON.stringify({ timerId: r.timer.id, pastMidnight: 'midnight' }), style: 'primary' },
          discardButton(r.timer),
        ] },
      ])
    }
    case 'stopped': {
      const { log } = r
      if (log.kind === 'logged') {
        const base = logReply(log)
        const summary = `Timer stopped after ${elapsed(r.elapsedMs)}: logged ${h(r.hours)} to ${log.campaign.name} on ${weekday(log.date)} (${ruleText(r.rule)}).`
        return { ...base, summary, blocks: [{ type: 'text', text: summary }, ...base.blocks.slice(1)] }
      }
      if (log.kind === 'duplicate') return reply('That timer was already logged. Nothing more was logged.')
      if (log.kind === 'long_day') {
        const question = `The timer on ${log.campaign.name} would make ${h(log.days[0]?.total ?? r.hours)} on ${weekday(r.timer.startedOn)}, well over your usual ${h(log.usualDay)} day. Log ${h(r.hours)} anyway?`
        return reply(question, [
          { type: 'text', text: question },
          { type: 'context', text: 'The timer keeps running until you choose; if it was left on, discard it and log what you worked.' },
          { type: 'buttons', buttons: [
            { label: 'Log it anyway', actionId: 'timesheet.timer_stop', payload: JSON.stringify({ timerId: r.timer.id, confirmed: true, pastMidnight: 'midnight' }), style: 'primary' },
            discardButton(r.timer),
          ] },
        ])
      }
      // A locked week, a full day, a campaign closed since: said as logging says it, with a way out.
      const said = logReply(log)
      return { ...said, blocks: [...said.blocks, { type: 'context', text: 'The timer is still running.' }, { type: 'buttons', buttons: [discardButton(r.timer)] }] }
    }
  }
}

const chooseTimer = (campaigns: CampaignCandidate[], request: StartRequest): Block =>
  ({ type: 'buttons', numbered: true, buttons: campaigns.map((c) => ({ label: `${c.name} (${c.code})`, actionId: 'timesheet.timer_start', payload: JSON.stringify({ ...request, campaignId: c.id }) })) })

export function startReply(r: StartResult, timeZone: string): Reply {
  switch (r.kind) {
    case 'started': {
      const line = `Timer started on ${r.campaign.name} at ${clock(r.startedAt, timeZone)}.`
      const before = r.stopped ? stopReply(r.stopped, timeZone).summary : null
      return reply(before ? `${before} ${line}` : line, [
        ...(before ? [{ type: 'context', text: before } satisfies Block] : []),
        { type: 'text', text: t`⏱ Timer started on ${strong(r.campaign.name)} at ${clock(r.startedAt, timeZone)}. ${code('/timesheet stop')} logs it.` },
      ])
    }
    case 'already_running':
      return reply(`Your timer on ${r.timer.campaign} is already running, since ${clock(r.timer.startedAt, timeZone)}.`, [
        { type: 'text', text: `Your timer on ${r.timer.campaign} is already running, since ${clock(r.timer.startedAt, timeZone)}.` },
        { type: 'buttons', buttons: [stopButton(r.timer)] },
      ])
    case 'stop_first': {
      const asked = stopReply(r.stopped, timeZone)
      return { ...asked, blocks: [...asked.blocks, { type: 'context', text: 'The new timer has not started: answer this first, then start it again.' }] }
    }
    case 'choose_campaign':
      return reply(`"${r.request.campaignQuery}" fits more than one campaign. Which one?`, [
        { type: 'text', text: `"${r.request.campaignQuery}" fits more than one campaign. Which one?` },
        chooseTimer(r.campaigns, r.request),
      ])
    case 'unknown_campaign':
      return reply(`I can't find a campaign called "${r.query}" that you can log time to.`, [
        { type: 'text', text: `I can't find a campaign called "${r.query}" that you can log time to.` },
        ...(r.suggestions.length ? [{ type: 'context', text: 'Did you mean one of these?' } satisfies Block, chooseTimer(r.suggestions, r.request)] : []),
      ])
    case 'inactive_campaign':
      return reply(`${r.campaign.name} is ${r.campaign.status.replace('_', ' ')}: time can't be logged to it.`)
  }
}

export function remindReply(s: ReminderSetting, changed: boolean): Reply {
  const at = s.at ?? '17:30'
  if (!s.enabled) return reply(changed ? t`Reminders off. ${code('/timesheet remind on')} turns them back on.` : t`Your end-of-day reminders are off. ${code('/timesheet remind on')} turns them on.`)
  const what = `a direct message at ${at} on weekdays when you have logged less than your usual day (on Friday, less than your week)`
  return reply(changed ? `Reminders on: ${what}.` : `You get ${what}.`, [
    { type: 'text', text: changed ? `Reminders on: ${what}.` : `You get ${what}.` },
    { type: 'context', text: t`${code('/timesheet remind at 17:00')} changes the time (yours, ${s.timezone}); ${code('/timesheet remind off')} stops them.` },
  ])
}
