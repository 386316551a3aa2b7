/**
 * The chat platforms this build serves, in the order the banner lists them. A new platform is a
 * folder under src/bots/ with its ChatPlatform, and one line here.
 */
import { playground } from '../bots/playground/platform.ts'
import { slack } from '../bots/slack/platform.ts'
import { teams } from '../bots/teams/platform.ts'
import type { ChatPlatform, PlatformContext, RunningPlatform } from './platform.ts'

export const PLATFORMS: readonly ChatPlatform[] = [playground, slack, teams]

export interface Started {
  platform: ChatPlatform
  /** null: off (its settings are absent). */
  running: RunningPlatform | null
}

/** Every registered platform, started where configured. */
export const startPlatforms = (context: PlatformContext): Promise<Started[]> =>
  Promise.all(PLATFORMS.map(async (platform) => ({ platform, running: await platform.start(context) })))

/** The running ones. */
export const runningOf = (started: Started[]): RunningPlatform[] => started.flatMap((s) => (s.running ? [s.running] : []))

/** Per platform name, what the running platforms offer of one kind (digest senders, resumers, direct senders). */
export function byName<K extends 'postDigest' | 'resume' | 'sendDirect'>(started: Started[], kind: K): Record<string, NonNullable<RunningPlatform[K]>> {
  return Object.fromEntries(started.flatMap(({ platform, running }) => (running?.[kind] ? [[platform.name, running[kind]]] : [])))
}
