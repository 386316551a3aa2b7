import type { ChatPlatform } from '../../chat/platform.ts'
import { playgroundEnabled, playgroundWarning } from '../../config.ts'
import { privateVoice } from './voice.ts'

export const playground: ChatPlatform<'playground'> = {
  name: 'playground',
  label: 'Playground',
  workspace: 'playground tenant',
  voice: privateVoice,
  channels: false,
  async start({ config, router, logger }) {
    if (!playgroundEnabled(config)) return null
    const exposed = playgroundWarning(config)
    if (exposed) logger.warn({ host: config.HOST }, exposed)
    // Here, not above: the registry (src/chat/platforms.ts) is read by the router, which the page imports.
    const { playgroundRoutes } = await import('./web.ts')
    return {
      mode: 'on',
      describe: (url) => `${url}/  (acts as any demo person; no login${exposed ? '; reachable beyond this machine' : ''})`,
      routes: playgroundRoutes(router, { host: config.HOST, port: config.PORT }),
    }
  },
  off: () => 'off (NODE_ENV=production; PLAYGROUND_ENABLED=true turns it on)',
}
