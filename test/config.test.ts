import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS, ConfigError, loadConfig, passageLinkSettings, playgroundEnabled, playgroundWarning, ragProviders, slackSettings, teamsSettings, timesheetSettings } from '../src/config.ts'
import { engineOptionsFromConfig } from '../src/db/engine.ts'

describe('configuration', () => {
  it('defaults to the embedded database on 127.0.0.1:3000', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', WORKROOM_DATA_DIR: '.data/pglite' })
    expect(engineOptionsFromConfig(config)).toEqual({ kind: 'pglite', dataDir: '.data/pglite', prepare: true })
  })

  it('uses a server database when DATABASE_URL is set, and treats an empty one as unset', () => {
    const url = 'postgres://workroom@db.internal:5432/workroom'
    expect(engineOptionsFromConfig(loadConfig({ DATABASE_URL: url }))).toEqual({ kind: 'postgres', url, poolSize: 10, prepare: true })
    expect(engineOptionsFromConfig(loadConfig({ DATABASE_URL: '' })).kind).toBe('pglite')
  })

  it('reads the timesheet lock period and undo window, with the policy defaults', () => {
    expect(timesheetSettings(loadConfig({}))).toEqual({ lockDays: 14, undoWindowMinutes: 1440 })
    expect(timesheetSettings(loadConfig({ TIMESHEET_LOCK_DAYS: '7', TIMESHEET_UNDO_MINUTES: '30' }))).toEqual({ lockDays: 7, undoWindowMinutes: 30 })
    expect(() => loadConfig({ TIMESHEET_LOCK_DAYS: '-1' })).toThrow(/TIMESHEET_LOCK_DAYS/)
  })

  it('lists every malformed variable at once', () => {
    let error: unknown
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://nope', LOG_LEVEL: 'loud' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toMatch(/PORT/)
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/)
    expect(message).toMatch(/LOG_LEVEL/)
    expect((error as ConfigError).problems).toHaveLength(3)
  })

  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env)
    } catch (err) {
      if (err instanceof ConfigError) return err.problems
      throw err
    }
    return []
  }

  it('switches Slack on only when fully configured, and says exactly what a half configuration lacks', () => {
    expect(slackSettings(loadConfig({}))).toBeNull()
    expect(slackSettings(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))).toMatchObject({ botToken: 'xoxb-1', signingSecret: 's', oauth: undefined })
    expect(slackSettings(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }))).toMatchObject({ appToken: 'xapp-1' })
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual(['SLACK_SIGNING_SECRET: is required to verify requests from Slack (or set SLACK_APP_TOKEN for Socket Mode)'])
    expect(problems({ SLACK_SIGNING_SECRET: 's' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: is required to answer in Slack/)])
    expect(problems({ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 's' })).toEqual(['SLACK_BOT_TOKEN: must be a bot token (xoxb-…)'])
    expect(problems({ SLACK_CLIENT_ID: '1.2', SLACK_SIGNING_SECRET: 's' })).toEqual([
      'SLACK_CLIENT_SECRET: is required for Slack OAuth (multi-workspace) along with the other two',
      'SLACK_STATE_SECRET: is required for Slack OAuth (multi-workspace) along with the other two',
    ])
    const oauth = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'c', SLACK_STATE_SECRET: 'a-long-enough-secret', SLACK_SIGNING_SECRET: 's' }
    expect(slackSettings(loadConfig(oauth))?.oauth).toEqual({ clientId: '1.2', clientSecret: 'c', stateSecret: 'a-long-enough-secret' })
    expect(problems({ ...oauth, SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: and SLACK_CLIENT_ID are exclusive/)])
  })

  it('switches Teams on with an app id and secret, or explicitly for the Emulator, and says what a half configuration lacks', () => {
    const id = '6f1d7c2e-3b0a-4c55-9d2e-7a1b2c3d4e5f'
    expect(teamsSettings(loadConfig({}))).toBeNull()
    expect(teamsSettings(loadConfig({ MICROSOFT_APP_ID: id, MICROSOFT_APP_PASSWORD: 'p' }))).toEqual({ appId: id, appPassword: 'p', appType: 'MultiTenant', tenantId: undefined })
    expect(teamsSettings(loadConfig({ TEAMS_EMULATOR: 'true' }))).toMatchObject({ appId: undefined })
    expect(teamsSettings(loadConfig({ MICROSOFT_APP_ID: id, MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: 't' }))).toMatchObject({ appType: 'UserAssignedMSI' })
    expect(problems({ MICROSOFT_APP_ID: id })).toEqual([expect.stringMatching(/^MICROSOFT_APP_PASSWORD: is required with MICROSOFT_APP_ID/)])
    expect(problems({ MICROSOFT_APP_PASSWORD: 'p' })).toEqual([expect.stringMatching(/^MICROSOFT_APP_ID: is required/)])
    expect(problems({ MICROSOFT_APP_ID: id, MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TYPE: 'SingleTenant' })).toEqual(['MICROSOFT_APP_TENANT_ID: is required for a SingleTenant app'])
    expect(problems({ MICROSOFT_APP_ID: id, MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TYPE: 'Personal' })).toEqual([expect.stringMatching(/^MICROSOFT_APP_TYPE: /)])
    expect(problems({ MICROSOFT_APP_ID: id, MICROSOFT_APP_PASSWORD: 'p', TEAMS_EMULATOR: 'true' })).toEqual([expect.stringMatching(/^TEAMS_EMULATOR: is for running without an app id/)])
    expect(problems({ TEAMS_EMULATOR: 'true', NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^TEAMS_EMULATOR: accepts unauthenticated activities/)])
  })

  it('picks the knowledge providers and the playground from the environment', () => {
    expect(ragProviders(loadConfig({}))).toEqual({ embeddings: 'offline', answers: 'extractive' })
    expect(ragProviders(loadConfig({ OPENAI_API_KEY: 'sk-x' }))).toEqual({ embeddings: 'openai', answers: 'openai' })
    expect(ragProviders(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', RAG_EMBEDDINGS: 'offline' }))).toEqual({ embeddings: 'offline', answers: 'openai' })
    expect(problems({ RAG_ANSWERS: 'openai' })).toEqual(["RAG_ANSWERS: is 'openai' but neither OPENAI_API_KEY nor OPENAI_BASE_URL is set"])
    expect(playgroundEnabled(loadConfig({}))).toBe(true)
    expect(playgroundEnabled(loadConfig({ NODE_ENV: 'production' }))).toBe(false)
    expect(playgroundEnabled(loadConfig({ NODE_ENV: 'production', PLAYGROUND_ENABLED: 'true' }))).toBe(true)
  })

  it('refuses a production playground that listens beyond loopback, and warns about one elsewhere', () => {
    expect(problems({ NODE_ENV: 'production', PLAYGROUND_ENABLED: 'true', HOST: '0.0.0.0' })).toEqual([
      'PLAYGROUND_ENABLED: the playground acts as anyone with no login, so NODE_ENV=production refuses it on HOST=0.0.0.0; set HOST=127.0.0.1 (or ::1, localhost) or PLAYGROUND_ENABLED=false',
    ])
    expect(problems({ NODE_ENV: 'production', PLAYGROUND_ENABLED: 'true', HOST: 'workroom.internal' })).toHaveLength(1)
    for (const host of ['127.0.0.1', '::1', 'localhost', 'LOCALHOST']) expect(problems({ NODE_ENV: 'production', PLAYGROUND_ENABLED: 'true', HOST: host })).toEqual([])
    expect(problems({ NODE_ENV: 'production', HOST: '0.0.0.0' })).toEqual([])   // the playground is off
    expect(playgroundWarning(loadConfig({ HOST: '0.0.0.0' }))).toBe(
      'The playground listens on 0.0.0.0, beyond this machine: anyone who can reach port 3000 can act as any person, with no login. Set HOST=127.0.0.1 unless that is what you want.')
    expect(playgroundWarning(loadConfig({}))).toBeNull()
    expect(playgroundWarning(loadConfig({ HOST: '::1' }))).toBeNull()
    expect(playgroundWarning(loadConfig({ HOST: '0.0.0.0', PLAYGROUND_ENABLED: 'false' }))).toBeNull()
  })

  it('mints passage links only with PUBLIC_URL, and needs LINK_SECRET for them in production', () => {
    expect(passageLinkSettings(loadConfig({}))).toBeNull()
    const dev = passageLinkSettings(loadConfig({ PUBLIC_URL: 'https://workroom.example.com/' }), () => 'r'.repeat(43))
    expect(dev).toEqual({ publicUrl: 'https://workroom.example.com', secret: 'r'.repeat(43), secretGenerated: true })
    const secret = 's'.repeat(32)
    expect(passageLinkSettings(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://w.example', LINK_SECRET: secret }))).toEqual({ publicUrl: 'https://w.example', secret, secretGenerated: false })
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://w.example' })).toThrow(/LINK_SECRET: is required with PUBLIC_URL/)
    expect(() => loadConfig({ LINK_SECRET: 'short' })).toThrow(/LINK_SECRET: must be at least 32 characters/)
    expect(() => loadConfig({ PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/PUBLIC_URL/)
  })

  it('documents every setting in the README and in .env.example', () => {
    const readme = readFileSync('README.md', 'utf8')
    const example = readFileSync('.env.example', 'utf8')
    expect(CONFIG_KEYS.length).toBeGreaterThan(20)
    expect(CONFIG_KEYS.filter((k) => !readme.includes(`\`${k}\``))).toEqual([])
    expect(CONFIG_KEYS.filter((k) => !new RegExp(`^# ${k}=`, 'm').test(example))).toEqual([])
  })
})
