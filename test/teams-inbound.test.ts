/**
 * teamsToInbound as a pure function over Teams activities as Microsoft documents and sends them
 * (test/fixtures/teams/README.md says where each one is from): no server, no database.
 */
import { describe, expect, it } from 'vitest'
import { teamsToInbound, type TeamsInbound } from '../src/bots/teams/inbound.ts'
import { payloadDigest } from '../src/handlers/inbox.ts'
import { TEAMS_FIXTURES, teamsFixture } from './support/teams-fixtures.ts'

const PERSONAL = 'a:17I0kl9EkpE1O9PH5TWrzrLNwnWWcfrU7QZjKR0WSfOpzbfcAg2IaydGElSo10tVr4C7Fc6GtieTJX663WuJCc1uA83n4CSrHSgGBj5XNYLcVlJAs2ZX8DbYBPck201w-'
const WORKROOM_UNDO = { workroom: { actionId: 'timesheet.undo', payload: '7d3c3bf8-6a8e-4c36-9d53-0a1f2b3c4d5e' } }

const cases: Array<[fixture: string, expected: TeamsInbound]> = [
  ['message-personal', {
    platform: 'teams', workspaceId: '72f988bf-86f1-41af-91ab-2d7cd011db47', externalUserId: '7faf8ab2-3d56-4244-b585-20c8a42ed2b8',
    channelId: PERSONAL, threadId: PERSONAL, requestId: 'teams:activity:1485983408511', input: { kind: 'message', text: 'Hello Teams TestBot' },
  }],
  ['message-channel-mention', {
    platform: 'teams', workspaceId: '50612dbb-0237-4969-b378-8d42590f9c00', externalUserId: 'b15a9416-0ad3-4172-9210-7beb711d3f70',
    channelId: '19:6848757105754c8981c67612732d9aa7@thread.tacv2', threadId: '19:6848757105754c8981c67612732d9aa7@thread.tacv2;messageid=1759881511856',
    requestId: 'teams:activity:1759944781430', input: { kind: 'message', text: 'reply to thread' },
  }],
  ['message-image-only', { event: 'attachments_only' }],
  ['message-file-only', { event: 'attachments_only' }],
  ['message-action-submit', {
    platform: 'teams', workspaceId: 'bec8e231-67ad-484e-87f4-3e5438390a77',
    // No aadObjectId in this payload: the Teams user id stands in.
    externalUserId: '29:102jd210jd010icsoaeclaejcoa9ue09u',
    channelId: '19:malejcou081i20ojmlcau0@thread.skype', threadId: '19:malejcou081i20ojmlcau0@thread.skype;messageid=1498171086622',
    requestId: `teams:action:29:102jd210jd010icsoaeclaejcoa9ue09u:19:malejcou081i20ojmlcau0@thread.skype:1575667808184:timesheet.undo:${payloadDigest(WORKROOM_UNDO.workroom.payload)}`,
    input: { kind: 'action', ...WORKROOM_UNDO.workroom },
  }],
  // Its data is another app's, not a Workroom button's: answered, but by no handler.
  ['invoke-adaptive-card-action', { event: 'card_action', inbound: null }],
  ['conversation-update-bot-added-team', {
    event: 'installed', via: 'conversationUpdate',
    conversation: { conversationId: '19:efa9296d959346209fea44151c742e73@thread.skype', conversationType: 'channel', teamId: '19:efa9296d959346209fea44151c742e73@thread.skype', aadTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
  }],
  ['conversation-update-bot-added-team-captured', {
    event: 'installed', via: 'conversationUpdate',
    conversation: { conversationId: '19:8d46058cda57449380517cc374727f2a@thread.tacv2', conversationType: 'channel', teamId: '19:8d46058cda57449380517cc374727f2a@thread.tacv2', aadTenantId: 'f5ffd8cf-a1aa-4242-adad-86509faa3be5' },
  }],
  ['conversation-update-bot-added-personal', {
    event: 'installed', via: 'conversationUpdate',
    conversation: {
      conversationId: 'a:1rLdrbRhx8Pc7Y6HNUmkI6QHZ4vUe1dECseFMsjCLUs61NUCtDKvf_iXhzX96AJlIFs7WgQUzTrjV3iMjbON0UfMV_gNh2tUNgHj_iY5hQoYdFu_t-hTt-uDl7m6_X4-Z',
      conversationType: 'personal', teamId: null, aadTenantId: 'f5ffd8cf-a1aa-4242-adad-86509faa3be5',
    },
  }],
  ['conversation-update-bot-removed-team', {
    event: 'removed', via: 'conversationUpdate',
    conversation: { conversationId: '19:8d46058cda57449380517cc374727f2a@thread.tacv2', conversationType: 'channel', teamId: '19:8d46058cda57449380517cc374727f2a@thread.tacv2', aadTenantId: 'f5ffd8cf-a1aa-4242-adad-86509faa3be5' },
  }],
  ['conversation-update-member-removed', { ignore: 'a conversationUpdate (teamMemberRemoved) that does not add or remove Workroom' }],
  ['installation-update-add-team', {
    event: 'installed', via: 'installationUpdate',
    conversation: { conversationId: 'sample conversation Id@thread.skype', conversationType: 'channel', teamId: 'sample team ID', aadTenantId: 'sample tenant ID' },
  }],
  ['installation-update-remove-team', {
    event: 'removed', via: 'installationUpdate',
    conversation: { conversationId: 'sample conversation Id@thread.skype', conversationType: 'channel', teamId: 'sample team ID', aadTenantId: 'sample tenant ID' },
  }],
  ['message-reaction', { ignore: 'a reaction to a message: Workroom does not act on reactions' }],
  ['invoke-message-submit-action-feedback', {
    event: 'feedback', who: { workspaceId: '56653e9d-2158-46ee-90d7-675c39642038', externalUserId: 'c5e99701-2a32-49c1-a660-4629ceeb8c61' },
    conversationId: 'a:17vxw6pGQOb3Zfh8acXT8m_PqHycYpaFgzu2mFMUfkT-h0UskMctq5ZPPc7FIQxn2bx7rBSm5yE_HeUXsCcKZBrv77RgorB3_1_pAdvMhi39ClxQgawzyQ9GBFkdiwOxT',
    postId: '1767765488332', reaction: 1, comment: 'This is my feedback.',
  }],
]

describe('teamsToInbound on recorded Teams activities', () => {
  it('has a row for every recorded activity', () => {
    expect(cases.map(([name]) => name).sort()).toEqual(TEAMS_FIXTURES)
  })

  it.each(cases)('%s', (name, expected) => {
    expect(teamsToInbound(teamsFixture(name))).toEqual(expected)
  })
})

describe('teamsToInbound on variations Teams sends of the same activities', () => {
  it('routes an Action.Execute click on a Workroom button to the handler its Action.Submit click reaches, with the same claim', () => {
    const invoke = teamsFixture('invoke-adaptive-card-action')
    invoke.value.action.data = WORKROOM_UNDO
    const submit = { ...teamsFixture('message-action-submit'), from: invoke.from, conversation: invoke.conversation, channelData: invoke.channelData, replyToId: invoke.replyToId }
    const executed = teamsToInbound(invoke)
    expect(executed).toMatchObject({ event: 'card_action', inbound: { input: { kind: 'action', ...WORKROOM_UNDO.workroom } } })
    expect((executed as { inbound: unknown }).inbound).toEqual(teamsToInbound(submit))
  })

  it.each(['remove-upgrade', 'add-upgrade'])("reads installationUpdate '%s' (an app update that took the bot out or put it in) as a removal or an install", (action) => {
    expect(teamsToInbound({ ...teamsFixture('installation-update-add-team'), action })).toMatchObject({ event: action.startsWith('add') ? 'installed' : 'removed' })
  })

  it('reads a 👎 without a comment, and feedback Workroom cannot place as an unused invoke or with the reason', () => {
    const feedback = teamsFixture('invoke-message-submit-action-feedback')
    expect(teamsToInbound({ ...feedback, value: { actionName: 'feedback', actionValue: { reaction: 'dislike' } } })).toMatchObject({ event: 'feedback', reaction: -1, comment: null })
    expect(teamsToInbound({ ...feedback, value: { actionName: 'feedback', actionValue: { reaction: 'dislike', feedback: 'not json' } } })).toMatchObject({ event: 'feedback', reaction: -1, comment: null })
    expect(teamsToInbound({ ...feedback, value: { actionName: 'feedback', actionValue: { reaction: 'meh' } } })).toEqual({ event: 'invoke', name: 'message/submitAction' })
    expect(teamsToInbound({ ...feedback, value: { actionName: 'other' } })).toEqual({ event: 'invoke', name: 'message/submitAction' })
    expect(teamsToInbound({ ...feedback, replyToId: undefined })).toEqual({ ignore: 'feedback without the message it is on (replyToId)' })
  })

  it('answers any other invoke with nothing, naming it', () => {
    expect(teamsToInbound({ ...teamsFixture('invoke-adaptive-card-action'), name: 'composeExtension/query' })).toEqual({ event: 'invoke', name: 'composeExtension/query' })
  })

  it('reads a mention of the bot with nothing else as a message with no words (answered with help)', () => {
    const mention = { ...teamsFixture('message-channel-mention'), text: '<at>ridotest</at>\u00a0' }
    expect(teamsToInbound(mention)).toMatchObject({ input: { kind: 'message', text: '' } })
  })

  it('keeps words around the mention and drops mentions of other people too', () => {
    const mention = teamsFixture('message-channel-mention')
    mention.text = 'please <at>ridotest</at> ask <at>Lucy</at> about the Aurora brief'
    expect(teamsToInbound(mention)).toMatchObject({ input: { kind: 'message', text: 'please ask about the Aurora brief' } })
  })

  it('ignores a card submit whose value is not a Workroom button, and a message without an id', () => {
    expect(teamsToInbound({ ...teamsFixture('message-action-submit'), value: { property: 'propertyValue' } })).toEqual({ ignore: 'a card submit that is not from a Workroom button' })
    const { id: _, ...noId } = teamsFixture('message-personal')
    expect(teamsToInbound(noId)).toEqual({ ignore: 'a message without an id' })
  })

  it.each([
    ['nothing', undefined],
    ['a string', 'message'],
    ['a message without a sender', { ...teamsFixture('message-personal'), from: undefined }],
    ['a message whose conversation is a number', { ...teamsFixture('message-personal'), conversation: 42 }],
    ['an event', { ...teamsFixture('message-personal'), type: 'event' }],
  ])('ignores %s, never throwing', (_label, activity) => {
    expect(teamsToInbound(activity)).toHaveProperty('ignore')
  })
})
