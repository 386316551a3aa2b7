import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, timesheetSettings } from '../src/config.ts'
import { engineOptionsFromConfig } from '../src/db/engine.ts'

describe('configuration', () => {
  it('defaults to the embedded database on 127.0.0.1:3000', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', WORKROOM_DATA_DIR: '.data/pglite' })
    expect(engineOptionsFromConfig(config)).toEqual({ kind: 'pglite', dataDir: '.data/pglite' })
  })

  it('uses a server database when DATABASE_URL is set, and treats an empty one as unset', () => {
    const url = 'postgres://workroom@db.internal:5432/workroom'
    expect(engineOptionsFromConfig(loadConfig({ DATABASE_URL: url }))).toEqual({ kind: 'postgres', url, poolSize: 10 })
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
})
