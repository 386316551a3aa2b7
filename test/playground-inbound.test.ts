import { describe, expect, it } from 'vitest'
import { playgroundToInbound } from '../src/bots/playground/inbound.ts'

const me = { platform: 'playground' as const, workspaceId: 'northwind', externalUserId: 'maya.chen@northwind.example' }

describe('playgroundToInbound (pure)', () => {
  it.each([
    ['a slash command', { text: '/timesheet 2h Aurora - deck' }, { kind: 'command', command: 'timesheet', text: '2h Aurora - deck' }],
    ['a message', { text: 'when are timesheets due?' }, { kind: 'message', text: 'when are timesheets due?' }],
    ['a message that only mentions a slash', { text: 'is 2h/day ok?' }, { kind: 'message', text: 'is 2h/day ok?' }],
    ['a click', { action: { actionId: 'timesheet.undo', payload: 'e1' } }, { kind: 'action', actionId: 'timesheet.undo', payload: 'e1' }],
  ])('%s', (_, send, input) => {
    expect(playgroundToInbound(send, me, 'r1')).toEqual({ ...me, channelId: 'playground', threadId: 'r1', requestId: 'r1', input })
  })

  it('keeps a reply in its thread', () => {
    expect(playgroundToInbound({ text: 'and on Fridays?', threadId: 't0' }, me, 'r2')).toMatchObject({ threadId: 't0', requestId: 'r2' })
  })
})
