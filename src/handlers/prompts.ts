/**
 * Suggested prompts for an assistant thread (Slack's assistant view): a few things this person
 * would ask, named with a campaign they can see. Read as the person (their RLS), so a prompt never
 * names a campaign they could not open. Each prompt's message is plain words the router already
 * understands (a duration and a campaign is a time entry, "campaign …" a lookup), so clicking one
 * is the same as typing it.
 */
import { sql } from 'kysely'
import type { RunAs } from '../db/actor.ts'
import type { Role } from '../db/schema.ts'

export interface SuggestedPrompt {
  /** What the person sees on the prompt. */
  title: string
  /** What is sent as their message when they click it. */
  message: string
}

/** The question about the knowledge base everyone is offered (answerable from the seed's handbook). */
const ASK_EXAMPLE: SuggestedPrompt = { title: 'Ask the knowledge base', message: 'How many quotes do I need for a purchase order over 10k?' }
const MY_WEEK: SuggestedPrompt = { title: 'My week so far', message: 'timesheet week' }
const HELP: SuggestedPrompt = { title: 'What can you do?', message: 'help' }

/** Slack shows at most four prompts. */
const MAX_PROMPTS = 4

/**
 * The campaign this person logs most time to in the last 60 days (their "usual" one); failing
 * that, the active campaign with the most time logged on it lately that they can see.
 */
async function usualCampaign(run: RunAs, userId: string | null): Promise<string | null> {
  return run(async (trx) => {
    const recent = sql<string>`current_date - 60`
    const base = trx.selectFrom('agency.timesheet_entries as e').innerJoin('agency.campaigns as c', 'c.id', 'e.campaign_id')
      .select('c.name').where('e.entry_date', '>=', recent).where('c.status', 'in', ['active', 'planning'])
      .groupBy(['c.id', 'c.name']).orderBy(sql`sum(e.hours)`, 'desc').orderBy('c.name').limit(1)
    const own = userId ? await base.where('e.user_id', '=', userId).executeTakeFirst() : undefined
    if (own) return own.name
    const any = await base.executeTakeFirst()
    if (any) return any.name
    const active = await trx.selectFrom('agency.campaigns').select('name').where('status', '=', 'active').orderBy('name').limit(1).executeTakeFirst()
    return active?.name ?? null
  })
}

/** The prompts for this person, by role, computed under their RLS. */
export async function suggestedPrompts(run: RunAs, who: { userId: string; role: Role }): Promise<SuggestedPrompt[]> {
  const prompts: SuggestedPrompt[] = []
  switch (who.role) {
    case 'creative': {
      const campaign = await usualCampaign(run, who.userId)
      if (campaign) prompts.push({ title: `Log 2h to ${campaign}`, message: `2h ${campaign}` })
      prompts.push(MY_WEEK)
      break
    }
    case 'finance':
    case 'leadership': {
      // The campaign card shows budget, cost to date and margin to these roles (ephemeral elsewhere,
      // a normal message in the assistant thread, which only they read).
      const campaign = await usualCampaign(run, null)
      if (campaign) prompts.push({ title: `Budget burn on ${campaign}`, message: `campaign ${campaign}` })
      prompts.push({ title: 'All campaigns', message: 'campaign list' })
      break
    }
    default: {
      const campaign = await usualCampaign(run, who.userId)
      if (campaign) prompts.push({ title: `Status of ${campaign}`, message: `campaign ${campaign}` })
      prompts.push(MY_WEEK)
    }
  }
  prompts.push(ASK_EXAMPLE, HELP)
  return prompts.slice(0, MAX_PROMPTS)
}

/** For someone Workroom does not know yet: nothing about any agency, only what to try. */
export const UNLINKED_PROMPTS: SuggestedPrompt[] = [HELP]

export const GREETING = "Hi! I'm Workroom. Ask me about the agency's documents, log time (\"2h Aurora Air Spring Launch\"), or look up a campaign."
