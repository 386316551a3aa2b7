import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { BOT_SCOPES } from '../src/bots/slack/app.ts'
import { LOG_TIME_SHORTCUT } from '../src/bots/slack/log-time-modal.ts'
import { COMMANDS, intentOf } from '../src/handlers/router.ts'

interface Manifest {
  display_information: { name: string }
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean }
    assistant_view?: { assistant_description: string; suggested_prompts?: Array<{ title: string; message: string }> }
    bot_user: { display_name: string }
    shortcuts?: Array<{ name: string; type: string; callback_id: string; description: string }>
    slash_commands: Array<{ command: string; url: string; description: string; usage_hint?: string }>
  }
  oauth_config: { scopes: { bot: string[] } }
  settings: { event_subscriptions: { request_url: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url: string; message_menu_options_url?: string } }
}

describe('manifest/slack/manifest.yml', () => {
  const manifest = parse(readFileSync('manifest/slack/manifest.yml', 'utf8')) as Manifest

  it('registers exactly the slash commands the router answers, each with a usage hint, all to /slack/events', () => {
    const commands = manifest.features.slash_commands
    expect(commands.map((c) => c.command).sort()).toEqual(COMMANDS.map((c) => `/${c}`).sort())
    for (const c of commands) {
      expect(c.url).toMatch(/^https:\/\/[^/]+\/slack\/events$/)
      expect(c.description.length).toBeLessThanOrEqual(100)
      expect(c.usage_hint).toBeTruthy()
      // Every registered command reaches its handler (only /workroom is help by design).
      const intent = intentOf({ kind: 'command', command: c.command, text: 'something' })
      expect(intent.kind).toBe(c.command === '/workroom' ? 'help' : c.command.slice(1))
    }
  })

  it('subscribes to mentions, direct messages, assistant threads and the Home tab opening, and turns interactivity on, at the same endpoint', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_home_opened', 'app_mention', 'assistant_thread_context_changed', 'assistant_thread_started', 'message.im'])
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/)
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true })
    expect(manifest.settings.interactivity.request_url).toBe(manifest.settings.event_subscriptions.request_url)
    // The Log time modal's external_select asks for its options at the same endpoint.
    expect(manifest.settings.interactivity.message_menu_options_url).toBe(manifest.settings.event_subscriptions.request_url)
  })

  it('turns the Home tab on beside Messages, and registers the "Log time for this" message shortcut the app listens for', () => {
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true })
    expect(manifest.features.shortcuts).toEqual([
      { name: 'Log time for this', type: 'message', callback_id: LOG_TIME_SHORTCUT, description: expect.any(String) },
    ])
    for (const s of manifest.features.shortcuts!) {
      // Slack's limits: a name of 24 characters, a description of 150.
      expect(s.name.length).toBeLessThanOrEqual(24)
      expect(s.description.length).toBeLessThanOrEqual(150)
    }
  })

  // views.publish, views.open and shortcuts need no scope beyond these (commands covers shortcuts).
  it('asks for the minimum scopes and nothing more', () => {
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['app_mentions:read', 'assistant:write', 'chat:write', 'commands', 'im:history', 'users:read', 'users:read.email'])
    // The OAuth install asks for the same.
    expect([...BOT_SCOPES].sort()).toEqual(manifest.oauth_config.scopes.bot.sort())
    expect(manifest.features.bot_user.display_name).toBe('Workroom')
  })

  it("turns on Slack's assistant view, whose prompts are words the router understands", () => {
    const view = manifest.features.assistant_view!
    expect(view.assistant_description.length).toBeGreaterThan(0)
    expect(view.assistant_description.length).toBeLessThanOrEqual(150)
    for (const p of view.suggested_prompts ?? []) {
      expect(p.title.length).toBeLessThanOrEqual(75)
      expect(intentOf({ kind: 'message', text: p.message }).kind).not.toBe('help')
    }
    expect(manifest.oauth_config.scopes.bot).toContain('assistant:write')
  })
})
