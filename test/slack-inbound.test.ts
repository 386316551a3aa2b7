/**
 * slackToInbound over Slack's own payload shapes (test/fixtures/slack, sources in its README),
 * parsed as Bolt's receiver parses them. No server: the function is pure.
 */
import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { slackToInbound, type SlackInbound } from '../src/bots/slack/inbound.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { asSlackRequest, inDm, SLACK_FIXTURES, slackFixture } from './support/slack-fixtures.ts'

const translate = (recorded: Record<string, any> | string, botUserId?: string): SlackInbound => slackToInbound(asSlackRequest(recorded).body, { botUserId })
const fixture = (name: string) => slackFixture(name)

const command = (name: string, text: string): Partial<Inbound> => ({
  platform: 'slack', workspaceId: 'T111', enterpriseId: 'E111', externalUserId: 'W111', channelId: 'C111', threadId: null,
  requestId: 'slash:111.111.xxx', input: { kind: 'command', command: name, text },
})

describe('slackToInbound: what Workroom answers', () => {
  it.each([
    ['command_timesheet.txt', '/timesheet', '3h Aurora Air Spring Launch'],
    ['command_campaign.txt', '/campaign', 'aurora air'],
    ['command_ask.txt', '/ask', 'how many quotes do I need for a PO over 10k?'],
    ['command_digest.txt', '/digest', 'daily 09:00 Europe/London'],
    ['command_workroom.txt', '/workroom', 'help'],
  ])('%s is the command %s with its text, from the person and workspace (and Grid org) that sent it', (file, name, text) => {
    expect(translate(fixture(file))).toEqual(command(name, text))
  })

  it('app_mention is a message in the thread it starts, without the mention of Workroom', () => {
    expect(translate(fixture('app_mention.json'), 'U0LAN0Z89')).toEqual({
      platform: 'slack', workspaceId: 'T123ABC456', enterpriseId: null, externalUserId: 'U061F7AUR', channelId: 'C123ABC456',
      threadId: '1515449522.000016', requestId: 'event:Ev123ABC456', input: { kind: 'message', text: 'is it everything a river should be?' },
    })
  })

  it("app_mention keeps other people's mentions and Workroom's when it does not know its own id", () => {
    const mention = fixture('app_mention.json') as Record<string, any>
    const withColleague = { ...mention, event: { ...mention.event, text: '<@U0LAN0Z89|workroom> ask <@U0COLLEAGUE> about it' } }
    expect(translate(withColleague, 'U0LAN0Z89')).toMatchObject({ input: { text: 'ask <@U0COLLEAGUE> about it' } })
    expect(translate(mention)).toMatchObject({ input: { text: '<@U0LAN0Z89> is it everything a river should be?' } })
  })

  it('app_mention inside a thread is answered in that thread', () => {
    const mention = fixture('app_mention.json') as Record<string, any>
    expect(translate({ ...mention, event: { ...mention.event, thread_ts: '1515449000.000001' } }, 'U0LAN0Z89')).toMatchObject({ threadId: '1515449000.000001' })
  })

  it('message.im is a message in the DM, outside a thread', () => {
    expect(translate(fixture('message_im.json'), 'U0BOT')).toEqual({
      platform: 'slack', workspaceId: 'T123ABC456', enterpriseId: null, externalUserId: 'U2147483697', channelId: 'D024BE91L',
      threadId: null, requestId: 'event:Ev0PV52K21', input: { kind: 'message', text: 'Hello hello can you hear me?' },
    })
  })

  it('a thread reply also sent to the DM (thread_broadcast) is answered in its thread', () => {
    expect(translate(inDm(fixture('message_thread_broadcast.json') as Record<string, any>), 'U0BOT')).toMatchObject({
      externalUserId: 'U111', channelId: 'D0DIRECT1', threadId: '1633663824.000500', input: { kind: 'message', text: 'Hi there!' },
    })
  })

  it('a DM with a file (file_share) is answered by its text', () => {
    expect(translate(inDm(fixture('message_file_share.json') as Record<string, any>), 'U0BOT')).toMatchObject({
      externalUserId: 'U111', channelId: 'D0DIRECT1', threadId: null, input: { kind: 'message', text: 'Hi there!' },
    })
  })

  it("a click on Workroom's own button is its Reply action with the button's value, claimed per person and button", () => {
    const inbound = translate(fixture('block_actions_workroom.json'))
    expect(inbound).toMatchObject({
      platform: 'slack', workspaceId: 'T111', enterpriseId: 'E111', externalUserId: 'W111', channelId: 'C111', threadId: '111.222',
      input: { kind: 'action', actionId: 'timesheet.undo', payload: '7f3c1a52-9d0e-4b8a-8f61-2a4c5e6d7b90' },
    })
    expect((inbound as Inbound).requestId).toMatch(/^action:W111:111\.222:timesheet\.undo#0:[\w-]{22}$/)
  })

  it("a submission of Workroom's Log time modal is the form and its fields by name, its request id naming the view", () => {
    // Slack's recorded view_submission, as it arrives from Workroom's modal (callback id and block ids).
    const recorded = fixture('view_submission.json') as Record<string, any>
    const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value })
    const body = { ...recorded, view: { ...recorded.view, callback_id: 'log_time', state: { values: {
      campaign: { campaign: { type: 'external_select', selected_option: option('7f3c1a52-9d0e-4b8a-8f61-2a4c5e6d7b90') } },
      hours: { hours: { type: 'plain_text_input', value: '1h30' } },
      date: { date: { type: 'datepicker', selected_date: '2026-11-30' } },
      billable: { billable: { type: 'checkboxes', selected_options: [] } },
      note: { note: { type: 'plain_text_input', value: null } },
    } } } }
    expect(translate(body)).toEqual({
      platform: 'slack', workspaceId: 'T111', enterpriseId: 'E111', externalUserId: 'W111', channelId: null, threadId: null, requestId: 'view:V111',
      input: { kind: 'form', formId: 'timesheet.log', fields: { campaign: '7f3c1a52-9d0e-4b8a-8f61-2a4c5e6d7b90', hours: '1h30', date: '2026-11-30', billable: 'false', note: null } },
    })
    expect(translate({ ...body, user: undefined })).toEqual({ ignore: expect.stringMatching(/Log time submission without/) })
  })
})

