/**
 * The chat platforms this build serves, in the order the banner lists them. A new platform is a
 * folder under src/bots/ with its ChatPlatform, and one line here; everything else that names
 * platforms (the Platform type, the CLI's choices, help and reply wording, passage links) reads
 * this list. The database's CHECKs on platform columns are the one other place: a migration adds
 * the name there, and the compiler points at it (EntrySource and the identity tables' types in
 * src/db/schema.ts must include every name here).
 *
 * The platform modules registered here load nothing heavy at import (their SDKs load in start),
 * so anything may read the registry.
 */
import { playground } from '../bots/playground/platform.ts'
import { terminal } from '../bots/playground/terminal-platform.ts'
import { slack } from '../bots/slack/platform.ts'
import { teams } from '../bots/teams/platform.ts'
import type { Binding, ChatPlatform, PlatformContext, RunningPlatform } from './platform.ts'

export const PLATFORMS = [playground, slack, teams, terminal] as const

/** A registered platform's name, as stored in the database. */
export type PlatformName = (typeof PLATFORMS)[number]['name']

export const PLATFORM_NAMES: readonly PlatformName[] = PLATFORMS.map((p) => p.name)

export const isPlatformName = (name: unknown): name is PlatformName => (PLATFORM_NAMES as readonly unknown[]).includes(name)

export function platformNamed(name: PlatformName): ChatPlatform<PlatformName> {
  const platform = PLATFORMS.find((p) => p.name === name)
  if (!platform) throw new Error(`no chat platform is registered as "${name}"`)
  return platform
}

/** The platforms an operator binds workspaces of (workroom workspaces bind, workroom link). */
export const BOUND_PLATFORMS = PLATFORMS.filter((p): p is (typeof PLATFORMS)[number] & { binding: Binding } => Boolean(p.binding))

export interface Started {
  platform: ChatPlatform
  /** null: off (its settings are absent). */
  running: RunningPlatform | null
}

/** Every registered platform, started where configured. */
export const startPlatforms = (context: PlatformContext): Promise<Started[]> =>
  Promise.all(PLATFORMS.flatMap((platform: ChatPlatform) => (platform.start ? [platform.start(context)] : []).map(async (running) => ({ platform, running: await running }))))

/** The running ones. */
export const runningOf = (started: Started[]): RunningPlatform[] => started.flatMap((s) => (s.running ? [s.running] : []))

/** Per platform name, what the running platforms offer of one kind (digest senders, resumers, direct senders). */
export function byName<K extends 'postDigest' | 'resume' | 'sendDirect'>(started: Started[], kind: K): Record<string, NonNullable<RunningPlatform[K]>> {
  return Object.fromEntries(started.flatMap(({ platform, running }) => (running?.[kind] ? [[platform.name, running[kind]]] : [])))
}