describe('slackToInbound: what Workroom acknowledges and leaves alone', () => {
  it.each([
    ['url_verification.json', /url_verification \(answered by the receiver\)/],
    ['ssl_check.txt', /ssl_check \(answered by the receiver\)/],
    ['app_rate_limited.json', /app_rate_limited/],
    ['command_foreign.txt', /the command \/hello-world, which is not Workroom's/],
    ['block_actions_foreign.json', /the action a, which is not one of Workroom's buttons/],
    ['view_submission.json', /a modal submitted/],
    ['shortcut_global.json', /a global shortcut/],
    ['shortcut_message.json', /a message shortcut/],
    ['message_bot.json', /a bot's message/],
    ['message_bot_message.json', /subtype bot_message/],
    ['message_changed.json', /subtype message_changed/],
    ['message_deleted.json', /subtype message_deleted/],
    ['message_channel_join.json', /subtype channel_join/],
    ['message_im_slackbot.json', /Slackbot/],
    // Recorded in a channel: Workroom answers messages only in its DM (mentions come as app_mention).
    ['message_thread_broadcast.json', /a message in a channel, not a direct message/],
    ['message_file_share.json', /a message in a channel, not a direct message/],
  ])('%s: ignored (%s)', (file, reason) => {
    const result = translate(fixture(file), 'U0BOT')
    expect(result).toEqual({ ignore: expect.stringMatching(reason) })
  })

  it.each(['message_bot.json', 'message_bot_message.json', 'message_changed.json', 'message_deleted.json', 'message_channel_join.json'])(
    '%s in a DM is ignored for what it is, not for where it is', (file) => {
      const result = translate(inDm(fixture(file) as Record<string, any>), 'U0BOT')
      expect(result).toEqual({ ignore: expect.not.stringMatching(/direct message/) })
    })

  it("Workroom's own message in its DM is ignored", () => {
    const im = fixture('message_im.json') as Record<string, any>
    expect(translate({ ...im, event: { ...im.event, user: 'U0BOT' } }, 'U0BOT')).toEqual({ ignore: "Workroom's own message" })
  })

  it('a select menu with a Workroom-like action id, or a button outside a message, is not a Workroom click', () => {
    const click = fixture('block_actions_workroom.json') as Record<string, any>
    const select = { ...click, actions: [{ ...click.actions[0], type: 'static_select' }] }
    expect(translate(select)).toEqual({ ignore: expect.stringMatching(/static_select/) })
    const { response_url: _, ...inModal } = click
    expect(translate(inModal)).toEqual({ ignore: expect.stringMatching(/no response_url/) })
  })

  it('a Workroom command or event missing what Workroom needs is ignored with the field named, not thrown', () => {
    const form = new URLSearchParams(fixture('command_timesheet.txt') as string)
    form.delete('response_url')
    expect(translate(form.toString())).toEqual({ ignore: expect.stringMatching(/response_url/) })
    const mention = fixture('app_mention.json') as Record<string, any>
    const { user: _, ...anonymous } = mention.event
    expect(translate({ ...mention, event: anonymous })).toEqual({ ignore: 'a message without a user' })
    expect(slackToInbound(null, {})).toEqual({ ignore: 'not a Slack payload' })
  })

  it('the list of recorded payloads the end-to-end tests replay names every file in test/fixtures/slack', () => {
    const files = readdirSync(new URL('./fixtures/slack/', import.meta.url)).filter((f) => f !== 'README.md').sort()
    expect(files).toEqual([...SLACK_FIXTURES].sort())
  })
})
